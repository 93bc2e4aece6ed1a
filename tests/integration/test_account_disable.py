"""停用/启用 accounts: the institution admin for own staff, the provincial admin for admins; a disabled
account's sessions end and every service refuses it at once (cme/core/policy.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cme.accounts import auth, staff_accounts
from cme.credits import search
from cme.credits.search import CreditFilter
from cme.db import session_scope
from cme.errors import NotPermitted, RecordLocked
from cme.models import AuditLog, User
from tests.factories import login_token, make_admin, make_institution, make_person


def test_unit_admin_disables_own_staff_and_province_disables_admins(db):
    with session_scope() as s:
        inst = make_institution(s)
        person, unit, other_unit, province = make_person(s, inst), make_admin(s, inst), make_admin(s, inst), make_admin(s)
        token = login_token(s, person.username)
    with session_scope() as s:
        search.search_credits(s, person, CreditFilter())  # works while active
        staff_accounts.set_account_active(s, unit, person.id, False)
    with session_scope() as s:
        assert auth.resume_session(s, token) is None
    with session_scope() as s, pytest.raises(NotPermitted, match="停用"):  # the old Actor object is refused
        search.search_credits(s, person, CreditFilter())
    with session_scope() as s, pytest.raises(RecordLocked):
        staff_accounts.set_account_active(s, unit, person.id, False)
    with session_scope() as s, pytest.raises(NotPermitted):
        staff_accounts.set_account_active(s, unit, other_unit.id, False)  # an admin is the province's to disable
    with session_scope() as s, pytest.raises(NotPermitted):
        staff_accounts.set_account_active(s, unit, unit.id, False)
    with session_scope() as s:
        staff_accounts.set_account_active(s, province, other_unit.id, False)
        staff_accounts.set_account_active(s, unit, person.id, True)
    with session_scope() as s:
        assert search.search_credits(s, person, CreditFilter()) == []
        assert s.get(User, other_unit.id).status == "disabled"


def test_a_unit_admin_cannot_disable_another_institutions_staff_or_any_admin(db):
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        unit = make_admin(s, a)
        targets = {"其他机构人员": make_person(s, b), "其他机构管理员": make_admin(s, b), "本机构另一管理员": make_admin(s, a),
                   "省级管理员": make_admin(s)}
    for what, target in targets.items():
        with session_scope() as s, pytest.raises(NotPermitted):
            staff_accounts.set_account_active(s, unit, target.id, False)
        with session_scope() as s:
            assert s.get(User, target.id).status == "approved", what
            denied = s.scalars(select(AuditLog).where(AuditLog.action == "access.deny",
                                                      AuditLog.actor_id == unit.id)).all()
            assert denied, what
    with session_scope() as s, pytest.raises(NotPermitted):  # nor list another institution's admins
        staff_accounts.list_unit_admins(s, unit, b.id)


def test_the_province_lists_an_institutions_admins_with_their_state(db):
    with session_scope() as s:
        a = make_institution(s)
        make_admin(s, a, "adm_first")
        second, province = make_admin(s, a, "adm_second"), make_admin(s)
        make_person(s, a)  # staff are not admins
    with session_scope() as s:
        staff_accounts.set_account_active(s, province, second.id, False)
    with session_scope() as s:
        rows = staff_accounts.list_unit_admins(s, province, a.id)
    assert [(r.username, r.status) for r in rows] == [("adm_first", "单位审核通过"), ("adm_second", "已停用")]
