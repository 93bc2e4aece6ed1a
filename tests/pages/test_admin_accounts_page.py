"""机构管理 › 单位管理员: the provincial admin disables and re-enables an institution's 单位管理员,
each time after ticking a confirmation; the account's sessions end and login is refused meanwhile."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cme.accounts import auth
from cme.db import session_scope
from cme.errors import AuthError
from cme.models import User
from tests.apptest import open_page, page_text
from tests.factories import PASSWORD, login_token, make_admin, make_institution


@pytest.fixture
def world(sqlite_db):
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        return dict(a_name=a.name, b_name=b.name, unit=make_admin(s, a).username, other=make_admin(s, b).username,
                    province=make_admin(s).username)


def _pick(at, institution: str):
    pick = at.selectbox(key="inst_admin_pick")
    return pick.select(next(o for o in pick.options if institution in o)).run()


def _target(at):
    return next(sb for sb in at.selectbox if sb.key and sb.key.startswith("inst_admin_target_"))


def _id(username: str) -> int:
    with session_scope() as s:
        return s.scalars(select(User.id).where(User.username == username)).one()


def _status(username: str) -> str:
    with session_scope() as s:
        return s.scalars(select(User.status).where(User.username == username)).one()


def test_province_disables_then_re_enables_a_unit_admin_after_confirming(world):
    with session_scope() as s:
        token = login_token(s, world["unit"])
    at = _pick(open_page("app_pages/province/institutions.py", username=world["province"], password=PASSWORD),
               world["a_name"])
    admins = at.dataframe[-1].value
    assert list(admins["用户名"]) == [world["unit"]] and list(admins["状态"]) == ["单位审核通过"]
    target = _target(at)
    assert target.options == [f"{world['unit']}（{admins['姓名'][0]}，单位审核通过）"]
    at = target.set_value(_id(world["unit"])).run()
    button = next(b for b in at.button if b.label == "停用账号")
    assert button.disabled  # nothing happens before the confirmation is ticked
    at = next(c for c in at.checkbox if c.label.startswith("确认停用单位管理员")).check().run()
    at = next(b for b in at.button if b.label == "停用账号").click().run()
    assert f"已停用单位管理员 {world['unit']} 的账号" in page_text(at)
    assert _status(world["unit"]) == "disabled" and _status(world["other"]) == "approved"
    with session_scope() as s:
        assert auth.resume_session(s, token) is None  # logged out at once
    with session_scope() as s, pytest.raises(AuthError, match="已停用"):
        auth.login(s, world["unit"], PASSWORD)

    at = _pick(at, world["a_name"])
    assert list(at.dataframe[-1].value["状态"]) == ["已停用"]
    target = _target(at)
    at = target.set_value(_id(world["unit"])).run()
    at = next(c for c in at.checkbox if c.label.startswith("确认启用单位管理员")).check().run()
    at = next(b for b in at.button if b.label == "启用账号").click().run()
    assert f"已启用单位管理员 {world['unit']} 的账号" in page_text(at)
    assert _status(world["unit"]) == "approved"
    with session_scope() as s:
        assert login_token(s, world["unit"])


def test_an_institution_without_admins_says_so(world):
    with session_scope() as s:
        empty = make_institution(s).name
    at = _pick(open_page("app_pages/province/institutions.py", username=world["province"], password=PASSWORD), empty)
    assert "该机构还没有单位管理员" in page_text(at)


def test_a_unit_admin_cannot_open_the_province_screen(world):
    at = open_page("app_pages/province/institutions.py", username=world["unit"], password=PASSWORD)
    assert "无权访问该页面" in page_text(at) and not at.selectbox
