"""Database set-up: schema by Alembic, reference data, demo data on first start."""
from __future__ import annotations

from cme.config import get_settings
from cme.db import session_scope
from cme.ops.migrate import upgrade_to_head
from cme.ops.demo import seed_demo
from cme.core.reference import load_reference_data
from cme.core import verdicts


def init_db() -> dict[str, int]:
    """Idempotent: migrate to head and add missing reference data."""
    upgrade_to_head()
    with session_scope() as s:
        loaded = load_reference_data(s)
    with session_scope() as s:
        verdicts.ensure_current(s)  # new columns, or CME_NATIONAL_COUNTS_AS_PROVINCIAL_I changed: judge all once
    return loaded


def ensure_ready() -> None:
    """First start: schema and reference data always; demo data in demo mode."""
    init_db()
    if get_settings().demo:
        with session_scope() as s:
            seed_demo(s)
