"""学分审核: own staff's pending credits with their age; proof preview; approve singly or in batch; reject with a reason."""
import pandas as pd
import streamlit as st

from cme.credits import progress, review
from cme.db import session_scope
from cme.domain.compliance import format_credit
from cme.domain.enums import Role
from ui.credit_view import show_credit_detail
from ui.forms import act, show_flash
from ui.session import require_actor

me = require_actor(Role.UNIT, Role.PROVINCE)
st.header("学分审核")
show_flash()

with session_scope() as s:
    queue = review.review_queue(s, me, limit=review.QUEUE_PAGE)  # the oldest first; a page, not 25,000 rows
    waiting = progress.unit_queues(s, me).credits
if not queue:
    st.info("没有待审核的学分记录")
    st.stop()

oldest = max(q.age_days for q in queue)
shown = f"（显示最早的 {len(queue)} 条，审核后继续显示其余）" if waiting > len(queue) else ""
st.caption(f"待审 {max(waiting, len(queue))} 条，最早的已等待 {oldest} 天{shown}")
table = pd.DataFrame([[False, q.owner, q.department, q.project_code, q.project_name, format_credit(q.credits), q.credit_type,
                       q.year, f"{q.date_from} 至 {q.date_to}", q.submitted_at, q.age_days, "有" if q.has_proof else "无"]
                      for q in queue],
                     columns=["选择", "姓名", "科室", "项目编号", "项目名称", "学分", "学分类型", "举办年度", "获取时间",
                              "提交时间", "已等待(天)", "证明材料"])
edited = st.data_editor(table, hide_index=True, width="stretch", disabled=list(table.columns[1:]),
                        column_config={"选择": st.column_config.CheckboxColumn("选择", default=False)}, key="review_table")
selected = [queue[i].id for i, v in enumerate(edited["选择"]) if v]
if st.button(f"批量审核通过（已选 {len(selected)} 条）", type="primary", disabled=not selected, key="review_batch"):
    # all or nothing: the service refuses the whole batch if any record is out of scope
    act(f"已审核通过 {len(selected)} 条学分记录", lambda s: review.approve_credits(s, me, selected))

st.divider()
labels = [f"{q.owner} · {q.project_code} · {q.project_name} · {q.credit_type} {format_credit(q.credits)}分（已等待{q.age_days}天）"
          for q in queue]
picked = st.selectbox("逐条审核：选择一条学分记录", labels, index=None, placeholder="请选择", key="review_pick")
if picked is None:
    st.stop()
chosen = queue[labels.index(picked)]
if not show_credit_detail(me, chosen.id, key=f"review_{chosen.id}"):
    st.stop()
a, b = st.columns(2)
if a.button("审核通过", type="primary", key=f"review_approve_{chosen.id}"):
    act(f"{chosen.owner}的学分“{chosen.project_name}”审核通过", lambda s: review.approve_credit(s, me, chosen.id),
        clear=("review_pick",))
with b.form(f"review_reject_{chosen.id}"):
    reason = st.text_area("审核意见（审核不过时必填）", max_chars=500, key=f"review_reason_{chosen.id}")
    rejected = st.form_submit_button("审核不过")
if rejected:
    act(f"{chosen.owner}的学分“{chosen.project_name}”审核不过", lambda s: review.reject_credit(s, me, chosen.id, reason),
        clear=("review_pick",))
