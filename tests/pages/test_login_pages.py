"""Login, logout and lockout through the real app script (streamlit AppTest)."""
from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from cme.db import session_scope
from cme.models import LoginSession
from tests.apptest import open_page, shown
from tests.factories import PASSWORD, make_institution, make_person


def _app() -> AppTest:
    return open_page("streamlit_app.py")


def _submit(at: AppTest, login: str, password: str) -> AppTest:
    inputs = {t.label: t for t in at.text_input}
    inputs["用户"].input(login)
    inputs["密码"].input(password)
    next(b for b in at.button if b.label == "登录").click()
    return at.run()


def _header(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_login_opens_a_pending_session_and_the_cookie_shows_the_header(sqlite_db, monkeypatch):
    """The form opens a session waiting for its ticket. A browser swaps it for the cookie through the
    hidden image and stays on the page (tests/unit/test_web_routes.py, tests/e2e); AppTest has no
    browser, so the image never comes and the run falls back to /session/start ("正在登录…"). With the
    cookie's token the header shows. Logout is exercised in the real browser: AppTest does not replay
    header buttons."""
    monkeypatch.setattr("ui.session.COOKIE_WAIT_SECONDS", 0.2)
    with session_scope() as s:
        inst = make_institution(s)
        person = make_person(s, inst)
    at = _submit(_app(), person.username, PASSWORD)
    assert not at.exception and not at.error
    assert at.info[0].value == "正在登录…"
    with session_scope() as s:
        pending = s.scalars(select(LoginSession).where(LoginSession.user_id == person.id)).one()
        assert pending.ticket_hash and pending.token_hash is None
    at = open_page("streamlit_app.py", username=person.username, password=PASSWORD)
    assert f"{inst.name} - 内科 | 欢迎 {person.name}" in _header(at)
    assert any(b.label == "退出" for b in at.button)


def test_wrong_password_is_refused_with_the_manual_message(sqlite_db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    at = _submit(_app(), person.username, "Wrong0password")
    assert shown(at.error[0].value).startswith("用户名或密码不正确!")
    assert "欢迎" not in _header(at)


def test_five_failures_lock_the_account(sqlite_db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    at = _app()
    for _ in range(5):
        at = _submit(at, person.username, "Wrong0password")
    assert "锁定15分钟" in at.error[0].value
    at = _submit(at, person.username, PASSWORD)  # right password, still locked
    assert "分钟后再试" in at.error[0].value
    assert "欢迎" not in _header(at)
