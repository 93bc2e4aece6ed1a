"""Legacy users (SPEC §3): imported with their old hash, re-hashed to bcrypt at first login."""
from __future__ import annotations

import csv
import hashlib
import io
import re

import bcrypt
import pytest
from sqlalchemy import select, text

from cme.accounts import auth, legacy
from cme.accounts.legacy import USER_COLUMNS, verify_legacy
from cme.db import session_scope
from cme.domain.passwords import verify_password
from cme.errors import AuthError, ValidationError
from cme.models import AuditLog, Department, User
from tests.factories import login_token, make_institution, valid_id_number

PW = "OldPass2015"


def users_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=USER_COLUMNS)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def legacy_row(n: int, inst_code: str, *, scheme: str = "md5", password: str = PW, **over) -> dict:
    hashed = {
        "md5": lambda: hashlib.md5(password.encode()).hexdigest(),
        "sha1": lambda: hashlib.sha1(password.encode()).hexdigest().upper(),  # case does not matter
        "sha256": lambda: hashlib.sha256(password.encode()).hexdigest(),
        "bcrypt_raw": lambda: bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode(),
    }[scheme]()
    row = {"username": f"old{n:04d}", "password_hash": hashed, "password_scheme": scheme, "name": f"老用户{n}",
           "id_number": valid_id_number(900 + n), "phone": f"137{n:08d}", "institution_code": inst_code,
           "department": "内科"}
    row.update(over)
    return row


@pytest.fixture
def inst_code(db):
    with session_scope() as s:
        return make_institution(s).code


def load(data: bytes):
    with session_scope() as s:
        return legacy.import_legacy_users(s, data)


def user(username: str) -> User:
    with session_scope() as s:
        return s.scalars(select(User).where(User.username == username)).one()


@pytest.mark.parametrize("scheme", ["md5", "sha1", "sha256", "bcrypt_raw"])
def test_legacy_user_logs_in_with_old_password_and_is_rehashed_to_bcrypt(inst_code, scheme):
    report = load(users_csv([legacy_row(1, inst_code, scheme=scheme)]))
    assert (report.created, report.refused) == (1, [])
    before = user("old0001")
    assert before.password_scheme == ("bcrypt_raw" if scheme == "bcrypt_raw" else f"bcrypt_{scheme}")
    assert before.status == "approved" and not before.profile_completed
    assert before.id_number_masked.startswith("510104") and "*" in before.id_number_masked
    with session_scope() as s:
        result = auth.login(s, "old0001", PW)
    assert result.ticket and not result.profile_completed  # first login still asks for 个人基本信息
    after = user("old0001")
    assert after.password_scheme == "bcrypt" and verify_password(PW, after.password_hash)
    assert not after.must_change_password
    with session_scope() as s:  # and again, now through bcrypt
        assert login_token(s, "old0001", PW)


def test_wrong_password_keeps_the_legacy_hash_and_counts_the_failure(inst_code):
    load(users_csv([legacy_row(2, inst_code)]))
    old_hash = user("old0002").password_hash
    with session_scope() as s, pytest.raises(AuthError, match="用户名或密码不正确"):
        auth.login(s, "old0002", "WrongPass99")
    u = user("old0002")
    assert (u.password_hash, u.password_scheme, u.failed_logins) == (old_hash, "bcrypt_md5", 1)


def test_weak_legacy_password_must_be_changed_after_login(inst_code):
    load(users_csv([legacy_row(3, inst_code, password="111111")]))
    with session_scope() as s:
        result = auth.login(s, "old0003", "111111")
    assert result.must_change_password
    u = user("old0003")
    assert u.password_scheme == "bcrypt" and u.must_change_password


def test_login_by_phone_works_for_legacy_users(inst_code):
    load(users_csv([legacy_row(4, inst_code, scheme="sha256")]))
    with session_scope() as s:
        assert login_token(s, "13700000004", PW)


def test_reimport_counts_existing_and_bad_rows_are_reported_with_line_numbers(inst_code):
    rows = [legacy_row(5, inst_code), legacy_row(6, inst_code, department="康复科")]
    first = load(users_csv(rows))
    assert (first.created, first.departments_created) == (2, 1)
    bad = [
        legacy_row(5, inst_code),  # already here
        legacy_row(7, inst_code, password_scheme="des"),
        legacy_row(8, inst_code, password_hash="abc"),
        legacy_row(9, inst_code, id_number="510104198506151235"),
        legacy_row(10, inst_code, institution_code="NOPE"),
        legacy_row(11, inst_code, username="old0005"),  # same username, another person
        legacy_row(12, inst_code, phone=""),  # phone is optional
    ]
    report = load(users_csv(bad))
    assert (report.rows, report.created, report.existing) == (7, 1, 1)
    reasons = {r.line: r.reason for r in report.refused}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert reasons[3].startswith("password_scheme：不支持的密码格式")
    assert reasons[4] == "password_hash：应为32位十六进制的md5摘要"
    assert reasons[5].startswith("id_number：")
    assert reasons[6] == "institution_code：机构编码 NOPE 不存在"
    assert reasons[7] == "username：已被其他身份证号的账号使用"
    assert report.summary() == "共 7 行：新建用户 1 个，已存在 1 个，拒绝 5 个"
    with session_scope() as s:
        assert s.scalars(select(User.username).where(User.username.like("old%")).order_by(User.username)).all() == [
            "old0005", "old0006", "old0012"]
        assert s.scalar(select(Department.id).where(Department.name == "康复科")) is not None
        assert s.scalars(select(AuditLog.action).where(AuditLog.action == "legacy.import_users")).all() == [
            "legacy.import_users"] * 2


def test_users_file_without_the_columns_is_refused(inst_code):
    with pytest.raises(ValidationError, match="缺少列：password_scheme"):
        load(b"username,password_hash\nx,y\n")


HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{40}$|^[0-9a-fA-F]{64}$")


def test_the_users_table_holds_no_unsalted_digest_after_an_import(inst_code):
    rows = [legacy_row(20 + i, inst_code, scheme=scheme) for i, scheme in enumerate(["md5", "sha1", "sha256"])]
    digests = {r["password_hash"].lower() for r in rows}
    assert load(users_csv(rows)).created == 3
    with session_scope() as s:  # the raw table, as a thief would read it
        stored = s.execute(text("SELECT password_scheme, password_hash FROM users WHERE username LIKE 'old%'")).all()
    assert len(stored) == 3
    for scheme, hashed in stored:
        assert not HEX_DIGEST.match(hashed) and hashed.lower() not in digests
        assert hashed.startswith("$2b$") and scheme.startswith("bcrypt_")
    # salted: the same password imported twice is stored differently
    assert load(users_csv([legacy_row(30, inst_code), legacy_row(31, inst_code)])).created == 2
    assert user("old0030").password_hash != user("old0031").password_hash
    # still the old secret: bcrypt(md5(password)), upgraded at first login
    md5 = user("old0020")
    assert bcrypt.checkpw(hashlib.md5(PW.encode()).hexdigest().encode(), md5.password_hash.encode())
    with session_scope() as s:
        assert login_token(s, "old0020", PW)
    assert user("old0020").password_scheme == "bcrypt"


def test_init_db_wraps_bare_digests_stored_by_an_earlier_version(inst_code):
    load(users_csv([legacy_row(40, inst_code, scheme="sha1")]))
    bare = hashlib.sha1(PW.encode()).hexdigest()
    with session_scope() as s:  # as the previous importer left it
        s.execute(text("UPDATE users SET password_scheme = 'sha1', password_hash = :h WHERE username = 'old0040'"),
                  {"h": bare})
    with session_scope() as s:
        assert legacy.wrap_unsalted_hashes(s) == 1
        assert legacy.wrap_unsalted_hashes(s) == 0
    after = user("old0040")
    assert after.password_scheme == "bcrypt_sha1" and not HEX_DIGEST.match(after.password_hash)
    with session_scope() as s:
        assert login_token(s, "old0040", PW)


def test_verify_legacy_schemes():
    assert verify_legacy("md5", "abc", hashlib.md5(b"abc").hexdigest())
    assert not verify_legacy("md5", "abd", hashlib.md5(b"abc").hexdigest())
    assert verify_legacy("sha1", "abc", hashlib.sha1(b"abc").hexdigest().upper())
    assert not verify_legacy("plain", "abc", "abc")  # unknown schemes never match
    assert not verify_legacy("bcrypt_raw", "abc", "not-a-hash")
    wrapped = legacy.wrap_digest(hashlib.sha256(b"abc").hexdigest().upper())
    assert verify_legacy("bcrypt_sha256", "abc", wrapped) and not verify_legacy("bcrypt_sha256", "abd", wrapped)
    assert not verify_legacy("bcrypt_md5", "abc", wrapped)  # another digest of the same password
