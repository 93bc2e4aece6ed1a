"""单位管理员首页: what waits for review, and the 通知公告."""
import streamlit as st

from cme.administration import notices
from cme.credits import progress
from cme.db import session_scope
from cme.domain.enums import Role
from ui.notice_list import show_notices
from ui.session import require_actor

me = require_actor(Role.UNIT)
with session_scope() as s:
    q = progress.unit_queues(s, me)
    rows = notices.list_notices(s, me)

st.header("首页")
st.markdown("**待办审核**")
cols = st.columns(4)
for col, (label, count, path) in zip(cols, [
    ("注册待审", q.registrations, "app_pages/unit/registrations.py"),
    ("学分待审", q.credits, "app_pages/unit/credit_review.py"),
    ("档案待审", q.profiles, "app_pages/unit/profile_review.py"),
    ("调动待审", q.transfers, "app_pages/unit/transfers.py"),
], strict=True):
    col.metric(label, count)
    col.page_link(path, label="去审核")

st.subheader("通知公告")
show_notices(rows, key="uh_notices")
