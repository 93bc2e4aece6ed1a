"""学分综合查询: filters, a table (状态 and 审核意见 first) whose chosen row shows 查看, export to XLSX/CSV (manual §6.5)."""
import pandas as pd
import streamlit as st

from cme import clock
from cme.core import reference
from cme.credits import entry, search
from cme.credits.search import CreditFilter
from cme.db import session_scope
from cme.domain.compliance import CREDIT_TYPES, format_credit
from cme.domain.enums import Role
from cme.labels import REVIEW_STATUS
from ui.credit_view import show_credit_detail
from ui.row_select import select_rows
from ui.session import audit_export, require_actor
from ui.tables import EMPTY, on_phone, phone_cards

me = require_actor(Role.PERSON)
st.header("学分综合查询")
with session_scope() as s:
    forms = reference.dictionary(s, entry.FORM_KIND)
    tree = reference.subjects(s)
years = list(range(clock.today().year, 1999, -1))
ALL = "全部"

with st.container(border=True):
    c = st.columns(4)
    year_from = c[0].selectbox("举办年度从", [ALL] + years[::-1], key="cs_from")
    year_to = c[1].selectbox("至", [ALL] + years, key="cs_to")
    ctype = c[2].selectbox("学分类型", [ALL] + list(CREDIT_TYPES), key="cs_type")
    status = c[3].selectbox("状态", [ALL] + list(REVIEW_STATUS.values()), key="cs_status")
    c = st.columns(4)
    project = c[0].text_input("项目编号/名称", max_chars=100, key="cs_project")
    form = c[1].selectbox("学分获取形式", [ALL] + forms, key="cs_form")
    parent = c[2].selectbox("一级学科", [ALL] + list(tree), key="cs_parent")
    child = c[3].selectbox("二级学科", [ALL] + (tree.get(parent, []) if parent != ALL else []), key="cs_child")

flt = CreditFilter(
    year_from=None if year_from == ALL else year_from, year_to=None if year_to == ALL else year_to,
    credit_type=None if ctype == ALL else ctype, status=None if status == ALL else status, project=project or "",
    form=None if form == ALL else form, subject_parent=None if parent == ALL else parent,
    subject_child=None if child == ALL else child,
)
with session_scope() as s:
    rows = search.search_credits(s, me, flt)

sums = search.search_totals(rows)
st.caption(f"共 {sums.rows} 条；其中审核通过 {sums.approved} 条，"
           f"I类 {format_credit(sums.class_i)} 分，II类 {format_credit(sums.class_ii)} 分")
table = pd.DataFrame([[r.status_label, r.reject_reason, r.project_name, format_credit(r.credits), r.credit_type, r.year,
                       f"{r.date_from} 至 {r.date_to}", r.form, r.subject, r.project_code] for r in rows],
                     columns=["状态", "审核意见", "项目名称", "学分", "学分类型", "举办年度", "获取时间", "学分获取形式",
                              "学科分类", "项目编号"])
picked: list = []
if not rows:
    st.info(EMPTY)
else:
    cards = ["项目名称", "状态", "审核意见", "学分", "学分类型", "举办年度", "获取时间", "项目编号"]
    if on_phone():
        phone_cards(table, key="cs_table", cards=cards)
    else:
        st.caption("点击表格左侧选择一条记录查看详情。")
        columns = {"状态": st.column_config.TextColumn(pinned=True, width="small"),
                   "审核意见": st.column_config.TextColumn(width="medium"),
                   "项目名称": st.column_config.TextColumn(width="large")}
        picked = select_rows(table, [r.id for r in rows], key="cs_table", column_config=columns, many=False)
e1, e2, _ = st.columns([1, 1, 6])
stamp = clock.today().strftime("%Y%m%d")
# the files are built when the button is clicked, not on every view of the page
e1.download_button("导出XLSX", lambda: search.export_xlsx(rows), file_name=f"学分信息_{stamp}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", disabled=not rows, key="cs_xlsx",
                   on_click=audit_export, args=("学分信息 XLSX", len(rows)))
e2.download_button("导出CSV", lambda: search.export_csv(rows), file_name=f"学分信息_{stamp}.csv", mime="text/csv",
                   disabled=not rows, key="cs_csv", on_click=audit_export, args=("学分信息 CSV", len(rows)))

if picked:
    with st.container(border=True):
        st.subheader("查看学分信息")
        show_credit_detail(me, picked[0], key="cs")
