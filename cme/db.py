"""The one engine and sessionmaker. Services open `with session_scope() as s:`."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from cme.config import get_settings

_makers: dict[str, sessionmaker[Session]] = {}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL for concurrent readers, FKs enforced
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def session_factory() -> sessionmaker[Session]:
    url = get_settings().database_url
    if url not in _makers:
        from cme.core import rollups  # every session keeps the staff rollups exact when a User changes

        rollups.install()
        _makers[url] = sessionmaker(make_engine(url), expire_on_commit=False)
    return _makers[url]


def get_engine() -> Engine:
    return session_factory().kw["bind"]


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error, always close."""
    session = session_factory()()
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
