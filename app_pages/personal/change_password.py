"""修改密码: 用户名, 原密码, 新密码, 重复密码 → 密码修改成功."""
import streamlit as st

from cme.accounts import auth
from cme.db import session_scope
from cme.errors import DomainError
from ui.forms import show_error
from ui.session import current_session, require_actor

me = require_actor()
st.header("修改密码")
with session_scope() as s:
    from cme.core.actors import account_state

    forced = account_state(s, me).must_change_password
if forced:
    st.warning("您的密码已被管理员重置为一次性密码，请先设置新密码。")
st.caption("密码至少8位，须同时包含字母和数字，且不能包含用户名、身份证号或手机号。")
with st.form("change_password", clear_on_submit=False):
    st.text_input("用户名", value=me.username, disabled=True)
    old = st.text_input("原密码 *", type="password", max_chars=128)
    new = st.text_input("新密码 *", type="password", max_chars=128)
    repeat = st.text_input("重复密码 *", type="password", max_chars=128)
    submitted = st.form_submit_button("提交", type="primary")
if submitted:
    try:
        with session_scope() as s:
            token, held = current_session()
            auth.change_password(s, me.id, old, new, repeat, current_token=token, current_session_id=held)
    except DomainError as e:
        show_error(e)
    else:
        st.success("密码修改成功")
        st.caption("您在其他设备或浏览器上的登录已全部退出。")
        if forced:
            st.rerun()
