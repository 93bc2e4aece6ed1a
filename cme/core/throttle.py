"""One throttle for every public look-up (注册状态查询, 忘记密码, 证书核验) and code request.

Each use is a `QueryThrottle` row; a key may be used at most `limit` times in a sliding `window`.
Counting and inserting must not race (forty parallel requests would all count nine and all pass), so
the key is locked first: PostgreSQL `pg_advisory_xact_lock` on a hash of the key (held until the
transaction ends), SQLite by its BEGIN IMMEDIATE write lock (cme/db.py). A look-up that is then
refused still counts: callers mark it with `cme.db.keep_on_refusal` before raising.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cme.clock import utcnow
from cme.errors import Throttled
from cme.models import QueryThrottle


def lock_key(session: Session, key: str) -> None:
    """Serialise everyone using `key` until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def hit(session: Session, key: str, *, limit: int, window: timedelta, message: str, field: str | None = None) -> None:
    """Count one use of `key`; Throttled(message) once it was used `limit` times within `window`."""
    key = key[:100]
    lock_key(session, key)
    used = session.execute(
        select(func.count()).select_from(QueryThrottle).where(QueryThrottle.key == key, QueryThrottle.at >= utcnow() - window)
    ).scalar_one()
    if used >= limit:
        raise Throttled(message, field)
    session.add(QueryThrottle(key=key, at=utcnow()))
    session.flush()
