"""停用/启用 accounts: the institution admin for own staff, the provincial admin for admins; a disabled
account's sessions end and every service refuses it at once (cme/core/policy.py)."""
from __future__ import annotations

import pytest

from cme.accounts import auth, staff_accounts
from cme.credits import search
from cme.credits.search import CreditFilter
from cme.db import session_scope
from cme.errors import NotPermitted, RecordLocked
from cme.models import User
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
