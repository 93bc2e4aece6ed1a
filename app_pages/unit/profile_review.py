"""档案审核: the institution admin's queue of profile changes (状态 and 审核意见 first); the row chosen in the
table shows its 变更详情 with 审核通过 / 审核不过 (with reason)."""
import pandas as pd
import streamlit as st

from cme.db import session_scope
from cme.domain.enums import ReviewStatus, Role
from cme.profile import change_review, resume
from ui.forms import literal, show_flash
from ui.profile_view import show_diff, show_resume, status_label
from ui.review import STATUSES, decision_buttons
from ui.row_select import one_chosen, select_rows
from ui.session import require_actor

me = require_actor(Role.UNIT, Role.PROVINCE)
st.header("档案审核")

show_flash()

c1, c2 = st.columns([2, 3])
status_name = c1.segmented_control("状态", list(STATUSES), default="待审", key="review_status")
keyword = c2.text_input("姓名或用户名", key="review_keyword", max_chars=40)
with session_scope() as s:
    rows = change_review.list_changes(s, me, status=STATUSES.get(status_name or "待审"), keyword=keyword)

if not rows:
    st.info("没有符合条件的档案变更记录")
    st.stop()

st.caption("在表格左侧勾选一条记录查看变更详情并审核。")
table = pd.DataFrame(
    [[r.name, status_label(r.status), r.reason, "、".join(r.changed) or "无变更", r.submitted_at, r.decided_at, r.username]
     for r in rows],
    columns=["姓名", "状态", "审核意见", "变更内容", "提交时间", "审核时间", "用户名"],
)
ids = [r.id for r in rows]
picked = one_chosen(select_rows(table, ids, key="profile_table", column_config={
    "姓名": st.column_config.TextColumn(pinned=True), "审核意见": st.column_config.TextColumn(width="medium"),
    "变更内容": st.column_config.TextColumn(width="medium")}), ids)
if picked is None:
    st.stop()
chosen = next(r for r in rows if r.id == picked)

with session_scope() as s:
    detail = change_review.change_detail(s, me, chosen.id)
st.subheader(f"变更详情：{literal(detail.name)}")
st.caption(f"状态：{status_label(detail.status)}　提交时间：{detail.submitted_at}"
           + (f"　审核时间：{detail.decided_at}" if detail.decided_at else ""))
if detail.reason:
    st.warning(f"审核意见：{literal(detail.reason)}")
show_diff(detail.diff, id_type=detail.id_type, id_number=detail.id_number_masked, key=f"review_diff_{detail.id}")

if detail.status == ReviewStatus.PENDING:
    st.divider()
    decision_buttons("", detail.id, f"{detail.name} 的档案变更已审核通过",
                     lambda s: change_review.approve_change(s, me, detail.id),
                     f"{detail.name} 的档案变更审核不过，已退回",
                     lambda s, reason: change_review.reject_change(s, me, detail.id, reason))

with st.expander("查看该人员当前生效的个人简历表"):
    with session_scope() as s:
        content = resume.resume_content(s, me, detail.user_id)
    show_resume(content)
