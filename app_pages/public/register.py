"""个人注册: ① 验证手机 → ② 基本信息 → 用户注册成功!请等待单位审核,审核通过后方能登录。"""
import streamlit as st

from cme.accounts import registration
from cme.core import reference
from cme.db import session_scope
from ui.forms import attempt, choose
from ui.place_picker import pick_place
from ui.session import client_address
from ui.sms_code import send_code

S = st.session_state
st.header("注册新用户")
st.page_link("app_pages/public/login.py", label="返回登录首页", icon=":material/arrow_back:")

if S.get("reg_done"):
    st.success(registration.SUCCESS)
    if st.button("注册另一个账号"):
        S.pop("reg_done")
        st.rerun()
    st.stop()

step = 2 if S.get("reg_ticket") else 1
st.markdown(("**① 验证手机**　›　② 基本信息") if step == 1 else ("① 验证手机 ✓　›　**② 基本信息**"))

if step == 1:
    phone = st.text_input("手机号码 *", placeholder="请输入手机号码", max_chars=20, key="reg_phone")
    send_code("reg", lambda s: registration.send_register_code(s, phone))
    code = st.text_input("验证码 *", placeholder="请输入短信中的六位数字", max_chars=6, key="reg_code")
    if st.button("下一步", type="primary", key="reg_next") and (
            done := attempt(lambda s: registration.verify_register_phone(s, phone, code))).ok:
        verified = done.value
        S["reg_ticket"], S["reg_verified_phone"], S["reg_masked"] = verified.ticket, verified.phone, verified.masked
        st.rerun()
    st.stop()

st.caption(f"已验证手机号码：{S['reg_masked']}")
institution_id, department_id = pick_place("reg")
with session_scope() as s:
    bases = reference.dictionary(s, "学分达标遵照")
# One form: values stay in the browser until 完成 (no rerun on blur, so a Tab onto the password's
# show-password eye cannot drop what was typed), and one row per pair keeps Tab in reading order.
with st.form("reg_form", enter_to_submit=False, border=False):
    row = st.columns(2)
    username = row[0].text_input("用户名 *", placeholder="请输入用户名（4–20位字母、数字或下划线）", max_chars=40, key="reg_username")
    name = row[1].text_input("真实姓名 *", placeholder="请输入真实姓名", max_chars=60, key="reg_name")
    row = st.columns(2)
    id_number = row[0].text_input("身份证号 *", placeholder="请输入身份证号", max_chars=30, key="reg_id")
    email = row[1].text_input("电子邮箱 *", placeholder="请输入电子邮箱", max_chars=120, key="reg_email")
    row = st.columns(2)
    password = row[0].text_input("密码 *", type="password", placeholder="请输入密码", max_chars=128, key="reg_pw")
    confirm = row[1].text_input("确认密码 *", type="password", placeholder="请再次输入密码", max_chars=128, key="reg_pw2")
    st.caption("密码至少8位，须同时包含字母和数字，且不能包含用户名、身份证号或手机号。")
    row = st.columns(2)
    with row[0]:
        joins = choose("参加继教 *", list(registration.JOINS), key="reg_joins")
    with row[1]:
        basis = choose("学分达标遵照 *", bases, key="reg_basis")
    with st.expander("个人信息处理说明"):
        st.write(registration.CONSENT_TEXT)
    consent = st.checkbox("我已阅读并同意个人信息处理说明（同意个人信息处理）", key="reg_consent")
    finished = st.form_submit_button("完成", type="primary", key="reg_finish")

if st.button("重新验证手机", key="reg_back"):
    S.pop("reg_ticket", None)
    st.rerun()
if finished:
    form = registration.RegistrationForm(
        institution_id=institution_id, department_id=department_id, username=username, name=name,
        id_number=id_number, email=email, password=password, confirm=confirm, joins_cme=joins,
        standard_basis=basis, consent=consent,
    )
    if attempt(lambda s: registration.register(s, S["reg_verified_phone"], S["reg_ticket"], form,
                                               client=client_address())).ok:
        for key in [k for k in S if k.startswith("reg_")]:
            del S[key]
        S["reg_done"] = True
        st.rerun()
