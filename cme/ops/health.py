"""Is this replica fit to serve? The database answers and its schema is at the migrations' head.

Used by /healthz (ui/web.py), which load balancers, Docker and systemd probe: a replica whose
database is down, or that runs newer code than the schema (an upgrade whose `init-db` has not run
yet), is taken out of rotation instead of failing users' pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from cme.db import get_engine
from cme.ops.migrate import alembic_config


@dataclass(frozen=True)
class Health:
    ok: bool
    database: bool
    revision: list[str] = field(default_factory=list)  # what the database holds
    head: list[str] = field(default_factory=list)  # what this code expects
    problem: str | None = None

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"status": "ok" if self.ok else "unavailable", "database": self.database,
                                   "migrations": {"current": self.revision, "head": self.head}}
        if self.problem:
            body["problem"] = self.problem
        return body


def head_revisions() -> list[str]:
    return sorted(ScriptDirectory.from_config(alembic_config()).get_heads())


def check_health() -> Health:
    """Never raises: every failure is a 'not ok' answer with its reason (no secrets: no URL)."""
    try:
        head = head_revisions()
    except Exception as e:  # a broken install: no migration scripts
        return Health(False, False, problem=f"migration scripts unreadable: {type(e).__name__}")
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
            current = sorted(MigrationContext.configure(connection).get_current_heads())
    except Exception as e:
        return Health(False, False, head=head, problem=f"database unreachable: {type(e).__name__}")
    if current != head:
        return Health(False, True, current, head, problem="database schema is not at the migrations' head (run init-db)")
    return Health(True, True, current, head)
