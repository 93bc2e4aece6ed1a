"""省级管理员首页: province-wide staff, 达标率 and pending reviews this year, and the table by 市州."""
import pandas as pd
import streamlit as st

from cme.administration import notices
from cme.analytics import charts as analytics_charts
from cme.analytics import service as analytics
from cme.db import session_scope
from cme.domain.enums import Role
from ui.notice_list import show_notices
from ui.session import require_actor
from ui.tables import show_table

me = require_actor(Role.PROVINCE)
with session_scope() as s:
    head = analytics.province_headline(s, me)
    notice_rows = notices.list_notices(s, me)

st.header("首页")
t = head.total
m = st.columns(5)
m[0].metric("全省人员", t.staff)
m[1].metric(f"{head.year}年达标率", t.rate_text, help="达标率 = 达标 / (达标 + 未达标)，未设置学分标准的人员单独统计")
m[2].metric("未达标", t.not_met)
m[3].metric("未设置", t.unset)
m[4].metric("待审核", head.pending_reviews, help="注册、学分、档案、调动待审合计")

st.subheader(f"各市州{head.year}年度达标情况")
if head.by_city:
    st.plotly_chart(analytics_charts.rate_bars(head.by_city, "各市州达标率"), width="stretch", key="ph_city_chart")
    show_table(pd.DataFrame([r.table_row("市州") for r in head.by_city] + [t.table_row("市州")]), key="ph_city_table",
               cards=["市州", "达标率", "人数", "达标", "未达标", "未设置"])
else:
    st.info("暂无人员")
st.page_link("app_pages/province/analytics.py", label="查看全省统计", icon=":material/monitoring:")

st.subheader("通知公告")
show_notices(notice_rows, key="ph_notices")
