"""统计分析: 达标率 by department, title level and standard for a year; the 5-year trend; review queues with their age."""
import pandas as pd
import streamlit as st

from cme import clock
from cme.analytics import charts as analytics_charts
from cme.analytics import service as analytics
from cme.domain.enums import Role
from ui.forms import attempt
from ui.rate_metrics import metric_row, show_rate_metrics
from ui.session import require_actor

me = require_actor(Role.UNIT)
st.header("统计分析")
year = st.selectbox("年度", list(range(clock.today().year, clock.today().year - 10, -1)), key="an_year")
read = attempt(lambda s: (analytics.year_overview(s, me, year), analytics.trend(s, me, year), analytics.queue_ages(s, me)))
if not read.ok:
    st.stop()
ov, trend, queues = read.value

t = ov.total
show_rate_metrics(t, f"{year}年达标率")

tabs = st.tabs(["按科室", "按职称级别", "按执行标准"])
for tab, (dim, label) in zip(tabs, [("department", "科室"), ("title", "职称级别"), ("standard", "执行标准")], strict=True):
    with tab:
        groups = ov.by(dim)
        if not groups:
            st.info("暂无人员")
            continue
        left, right = st.columns(2)
        left.plotly_chart(analytics_charts.rate_bars(groups, f"各{label}达标率"), width="stretch", key=f"an_rate_{dim}")
        right.plotly_chart(analytics_charts.status_counts(groups), width="stretch", key=f"an_status_{dim}")
        st.dataframe(pd.DataFrame([g.table_row(label) for g in groups] + [t.table_row(label)]), hide_index=True,
                     width="stretch", key=f"an_table_{dim}")

st.subheader("达标率趋势")
st.plotly_chart(analytics_charts.trend_line(trend, f"近{len(trend)}年达标率趋势（现有人员）"), width="stretch", key="an_trend")
st.dataframe(pd.DataFrame([r.table_row("年度") for r in trend]), hide_index=True, width="stretch", key="an_trend_table")

st.subheader("待办审核")
metric_row(("注册待审", queues.registrations), ("学分待审", queues.credits), ("档案待审", queues.profiles),
           ("调动待审", queues.transfers))
if queues.credits:
    st.caption(f"最早的待审学分已等待 {queues.oldest_credit_days} 天")
    st.plotly_chart(analytics_charts.queue_age_bars(queues), width="stretch", key="an_ages")
