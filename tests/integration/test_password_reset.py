"""忘记密码 by SMS and the institution admin's one-time password reset."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cme import crypto
from cme.accounts import auth, sms
from cme.accounts import password_reset as pr
from cme.accounts import staff_accounts as accounts_admin
from cme.db import session_scope
from cme.errors import AuthError, DomainError, NotFound, NotPermitted, Throttled, ValidationError
from cme.models import AuditLog, Institution, User
from tests.factories import PASSWORD, login_token, make_admin, make_institution, make_person, valid_id_number

NEW = "Brand2026new"


def last_code(phone: str) -> str:
    _, text = next(m for m in reversed(sms.ConsoleGateway.outbox) if m[0] == phone)
    return re.search(r"(\d{6})", text).group(1)


@pytest.fixture
def person(db):
    with session_scope() as s:
        inst = make_institution(s)
        actor = make_person(s, inst)
        user = s.get(User, actor.id)
        return dict(actor=actor, inst=inst.id, id_number=crypto.decrypt(user.id_number_enc),
                    phone=crypto.decrypt(user.phone_enc))


def test_forgot_password_needs_the_sms_code(person):
    with session_scope() as s:
        token = login_token(s, person["actor"].username, PASSWORD)
    with session_scope() as s:
        sent = pr.send_reset_code(s, person["id_number"])
    assert sent.masked_phone == crypto.mask_phone(person["phone"]) and sent.demo_code is None
    code = last_code(person["phone"])
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError, match="验证码：不正确"), session_scope() as s:
        pr.reset_password(s, person["id_number"], wrong, NEW, NEW)
    with pytest.raises(ValidationError, match="验证码：不能为空"), session_scope() as s:
        pr.reset_password(s, person["id_number"], "", NEW, NEW)
    with session_scope() as s:  # nothing changed yet
        assert auth.login(s, person["actor"].username, PASSWORD)
    with session_scope() as s:
        pr.reset_password(s, person["id_number"], code, NEW, NEW)
    with session_scope() as s:
        assert auth.resume_session(s, token) is None  # every session ended
        assert auth.login(s, person["actor"].username, NEW).user_id == person["actor"].id
        with pytest.raises(AuthError):
            auth.login(s, person["actor"].username, PASSWORD)
        assert "password.reset_by_sms" in s.scalars(select(AuditLog.action)).all()
    with pytest.raises(ValidationError, match="已失效"), session_scope() as s:  # single use
        pr.reset_password(s, person["id_number"], code, "Another2026x", "Another2026x")


def test_reset_enforces_policy_and_repeat(person):
    with session_scope() as s:
        pr.send_reset_code(s, person["id_number"])
    code = last_code(person["phone"])
    for new, repeat, message in [("111111", "111111", "新密码：至少8位"), ("abcdefgh", "abcdefgh", "须同时包含字母和数字"),
                                 (NEW, NEW + "x", "重复密码：两次输入的密码不一致"),
                                 ("ab" + person["id_number"], "ab" + person["id_number"], "不能包含")]:
        with pytest.raises(ValidationError, match=message), session_scope() as s:
            pr.reset_password(s, person["id_number"], code, new, repeat)
    with session_scope() as s:  # policy failures did not use up the code
        pr.reset_password(s, person["id_number"], code, NEW, NEW)


def test_unknown_id_refused_and_throttled(person):
    with pytest.raises(ValidationError, match="身份证号：校验位不正确"), session_scope() as s:
        pr.send_reset_code(s, person["id_number"][:17] + ("0" if person["id_number"][17] != "0" else "1"))
    unknown = valid_id_number(777)
    for _ in range(10):
        with pytest.raises(DomainError, match="未注册"), session_scope() as s:
            pr.send_reset_code(s, unknown)
    with pytest.raises(Throttled), session_scope() as s:
        pr.send_reset_code(s, unknown)


def test_code_for_registration_does_not_reset(person):
    with session_scope() as s:
        sms.send_code(s, person["phone"], "register")
    with pytest.raises(ValidationError, match="已失效或未获取"), session_scope() as s:
        pr.reset_password(s, person["id_number"], last_code(person["phone"]), NEW, NEW)


def test_admin_reset_gives_one_time_password(person):
    with session_scope() as s:
        admin = make_admin(s, s.get(Institution, person["inst"]))
        token = login_token(s, person["actor"].username, PASSWORD)
    with session_scope() as s:
        rows = accounts_admin.list_staff_accounts(s, admin)
        assert [r.username for r in rows] == [person["actor"].username]
        assert "*" in rows[0].id_number and "*" in rows[0].phone
        one_time = accounts_admin.reset_staff_password(s, admin, person["actor"].id)
    assert len(one_time) == 12 and one_time not in ("111111", PASSWORD)
    with session_scope() as s:
        assert auth.resume_session(s, token) is None
        result = auth.login(s, person["actor"].username, one_time)
        assert result.must_change_password
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "password.reset_by_admin")).one()
        assert entry.actor_id == admin.id and one_time not in str(entry.after)
    with session_scope() as s:
        auth.change_password(s, person["actor"].id, one_time, NEW, NEW)
    with session_scope() as s:
        assert not auth.login(s, person["actor"].username, NEW).must_change_password


def test_admin_reset_only_own_staff(person):
    with session_scope() as s:
        other_admin = make_admin(s, make_institution(s))
        own_admin = make_admin(s, s.get(Institution, person["inst"]))
        colleague = make_person(s, s.get(Institution, person["inst"]))
        before = s.get(User, person["actor"].id).password_hash
    with pytest.raises(NotPermitted), session_scope() as s:
        accounts_admin.reset_staff_password(s, other_admin, person["actor"].id)
    with pytest.raises(NotPermitted), session_scope() as s:
        accounts_admin.reset_staff_password(s, colleague, person["actor"].id)
    with pytest.raises(NotPermitted), session_scope() as s:  # another institution's admin: out of scope
        accounts_admin.reset_staff_password(s, own_admin, other_admin.id)
    with pytest.raises(NotFound), session_scope() as s:  # an admin of the own institution is not staff
        accounts_admin.reset_staff_password(s, own_admin, make_admin(s, s.get(Institution, person["inst"])).id)
    with session_scope() as s:
        assert accounts_admin.list_staff_accounts(s, other_admin) == []
        assert s.get(User, person["actor"].id).password_hash == before
