"""首页 blocks of the attendance context: unread reminders and the 学分计划 with 预报名."""
from __future__ import annotations

import streamlit as st

from cme.attendance import plan, reminders
from cme.core.actors import Actor
from cme.domain.compliance import STATUS_NOT_MET
from ui.forms import act, literal


def show_reminders(me: Actor, notes: list[reminders.ReminderNote]) -> None:
    """Unread 学分提醒 (read by the page in its unit of work), each with 知道了."""
    for n in notes:
        with st.container(border=True):
            st.markdown(f":material/notifications_active: **学分提醒**（{n.sent_at}）")
            st.markdown(literal(n.message))
            if st.button("知道了", key=f"reminder_read_{n.id}"):
                act("提醒已标记为已读", lambda s, rid=n.id: reminders.mark_read(s, me, rid))


def show_credit_plan(me: Actor, p: plan.CreditPlan) -> None:
    """学分计划 (read by the page in its unit of work): what remains (the 首页 还差) and upcoming projects that
    close it, with 预报名."""
    if p.status != STATUS_NOT_MET:
        return
    st.subheader("学分计划")
    st.markdown("\n".join(f"- {label}：**{text}**" for label, text in p.gaps()))
    if not p.projects:
        st.caption("项目库中暂无可补足差额的近期项目")
        return
    st.caption("近期可参加的项目（本人学科优先）：")
    for x in p.projects:
        row = x.table_row()
        c = st.columns([5, 1], vertical_alignment="center")
        c[0].markdown(f"**{literal(x.name)}**　{row['学分类型']} {row['学分']}分　{row['举办时间']}  \n"
                      f"{literal(x.code)} · {literal(x.organizer)} · {row['学科分类']}")
        if c[1].button("已预报名" if x.enrolled else "预报名", key=f"plan_enrol_{x.id}", disabled=x.enrolled,
                       use_container_width=True):
            act(f"已预报名“{x.name}”，主办单位将在签到管理中看到您", lambda s, pid=x.id: plan.enrol(s, me, pid))
