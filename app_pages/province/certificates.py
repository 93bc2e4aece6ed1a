"""证书管理 (省级管理员): find issued 学分证明 by serial, name or username and void one with a reason;
the public 证书验证 page then shows 已作废 and the reason."""
import pandas as pd
import streamlit as st

from cme.certificates import registry
from cme.domain.enums import Role
from ui.forms import act, attempt, show_flash
from ui.session import require_actor

me = require_actor(Role.PROVINCE)
st.header("证书管理")
show_flash()

keyword = st.text_input("证书编号 / 姓名 / 用户名", placeholder="输入证书编号、姓名或用户名查找", key="certs_keyword", max_chars=40)
found = attempt(lambda s: registry.list_certificates(s, me, keyword))
if not found.ok:
    st.stop()
rows = found.value
if not rows:
    st.info("暂无数据")
    st.stop()
table = pd.DataFrame([{**r.table_row(), "姓名": r.name, "用户名": r.username} for r in rows])
st.dataframe(table, hide_index=True, width="stretch", key="certs_table")

st.subheader("作废证书")
valid = [r.serial for r in rows if r.status_label != "已作废"]
with st.form("certs_void", enter_to_submit=False):
    serial = st.selectbox("证书编号 *", valid, index=None, placeholder="请选择要作废的证书", key="certs_void_serial")
    reason = st.text_area("作废原因 *", max_chars=200, placeholder="例如：学分记录更正后重新出具", key="certs_void_reason")
    sure = st.checkbox("确认作废：作废后证书验证页面将显示“已作废”，不可恢复", key="certs_void_sure")
    submitted = st.form_submit_button("作废", type="primary")
if submitted:
    if not sure:
        st.error("请先勾选“确认作废”")
    else:
        act(f"证书 {serial} 已作废", lambda s: registry.void_certificate(s, me, serial, reason),
            clear=("certs_void_serial",))
