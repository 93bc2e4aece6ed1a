"""Keys derived from CME_SECRET_KEY: PII encryption, keyed lookup hashes, token hashes.

Fernet (AES-128-CBC + HMAC) encrypts 身份证号/手机号; an HMAC-SHA256 of the normalised value
serves uniqueness and search without storing anything readable.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import overload

from cryptography.fernet import Fernet
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


def _current() -> tuple[Fernet, bytes]:
    return _keys(get_settings().secret_key)


def encrypt(value: str) -> str:
    return _current()[0].encrypt(value.encode()).decode()


@overload
def decrypt(token: str) -> str: ...
@overload
def decrypt(token: None) -> None: ...
@overload
def decrypt(token: str | None) -> str | None: ...
def decrypt(token: str | None) -> str | None:
    return None if token is None else _current()[0].decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """Deterministic keyed hash of an identifier (upper-cased, stripped)."""
    return hmac.new(_current()[1], value.strip().upper().encode(), hashlib.sha256).hexdigest()


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def mask_id_number(id_number: str) -> str:
    """`510104********1234` — first six and last four kept."""
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:] if len(id_number) > 10 else "****"


def mask_phone(phone: str) -> str:
    """`138****5678`."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "****"
