"""首页: what needs attention (rejected credits, recent reviews and notices), 本年参加项目, 本年获得学分,
yearly progress against the standard, the national cycle, 历年达标情况, 通知公告 (manual fig. 15).
Each part is one function below, drawn in the order at the bottom."""
import pandas as pd
import streamlit as st

from cme.administration import notices
from cme.attendance import plan, reminders
from cme.credits import attention, charts, progress
from cme.db import session_scope
from cme.domain.compliance import STATUS_MET, STATUS_UNSET, format_credit
from cme.domain.enums import Role
from ui.credit_plan import show_credit_plan, show_reminders
from ui.forms import literal
from ui.notice_list import show_notices
from ui.session import require_actor
from ui.tables import show_chart, show_table

me = require_actor(Role.PERSON)
with session_scope() as s:
    home = progress.home_progress(s, me)
    history = progress.standard_history(s, me)
    rejected = attention.rejected_to_resubmit(s, me)
    reviews = attention.recent_reviews(s, me)
    fresh_notices = notices.recent_notice_count(s, me, reviews.days)
    notice_rows = notices.list_notices(s, me)
    unread = reminders.unread_reminders(s, me)
    credit_plan = plan.credit_plan(s, me, home=home)


def attention_section() -> None:
    """Badges for what is new, and a red banner for every rejected credit with its reason and 重新登记."""
    parts = []
    if fresh_notices:
        parts.append(f":blue-badge[:material/campaign: 新通知 {fresh_notices}]")
    if reviews.approved:
        parts.append(f":green-badge[:material/check: 审核通过 {reviews.approved}]")
    if reviews.rejected:
        parts.append(f":red-badge[:material/close: 审核不过 {reviews.rejected}]")
    if parts:
        st.markdown(f"近{reviews.days}天：" + " ".join(parts))
    if not rejected:
        return
    with st.container(border=True):
        st.error(f"有 {len(rejected)} 条学分登记审核不过，请按审核意见修改后重新登记。", icon=":material/error:")
        for r in rejected:
            c1, c2 = st.columns([5, 1], vertical_alignment="center")
            c1.markdown(f"**{literal(r.project_name)}**（{literal(r.project_code)}，{r.year}年度，{r.credit_type} "
                        f"{format_credit(r.credits)}分）  \n审核意见：{literal(r.reason) or '（无）'}")
            if c2.button("重新登记", key=f"home_resubmit_{r.id}", icon=":material/edit:", width="stretch"):
                st.session_state["credit_resubmit"] = r.id  # 个人学分登记审核 opens its form pre-filled from it
                st.switch_page("app_pages/personal/credits.py")


def this_year_section() -> None:
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
        st.page_link("app_pages/personal/standards_setup.py", label="去设置个人学分标准", icon=":material/tune:")
    else:
        st.error(text, icon=":material/pending:")
    if home.pending_i or home.pending_ii:
        st.caption(f"另有待审学分：I类 {format_credit(home.pending_i)} 分，II类 {format_credit(home.pending_ii)} 分（审核通过后才计入）")


def charts_section() -> None:
    """The yearly bars, and the national cycle wherever a standard asks for national credits."""
    show_chart(charts.yearly_bars(home) if home.has_data else None, key="home_bars",
               empty="暂无数据：尚未设置学分标准，也没有学分记录")
    cycle_year = progress.national_cycle_year(history)
    cycle = charts.cycle_progress(home, cycle_year.verdict) if cycle_year else None
    if cycle is not None:
        st.plotly_chart(cycle, width="stretch", key="home_cycle")


def history_section() -> None:
    st.subheader("历年达标情况")
    if not history:
        st.info("暂无数据：设置个人学分标准后，这里列出每个年度的达标情况")
        return
    show_table(pd.DataFrame([progress.history_row(p) for p in history], columns=progress.HISTORY_COLUMNS),
               key="home_history", cards=progress.HISTORY_COLUMNS,
               column_config={"年度": st.column_config.NumberColumn(format="%d", width="small"),
                              "结论": st.column_config.TextColumn(width="small"),
                              "还差": st.column_config.TextColumn(width="large")})


def notices_section() -> None:
    st.subheader("通知公告")
    show_notices(notice_rows, key="home_notices")
    for n in notice_rows:
        if n.body:
            with st.expander(literal(n.title)):
                st.markdown(literal(n.body))


st.header("首页")
show_reminders(me, unread)
attention_section()
this_year_section()
charts_section()
show_credit_plan(me, credit_plan)
history_section()
notices_section()
