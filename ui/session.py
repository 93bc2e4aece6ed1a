"""Login state: a server-side session whose token lives in an HttpOnly cookie set by the server.

Login: the form's service call opens a pending session and returns a one-time ticket. The login run
shows a hidden image of /session/cookie (ui/web.py), which swaps the ticket for the cookie, waits until
it has been sent, and reruns in place: the tab keeps its websocket, which was opened before the
cookie existed, so it holds its session's id in server memory (st.session_state) instead. A bookmark
to return to, or a cookie that does not come in time, goes through /session/start instead (a full
reload that comes back with the cookie). Every run re-validates the session in the database, so idle
timeout, logout elsewhere and a disabled account take effect at once. Logout ends the
session here (over the websocket, which only this site's pages can open) and sends the browser to
GET /session/end, which clears the cookie of a session that is over (it ends none itself: ui/web.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import streamlit as st

from cme.accounts import auth
from cme.core.actors import AccountState, Actor, load_account
from cme.db import session_scope
from cme.errors import NotPermitted
from ui.web import COOKIE, COOKIE_PATH, END_PATH, START_PATH, app_path, cookie_sent

# AppTest has no browser and no cookie: tests put a token here (tests/apptest.py)
TOKEN_KEY = "session_token"
# the id of the login session of the tab that logged in (its websocket never sees the cookie)
HELD_SESSION_KEY = "_login_session_id"
_LOGGED_OUT = "_logged_out"
COOKIE_WAIT_SECONDS = 5.0


def _cookie_token() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # AppTest has no request context
        return None


def current_token() -> str | None:
    """The session token of this browser session (the cookie), unless logged out in this run."""
    if st.session_state.get(_LOGGED_OUT):
        return None  # the request's cookie stays readable until the browser leaves this page
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    return token if isinstance(token, str) and token else None


def current_session() -> tuple[str | None, int | None]:
    """(token, held session id) naming this tab's login session; the held id wins (see the module)."""
    held = None if st.session_state.get(_LOGGED_OUT) else st.session_state.get(HELD_SESSION_KEY)
    return (None, held) if isinstance(held, int) else (current_token(), None)


def client_address() -> str | None:
    """The browser's address for the audit log: the first X-Forwarded-For hop behind a proxy."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
        address = forwarded.split(",")[0].strip() if isinstance(forwarded, str) and forwarded else st.context.ip_address
    except Exception:  # AppTest has no request context
        return None
    return address if isinstance(address, str) and address else None


def audit_export(what: str, rows: int) -> None:
    """on_click of a download button: the export goes into the audit log with the client's address."""
    from cme.core import audit

    actor = current_actor()
    if actor is not None:
        with session_scope() as s:
            audit.record_export(s, actor, what, rows, client=client_address())


def current_account() -> tuple[Actor, AccountState] | None:
    """The logged-in user of this browser session and their header, or None (one unit of work)."""
    token, held = current_session()
    if token is None and held is None:
        return None
    with session_scope() as s:
        user_id = auth.resume_session(s, token, session_id=held)
        if user_id is None:
            return None
        try:
            return load_account(s, user_id)
        except NotPermitted:
            return None


def current_actor() -> Actor | None:
    """The logged-in user of this browser session, or None."""
    account = current_account()
    return account[0] if account else None


def _navigate(path: str) -> None:
    """Send the browser to one of our routes. Streamlit has no public call for a full-page
    navigation; this is the message st.login/st.logout use (the frontend sets window.location)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    msg = ForwardMsg()
    msg.auth_redirect.url = app_path(path)
    ctx.enqueue(msg)


def _cookie_in_place(ticket: str) -> bool:
    """The browser fetches its cookie through a hidden image while this run waits (no CPU) until the
    server has sent it; False if that did not happen in time."""
    src = app_path(f"{COOKIE_PATH}?{urlencode({'ticket': ticket})}")
    with cookie_sent(ticket) as sent:
        st.html(f'<img src="{src}" alt="" width="1" height="1" style="position:absolute;opacity:0">')
        return sent.wait(COOKIE_WAIT_SECONDS)


def start(login: auth.LoginResult, next_path: str | None = None) -> None:
    """After a successful login: the browser gets its cookie with the one-time ticket, and the app
    reruns in place as the user's home page; or, to return to `next_path` (a path of this app, e.g.
    the bookmark it came from), through /session/start and a reload."""
    st.session_state.pop(_LOGGED_OUT, None)
    if next_path is None and _cookie_in_place(login.ticket):
        st.session_state[HELD_SESSION_KEY] = login.session_id
        st.rerun()
    params = {"ticket": login.ticket} | ({"next": next_path} if next_path else {})
    _navigate(f"{START_PATH}?{urlencode(params)}")


def logout() -> None:
    token, held = current_session()
    with session_scope() as s:
        auth.end_session(s, token, session_id=held)
    for key in list(st.session_state):  # nothing of this user stays behind for the next one
        if not key.startswith("FormSubmitter"):
            st.session_state.pop(key, None)
    st.session_state[_LOGGED_OUT] = True
    _navigate(END_PATH)


RUN_ACTOR_KEY = "_actor_this_run"


@contextmanager
def actor_for_this_run(actor: Actor | None) -> Iterator[None]:
    """The entry script has just checked the login: the page it runs reuses that check instead of
    reading the session token again (two database round trips fewer per page view)."""
    st.session_state[RUN_ACTOR_KEY] = actor
    try:
        yield
    finally:
        st.session_state.pop(RUN_ACTOR_KEY, None)


def require_actor(*roles: str) -> Actor:
    """Pages start with this: the logged-in actor of an allowed role, or the page stops."""
    actor = st.session_state[RUN_ACTOR_KEY] if RUN_ACTOR_KEY in st.session_state else current_actor()
    if actor is None:
        st.warning("登录已超时或尚未登录，请重新登录。")
        st.stop()
    if roles and actor.role not in roles:
        st.error("无权访问该页面")
        st.stop()
    return actor
