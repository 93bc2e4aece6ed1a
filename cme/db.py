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

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from cme.config import get_settings
from cme.errors import DomainError, NotFound

_makers: dict[str, sessionmaker[Session]] = {}
READ_ONLY = "cme_read_only"
_KEEP_ON_REFUSAL = "cme_keep_on_refusal"


T = TypeVar("T")


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
        from cme.core import rollups  # every session keeps the staff rollups exact when a User changes

        rollups.install()
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
    except DomainError:
        # a refusal that counted an attempt (wrong password, wrong SMS code, failed look-up) keeps the count
        session.commit() if session.info.get(_KEEP_ON_REFUSAL) else session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed (how a conditional update claims a row).

    Session.execute is typed to return a Result; for such statements it is a CursorResult, which counts them.
    """
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def keep_on_refusal(session: Session) -> None:
    """Mark what this unit of work wrote so far (an attempt counter) as a fact that outlives the
    refusal about to be raised: `session_scope` commits it instead of rolling back.

    Why not a separate transaction: on SQLite the caller's unit of work already holds the write
    lock (BEGIN IMMEDIATE), so a second writer would wait for it forever; and a service committing
    its caller's unit of work half way is what DESIGN rule 4 forbids. Call it only right before
    raising the refusal, after writing nothing but the counter.
    """
    session.info[_KEEP_ON_REFUSAL] = True


# ---- side effects that cannot roll back: run them after the commit, undo staging on rollback ----
_ON_COMMIT, _ON_ROLLBACK = "cme_on_commit", "cme_on_rollback"


def on_commit(session: Session, action: Callable[[], object]) -> None:
    """Run `action` once this unit of work has committed (publish a file, delete an old one, send an SMS)."""
    session.info.setdefault(_ON_COMMIT, []).append(action)


def on_rollback(session: Session, action: Callable[[], None]) -> None:
    """Run `action` if this unit of work ends without committing (remove a staged file)."""
    session.info.setdefault(_ON_ROLLBACK, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the outer transaction may still roll back
        return
    session.info.pop(_ON_ROLLBACK, None)
    for action in session.info.pop(_ON_COMMIT, []):
        action()


@event.listens_for(Session, "after_transaction_end")
def _run_after_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended; after a commit nothing is left here
        session.info.pop(_ON_COMMIT, None)
        for action in session.info.pop(_ON_ROLLBACK, []):
            action()


def reset_engines() -> None:
    """Dispose engines and re-read settings (tests switch databases)."""
    for maker in _makers.values():
        maker.kw["bind"].dispose()
    _makers.clear()
    get_settings.cache_clear()


def get_or_raise(session: Session, model: type[T], ident: object, message: str, **options: Any) -> T:
    """The row by primary key, or NotFound with the Chinese `message` (options as for `Session.get`)."""
    row = session.get(model, ident, **options)
    if row is None:
        raise NotFound(message)
    return row
