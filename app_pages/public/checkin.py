"""扫码签到 (phone): the page a sign-in QR opens. Log in if needed, then 签到 / 签退."""
from urllib.parse import urlencode

import streamlit as st

from cme.attendance import checkin
from cme.db import session_scope
from cme.errors import DomainError
from ui.forms import show_error
from ui.login_form import login_form
from ui.session import current_actor

st.header("扫码签到")
token, ticket = st.query_params.get("t"), st.query_params.get("k")
# the scan is checked once, when the page opens; the ticket it gives lasts long enough to log in
# (logging in reloads the page: it comes back with the ticket as `k`)
if (token or ticket) and st.session_state.get("checkin_token") != (token or ticket):
    try:
        with session_scope() as s:
            info = checkin.open_scan(s, token) if token else checkin.reopen_scan(s, ticket)
    except DomainError as e:
        show_error(e)
        st.stop()
    st.session_state["checkin_token"], st.session_state["checkin_info"] = token or ticket, info
info = st.session_state.get("checkin_info")
if info is None:
    st.info("请使用手机扫描培训现场屏幕上的签到二维码")
    st.stop()

with st.container(border=True):
    st.markdown(f"**{info.project_name}**")
    st.caption(f"{info.project_code} · {info.organizer} · {info.credit}")
    st.caption(f"{info.held_on} {info.place}　签到 {info.sign_in}　签退 {info.sign_out}")

me = current_actor()
if me is None:
    st.caption("请先登录（用户名或手机号）")
    login_form("checkin_login", next_path=f"/checkin?{urlencode({'k': info.ticket})}")
    st.stop()

if message := st.session_state.pop("checkin_message", None):
    st.success(message)
try:
    with session_scope() as s:
        state = checkin.my_attendance(s, me, info.ticket)
except DomainError as e:
    show_error(e)
    st.stop()
a, b = st.columns(2)
a.metric("签到时间", state.signed_in_at[11:16] if state.signed_in else "未签到")
b.metric("签退时间", state.signed_out_at[11:16] if state.signed_out else "未签退")


def tap(action) -> None:
    try:
        with session_scope() as s:
            result = action(s, me, info.ticket)
    except DomainError as e:
        show_error(e)
    else:
        st.session_state["checkin_message"] = result.message
        st.rerun()


if st.button("签到", type="primary", use_container_width=True, disabled=state.signed_in, key="checkin_in"):
    tap(checkin.sign_in)
if st.button("签退", type="primary", use_container_width=True, disabled=not state.signed_in or state.signed_out,
             key="checkin_out"):
    tap(checkin.sign_out)
