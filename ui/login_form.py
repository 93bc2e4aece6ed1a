"""The 登录 form (用户名 or 手机号 + 密码), shared by the login page and the phone sign-in page."""
from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from cme.accounts import auth
from cme.db import session_scope
from cme.errors import DomainError
from ui import metrics
from ui.forms import show_error
from ui.navigation import PRIVATE_URL_PATHS
from ui.session import client_address, start


def login_form(key: str, *, next_path: str | None = None) -> None:
    """On success the browser gets its HttpOnly session cookie and the app shows the user's home page,
    or `next_path` (ui/session.start)."""
    with st.form(key):
        login = st.text_input("用户", placeholder="用户名/手机号", max_chars=40)
        password = st.text_input("密码", type="password", placeholder="密码", max_chars=128)
        submitted = st.form_submit_button("登录", type="primary", use_container_width=True)
    if submitted:
        try:
            with session_scope() as s:
                result = auth.login(s, login, password, client=client_address())
        except DomainError as e:
            metrics.login(ok=False)
            show_error(e)
        else:
            metrics.login(ok=True)
            start(result, next_path)
            st.info("正在登录…")
            st.stop()


def requested_page(url: str | None = None) -> str | None:
    """The app page the browser asked for before it was shown 登录 (`/credit_search?…`), to return to after
    logging in; None for the home page, a public page or anything not a page of this app."""
    parts = urlsplit(url if url is not None else (st.context.url or ""))
    stem = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if stem not in PRIVATE_URL_PATHS:
        return None
    return f"/{stem}" + (f"?{parts.query}" if parts.query else "")
