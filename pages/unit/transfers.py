"""调动审核: requests to move INTO this institution; 审核通过 moves the person here with their credits."""
import pandas as pd
import streamlit as st

from cme.db import session_scope
from cme.domain.enums import ReviewStatus, Role
from cme.profile import transfers
from ui.forms import show_flash
from ui.profile_view import status_label
from ui.review import STATUSES, decision_buttons
from ui.session import require_actor

me = require_actor(Role.UNIT, Role.PROVINCE)
st.header("调动审核")
st.caption("列出申请调入本机构的人员。审核通过后，该人员归属本机构，其学分记录与档案随本人转入。")

show_flash()

status_name = st.segmented_control("状态", list(STATUSES), default="待审", key="transfer_status")
with session_scope() as s:
    rows = transfers.incoming_transfers(s, me, status=STATUSES.get(status_name or "待审"))
if not rows:
    st.info("没有符合条件的调动申请")
    st.stop()

st.dataframe(
    pd.DataFrame([[r.name, r.username, r.from_institution, r.to_institution, r.to_department, r.requested_at,
                   status_label(r.status), r.decided_at, r.reason] for r in rows],
                 columns=["姓名", "用户名", "调出单位", "调入单位", "调入科室", "申请时间", "状态", "审核时间", "说明/审核意见"]),
    hide_index=True, use_container_width=True,
)
pending = [r for r in rows if r.status == ReviewStatus.PENDING]
if not pending:
    st.stop()
labels = [f"{r.name}（{r.username}）　{r.from_institution} → {r.to_institution}" for r in pending]
picked = st.selectbox("选择待审申请", labels, key="transfer_pick")
chosen = pending[labels.index(picked)]
decision_buttons("transfer_", chosen.id, f"{chosen.name} 已调入{chosen.to_institution}",
                 lambda s: transfers.approve_transfer(s, me, chosen.id),
                 f"{chosen.name} 的调动申请审核不过", lambda s, reason: transfers.reject_transfer(s, me, chosen.id, reason))
