"""The one migration runner (init-db, first start, tests), safe when N replicas start at once.

`prepared_database()` opens ONE transaction that first takes the set-up lock — PostgreSQL
`pg_advisory_xact_lock` (released at commit), SQLite the write lock of BEGIN IMMEDIATE
(cme/db.py) — and then migrates and loads reference data in it. A second replica waits for the
lock, then finds the schema at head and the data there: it migrates nothing and inserts nothing.
PostgreSQL and SQLite both run DDL inside transactions, so a crash leaves the previous schema.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.orm import Session

from cme.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SETUP_LOCK = 4_202_611  # any constant shared by every replica of this application


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@contextmanager
def prepared_database() -> Iterator[Session]:
    """Migrate to head under the set-up lock; yields a session in the same transaction for data loads."""
    engine = get_engine()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})
        cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        with Session(bind=connection, expire_on_commit=False) as session:
            yield session
            session.flush()


def upgrade_to_head() -> None:
    with prepared_database():
        pass
