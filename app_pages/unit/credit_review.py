"""学分审核: own staff's pending credits with their age; choose rows in the table (or 全选) to approve in
batch; one chosen row opens its 查看 (fields, proof, trail) with 审核通过 / 审核不过 (reason required)."""
import pandas as pd
import streamlit as st

from cme.credits import progress, review
from cme.db import session_scope
from cme.domain.compliance import format_credit
from cme.domain.enums import Role
from ui.credit_view import show_credit_detail
from ui.forms import act, literal, show_flash
from ui.row_select import one_chosen, select_rows
from ui.session import require_actor

me = require_actor(Role.UNIT, Role.PROVINCE)
st.header("学分审核")
show_flash()

keyword = st.text_input("查找", placeholder="姓名、项目编号或项目名称", max_chars=50, key="review_keyword")
with session_scope() as s:
    queue = review.review_queue(s, me, limit=review.QUEUE_PAGE, keyword=keyword)  # the oldest first; a page
    waiting = progress.unit_queues(s, me).credits
if not queue:
    st.info("没有符合条件的待审核学分记录" if keyword.strip() else "没有待审核的学分记录")
    st.stop()

oldest = max(q.age_days for q in queue)
shown = f"（显示最早的 {len(queue)} 条，审核后继续显示其余）" if waiting > len(queue) and not keyword.strip() else ""
st.caption(f"待审 {waiting} 条，最早的已等待 {oldest} 天{shown}。在表格左侧勾选记录：勾选一条可查看并逐条审核，"
           "勾选多条可批量审核通过。")
table = pd.DataFrame([[q.owner, q.project_name, format_credit(q.credits), q.credit_type, q.age_days,
                       "有" if q.has_proof else "无", q.department, q.project_code, q.year,
                       f"{q.date_from} 至 {q.date_to}", q.submitted_at] for q in queue],
                     columns=["姓名", "项目名称", "学分", "学分类型", "已等待(天)", "证明材料", "科室", "项目编号",
                              "举办年度", "获取时间", "提交时间"])
columns = {"姓名": st.column_config.TextColumn(pinned=True), "项目名称": st.column_config.TextColumn(width="large"),
           "获取时间": st.column_config.TextColumn(width="medium")}
selected = select_rows(table, [q.id for q in queue], key="review_table", column_config=columns)
if st.button(f"批量审核通过（已选 {len(selected)} 条）", type="primary", disabled=not selected, key="review_batch"):
    # all or nothing: the service refuses the whole batch if any record is out of scope
    act(f"已审核通过 {len(selected)} 条学分记录", lambda s: review.approve_credits(s, me, selected))

picked = one_chosen(selected, [q.id for q in queue])
if picked is None:
    st.stop()
chosen = next(q for q in queue if q.id == picked)
st.divider()
st.subheader(literal(f"查看：{chosen.owner} · {chosen.project_name}"[:80]))
if not show_credit_detail(me, chosen.id, key=f"review_{chosen.id}"):
    st.stop()
a, b = st.columns(2)
if a.button("审核通过", type="primary", key=f"review_approve_{chosen.id}"):
    act(f"{chosen.owner}的学分“{chosen.project_name}”审核通过", lambda s: review.approve_credit(s, me, chosen.id))
with b.form(f"review_reject_{chosen.id}"):
    reason = st.text_area("审核意见（审核不过时必填）", max_chars=500, key=f"review_reason_{chosen.id}")
    rejected = st.form_submit_button("审核不过")
if rejected:
    act(f"{chosen.owner}的学分“{chosen.project_name}”审核不过", lambda s: review.reject_credit(s, me, chosen.id, reason))
