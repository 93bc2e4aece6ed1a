"""全省统计: 达标率 by 市州 and by institution for a year, the trend, drill-down to an institution's departments; XLSX export."""
import pandas as pd
import streamlit as st

from cme import clock
from cme.analytics import charts as analytics_charts
from cme.analytics import province_export
from cme.analytics import service as analytics
from cme.db import session_scope
from cme.domain.enums import Role
from cme.errors import DomainError
from ui.forms import literal, show_error
from ui.rate_metrics import show_rate_metrics
from ui.session import audit_export, require_actor

ALL = "全省"
me = require_actor(Role.PROVINCE)
st.header("全省统计")
with session_scope() as s:
    cities = dict((name, code) for code, name in analytics.cities(s, me))
c = st.columns(2)
year = c[0].selectbox("年度", list(range(clock.today().year, clock.today().year - 10, -1)), key="pa_year")
city = c[1].selectbox("市州", [ALL] + list(cities), key="pa_city")
try:
    with session_scope() as s:
        ov = analytics.year_overview(s, me, year, city_code=cities.get(city))
        trend = analytics.trend(s, me, year, city_code=cities.get(city))
except DomainError as e:
    show_error(e)
    st.stop()

t = ov.total
show_rate_metrics(t, f"{year}年达标率")
# built when clicked (three sheets over every institution), never on a rerun
st.download_button("导出XLSX", lambda: province_export.province_xlsx(ov, trend, city), key="pa_xlsx",
                   file_name=f"全省统计_{city}_{year}_{clock.today():%Y%m%d}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   on_click=audit_export, args=(f"全省统计 {city} {year} XLSX", t.staff))

by_city, by_inst, by_trend = st.tabs(["按市州", "按机构", "达标率趋势"])
with by_city:
    groups = ov.by("city")
    if groups:
        st.plotly_chart(analytics_charts.rate_bars(groups, "各市州达标率"), width="stretch", key="pa_city_chart")
    st.dataframe(pd.DataFrame([g.table_row("市州") for g in groups] + [t.table_row("市州")]), hide_index=True,
                 width="stretch", key="pa_city_table")
with by_inst:
    insts = sorted(ov.by("institution"), key=lambda r: (r.rate is None, r.rate or 0, r.group))
    st.caption("按达标率从低到高排列")
    st.dataframe(pd.DataFrame([g.table_row("机构") for g in insts]), hide_index=True, width="stretch", key="pa_inst_table")
    names = {g.group: g.key for g in insts}
    picked = st.selectbox("查看机构", list(names), index=None, placeholder="选择机构查看各科室达标情况", key="pa_inst")
    if picked:
        try:
            with session_scope() as s:
                inst_ov = analytics.year_overview(s, me, year, institution_id=names[picked])
        except DomainError as e:
            show_error(e)
        else:
            depts = inst_ov.by("department")
            st.markdown(f"**{literal(picked)} · {year}年度各科室达标情况**")
            st.plotly_chart(analytics_charts.rate_bars(depts, "各科室达标率"), width="stretch", key="pa_dept_chart")
            st.dataframe(pd.DataFrame([d.table_row("科室") for d in depts] + [inst_ov.total.table_row("科室")]),
                         hide_index=True, width="stretch", key="pa_dept_table")
with by_trend:
    st.plotly_chart(analytics_charts.trend_line(trend, f"{city}近{len(trend)}年达标率趋势（现有人员）"), width="stretch",
                    key="pa_trend")
    st.dataframe(pd.DataFrame([r.table_row("年度") for r in trend]), hide_index=True, width="stretch", key="pa_trend_table")
