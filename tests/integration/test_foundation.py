"""Data layer, reference data, users and login on a real database (both backends)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from cme.accounts import auth
from cme.clock import utcnow
from cme.core import reference
from cme.core.actors import Actor
from cme.db import get_engine, session_scope
from cme.errors import AccountLocked, AuthError, ValidationError
from cme.models import CreditStandard, DictionaryItem, Region, User
from cme.ops.setup import init_db
from tests.factories import PASSWORD, add_credit, login_token, make_admin, make_institution, make_person, valid_id_number


@pytest.fixture
def person(db) -> Actor:
    """A person of a fresh institution, who can log in with PASSWORD."""
    with session_scope() as s:
        return make_person(s, make_institution(s))


def test_init_db_twice_changes_nothing(db):
    with session_scope() as s:
        before = [s.scalar(select(func.count()).select_from(m)) for m in (Region, DictionaryItem, CreditStandard)]
    assert init_db() == {"regions": 0, "standards": 0, "dictionaries": 0}
    with session_scope() as s:
        after = [s.scalar(select(func.count()).select_from(m)) for m in (Region, DictionaryItem, CreditStandard)]
    assert before == after
    assert after[2] == 10


def test_reference_data_has_sichuan_and_dictionaries(db):
    with session_scope() as s:
        province = reference.regions(s, None)
        assert [r.name for r in province] == ["四川省"]
        cities = reference.regions(s, province[0].code)
        assert len(cities) == 21 and "凉山彝族自治州" in [c.name for c in cities]
        assert len(reference.dictionary(s, "民族")) == 56
        assert reference.subjects(s)["药学"].count("药理学") == 1
        assert reference.titles(s)["技师系列 - 副主任技师(副高)"] == "副高"
        codes = [st.code for st in reference.standards_for_year(s, 2016)]
        assert codes == [f"SCJA{i}" for i in range(1, 11)]


def test_pii_is_encrypted_at_rest(db):
    with session_scope() as s:
        inst = make_institution(s)
        actor = make_person(s, inst)
        number = valid_id_number(actor.id)
    with get_engine().connect() as c:
        dump = " ".join(str(v) for row in c.execute(text("select * from users")) for v in row)
    assert "510104" not in dump.replace("510104********", "")
    with session_scope() as s:
        user = s.get(User, actor.id)
        assert user.id_number_masked.startswith("510104") and "*" in user.id_number_masked
        assert user.phone_masked.count("*") == 4
        assert number not in dump


def test_duplicate_id_number_refused_by_schema(db):
    with session_scope() as s:
        inst = make_institution(s)
        a = make_person(s, inst)
        hash_a = s.get(User, a.id).id_number_hash
    with pytest.raises(IntegrityError), session_scope() as s:
        u = User(username="another1", password_hash="x", name="x", role="person", institution_id=inst.id, id_number_hash=hash_a)
        s.add(u)


def test_credit_check_constraints(person):
    with pytest.raises(IntegrityError), session_scope() as s:
        add_credit(s, person, year=2024, credit_type="II类", credits="0")
    with pytest.raises(IntegrityError), session_scope() as s:
        add_credit(s, person, year=2024, credit_type="II类", credits="2", code="SAME")
        add_credit(s, person, year=2024, credit_type="II类", credits="2", code="SAME")


def test_login_by_username_and_phone(person):
    with session_scope() as s:
        result = auth.login(s, person.username, PASSWORD)
        assert result.user_id == person.id
    with session_scope() as s:
        assert auth.resume_session(s, result.ticket) is None  # a ticket is not a session token
        token = auth.redeem_ticket(s, result.ticket)
    with session_scope() as s:
        assert auth.resume_session(s, token) == person.id
        assert auth.redeem_ticket(s, result.ticket) is None  # one use only


def test_bad_credentials_never_log_in(person):
    name = person.username
    for login, pw in [(name, "wrong-pass1"), ("nobody", PASSWORD), ("", ""), (name, ""), (name + " ", PASSWORD.upper())]:
        with pytest.raises(AuthError) as err, session_scope() as s:
            auth.login(s, login, pw)
        assert str(err.value) == "用户名或密码不正确!"  # one message: an existing account is not hinted at


def test_five_failures_lock_for_fifteen_minutes(person):
    name = person.username
    for _ in range(4):
        with pytest.raises(AuthError), session_scope() as s:  # the caller's unit of work rolls back on the error
            auth.login(s, name, "wrong-pass1")
    with session_scope() as s, pytest.raises(AccountLocked, match="锁定15分钟"):
        auth.login(s, name, "wrong-pass1")
    with session_scope() as s:  # even the right password is refused while locked
        with pytest.raises(AccountLocked, match="分钟后再试"):
            auth.login(s, name, PASSWORD)
        s.scalars(select(User).where(User.username == name)).one().locked_until = utcnow() - timedelta(seconds=1)
    with session_scope() as s:
        assert auth.login(s, name, PASSWORD).user_id


def test_unapproved_account_named_only_after_password(person):
    with session_scope() as s:
        s.get(User, person.id).status = "pending"
    with session_scope() as s, pytest.raises(AuthError, match="^用户名或密码不正确!"):
        auth.login(s, person.username, "wrong-pass1")
    with session_scope() as s, pytest.raises(AuthError, match="单位待审"):
        auth.login(s, person.username, PASSWORD)


def test_logout_and_disable_end_the_session(person):
    with session_scope() as s:
        t1 = login_token(s, person.username, PASSWORD)
        t2 = login_token(s, person.username, PASSWORD)
    with session_scope() as s:
        auth.end_session(s, t1)
    with session_scope() as s:
        assert auth.resume_session(s, t1) is None
        assert auth.resume_session(s, t2) == person.id
        s.get(User, person.id).status = "disabled"
    with session_scope() as s:
        assert auth.resume_session(s, t2) is None
        assert auth.resume_session(s, "forged-token") is None


def test_idle_session_expires(person):
    from cme.models import LoginSession

    with session_scope() as s:
        token = login_token(s, person.username, PASSWORD)
    with session_scope() as s:
        for row in s.scalars(select(LoginSession)):
            row.last_seen_at = utcnow() - timedelta(minutes=31)
    with session_scope() as s:
        assert auth.resume_session(s, token) is None


def test_change_password(person):
    with session_scope() as s, pytest.raises(ValidationError) as err:
        auth.change_password(s, person.id, "wrong", "NewPassw0rd9", "NewPassw0rd9")
    assert "原密码" in err.value.errors
    with session_scope() as s, pytest.raises(ValidationError) as err:
        auth.change_password(s, person.id, PASSWORD, "NewPassw0rd9", "NewPassw0rd8")
    assert err.value.errors == {"重复密码": "两次输入的密码不一致"}
    with session_scope() as s, pytest.raises(ValidationError) as err:
        auth.change_password(s, person.id, PASSWORD, "111111", "111111")
    assert "新密码" in err.value.errors
    with session_scope() as s:
        here, laptop = login_token(s, person.username), login_token(s, person.username)
        pending_ticket = auth.login(s, person.username, PASSWORD).ticket
    with session_scope() as s:
        auth.change_password(s, person.id, PASSWORD, "NewPassw0rd9", "NewPassw0rd9", current_token=here)
    with session_scope() as s:  # every other session ends, the one that changed it stays
        assert auth.resume_session(s, here) == person.id
        assert auth.resume_session(s, laptop) is None
        assert auth.redeem_ticket(s, pending_ticket) is None
    with session_scope() as s, pytest.raises(AuthError):
        auth.login(s, person.username, PASSWORD)
    with session_scope() as s:
        assert auth.login(s, person.username, "NewPassw0rd9").user_id == person.id


def test_change_password_in_the_tab_that_logged_in_keeps_that_tab(person):
    """That tab names its session by id (ui/session.py): it stays, the others end."""
    with session_scope() as s:
        laptop = login_token(s, person.username)
        here = auth.login(s, person.username, PASSWORD).session_id
    with session_scope() as s:
        auth.change_password(s, person.id, PASSWORD, "NewPassw0rd9", "NewPassw0rd9", current_session_id=here)
    with session_scope() as s:
        assert auth.resume_session(s, session_id=here) == person.id
        assert auth.resume_session(s, laptop) is None


def test_admin_factory_roles(db):
    with session_scope() as s:
        inst = make_institution(s)
        unit = make_admin(s, inst)
        prov = make_admin(s)
    assert unit.is_unit_admin and unit.institution_id == inst.id
    assert prov.is_province_admin and prov.institution_id is None
