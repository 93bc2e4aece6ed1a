"""The two review screens' shared parts (档案审核, 调动审核): the status filter and the decision buttons."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from cme.domain.enums import ReviewStatus
from ui.forms import act

STATUSES = {"待审": ReviewStatus.PENDING, "审核通过": ReviewStatus.APPROVED, "审核不过": ReviewStatus.REJECTED, "全部": None}


def decision_buttons(prefix: str, ident: int, approved: str, approve: Callable, rejected: str, reject: Callable) -> None:
    """审核通过 beside 审核不过 with its reason (the service refuses an empty one); `approve(session)` and
    `reject(session, reason)` each run through `act`, whose message is `approved` / `rejected`."""
    left, right = st.columns(2)
    if left.button("审核通过", type="primary", key=f"{prefix}approve_{ident}"):
        act(approved, approve)
    with right.form(f"{prefix}reject_{ident}"):
        reason = st.text_area("审核意见（审核不过时必填）", max_chars=500, key=f"{prefix}reason_{ident}")
        refused = st.form_submit_button("审核不过")
    if refused:
        act(rejected, lambda s: reject(s, reason))
