"""The 登录 form (用户名 or 手机号 + 密码), shared by the login page and the phone sign-in page."""
from __future__ import annotations

import streamlit as st

from cme.accounts import auth
from cme.db import session_scope
from cme.errors import DomainError
from ui import metrics
from ui.forms import show_error
from ui.session import client_address, start


def login_form(key: str, *, next_path: str | None = None) -> None:
    """On success the browser fetches its HttpOnly session cookie and comes back logged in, home or
    to `next_path`."""
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
            start(result.ticket, next_path)
            st.info("正在登录…")
            st.stop()
