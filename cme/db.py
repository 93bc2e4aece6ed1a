"""The one engine and sessionmaker. Services open `with session_scope() as s:`.

SQLite: every transaction starts with `BEGIN IMMEDIATE` (SQLAlchemy's documented pysqlite recipe:
the driver's own BEGIN is switched off with `isolation_level = None` and the `begin` event emits
ours). A unit of work therefore holds the write lock from its first statement, so a status check
and the write that depends on it cannot interleave with another writer, and a read-then-write never
fails with "database is locked" half way. `session_scope(read_only=True)` begins DEFERRED instead,
for long reads that must not queue behind writers (WAL readers never block).
PostgreSQL: READ COMMITTED; what others may race on uses a conditional UPDATE or a row lock
(see cme/core/transitions.py and cme/credits/summaries.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from cme.config import get_settings

_makers: dict[str, sessionmaker[Session]] = {}
READ_ONLY = "cme_read_only"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL for concurrent readers, FKs enforced
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN DEFERRED" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def session_factory() -> sessionmaker[Session]:
    url = get_settings().database_url
    if url not in _makers:
        _makers[url] = sessionmaker(make_engine(url), expire_on_commit=False)
    return _makers[url]


def get_engine() -> Engine:
    return session_factory().kw["bind"]


@contextmanager
def session_scope(*, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error, always close.

    `read_only=True` only changes how SQLite begins (DEFERRED: no write lock); it is for pages
    that read and never write.
    """
    maker = session_factory()
    session = maker(bind=get_engine().execution_options(**{READ_ONLY: True})) if read_only else maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def reset_engines() -> None:
    """Dispose engines and re-read settings (tests switch databases)."""
    for maker in _makers.values():
        maker.kw["bind"].dispose()
    _makers.clear()
    get_settings.cache_clear()
