"""Settings read from the environment, once per process.

CME_DATABASE_URL  SQLAlchemy URL; unset → SQLite file data/cme.db
CME_DEMO          "1" turns demo mode on (demo data, shown codes, demo key); off unless set explicitly
CME_SECRET_KEY    secret for PII encryption, lookup hashes and session tokens (required outside demo)
CME_SMS_BACKEND   "http" (production) or "console" (demo mode only; refused otherwise)
CME_SMS_HOURLY_BUDGET  most SMS codes the platform sends per hour, all numbers together (default 300)
CME_SMS_HTTP_URL, CME_SMS_HTTP_TOKEN   the HTTP gateway (used when CME_SMS_BACKEND=http)
CME_UPLOAD_DIR    where proofs and photos are stored (default data/uploads)
CME_STORAGE_URL   uploads in an object store instead: s3://bucket/prefix (default: the folder above)
CME_PUBLIC_URL    base URL printed in certificate and sign-in QR codes (the server refuses to start without it
                  outside demo; demo: http://localhost:8501)
CME_NATIONAL_COUNTS_AS_PROVINCIAL_I  "1" lets 国家级I类 count toward the yearly 省级I类 figure
CME_COOKIE_SECURE "1" always marks the session cookie Secure, "0" never; unset: when served over HTTPS
CME_BCRYPT_ROUNDS bcrypt cost of new password hashes (default 12); under 12 is refused except in a test run
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import overload

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEMO_SECRET = "cme-demo-secret-key-not-for-production"
DEMO_PUBLIC_URL = "http://localhost:8501"


class ConfigError(RuntimeError):
    pass


BCRYPT_ROUNDS = 12  # OWASP's floor for bcrypt; each step doubles the cost of a login and of a guess
BCRYPT_TEST_FLOOR = 4  # bcrypt's own minimum: the test suite hashes thousands of passwords
BCRYPT_MAX = 16  # above this one login costs seconds of CPU


def running_tests() -> bool:
    """A pytest process, or a server that a test started (pytest sets PYTEST_CURRENT_TEST while a
    test runs and its subprocesses inherit it)."""
    return "pytest" in sys.modules or bool(os.environ.get("PYTEST_CURRENT_TEST"))


def bcrypt_rounds() -> int:
    raw = os.environ.get("CME_BCRYPT_ROUNDS", "").strip()
    if not raw:
        return BCRYPT_ROUNDS
    floor = BCRYPT_TEST_FLOOR if running_tests() else BCRYPT_ROUNDS
    try:
        rounds = int(raw)
    except ValueError:
        raise ConfigError(f"CME_BCRYPT_ROUNDS must be a whole number from {floor} to {BCRYPT_MAX}, not {raw!r}") from None
    if not floor <= rounds <= BCRYPT_MAX:
        raise ConfigError(f"CME_BCRYPT_ROUNDS must be from {floor} to {BCRYPT_MAX} (got {rounds}); "
                          f"values under {BCRYPT_ROUNDS} are for the test suite only")
    return rounds


@overload
def _flag(name: str, default: bool) -> bool: ...
@overload
def _flag(name: str, default: None) -> bool | None: ...
def _flag(name: str, default: bool | None) -> bool | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


PUBLIC_URL_MISSING = ("CME_PUBLIC_URL must be set when demo mode is off (未设置 CME_PUBLIC_URL：证书和签到二维码"
                      "需要平台的对外地址，例如 https://cme.example.org)")


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo: bool
    secret_key: str
    sms_backend: str
    sms_http_url: str | None
    sms_http_token: str | None
    upload_dir: Path
    storage_url: str
    public_url: str
    national_counts_as_provincial_i: bool
    cookie_secure: bool | None = None
    sms_hourly_budget: int = 300  # None: decided per request by its scheme
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    bcrypt_rounds: int = BCRYPT_ROUNDS

    def require_public_url(self) -> str:
        """The base URL for QR codes. Outside demo it must be set: a code pointing at localhost would be
        printed on every certificate. Checked when the server starts and wherever a QR code is made
        (maintenance commands that print none run without it)."""
        if not self.public_url:
            raise ConfigError(PUBLIC_URL_MISSING)
        return self.public_url


def load_settings() -> Settings:
    url = os.environ.get("CME_DATABASE_URL", "").strip()
    demo = bool(_flag("CME_DEMO", default=False))  # never implied: a forgotten variable must not mean demo
    if not url:
        url = f"sqlite:///{DATA_DIR / 'cme.db'}"
    secret = os.environ.get("CME_SECRET_KEY", "").strip()
    if not secret:
        if not demo:
            raise ConfigError("CME_SECRET_KEY must be set when demo mode is off")
        secret = DEMO_SECRET
    public_url = os.environ.get("CME_PUBLIC_URL", "").strip() or (DEMO_PUBLIC_URL if demo else "")
    return Settings(
        database_url=url,
        demo=demo,
        secret_key=secret,
        sms_backend=os.environ.get("CME_SMS_BACKEND", "console").strip() or "console",
        sms_http_url=os.environ.get("CME_SMS_HTTP_URL") or None,
        sms_http_token=os.environ.get("CME_SMS_HTTP_TOKEN") or None,
        upload_dir=Path(os.environ.get("CME_UPLOAD_DIR") or DATA_DIR / "uploads"),
        storage_url=os.environ.get("CME_STORAGE_URL", "").strip(),
        public_url=public_url.rstrip("/"),
        national_counts_as_provincial_i=bool(_flag("CME_NATIONAL_COUNTS_AS_PROVINCIAL_I", False)),
        cookie_secure=_flag("CME_COOKIE_SECURE", None),
        sms_hourly_budget=int(os.environ.get("CME_SMS_HOURLY_BUDGET") or 300),
        bcrypt_rounds=bcrypt_rounds(),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
