"""出具Ⅰ类、Ⅱ类学分证明 (manual §6.4, fig. 25–27): kind → 起始年度/终止年度 → 提交验证查询 (preview only)
→ 出具 (one serial per content) → PDF; 我的证明 lists what was issued, with 补打."""
import pandas as pd
import streamlit as st

from cme.certificates import registry
from cme.certificates import service as certificates
from cme.certificates.pdf import HEADERS, KIND_TITLES, PLATFORM_LINE, fmt_credits, fmt_date_cn, intro_sentence, title_line, year_sentence
from cme.clock import today
from cme.db import session_scope
from cme.domain.enums import Role
from ui.forms import attempt, choose, literal
from ui.session import require_actor

S = st.session_state
me = require_actor(Role.PERSON)
st.header("出具Ⅰ类、Ⅱ类学分证明")
st.caption(f"学分证明只列出审核通过的学分；起止年度跨度不超过{certificates.MAX_YEARS}年。"
           "先预览，确认无误后点击“出具”生成带证书编号和二维码的证明；同样内容再次出具仍是同一份证明。")


def show_content(content, serial: str = "", digest: str = "", url: str = "") -> None:
    """The certificate as fig. 27 lays it out (a preview has no serial yet)."""
    with st.container(border=True):
        st.markdown(f"<h3 style='text-align:center'>{title_line(content.kind)}</h3>", unsafe_allow_html=True)
        st.markdown(literal(intro_sentence(content)))
        for year in content.years:
            rows = [[ln.project_code, ln.project_name, fmt_credits(ln.credits), ln.credit_type,
                     f"{ln.date_from.isoformat()} 至 {ln.date_to.isoformat()}"] for ln in year.lines]
            if rows:
                st.dataframe(pd.DataFrame(rows, columns=list(HEADERS)), hide_index=True, width="stretch")
            else:
                st.caption(f"{year.year}年度无审核通过的学分记录")
            st.markdown(f"**{year_sentence(content.kind, year)}**")
        right = st.columns([3, 2])[1]
        right.markdown(f"认证机构:\n\n{PLATFORM_LINE}\n\n{fmt_date_cn(content.issued_on)}")
        if serial:
            st.markdown(f"证书编号: `{serial}`　　内容校验码: `{digest[:16]}`")
            st.caption(f"核验地址: {url}")
        else:
            st.caption("预览：尚未出具，没有证书编号")


def download(issued, key: str) -> None:
    st.download_button("下载PDF学分证明", data=issued.pdf, file_name=issued.filename, mime="application/pdf",
                       type="primary", icon=":material/download:", key=key, on_click="ignore")


def request_section() -> None:
    cols = st.columns(3)
    for col, (kind, label) in zip(cols, KIND_TITLES.items(), strict=True):
        chosen = S.get("cert_kind") == kind
        if col.button(label, key=f"cert_kind_{kind}", type="primary" if chosen else "secondary", width="stretch"):
            S["cert_kind"] = kind
            S.pop("cert_request", None)
            S.pop("cert_issued", None)
            st.rerun()
    kind = S.get("cert_kind")
    if kind is None:
        st.info("请点击上方按钮选择要出具的学分证明类型。")
        return
    st.subheader(KIND_TITLES[kind])
    years = list(range(today().year, today().year - 31, -1))
    with st.form("cert_request_form"):
        c1, c2 = st.columns(2)
        with c1:
            year_from = choose("起始年度 *", years, key="cert_year_from")
        with c2:
            year_to = choose("终止年度 *", years, key="cert_year_to")
        submitted = st.form_submit_button("提交验证查询", type="primary")
    if submitted:
        S.pop("cert_request", None)
        S.pop("cert_issued", None)
        if attempt(lambda s: certificates.preview_certificate(s, me, kind, year_from, year_to)).ok:
            S["cert_request"] = (kind, year_from, year_to)
    request = S.get("cert_request")
    if not request or request[0] != kind:
        return
    issued = S.get("cert_issued")
    if issued is not None:
        st.success(f"学分证明已出具，证书编号 {issued.serial}")
        download(issued, "cert_download")
        show_content(issued.content, issued.serial, issued.content_hash, issued.verify_url)
        return
    with session_scope() as s:  # drawn again on each run: the preview always states the current credits
        preview = certificates.preview_certificate(s, me, *request)
    if st.button("出具", type="primary", icon=":material/verified:", key="cert_issue") and (
            done := attempt(lambda s: certificates.issue_certificate(s, me, *request))).ok:
        S["cert_issued"] = done.value
        st.rerun()
    show_content(preview.content)


def my_certificates_section() -> None:
    st.subheader("我的证明")
    with session_scope() as s:
        rows = registry.list_own_certificates(s, me)
    if not rows:
        st.info("暂无数据：尚未出具过学分证明")
        return
    st.dataframe(pd.DataFrame([r.table_row() for r in rows]), hide_index=True, width="stretch", key="cert_mine")
    valid = [r.serial for r in rows if r.status_label != "已作废"]
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    picked = c1.selectbox("选择证书补打", valid, index=None, placeholder="请选择证书编号", key="cert_reprint_pick")
    if picked and (done := attempt(lambda s: registry.reprint_certificate(s, me, picked))).ok:
        again = done.value
        with c2:
            st.download_button("补打（下载PDF）", data=again.pdf, file_name=again.filename, mime="application/pdf",
                               icon=":material/print:", key="cert_reprint", on_click="ignore")


request_section()
my_certificates_section()
