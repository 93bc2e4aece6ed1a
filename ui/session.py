"""Login state: a server-side session whose token lives in a cookie (never in the URL).

Each rerun re-validates the token, so idle timeout, logout elsewhere and a disabled account
take effect at once. The cookie is written by extra-streamlit-components' CookieManager and read
back from the page request (st.context.cookies) after a browser refresh.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import extra_streamlit_components as stx
import streamlit as st

from cme.db import session_scope
from cme.accounts import auth
from cme.core.actors import Actor, load_actor

COOKIE = "cme_session"
TOKEN_KEY = "session_token"


def _cookie_manager() -> stx.CookieManager:
    if "_cookie_manager" not in st.session_state:
        st.session_state["_cookie_manager"] = stx.CookieManager(key="cme_cookies")
    return st.session_state["_cookie_manager"]


def current_actor() -> Actor | None:
    """The logged-in user of this browser session, or None."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None and not st.session_state.get("_logged_out"):
        try:
            token = st.context.cookies.get(COOKIE)
        except Exception:  # AppTest has no request context
            token = None
    if not isinstance(token, str) or not token:
        return None
    with session_scope() as s:
        user_id = auth.resume_session(s, token)
        if user_id is None:
            st.session_state.pop(TOKEN_KEY, None)
            return None
        actor = load_actor(s, user_id)
    st.session_state[TOKEN_KEY] = token
    return actor


def sync_cookie() -> None:
    """Write or delete the cookie requested by login/logout (rendered on the run after)."""
    pending = st.session_state.pop("_cookie_action", None)
    if pending is None:
        return
    manager = _cookie_manager()
    action, token = pending
    if action == "set":
        manager.set(COOKIE, token, expires_at=datetime.now() + timedelta(hours=12), key="cookie_set", same_site="strict")
    else:
        manager.delete(COOKIE, key="cookie_delete")


def start(token: str) -> None:
    st.session_state[TOKEN_KEY] = token
    st.session_state.pop("_logged_out", None)
    st.session_state["_cookie_action"] = ("set", token)


def logout() -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    with session_scope() as s:
        auth.end_session(s, token)
    for key in list(st.session_state):  # nothing of this user stays behind for the next one
        if not key.startswith("_cookie") and not key.startswith("FormSubmitter"):
            st.session_state.pop(key, None)
    st.session_state["_logged_out"] = True  # ignore the stale cookie until it is deleted
    st.session_state["_cookie_action"] = ("delete", None)


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
