"""Password policy and hashing (bcrypt at CME_BCRYPT_ROUNDS, 12 by default; a SHA-256 pre-hash lifts
bcrypt's 72-byte limit). Verifying reads the cost from the stored hash, so changing the setting only
changes new hashes."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets

import bcrypt

from cme.config import get_settings

COMMON_PASSWORDS = frozenset(
    {
        "111111", "123456", "12345678", "123456789", "1234567890", "11111111", "00000000",
        "88888888", "password", "password1", "passw0rd", "abc12345", "abcd1234", "a1234567",
        "qwerty123", "1qaz2wsx", "qwe12345", "aa123456", "admin123", "root1234", "iloveyou1",
        "12345678a", "a12345678", "123456abc", "abc123456", "woaini1314", "zxcvbnm1",
    }
)


def password_problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """The Chinese reason a password is refused, or None when it is acceptable."""
    if not password:
        return "不能为空"
    if len(password) < 8:
        return "至少8位"
    if len(password) > 128:
        return "不能超过128位"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "须同时包含字母和数字"
    if password.lower() in COMMON_PASSWORDS:
        return "过于常见，请换一个"
    lowered = password.lower()
    if any(p and p.lower() in lowered for p in personal if len(p or "") >= 4):
        return "不能包含用户名、身份证号或手机号"
    return None


def _prehash(password: str) -> bytes:
    # bcrypt ignores bytes past 72; a base64 SHA-256 digest (44 bytes) keeps every character significant
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


def hash_password(password: str, rounds: int | None = None) -> str:
    """bcrypt of the pre-hashed password at `rounds`, by default the configured cost."""
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds or get_settings().bcrypt_rounds)).decode()


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode())
    except ValueError:
        return False


def random_password() -> str:
    """A one-time password that satisfies the policy (letters and digits, 12 characters)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz"
    digits = "23456789"
    chars = [secrets.choice(alphabet) for _ in range(8)] + [secrets.choice(digits) for _ in range(4)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
