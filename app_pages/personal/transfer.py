"""调动申请: ask to move to another institution; the receiving institution's admin decides."""
import pandas as pd
import streamlit as st

from cme.core import reference
from cme.core.actors import account_state
from cme.db import session_scope
from cme.domain.enums import ReviewStatus, Role
from cme.profile import transfers
from ui.forms import act, literal, show_flash
from ui.profile_view import status_label
from ui.session import require_actor

me = require_actor(Role.PERSON)
st.header("调动申请")
st.caption("调动经调入机构的单位管理员审核通过后生效；学分记录、证书与技术档案随本人转移。")

show_flash()

with session_scope() as s:
    st.markdown(f"当前所在：**{literal(account_state(s, me).place)}**")
    mine = transfers.my_transfers(s, me)

pending = [t for t in mine if t.status == ReviewStatus.PENDING]
if mine:
    st.subheader("我的调动记录")
    st.dataframe(
        pd.DataFrame([[t.requested_at, t.from_institution, t.to_institution, t.to_department, status_label(t.status),
                       t.decided_at, t.reason] for t in mine],
                     columns=["申请时间", "调出单位", "调入单位", "调入科室", "状态", "审核时间", "说明/审核意见"]),
        hide_index=True, use_container_width=True,
    )
if pending:
    st.info(f"调入 {literal(pending[0].to_institution)} 的申请待审核，请等待审核。")
    if st.button("撤回申请", key="transfer_withdraw"):
        act("调动申请已撤回", lambda s: transfers.withdraw_transfer(s, me, pending[0].id))
    st.stop()

st.subheader("新的调动申请")
with session_scope() as s:
    province = reference.regions(s, None)
    cities = reference.regions(s, province[0].code) if province else []
c1, c2 = st.columns(2)
city = c1.selectbox("所属市州", cities, index=None, format_func=lambda r: r.name, placeholder="全部", key="transfer_city")
keyword = c2.text_input("机构名称关键字", key="transfer_keyword", max_chars=50)
with session_scope() as s:
    options = reference.institutions(s, region_code=city.code if city else None, keyword=keyword)
options = [o for o in options if o.id != me.institution_id]
target = st.selectbox("调入机构 *", options, index=None, format_func=lambda o: o.name, placeholder="请选择", key="transfer_target")
depts = []
if target is not None:
    with session_scope() as s:
        depts = reference.departments(s, target.id)
dept = st.selectbox("调入科室", depts, index=None, format_func=lambda d: d[1], placeholder="请选择", key="transfer_dept")
note = st.text_area("调动说明", max_chars=500, key="transfer_note")
if st.button("提交申请", type="primary", key="transfer_submit"):
    act("调动申请已提交，请等待调入机构审核",
        lambda s: transfers.request_transfer(s, me, target.id if target else None, dept[0] if dept else None, note))
