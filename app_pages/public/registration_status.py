"""注册状态查询 (用户账号 + 身份证号码) and 用户注册信息修改 while 单位待审 / 单位审核不过."""
import pandas as pd
import streamlit as st

from cme.accounts import registration
from cme.db import session_scope
from cme.domain.enums import AccountStatus
from cme.errors import DomainError
from ui.forms import attempt, flash_and_rerun, show_error, show_flash
from ui.place_picker import pick_place
from ui.session import client_address
from ui.sms_code import send_code

S = st.session_state
st.header("个人用户注册状态查询")

show_flash()

st.subheader("查询信息录入")
with st.form("rs_query"):
    username = st.text_input("用户账号 *", max_chars=40)
    id_number = st.text_input("身份证号码 *", max_chars=30)
    queried = st.form_submit_button("查询", type="primary")
if queried:
    for key in ("rs_editing", "rs_draft", "rs_status", "rs_pair", "rs_ticket"):
        S.pop(key, None)
    # each query counts toward the hourly limit: done once, kept for reruns
    if (done := attempt(lambda s: registration.query_status(s, username, id_number, client=client_address()))).ok:
        S["rs_status"], S["rs_pair"] = done.value, (username, id_number)

if not S.get("rs_status"):
    st.stop()

pair, status = S["rs_pair"], S["rs_status"]
st.subheader("注册状态")
rows = [("注册单位", status.institution), ("注册时间", status.registered_at), ("注册状态", status.status_label)]
if status.reject_reason:
    rows.append(("不通过原因", status.reject_reason))
st.dataframe(pd.DataFrame(rows, columns=["注册信息", "内容"]), hide_index=True, use_container_width=True)
if status.status == AccountStatus.APPROVED:
    st.info("注册已审核通过，请直接使用注册时填写的用户名和密码登录。")
if not status.can_edit:
    st.stop()
if not S.get("rs_editing"):
    if st.button("修改", key="rs_edit") and (done := attempt(lambda s: registration.registration_draft(s, *pair))).ok:
        S["rs_draft"], S["rs_editing"] = done.value, True
        st.rerun()
    st.stop()

st.subheader("用户注册信息修改")
draft = S["rs_draft"]
inst_id, dept_id = pick_place("rs", institution_id=draft.institution_id, region_code=draft.region_code,
                              department_id=draft.department_id)
c1, c2 = st.columns(2)
new_username = c1.text_input("用户名 *", value=draft.username, max_chars=40, key="rs_username")
name = c2.text_input("真实姓名 *", value=draft.name, max_chars=60, key="rs_name")
new_id = c1.text_input("身份证号 *", value=pair[1], max_chars=30, key="rs_id")
email = c2.text_input("电子邮箱 *", value=draft.email, max_chars=120, key="rs_email")
phone = c1.text_input("手机号码 *", placeholder=f"当前 {draft.phone_masked}，不修改请留空", max_chars=20, key="rs_phone")
joins = c2.selectbox("参加继教 *", list(registration.JOINS), index=list(registration.JOINS).index(draft.joins_cme),
                     key="rs_joins")
if phone.strip():
    p1, p2 = st.columns([1, 2])
    send_code("rs", lambda s: registration.send_change_phone_code(s, phone), place=p1)
    code = p2.text_input("验证码 *", max_chars=6, key="rs_code", placeholder="新手机号收到的六位数字")
current = c1.text_input("原密码 *", type="password", max_chars=128, key="rs_current", help="注册时设置的密码，用于确认本人操作")
password = c2.text_input("密码", type="password", max_chars=128, key="rs_pw", placeholder="不修改请留空")
confirm = c2.text_input("确认密码", type="password", max_chars=128, key="rs_pw2", placeholder="不修改请留空")

save, close = st.columns([1, 5])
if close.button("关闭", key="rs_close"):
    S.pop("rs_editing", None)
    st.rerun()
if save.button("保存", type="primary", key="rs_save"):
    try:
        ticket = None
        if phone.strip():  # a verified number keeps its ticket if another field still needs fixing
            held = S.get("rs_ticket")
            if held and held[0] == phone:
                ticket = held[1]
            else:
                with session_scope() as s:
                    ticket = registration.verify_change_phone(s, phone, code).ticket
                S["rs_ticket"] = (phone, ticket)
        edit = registration.RegistrationEdit(
            institution_id=inst_id, department_id=dept_id, username=new_username, name=name, id_number=new_id,
            email=email, phone=phone, phone_ticket=ticket, current_password=current, password=password,
            confirm=confirm, joins_cme=joins,
        )
        with session_scope() as s:
            registration.resubmit_registration(s, *pair, edit)
    except DomainError as e:
        show_error(e)
    else:
        for key in ("rs_editing", "rs_draft", "rs_ticket", "rs_sent"):
            S.pop(key, None)
        S["rs_pair"] = (new_username, new_id)
        with session_scope() as s:
            S["rs_status"] = registration.query_status(s, new_username, new_id, client=client_address())
        flash_and_rerun("注册信息已保存，已重新提交单位审核（单位待审）。")
