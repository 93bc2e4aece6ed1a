"""审计日志 shared by the institution and provincial admins' pages; the service decides the scope."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st

from cme.core import audit, audit_changes
from cme.core.audit import AuditFilter
from cme.db import session_scope
from cme.errors import DomainError
from ui.forms import show_error
from ui.session import require_actor
from ui.tables import show_table

PAGE_SIZE = 50
ALL = "全部"
EARLIEST = date(2000, 1, 1)


def render(role: str, caption: str) -> None:
    me = require_actor(role)
    st.header("审计日志")
    st.caption(caption)
    with session_scope() as s:
        actions = audit.audit_actions(s, me)
    labels = {audit.action_label(a): a for a in actions}
    c1, c2, c3, c4 = st.columns([2, 1, 1, 2])
    action = c1.selectbox("操作类型", [ALL, *labels], key="audit_action")
    date_from = c2.date_input("开始日期", value=None, min_value=EARLIEST, key="audit_from", format="YYYY-MM-DD")
    date_to = c3.date_input("结束日期", value=None, min_value=EARLIEST, key="audit_to", format="YYYY-MM-DD")
    who = c4.text_input("操作人", placeholder="用户名或姓名", max_chars=40, key="audit_actor")
    if date_from and date_to and date_from > date_to:
        st.error("日期范围：开始日期不能晚于结束日期")
        st.stop()
    flt = AuditFilter(action=labels.get(action), date_from=date_from, date_to=date_to, actor=who)
    try:
        with session_scope() as s:
            total = audit.count_audit(s, me, flt)
            pages = max(1, math.ceil(total / PAGE_SIZE))
            page = st.number_input(f"页码（共 {pages} 页，{total} 条）", min_value=1, max_value=pages, value=1,
                                   step=1, key=f"audit_page_{hash(flt)}")  # a new filter starts at page 1
            rows = audit.list_audit(s, me, flt=flt, limit=PAGE_SIZE, offset=(int(page) - 1) * PAGE_SIZE)
    except DomainError as e:
        show_error(e)
        st.stop()
    if not rows:
        st.info("没有符合条件的日志")
        st.stop()
    show_table(
        pd.DataFrame([[r.at, r.actor, r.actor_username, r.action_label, audit_changes.entity_label(r.entity),
                       r.entity_id or ""] for r in rows], columns=["时间", "操作人", "用户名", "操作", "对象", "对象编号"]),
        key="audit_table", cards=["操作", "时间", "操作人", "用户名", "对象", "对象编号"],
    )
    options = {f"{r.at}　{r.actor}　{r.action_label}　{audit_changes.entity_label(r.entity)} {r.entity_id or ''}": r
               for r in rows}
    picked = st.selectbox("查看变更内容", list(options), index=0, key="audit_pick")
    chosen = options[picked]
    changes = audit_changes.field_changes(chosen.entity, chosen.before, chosen.after)
    show_table(pd.DataFrame([[c.field, c.before, c.after] for c in changes], columns=["字段", "修改前", "修改后"]),
               key="audit_changes", cards=["字段", "修改前", "修改后"], empty="该操作没有记录变更内容")
