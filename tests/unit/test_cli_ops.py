"""`python -m cme import-credits | import-legacy | backup`."""
from __future__ import annotations

import hashlib
import sqlite3
import tarfile

from sqlalchemy import func, select

from cme.cli import main
from cme.db import session_scope
from cme.models import CreditRecord, User
from cme.ops import backup
from tests.conftest import missing_dependency
from tests.factories import login_token, make_admin, make_institution, make_person
from tests.integration.test_imports import id_of, row, to_csv
from tests.integration.test_legacy import PW, legacy_row, users_csv


def credit_count() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(CreditRecord))


def test_import_credits_prints_counts_and_refused_rows(sqlite_db, tmp_path, capsys):
    with session_scope() as s:
        inst = make_institution(s)
        person, admin, outsider = make_person(s, inst), make_admin(s, inst), make_person(s, make_institution(s))
    f = tmp_path / "credits.csv"
    f.write_bytes(to_csv([row(id_of(person), "C1"), row(id_of(person), "C2", 学分="x"), row(id_of(outsider), "C3")]))
    assert main(["import-credits", "--file", str(f), "--actor", admin.username, "--check"]) == 0
    assert "可导入 1 条" in capsys.readouterr().out and credit_count() == 0
    assert main(["import-credits", "--file", str(f), "--actor", admin.username]) == 0
    out = capsys.readouterr()
    assert "导入成功 1 条，已存在 0 条（未重复导入），拒绝 2 条" in out.out
    assert "第3行" in out.err and "学分：应为数字" in out.err and "第4行" in out.err and "本机构无此人员" in out.err
    assert id_of(outsider) not in out.err  # masked
    assert main(["import-credits", "--file", str(f), "--actor", admin.username]) == 0
    assert "已存在 1 条" in capsys.readouterr().out and credit_count() == 1


def test_import_credits_refuses_persons_unknown_actors_and_bad_files(sqlite_db, tmp_path, capsys):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    f = tmp_path / "c.csv"
    f.write_bytes(to_csv([row(id_of(person))]))
    assert main(["import-credits", "--file", str(f), "--actor", person.username]) == 2
    assert "单位管理员或省级管理员" in capsys.readouterr().err
    with session_scope() as s:
        province = make_admin(s)
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,学分\n张三,3\n", encoding="utf-8")
    assert main(["import-credits", "--file", str(bad), "--actor", province.username]) == 2
    assert "缺少列：身份证号" in capsys.readouterr().err
    assert main(["import-credits", "--file", str(tmp_path / "none.csv"), "--actor", province.username]) == 2
    assert "文件不存在" in capsys.readouterr().err
    assert credit_count() == 0


def test_import_legacy_users_and_credits_then_login(sqlite_db, tmp_path, capsys):
    with session_scope() as s:
        inst = make_institution(s)
        make_admin(s)  # the provincial admin signs the credit import
    users = tmp_path / "u.csv"
    users.write_bytes(users_csv([legacy_row(31, inst.code), legacy_row(32, inst.code, password_scheme="rot13")]))
    legacy_id = legacy_row(31, inst.code)["id_number"]
    credits = tmp_path / "c.csv"
    credits.write_bytes(to_csv([row(legacy_id, "L1"), row(legacy_id, "L2")]))
    assert main(["import-legacy", "--users", str(users), "--credits", str(credits)]) == 0
    out = capsys.readouterr()
    assert "新建用户 1 个" in out.out and "拒绝 1 个" in out.out and "导入成功 2 条" in out.out
    assert "第3行 old0032" in out.err
    with session_scope() as s:
        u = s.scalars(select(User).where(User.username == "old0031")).one()
        assert u.password_scheme == "bcrypt_md5" and u.password_hash != hashlib.md5(PW.encode()).hexdigest()
        assert s.scalar(select(func.count()).select_from(CreditRecord).where(CreditRecord.user_id == u.id)) == 2
        assert login_token(s, "old0031", PW)
    assert main(["import-legacy", "--users", str(users), "--credits", str(credits)]) == 0
    assert "已存在 1 个" in capsys.readouterr().out and credit_count() == 2


def test_import_legacy_credits_need_a_province_admin_and_roll_back_users(sqlite_db, tmp_path, capsys):
    with session_scope() as s:
        inst = make_institution(s)
    users = tmp_path / "u.csv"
    users.write_bytes(users_csv([legacy_row(33, inst.code)]))
    credits = tmp_path / "c.csv"
    credits.write_bytes(to_csv([row(legacy_row(33, inst.code)["id_number"], "L1")]))
    assert main(["import-legacy", "--users", str(users), "--credits", str(credits)]) == 2
    assert "省级管理员" in capsys.readouterr().err
    with session_scope() as s:  # users and credits go together or not at all
        assert s.scalar(select(User.id).where(User.username == "old0033")) is None


def test_backup_sqlite_is_one_archive_with_a_readable_copy(sqlite_db, tmp_path, capsys):
    with session_scope() as s:
        person = make_person(s, make_institution(s), username="backedup1")
    out = tmp_path / "sub" / "backup.tar.gz"
    assert main(["backup", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "已备份到" in printed and "上传文件 0 个" in printed
    with tarfile.open(out) as tar:
        assert sorted(tar.getnames()) == ["database.sqlite3", "manifest.json"]
        tar.extract("database.sqlite3", tmp_path, filter="data")
    copy = tmp_path / "database.sqlite3"
    with sqlite3.connect(copy) as c:
        assert c.execute("select count(*) from users where username='backedup1'").fetchone() == (1,)
    assert id_of(person).encode() not in copy.read_bytes()  # ID numbers only encrypted in the copy
    assert not (tmp_path / "sub" / "backup.tar.gz.part").exists()


def test_backup_refuses_a_directory_and_a_missing_file(tmp_path, capsys):
    assert main(["backup", "--out", str(tmp_path), "--url", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert "目录" in capsys.readouterr().err
    assert main(["backup", "--out", str(tmp_path / "b.db"), "--url", f"sqlite:///{tmp_path / 'nope.db'}"]) == 2
    assert "数据库文件不存在" in capsys.readouterr().err


def test_backup_postgres_without_pg_dump_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    assert main(["backup", "--out", str(tmp_path / "pg.dump"), "--url", "postgresql+psycopg://u:secret@127.0.0.1/x"]) == 2
    assert "未找到 pg_dump" in capsys.readouterr().err


def test_backup_postgres_with_pg_dump(postgres_url, tmp_path, capsys):
    if backup.shutil.which("pg_dump") is None:
        missing_dependency("pg_dump is not installed (Debian postgresql-client)")
    out = tmp_path / "pg.tar.gz"
    assert main(["backup", "--out", str(out), "--url", postgres_url]) == 0
    assert "已备份到" in capsys.readouterr().out
    with tarfile.open(out) as tar:
        assert tar.extractfile("database.pgdump").read(5) == b"PGDMP"
