"""Database set-up: schema by Alembic, the key check, reference data, demo data on first start — all
under the set-up lock of cme.ops.migrate, so replicas starting together do it once. A running
CME_SECRET_KEY that is not the database's stops set-up before anything is written with it."""
from __future__ import annotations

from cme.accounts.legacy import wrap_unsalted_hashes
from cme.config import get_settings
from cme.core import verdicts
from cme.core.reference import load_reference_data
from cme.ops.demo import seed_demo
from cme.ops.keys import verify_key
from cme.ops.migrate import prepared_database


def init_db() -> dict[str, int]:
    """Idempotent: migrate to head and add missing reference data."""
    with prepared_database() as s:
        verify_key(s)
        loaded = load_reference_data(s)
        verdicts.ensure_current(s)  # new columns, or CME_NATIONAL_COUNTS_AS_PROVINCIAL_I changed: judge all once
        wrap_unsalted_hashes(s)  # bare legacy digests stored by an earlier version (cme/accounts/legacy.py)
    return loaded


def ensure_ready() -> None:
    """First start: schema and reference data always; demo data in demo mode."""
    with prepared_database() as s:
        verify_key(s)
        load_reference_data(s)
        verdicts.ensure_current(s)
        if get_settings().demo:
            seed_demo(s)
