"""Keys derived from CME_SECRET_KEY: PII encryption, keyed lookup hashes, token hashes.

Fernet (AES-128-CBC + HMAC) encrypts 身份证号/手机号; an HMAC-SHA256 of the normalised value
serves uniqueness and search without storing anything readable.

A `Keyring` is one secret's keys; given older secrets too it reads tokens of any of them
(`MultiFernet`) and writes with the first — what `python -m cme rotate-key` uses, so a token is
readable whichever key wrote it. The keyed fingerprint of the secret is stored in the database at
set-up (cme/ops/keys.py) so that a changed CME_SECRET_KEY is noticed at start.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import overload

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cme.config import get_settings


def _derive(purpose: bytes, secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cme-platform", info=purpose).derive(
        secret.encode()
    )


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    fernet = Fernet(base64.urlsafe_b64encode(_derive(b"pii-encryption", secret)))
    return fernet, _derive(b"lookup-hash", secret)


class Keyring:
    """Encrypts and hashes with `secret`; decrypts tokens written with it or any of `older`."""

    def __init__(self, secret: str, *older: str):
        self._fernet, self._hash_key = _keys(secret)
        # identifies the secret without revealing it: an HMAC of a fixed label under a key derived for
        # this purpose only (no other key or hash can be computed from it)
        self._fingerprint = hmac.new(_derive(b"key-fingerprint", secret), b"CME_SECRET_KEY check",
                                     hashlib.sha256).hexdigest()
        self._reader = MultiFernet([self._fernet, *(_keys(o)[0] for o in older)]) if older else self._fernet

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    @overload
    def decrypt(self, token: str) -> str: ...
    @overload
    def decrypt(self, token: None) -> None: ...
    @overload
    def decrypt(self, token: str | None) -> str | None: ...
    def decrypt(self, token: str | None) -> str | None:
        return None if token is None else self._reader.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """The token re-encrypted with this keyring's key, whichever of its keys wrote it."""
        if isinstance(self._reader, MultiFernet):
            return self._reader.rotate(token.encode()).decode()
        return self.encrypt(self.decrypt(token))

    def can_decrypt(self, token: str) -> bool:
        try:
            self.decrypt(token)
        except InvalidToken:
            return False
        return True

    def lookup_hash(self, value: str) -> str:
        """Deterministic keyed hash of an identifier (upper-cased, stripped)."""
        return hmac.new(self._hash_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()

    def fingerprint(self) -> str:
        """Stored at set-up; compared at start (cme/ops/keys.py)."""
        return self._fingerprint


@lru_cache(maxsize=4)
def _keyring(secret: str) -> Keyring:
    return Keyring(secret)


def keyring(secret: str | None = None) -> Keyring:
    """The keyring of `secret`, by default the configured CME_SECRET_KEY (read per call: tests switch it)."""
    return _keyring(secret or get_settings().secret_key)


def encrypt(value: str) -> str:
    return keyring().encrypt(value)


@overload
def decrypt(token: str) -> str: ...
@overload
def decrypt(token: None) -> None: ...
@overload
def decrypt(token: str | None) -> str | None: ...
def decrypt(token: str | None) -> str | None:
    return keyring().decrypt(token)


def lookup_hash(value: str) -> str:
    """Deterministic keyed hash of an identifier (upper-cased, stripped)."""
    return keyring().lookup_hash(value)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def mask_id_number(id_number: str) -> str:
    """`510104********1234` — first six and last four kept."""
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:] if len(id_number) > 10 else "****"


def mask_phone(phone: str) -> str:
    """`138****5678`."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "****"
