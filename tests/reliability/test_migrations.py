"""One migration runner: the Alembic round trip leaves no model/schema difference, and two
`python -m cme init-db` started at once on an empty database build one schema (real processes)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from cme.models import DictionaryItem, Region
from cme.ops.migrate import alembic_config
from tests.conftest import missing_dependency

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = os.environ.get("CME_TEST_POSTGRES_URL")
    if not base:
        missing_dependency("CME_TEST_POSTGRES_URL is not set")
    name = f"cme_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_check_downgrade_upgrade(empty_url):
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises when the models and the migrated schema differ
    command.downgrade(cfg, "base")
    engine = create_engine(empty_url)
    with engine.connect() as c:
        left = [t for t in engine.dialect.get_table_names(c) if t != "alembic_version"]
    assert left == []
    command.upgrade(cfg, "head")
    command.check(cfg)
    engine.dispose()


def test_two_init_db_at_once_on_an_empty_database_build_one_schema(empty_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")} | {
        "CME_DATABASE_URL": empty_url, "CME_SECRET_KEY": "test-secret-key", "CME_DEMO": "0"}
    procs = [subprocess.Popen([sys.executable, "-m", "cme", "init-db"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    engine = create_engine(empty_url)
    with engine.connect() as c:
        versions = c.execute(text("SELECT count(*) FROM alembic_version")).scalar()
        regions = c.execute(select(func.count()).select_from(Region)).scalar()
        distinct_regions = c.execute(select(func.count(Region.code.distinct()))).scalar()
        items = c.execute(select(func.count()).select_from(DictionaryItem)).scalar()
    engine.dispose()
    print(f"\n[{make_url(empty_url).get_backend_name()}] two init-db at once: {versions} schema version row, "
          f"{regions} regions ({regions - distinct_regions} duplicated), {items} dictionary items")
    assert versions == 1 and regions == distinct_regions > 0 and items > 0


def test_audit_action_rename_up_and_down_keeps_the_log_append_only(empty_url):
    """0007 renames stored audit actions to the one `<subject>.<verb>` style and back; on PostgreSQL the
    append-only trigger is lifted only inside the migration: afterwards an UPDATE is still refused."""
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0006_attendance")
    engine = create_engine(empty_url)
    old = ["issue_certificate", "profile_approve", "registration.submitted", "login.success", "credit.submit"]
    with engine.begin() as c:
        for action in old:
            c.execute(text("INSERT INTO audit_log (at, action, entity) VALUES (CURRENT_TIMESTAMP, :a, 'x')"), {"a": action})

    def actions() -> list[str]:
        with engine.connect() as c:
            return list(c.scalars(text("SELECT action FROM audit_log ORDER BY id")))

    command.upgrade(cfg, "head")
    assert actions() == ["certificate.issue", "profile.approve", "registration.submit", "login.succeed", "credit.submit"]
    if engine.dialect.name == "postgresql":
        with pytest.raises(Exception, match="append-only"), engine.begin() as c:
            c.execute(text("UPDATE audit_log SET action = 'x.y'"))
    command.downgrade(cfg, "0006_attendance")
    assert actions() == old
    engine.dispose()
