"""签到管理: open a QR sign-in session for a project the institution organises, show the rotating QR
and live counts, close it, review the list (remove, walk-in) and confirm the credits."""
from datetime import time, timedelta

import pandas as pd
import streamlit as st

from cme import clock
from cme.attendance import confirm, qr, sessions
from cme.db import session_scope
from cme.domain.enums import AttendanceStatus, Role
from ui.forms import act, attempt, flash_and_rerun, show_flash
from ui.rate_metrics import metric_row
from ui.session import require_actor

me = require_actor(Role.UNIT, Role.PROVINCE)
st.header("签到管理")
show_flash()

with session_scope() as s:
    projects = sessions.organisable_projects(s, me)
if not projects:
    st.info("暂无可管理签到的项目：项目库中主办单位为本机构名称的项目才会列在这里。")
    st.stop()
by_label = {p.label: p for p in projects}
project = by_label[st.selectbox("项目", list(by_label), key="att_project")]

with session_scope() as s:
    runs = sessions.project_sessions(s, me, project.id)
    expected = sessions.expected_attendees(s, me, project.id)

with st.expander(f"预报名（{len(expected)}人）", expanded=False):
    if expected:
        st.dataframe(pd.DataFrame([r.table_row() for r in expected]), hide_index=True, width="stretch", key="att_expected")
    else:
        st.caption("暂无预报名")

with st.expander("开始签到", expanded=not any(r.status == AttendanceStatus.OPEN for r in runs)), st.form("att_open"):
    a, b = st.columns(2)
    day = a.date_input("签到日期", value=max(clock.today(), project.date_from or clock.today()),
                       key=f"att_day_{project.id}", format="YYYY-MM-DD")  # a default per project
    place = b.text_input("签到地点", max_chars=100, key="att_place")
    c = st.columns(5)
    in_from = c[0].time_input("签到开始", value=time(8, 0), step=timedelta(minutes=5), key="att_in_from")
    in_to = c[1].time_input("签到结束", value=time(9, 0), step=timedelta(minutes=5), key="att_in_to")
    out_from = c[2].time_input("签退开始", value=time(11, 0), step=timedelta(minutes=5), key="att_out_from")
    out_to = c[3].time_input("签退结束", value=time(12, 0), step=timedelta(minutes=5), key="att_out_to")
    minutes = c[4].number_input("最短在场时间（分钟）", min_value=0, max_value=1440, value=120, step=10, key="att_min")
    if st.form_submit_button("开始签到", type="primary"):
        data = sessions.SessionInput(day, place, in_from, in_to, out_from, out_to, minutes)
        act("签到已开始，请将二维码投放到现场屏幕", lambda s: sessions.open_session(s, me, project.id, data))

if not runs:
    st.stop()
by_run = {r.label: r.id for r in runs}
session_id = by_run[st.selectbox("签到场次", list(by_run), key="att_session")]


@st.fragment(run_every=timedelta(seconds=10))
def live_panel(session_id: int) -> None:
    """Re-drawn every 10 s: the live counts, and the QR whose token changes every 30 s (a code shown
    up to 10 s late is still inside its window)."""
    with session_scope() as s:
        live = qr.live_qr(s, me, session_id)
    v = live.view
    st.markdown(f"**{v.project_code} {v.project_name}**　{v.held_on} {v.place}　签到 {v.sign_in}　签退 {v.sign_out}"
                f"　最短在场 {v.min_minutes} 分钟")
    metric_row(("已签到", v.signed_in), ("已签退", v.signed_out), ("预报名", v.expected), ("状态", v.status_label))
    if live.png:
        st.image(live.png, caption=f"请用手机扫码签到/签退（二维码每30秒更新，{live.seconds_left}秒后更换）", width=420)


live_panel(session_id)

with session_scope() as s:
    view = sessions.session_view(s, me, session_id)
if view.status == AttendanceStatus.OPEN:
    if st.button("结束签到", key="att_close"):
        act("签到已结束，请审核签到名单后确认授予学分", lambda s: sessions.close_session(s, me, session_id))
    st.stop()

st.subheader("签到名单")
with session_scope() as s:
    rows = sessions.attendance_list(s, me, session_id)
if rows:
    st.dataframe(pd.DataFrame([r.table_row() for r in rows]), hide_index=True, width="stretch", key="att_list")
else:
    st.caption("暂无签到记录")
if view.status == AttendanceStatus.CONFIRMED:
    st.success(f"本场签到已确认授予学分（{view.credit_type} {view.credits}分）")
    st.stop()

left, right = st.columns(2, gap="large")
with left.form("att_remove"):
    removable = {f"{r.name}（{r.username}，{r.institution}）": r.entry_id for r in rows if not r.removed}
    who = st.selectbox("移除人员", list(removable), index=None, placeholder="选择人员", key="att_remove_who")
    reason = st.text_input("移除原因", max_chars=200, key="att_remove_reason")
    if st.form_submit_button("移除"):
        if who is None:
            st.error("移除人员：请选择人员")
        else:
            act(f"已移除 {who}", lambda s: sessions.remove_attendee(s, me, session_id, removable[who], reason),
                clear=("att_remove_who",))
with right.form("att_walk_in"):
    id_number = st.text_input("现场补录：身份证号", max_chars=18, key="att_walk_in_id")
    if st.form_submit_button("补录"):
        act("已补录到签到名单", lambda s: sessions.add_walk_in(s, me, session_id, id_number))

eligible = sum(1 for r in rows if r.eligible)
st.caption(f"符合条件 {eligible} 人：确认后每人获得 {view.credit_type} {view.credits} 分（已审核），已登记该项目的人员不重复授予。")
if st.button("确认授予学分", type="primary", key="att_confirm") and (
        done := attempt(lambda s: confirm.confirm_session(s, me, session_id))).ok:
    flash_and_rerun(done.value.message)
