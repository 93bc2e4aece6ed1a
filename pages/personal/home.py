"""首页: 本年参加项目, 本年获得学分, yearly progress against the standard, 通知公告 (manual fig. 15)."""
import pandas as pd
import streamlit as st

from cme.db import session_scope
from cme.domain.compliance import STATUS_MET, STATUS_UNSET, format_credit
from cme.credits import charts
from cme.administration import notices
from cme.credits import progress
from ui.credit_plan import show_credit_plan, show_reminders
from ui.session import require_actor

me = require_actor("person")
with session_scope() as s:
    home = progress.home_progress(s, me)
    notice_rows = notices.list_notices(s, me)

st.header("首页")
show_reminders(me)
left, right = st.columns(2, gap="large")
with left.container(border=True):
    st.markdown("**本年参加项目**")
    a, b = st.columns(2)
    a.metric("I类项目", home.projects_i)
    b.metric("II类项目", home.projects_ii)
with right.container(border=True):
    st.markdown("**本年获得学分**")
    a, b = st.columns(2)
    a.metric("I类学分", format_credit(home.credits_i))
    b.metric("II类学分", format_credit(home.credits_ii))

verdict = home.current.verdict
text = f"{home.year}年度（执行标准 {verdict.standard_code}）：{home.missing_text}" if verdict.standard_code else home.missing_text
if verdict.status == STATUS_MET:
    st.success(text, icon=":material/check_circle:")
elif verdict.status == STATUS_UNSET:
    st.warning(text, icon=":material/info:")
    st.page_link("pages/personal/standards_setup.py", label="去设置个人学分标准", icon=":material/tune:")
else:
    st.error(text, icon=":material/pending:")
if home.pending_i or home.pending_ii:
    st.caption(f"另有待审学分：I类 {format_credit(home.pending_i)} 分，II类 {format_credit(home.pending_ii)} 分（审核通过后才计入）")

st.plotly_chart(charts.yearly_bars(home), width="stretch", key="home_bars")
cycle = charts.cycle_progress(home)
if cycle is not None:
    st.plotly_chart(cycle, width="stretch", key="home_cycle")

show_credit_plan(me)

st.subheader("通知公告")
columns = ["通知标题", "发送者", "发布时间", "通知级别", "活动主题", "举办开始日期", "举办结束日期", "状态"]
st.dataframe(pd.DataFrame([n.table_row() for n in notice_rows], columns=columns), hide_index=True,
             width="stretch", key="home_notices")
for n in notice_rows:
    if n.body:
        with st.expander(n.title):
            st.write(n.body)
