"""证书验证 (public, no login): serial typed in or carried by the QR code as ?serial=… → 真实有效/未找到/已作废."""
import pandas as pd
import streamlit as st

from cme.certificates import service as certificates
from cme.db import session_scope
from cme.errors import DomainError
from ui.forms import literal, show_error
from ui.session import client_address
from ui.tables import show_table

st.header("证书验证")
st.caption("输入学分证明上的证书编号，或用手机扫描证书上的二维码，核验证书是否真实有效及其所载内容。")

from_url = certificates.normalize_serial(st.query_params.get("serial", ""))
with st.form("verify_certificate"):
    typed = st.text_input("证书编号 *", value=from_url, max_chars=40, placeholder="例如 SC20260101ABCD1234")
    submitted = st.form_submit_button("验证", type="primary")

serial = typed if submitted else from_url
result = None
if serial or submitted:
    cached = st.session_state.get("_verified")
    if not submitted and cached and cached[0] == serial:
        result = cached[1]  # a rerun does not count as another look-up
    else:
        try:
            with session_scope() as s:
                result = certificates.verify_certificate(s, serial, client=client_address())
        except DomainError as e:
            show_error(e)
        else:
            st.session_state["_verified"] = (serial, result)

if result is None:
    st.stop()

if result.status == "not_found":
    st.error(f"**{result.status_label}**：没有编号为 {literal(result.serial)} 的学分证明，请核对证书编号。")
    st.stop()
if result.status == "genuine":
    st.success(f"**{result.status_label}**：该学分证明由四川省继续医学教育行政管理平台出具，所载内容如下。")
else:
    st.error(f"**{result.status_label}**：该学分证明已于 {result.voided_at} 作废，不再有效。作废原因：{literal(result.void_reason)}")

facts = [
    ("证书编号", result.serial),
    ("证明类型", result.kind_label),
    ("姓名", result.masked_name),
    ("单位", result.institution),
    ("职称", result.title),
    ("起止年度", f"{result.year_from} 至 {result.year_to}"),
    ("出具日期", result.issued_on.strftime("%Y年%m月%d日") if result.issued_on else ""),
    ("内容校验码", f"{result.content_hash[:16]}（应与证书上印制的一致）"),
]
# label: value lines, and the certified sentences as cards on a phone: nothing off-screen inside a table
with st.container(border=True):
    st.markdown("  \n".join(f"{label}：**{literal(value)}**" for label, value in facts))
st.subheader("各年度学分")
show_table(pd.DataFrame([[y.year, y.projects, y.sentence] for y in result.years], columns=["年度", "项目数", "证书所载"]),
           key="verify_years", cards=["年度", "证书所载", "项目数"])
