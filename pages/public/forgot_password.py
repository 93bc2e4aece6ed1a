"""忘记密码: 身份证号 + 短信验证码（发送至注册手机）→ 新密码两次。没有任何默认密码。"""
import streamlit as st

from cme.accounts import password_reset
from cme.db import session_scope
from cme.errors import DomainError
from ui.forms import show_error

S = st.session_state
st.header("忘记密码")
if S.get("fp_done"):
    st.success(password_reset.SUCCESS)
    st.stop()

st.caption("输入注册时填写的身份证号，验证码将发送至该账号绑定的手机号码。")
id_number = st.text_input("身份证号 *", placeholder="请输入身份证号", max_chars=30, key="fp_id")
if st.button("获取验证码", key="fp_send"):
    try:
        with session_scope() as s:
            sent = password_reset.send_reset_code(s, id_number)
    except DomainError as e:
        show_error(e)
    else:
        S["fp_sent"] = (sent.masked_phone, sent.demo_code)
if S.get("fp_sent"):
    masked, demo_code = S["fp_sent"]
    st.success(f"验证码已发送至 {masked}，5分钟内有效")
    if demo_code:
        st.info(f"演示模式（未接短信网关）：短信内容 【省卫计信息中心】您的验证码为：{demo_code}。")

with st.form("fp_reset"):
    code = st.text_input("验证码 *", placeholder="请输入短信中的六位数字", max_chars=6)
    new = st.text_input("新密码 *", type="password", max_chars=128)
    repeat = st.text_input("重复密码 *", type="password", max_chars=128)
    st.caption("密码至少8位，须同时包含字母和数字，且不能包含用户名、身份证号或手机号。")
    submitted = st.form_submit_button("找回密码", type="primary")
if submitted:
    try:
        with session_scope() as s:
            password_reset.reset_password(s, id_number, code, new, repeat)
    except DomainError as e:
        show_error(e)
    else:
        S["fp_done"] = True
        st.rerun()
