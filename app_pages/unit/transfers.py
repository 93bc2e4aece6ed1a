"""调动审核: requests to move INTO this institution, chosen in the table; 审核通过 moves the person here with
their credits."""
import pandas as pd
import streamlit as st

from cme.db import session_scope
from cme.domain.enums import ReviewStatus, Role
from cme.profile import transfers
from ui.forms import literal, show_flash
from ui.profile_view import status_label
from ui.review import STATUSES, decision_buttons
from ui.row_select import one_chosen, select_rows
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

st.caption("在表格左侧勾选一条待审申请进行审核。")
table = pd.DataFrame([[r.name, status_label(r.status), r.reason, r.from_institution, r.to_department, r.requested_at,
                       r.decided_at, r.username, r.to_institution] for r in rows],
                     columns=["姓名", "状态", "说明/审核意见", "调出单位", "调入科室", "申请时间", "审核时间", "用户名",
                              "调入单位"])
ids = [r.id for r in rows]
picked = one_chosen(select_rows(table, ids, key="transfer_table", column_config={
    "姓名": st.column_config.TextColumn(pinned=True), "调出单位": st.column_config.TextColumn(width="medium")}), ids)
chosen = next((r for r in rows if r.id == picked), None)
if chosen is None:
    st.stop()
if chosen.status != ReviewStatus.PENDING:
    st.info(f"{literal(chosen.name)} 的调动申请已{status_label(chosen.status)}")
    st.stop()
st.subheader(literal(f"审核：{chosen.name}（{chosen.username}）　{chosen.from_institution} → {chosen.to_institution}"))
decision_buttons("transfer_", chosen.id, f"{chosen.name} 已调入{chosen.to_institution}",
                 lambda s: transfers.approve_transfer(s, me, chosen.id),
                 f"{chosen.name} 的调动申请审核不过", lambda s, reason: transfers.reject_transfer(s, me, chosen.id, reason))
