"""Shared fixtures: a real database per backend (SQLite file; PostgreSQL when configured).

`db` is parametrized over both backends. Without CME_TEST_POSTGRES_URL the PostgreSQL variant
skips locally, and fails under CI=true: CI must test both.
"""
from __future__ import annotations

import os
import uuid

import pytest

os.environ.setdefault("CME_SECRET_KEY", "test-secret-key")
os.environ.setdefault("CME_PUBLIC_URL", "https://cme.test")  # required outside demo (cme/config.py)
os.environ["CME_DEMO"] = "0"
os.environ.setdefault("CME_BCRYPT_ROUNDS", "4")  # bcrypt's floor, allowed in test runs only (cme/config.py)
os.environ.setdefault("CME_WARMUP", "0")  # no start-up warm-up in the test process (tests/pages/test_warmup.py runs it apart)

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from cme.db import reset_engines, session_scope  # noqa: E402
from cme.models import Base  # noqa: E402
from tests.attendance_world import fake_clock  # noqa: E402, F401  (the attendance tests' clock fixture, shared here)

REFERENCE_TABLES = {"regions", "dictionary_items", "credit_standards"}
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


from cme.accounts import sms  # noqa: E402

CONFIGURED_GATEWAY = sms.get_gateway  # the real choice, for the test that it refuses console outside demo


@pytest.fixture(autouse=True)
def sms_outbox(monkeypatch):
    """Tests run outside demo mode, where the console gateway is refused: codes go to its in-process
    outbox (read by tests), as a provider's would go to a phone."""
    monkeypatch.setattr(sms, "get_gateway", lambda: sms.ConsoleGateway())


def missing_dependency(message: str):
    """Skip locally, fail in CI: a test that cannot run there is a failure, not a skip."""
    if IN_CI:
        pytest.fail(message + " (CI=true: required)")
    pytest.skip(message)


def _prepare(url: str, monkeypatch_env: dict[str, str]) -> None:
    os.environ.update(monkeypatch_env)
    os.environ["CME_DATABASE_URL"] = url
    reset_engines()
    from cme.ops.setup import init_db

    init_db()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def create_postgres_database(base: str) -> str:
    """A new, empty database on the server of CME_TEST_POSTGRES_URL; returns its URL."""
    name = f"cme_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # server down: same rule as a missing URL
        missing_dependency(f"PostgreSQL not reachable: {e}")
    finally:
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(base: str, url: str) -> None:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    base = os.environ.get("CME_TEST_POSTGRES_URL")
    if not base:
        missing_dependency("CME_TEST_POSTGRES_URL is not set")
    url = create_postgres_database(base)
    yield url
    reset_engines()
    drop_postgres_database(base, url)


_prepared: set[str] = set()


def _use(url: str, tmp_path) -> None:
    """Point the app at `url` (schema and reference data built on first use) with this test's upload folder."""
    env = {"CME_UPLOAD_DIR": str(tmp_path / "uploads")}
    if url not in _prepared:
        _prepare(url, env)
        _prepared.add(url)
    else:
        os.environ.update(env)
        os.environ["CME_DATABASE_URL"] = url
        reset_engines()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """A clean database (reference data loaded) for one test, on each backend in turn."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    _use(url, tmp_path)
    yield request.param
    _truncate(url)


@pytest.fixture
def sqlite_db(sqlite_url, tmp_path):
    """SQLite only, for tests that exercise no backend-specific behaviour (pages, CLI)."""
    _use(sqlite_url, tmp_path)
    yield sqlite_url
    _truncate(sqlite_url)


def _truncate(url: str) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with session_scope() as s:
        if url.startswith("postgresql"):
            s.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                s.execute(t.delete())


def pytest_terminal_summary(terminalreporter):
    """Lines tests asked to show in the summary (record_property "corpus"), from xdist workers too."""
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", ()):
            if name == "corpus":
                terminalreporter.write_line(value)
