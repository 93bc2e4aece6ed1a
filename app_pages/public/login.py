"""登录: 用户名 or 手机号 + 密码."""
import streamlit as st

from cme.config import get_settings
from cme.db import session_scope
from cme.labels import ROLE
from cme.ops.demo import DEMO_PASSWORD, demo_accounts
from ui.forms import literal
from ui.login_form import login_form, requested_page
from ui.navigation import ROOT

st.title("四川省继续医学教育行政管理平台")
left, right = st.columns([1, 1], gap="large")
with left:
    st.subheader("请输入您的账户信息")
    st.caption("系统更新前使用过继教平台的个人用户，请直接使用原用户名和密码登录")
    login_form("login", next_path=requested_page())  # back to the page asked for (a bookmark, an expired session)
    links = [(path, label) for path, label in [
        ("app_pages/public/register.py", "注册"),
        ("app_pages/public/registration_status.py", "注册状态查询"),
        ("app_pages/public/forgot_password.py", "忘记密码"),
        ("app_pages/public/help.py", "帮助文档"),
    ] if (ROOT / path).exists()]
    # a row that wraps, each link as wide as its words: equal columns cut "注册状态查询" on narrow screens
    with st.container(horizontal=True, wrap=True, gap="medium"):
        for path, label in links:
            st.page_link(path, label=label, width="content")

if get_settings().demo:
    with right:
        st.subheader("演示账号")
        st.caption(f"演示模式：以下账号的密码均为 `{DEMO_PASSWORD}`")
        with session_scope() as s:
            rows = demo_accounts(s)
        st.table([{"用户名": literal(a.username), "角色": ROLE[a.role], "姓名": literal(a.name), "机构": literal(a.institution)}
                  for a in rows])
