"""本机构人员: the institution's staff with the year's standard, obtained vs required and 还差…; filters, export, drill-down."""
import pandas as pd
import streamlit as st

from cme import clock
from cme.analytics import service as analytics
from cme.credits import charts, progress
from cme.db import session_scope
from cme.domain.compliance import STATUS_MET, STATUS_UNSET
from cme.domain.enums import Role
from cme.errors import DomainError
from cme.standards import personal as personal_standards
from ui.forms import literal, show_error, show_flash
from ui.rate_metrics import show_rate_metrics
from ui.reminder_panel import show_reminder_panel
from ui.row_select import one_chosen, select_rows
from ui.session import audit_export, require_actor
from ui.tables import on_phone, phone_cards, show_chart

ALL = "全部"
me = require_actor(Role.UNIT)
st.header("本机构人员")
show_flash()

with session_scope() as s:
    departments = analytics.department_options(s, me)
c = st.columns([1, 1.3, 1, 1.6])
year = c[0].selectbox("年度", list(range(clock.today().year, clock.today().year - 10, -1)), key="staff_year")
dept_names = {name: i for i, name in departments}
dept = c[1].selectbox("科室", [ALL] + list(dept_names), key="staff_dept")
status = c[2].selectbox("状态", [ALL, *analytics.STATUSES], key="staff_status")
keyword = c[3].text_input("姓名/用户名", key="staff_keyword", placeholder="输入姓名或用户名", max_chars=40)

try:
    with session_scope() as s:
        rows = analytics.staff_compliance(s, me, year, department_id=dept_names.get(dept),
                                          status=None if status == ALL else status, keyword=keyword)
except DomainError as e:
    show_error(e)
    st.stop()

t = analytics.total(rows)
show_rate_metrics(t)

if not rows:
    st.info("没有符合条件的人员")
    st.stop()
with session_scope() as s:
    below = personal_standards.standards_below_institution(s, me, year)
table = pd.DataFrame([r.table_row() for r in rows], columns=analytics.STAFF_COLUMNS)
if below:  # standards chosen below the institution's level lower the requirements: shown next to the code
    table.insert(table.columns.get_loc("执行标准") + 1, "标准提示", [below.get(r.user_id, "") for r in rows])
    st.warning(f"{len(below)} 人的学分标准低于本机构的区域等级，见“标准提示”列")
picked = None
if on_phone():
    phone_cards(table, key="staff_table", cards=["姓名", "状态", "还差", "科室", "执行标准", "用户名"])
else:
    st.caption("点击表格左侧选择一名人员，查看其各年度学分。")
    columns = {"姓名": st.column_config.TextColumn(pinned=True), "状态": st.column_config.TextColumn(width="small"),
               "还差": st.column_config.TextColumn(width="large")}
    picked = one_chosen(select_rows(table, [r.user_id for r in rows], key="staff_table", column_config=columns, many=False),
                        [r.user_id for r in rows])
e1, e2, _ = st.columns([1, 1, 4])
stamp = clock.today().strftime("%Y%m%d")
# the files are built only when asked for (a 5,000-row XLSX takes over a second), never on every rerun
e1.download_button("导出XLSX", lambda: analytics.export_xlsx(rows), file_name=f"本机构人员_{year}_{stamp}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="staff_xlsx",
                   on_click=audit_export, args=("本机构人员 XLSX", len(rows)))
e2.download_button("导出CSV", lambda: analytics.export_csv(rows), file_name=f"本机构人员_{year}_{stamp}.csv",
                   mime="text/csv", key="staff_csv", on_click=audit_export, args=("本机构人员 CSV", len(rows)))
show_reminder_panel(me, year)

if picked:
    who = next(r for r in rows if r.user_id == picked)
    st.subheader(literal(f"人员学分明细：{who.name}（{who.username}）"))
    try:
        with session_scope() as s:
            home = progress.home_progress(s, me, user_id=picked, year=year)
    except DomainError as e:
        show_error(e)
        st.stop()
    v = home.current.verdict
    if v.status == STATUS_UNSET:
        st.warning(f"{year}年度未设置学分标准")
    elif v.status == STATUS_MET:
        st.success(f"{year}年度（执行标准 {v.standard_code}）：学分已达标")
    else:
        st.error(f"{year}年度（执行标准 {v.standard_code}）：{home.missing_text}")
    show_chart(charts.yearly_bars(home) if home.has_data else None, key="staff_bars",
               empty="暂无数据：该人员尚未设置学分标准，也没有学分记录")
    cycle = charts.cycle_progress(home)
    if cycle is not None:
        st.plotly_chart(cycle, width="stretch", key="staff_cycle")
