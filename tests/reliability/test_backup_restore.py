"""`python -m cme backup` → wipe → `python -m cme restore` gives back the same database, row for
row in every table, and the same stored files byte for byte — on SQLite and PostgreSQL, with the
uploads in a folder and in an S3-compatible bucket. A restore never overwrites a target holding
accounts or files unless told to (--force)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from cme.cli import main
from cme.config import get_settings
from cme.credits import entry, review
from cme.db import get_engine, reset_engines, session_scope
from cme.ops.setup import init_db
from cme.storage import Upload, get_storage
from tests.conftest import create_postgres_database, drop_postgres_database, missing_dependency
from tests.factories import PASSWORD, login_token, make_admin, make_institution, make_person, minimal_pdf
from tests.integration.test_credits import form, png_bytes
from tests.object_store import moto_server, use_new_bucket


@pytest.fixture(params=["sqlite", "postgresql"])
def own_db(request, tmp_path, monkeypatch):
    """A database of its own (restore replaces it whole) and an upload folder, as the app's settings."""
    base = os.environ.get("CME_TEST_POSTGRES_URL")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cme.db'}"
    else:
        if not base:
            missing_dependency("CME_TEST_POSTGRES_URL is not set")
        url = create_postgres_database(base)
    if shutil.which("pg_dump") is None and request.param == "postgresql":
        missing_dependency("pg_dump/pg_restore are not installed (Debian postgresql-client)")
    monkeypatch.setenv("CME_DATABASE_URL", url)
    monkeypatch.setenv("CME_UPLOAD_DIR", str(tmp_path / "uploads"))
    reset_engines()
    init_db()
    yield url
    reset_engines()
    monkeypatch.undo()
    reset_engines()
    if request.param == "postgresql":
        drop_postgres_database(base, url)


def make_data(tag: str = "") -> tuple[str, int]:
    """People, two credits with proofs (an image and a PDF), one approved, and a login session."""
    with session_scope() as s:
        inst = make_institution(s)
        person, admin = make_person(s, inst), make_admin(s, inst)
    with session_scope() as s:
        first = entry.submit_credit(s, person, form(project_code=f"BK-1{tag}", proof=Upload(png_bytes(), "证明.png")))
        entry.submit_credit(s, person, form(project_code=f"BK-2{tag}", proof=Upload(minimal_pdf(), "证书.pdf")))
    with session_scope() as s:
        review.approve_credit(s, admin, first)
    with session_scope() as s:
        login_token(s, person.username, PASSWORD)
    return person.username, first


def table_contents(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (the migrations' own table included), in a stable order."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as c:
            return {name: sorted(c.execute(select(table)).all(), key=repr) for name, table in sorted(meta.tables.items())}
    finally:
        engine.dispose()


def stored_files() -> dict[str, bytes]:
    storage = get_storage()
    final, staged = storage.keys()
    assert not staged
    return {key: storage.load(key) for key in sorted(final)}


def wipe(url: str) -> None:
    """Lose the database and the files, as after a disk failure."""
    reset_engines()
    if url.startswith("sqlite"):
        path = Path(make_url(url).database)
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            f.unlink(missing_ok=True)
    else:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    storage = get_storage()
    for key in storage.keys()[0]:
        storage.delete(key)
    assert not storage.keys()[0]


def test_backup_wipe_restore_gives_identical_tables_and_files(own_db, tmp_path, capsys):
    username, credit_id = make_data()
    tables, files = table_contents(own_db), stored_files()
    assert len(files) == 2 and tables["credit_records"] and tables["users"]
    archive = tmp_path / "backups" / "cme.tar.gz"

    assert main(["backup", "--out", str(archive)]) == 0
    assert "上传文件 2 个" in capsys.readouterr().out
    wipe(own_db)
    assert main(["restore", str(archive)]) == 0
    assert "上传文件 2 个" in capsys.readouterr().out

    assert table_contents(own_db) == tables
    assert stored_files() == files
    with session_scope() as s:  # the app works on it: the same login, the proof readable by its owner
        assert login_token(s, username, PASSWORD)
    assert main(["check"]) == 0


def test_restore_refuses_a_target_with_accounts_or_files_unless_forced(own_db, tmp_path, capsys):
    make_data()
    tables, files = table_contents(own_db), stored_files()
    archive = tmp_path / "cme.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    later_user, _ = make_data(tag="-later")  # work done after the backup
    with_later = table_contents(own_db)
    capsys.readouterr()

    assert main(["restore", str(archive)]) == 2
    err = capsys.readouterr().err
    assert "目标不是空的" in err and "--force" in err and "个账号" in err and "已有上传文件 4 个" in err
    assert table_contents(own_db) == with_later and len(stored_files()) == 4  # nothing touched

    with session_scope() as s:  # as if a newer version had migrated the target meanwhile
        s.execute(text("CREATE TABLE newer_feature (id INTEGER PRIMARY KEY)"))
    reset_engines()
    assert main(["restore", str(archive), "--force"]) == 0
    assert "删除备份中没有的文件 2 个" in capsys.readouterr().out
    assert table_contents(own_db) == tables and stored_files() == files
    with session_scope() as s:
        assert s.execute(text("SELECT count(*) FROM users WHERE username = :u"), {"u": later_user}).scalar_one() == 0


def test_restore_refuses_what_is_not_a_backup_or_of_another_database_kind(own_db, tmp_path, capsys):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    assert main(["restore", str(bogus)]) == 2
    assert "不是本平台的备份文件" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "none.tar.gz")]) == 2
    assert "备份文件不存在" in capsys.readouterr().err
    other = f"sqlite:///{tmp_path / 'other.db'}" if own_db.startswith("postgresql") else None
    if other:  # a SQLite archive cannot go into PostgreSQL
        engine = create_engine(other)
        with engine.begin() as c:
            c.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        engine.dispose()
        archive = tmp_path / "sqlite.tar.gz"
        assert main(["backup", "--out", str(archive), "--url", other]) == 0
        assert main(["restore", str(archive)]) == 2
        assert "请用同类数据库恢复" in capsys.readouterr().err


@pytest.fixture
def bucket(own_db, monkeypatch):
    """The uploads in a fresh bucket of a local S3-compatible server (moto), as CME_STORAGE_URL."""
    with moto_server() as endpoint:
        yield use_new_bucket(endpoint, monkeypatch)
        get_settings.cache_clear()


def test_backup_and_restore_of_uploads_in_an_object_store(own_db, bucket, tmp_path, capsys):
    make_data()
    tables, files = table_contents(own_db), stored_files()
    assert len(files) == 2
    archive = tmp_path / "cme.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    wipe(own_db)
    assert main(["restore", str(archive)]) == 0
    assert table_contents(own_db) == tables and stored_files() == files
    assert get_engine().url.render_as_string(hide_password=False) == own_db
