"""出具Ⅰ类、Ⅱ类学分证明 (manual §6.4, fig. 25–27): kind → 起始年度/终止年度 → 提交验证查询 → preview + PDF."""
import pandas as pd
import streamlit as st

from cme.clock import today
from cme.db import session_scope
from cme.errors import DomainError
from cme.certificates.pdf import (
    HEADERS,
    KIND_TITLES,
    PLATFORM_LINE,
    TITLE,
    fmt_credits,
    fmt_date_cn,
    intro_sentence,
    year_sentence,
)
from cme.certificates import service as certificates
from ui.forms import choose, literal, show_error
from ui.session import require_actor

me = require_actor("person")
st.header("出具Ⅰ类、Ⅱ类学分证明")
st.caption(f"学分证明只列出审核通过的学分；起止年度跨度不超过{certificates.MAX_YEARS}年。"
           "每份证明带有证书编号和二维码，任何人可在“证书验证”页面核验。")

cols = st.columns(3)
for col, (kind, label) in zip(cols, KIND_TITLES.items()):
    chosen = st.session_state.get("cert_kind") == kind
    if col.button(label, key=f"cert_kind_{kind}", type="primary" if chosen else "secondary", use_container_width=True):
        st.session_state["cert_kind"] = kind
        st.session_state.pop("cert_issued", None)
        st.rerun()

kind = st.session_state.get("cert_kind")
if kind is None:
    st.info("请点击上方按钮选择要出具的学分证明类型。")
    st.stop()

st.subheader(KIND_TITLES[kind])
years = list(range(today().year, today().year - 31, -1))
with st.form("cert_request"):
    c1, c2 = st.columns(2)
    with c1:
        year_from = choose("起始年度 *", years, key="cert_year_from")
    with c2:
        year_to = choose("终止年度 *", years, key="cert_year_to")
    submitted = st.form_submit_button("提交验证查询", type="primary")

if submitted:
    st.session_state.pop("cert_issued", None)
    try:
        with session_scope() as s:
            st.session_state["cert_issued"] = certificates.issue_certificate(s, me, kind, year_from, year_to)
    except DomainError as e:
        show_error(e)

issued = st.session_state.get("cert_issued")
if issued is None or issued.content.kind != kind:
    st.stop()

content = issued.content
st.download_button("下载PDF学分证明", data=issued.pdf, file_name=issued.filename, mime="application/pdf",
                   type="primary", icon=":material/download:", key="cert_download", on_click="ignore")
with st.container(border=True):
    st.markdown(f"<h3 style='text-align:center'>{TITLE}</h3>", unsafe_allow_html=True)
    st.markdown(literal(intro_sentence(content)))
    for year in content.years:
        rows = [[ln.project_code, ln.project_name, fmt_credits(ln.credits), ln.credit_type,
                 f"{ln.date_from.isoformat()} 至 {ln.date_to.isoformat()}"] for ln in year.lines]
        if rows:
            st.dataframe(pd.DataFrame(rows, columns=list(HEADERS)), hide_index=True, use_container_width=True)
        else:
            st.caption(f"{year.year}年度无审核通过的学分记录")
        st.markdown(f"**{year_sentence(kind, year)}**")
    right = st.columns([3, 2])[1]
    right.markdown(f"认证机构:\n\n{PLATFORM_LINE}\n\n{fmt_date_cn(content.issued_on)}")
    st.markdown(f"证书编号: `{issued.serial}`　　内容校验码: `{issued.content_hash[:16]}`")
    st.caption(f"核验地址: {issued.verify_url}")
