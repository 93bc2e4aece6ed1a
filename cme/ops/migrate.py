"""Run Alembic migrations from code (init-db, tests, first start)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from cme.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_to_head() -> None:
    engine = get_engine()
    with engine.begin() as connection:
        cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
