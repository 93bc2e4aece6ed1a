"""CME_SECRET_KEY and the database: a different key stops set-up and every CLI command with one clear
message; `python -m cme rotate-key` re-keys everything in one transaction, after which phone login,
忘记密码 and the duplicate-ID refusal work with the new key and the old key is refused."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update

from cme import crypto
from cme.accounts import auth, password_reset, sms
from cme.accounts.users import create_person
from cme.cli import main
from cme.db import reset_engines, session_scope
from cme.errors import DomainError, ValidationError
from cme.models import AppSetting, Profile, SmsOutbox, User
from cme.ops.keys import FINGERPRINT, MISMATCH, KeyMismatch, require_matching_key, rotate_key
from cme.ops.setup import init_db
from tests.factories import PASSWORD, PASSWORD_HASH, make_institution, make_person

ROOT = Path(__file__).resolve().parents[2]
OLD = os.environ["CME_SECRET_KEY"]
NEW = "rotated-key-0123456789abcdefghijklmnopqrstuvwxyz"
OTHER = "a-different-key-0123456789abcdefghijklmnopqrst"


def use_key(monkeypatch, secret: str) -> None:
    monkeypatch.setenv("CME_SECRET_KEY", secret)
    reset_engines()


def cli(*args: str, key: str, **extra_env: str) -> subprocess.CompletedProcess:
    """`python -m cme …` in a real process on the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")} | {
        "CME_DATABASE_URL": os.environ["CME_DATABASE_URL"], "CME_UPLOAD_DIR": os.environ["CME_UPLOAD_DIR"],
        "CME_SECRET_KEY": key, "CME_DEMO": "0"} | extra_env
    return subprocess.run([sys.executable, "-m", "cme", *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def person_with_secrets(s, inst) -> tuple[int, str, str]:
    person = make_person(s, inst)
    user = s.get(User, person.id)
    return person.id, crypto.decrypt(user.id_number_enc), crypto.decrypt(user.phone_enc)


def test_a_different_key_stops_setup_and_every_cli_command(db, monkeypatch, capsys):
    with session_scope() as s:
        make_person(s, make_institution(s))
    init_db()  # records the key's fingerprint
    with session_scope() as s:
        stored = s.get(AppSetting, FINGERPRINT).value
    assert OLD not in stored and stored == crypto.keyring(OLD).fingerprint()

    use_key(monkeypatch, OTHER)
    with pytest.raises(KeyMismatch, match="CME_SECRET_KEY 与数据库不符"):
        init_db()  # the app's start-up (ensure_ready) runs the same check
    with pytest.raises(KeyMismatch):
        require_matching_key()
    for command in (["list-institutions"], ["check"], ["purge"], ["send-outbox"]):
        assert main(command) == 2, command
        assert MISMATCH in capsys.readouterr().err

    with session_scope() as s:  # a database set up before the fingerprint existed: its data decides
        s.execute(AppSetting.__table__.delete().where(AppSetting.key == FINGERPRINT))
    with pytest.raises(KeyMismatch):
        require_matching_key()
    use_key(monkeypatch, OLD)
    require_matching_key()
    assert main(["list-institutions"]) == 0
    print(f"\n[{db}] changed key: init-db, check, purge, send-outbox, list-institutions all refused with the message")


def test_rotate_key_rekeys_everything_and_the_old_key_is_refused(db, monkeypatch):
    with session_scope() as s:
        inst = make_institution(s)
        people = [person_with_secrets(s, inst) for _ in range(3)]
        first_id, first_number, first_phone = people[0]
        s.add(Profile(user_id=first_id, basic={"联系电话": {"enc": crypto.encrypt(first_phone),
                                                        "hash": crypto.lookup_hash(first_phone), "masked": "139****"}}))
        sms.queue(s, first_phone, "【省卫计信息中心】提醒", kind="notice", ttl=sms.NOTICE_TTL, send_after_commit=False)
        ticket = auth.open_session(s, first_id)
    init_db()

    rotated = cli("rotate-key", key=OLD, CME_NEW_SECRET_KEY=NEW)
    assert rotated.returncode == 0, rotated.stderr
    print(f"\n[{db}] {rotated.stdout.strip()}")
    assert "人员 3 名" in rotated.stdout and "联系电话 1 处" in rotated.stdout and "短信发件箱 1 条" in rotated.stdout

    refused = cli("list-institutions", key=OLD)
    assert refused.returncode == 2 and MISMATCH in refused.stderr

    use_key(monkeypatch, NEW)
    require_matching_key()
    with session_scope() as s:
        for user_id, _number, phone in people:  # log in by phone
            assert auth.login(s, phone, PASSWORD).user_id == user_id
        basic = s.get(Profile, first_id).basic["联系电话"]
        assert crypto.decrypt(basic["enc"]) == first_phone and basic["hash"] == crypto.lookup_hash(first_phone)
        assert auth.redeem_ticket(s, ticket) is None  # a login of before the rotation does not carry over

    with session_scope() as s:  # 忘记密码 finds the account by ID number and sends the code to its phone
        password_reset.send_reset_code(s, first_number)
    _, text = next(m for m in reversed(sms.ConsoleGateway.outbox) if m[0] == first_phone)
    code = text.split("：")[1][:6]
    with session_scope() as s:
        password_reset.reset_password(s, first_number, code, "Newpassw0rd#2026", "Newpassw0rd#2026")

    with session_scope() as s, pytest.raises(ValidationError, match="已注册"):  # the same ID number again
        create_person(s, username="twin", password="", password_hash=PASSWORD_HASH, name="重复", id_number=first_number,
                      phone="13700000000", institution_code=inst.code, department="内科")

    sms.ConsoleGateway.outbox.clear()
    assert sms.send_pending().sent == 1  # the queued message, re-encrypted, still goes to the right phone
    assert sms.ConsoleGateway.outbox[-1] == (first_phone, "【省卫计信息中心】提醒")

    use_key(monkeypatch, OLD)
    with pytest.raises(KeyMismatch):
        init_db()


def test_a_rotation_that_fails_half_way_changes_nothing(db, monkeypatch):
    with session_scope() as s:
        inst = make_institution(s)
        people = [person_with_secrets(s, inst) for _ in range(3)]
    init_db()
    with session_scope() as s:
        s.execute(update(User).where(User.id == people[-1][0]).values(phone_enc="not-a-fernet-token"))
        before = s.execute(select(User.id, User.id_number_enc, User.phone_hash).order_by(User.id)).all()
    with session_scope() as s, pytest.raises(DomainError, match="无法用当前密钥解密"):
        rotate_key(s, OLD, NEW)
    with session_scope() as s:
        assert s.execute(select(User.id, User.id_number_enc, User.phone_hash).order_by(User.id)).all() == before
        assert s.get(AppSetting, FINGERPRINT).value == crypto.keyring(OLD).fingerprint()
        assert auth.login(s, people[0][2], PASSWORD).user_id == people[0][0]  # still the old key's data


def test_rotate_key_refuses_a_wrong_current_key_and_a_weak_new_one(db):
    with session_scope() as s:
        make_person(s, make_institution(s))
    init_db()
    with session_scope() as s:
        with pytest.raises(KeyMismatch):
            rotate_key(s, OTHER, NEW)
        for weak, message in (("", "不能为空"), ("short", "至少32个字符"), (OLD, "与当前密钥相同")):
            with pytest.raises(ValidationError, match=message) as refused:
                rotate_key(s, OLD, weak)
            assert "新密钥" in str(refused.value)
    with session_scope() as s:
        assert s.scalar(select(SmsOutbox.id)) is None
        assert s.get(AppSetting, FINGERPRINT).value == crypto.keyring(OLD).fingerprint()


def test_the_app_stops_at_start_with_the_key_message(sqlite_db, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    with session_scope() as s:
        make_person(s, make_institution(s))
    init_db()
    use_key(monkeypatch, OTHER)
    st.cache_resource.clear()  # start-up is cached per process: make this run the app's first start
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert [e.value for e in at.error] == [MISMATCH] and not at.exception
    assert not at.text_input  # no login form: nothing can be tried with the wrong key
    use_key(monkeypatch, OLD)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.error and any(t.label == "用户" for t in at.text_input)


def test_rotate_key_reads_the_new_key_from_standard_input(sqlite_db, monkeypatch, capsys):
    import io

    with session_scope() as s:
        _, number, phone = person_with_secrets(s, make_institution(s))
    init_db()
    monkeypatch.delenv("CME_NEW_SECRET_KEY", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["rotate-key"]) == 2 and "新密钥（CME_NEW_SECRET_KEY）：至少32个字符" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW + "\n"))
    assert main(["rotate-key"]) == 0 and "密钥已更换：人员 1 名" in capsys.readouterr().out
    assert main(["list-institutions"]) == 2  # this process still runs with the old key
    use_key(monkeypatch, NEW)
    with session_scope() as s:
        assert s.scalar(select(User.id).where(User.id_number_hash == crypto.lookup_hash(number))) is not None
        assert auth.login(s, phone, PASSWORD).user_id
