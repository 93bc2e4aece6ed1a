"""忘记密码: 身份证号 + 短信验证码（发送至注册手机）→ 新密码两次。没有任何默认密码。"""
import streamlit as st

from cme.accounts import password_reset
from ui.forms import attempt
from ui.sms_code import send_code

S = st.session_state
st.header("忘记密码")
if S.get("fp_done"):
    st.success(password_reset.SUCCESS)
    st.stop()

st.caption("输入注册时填写的身份证号，验证码将发送至该账号绑定的手机号码。")
id_number = st.text_input("身份证号 *", placeholder="请输入身份证号", max_chars=30, key="fp_id")
send_code("fp", lambda s: password_reset.send_reset_code(s, id_number))

with st.form("fp_reset"):
    code = st.text_input("验证码 *", placeholder="请输入短信中的六位数字", max_chars=6)
    new = st.text_input("新密码 *", type="password", max_chars=128)
    repeat = st.text_input("重复密码 *", type="password", max_chars=128)
    st.caption("密码至少8位，须同时包含字母和数字，且不能包含用户名、身份证号或手机号。")
    submitted = st.form_submit_button("找回密码", type="primary")
if submitted and attempt(lambda s: password_reset.reset_password(s, id_number, code, new, repeat)).ok:
    S["fp_done"] = True
    st.rerun()
