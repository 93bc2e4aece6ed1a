"""用户个人基本信息填写 (first login, manual fig. 15/29): 13 required fields → 保存 → 请等待审核."""
from datetime import date

import streamlit as st

from cme.clock import today
from cme.core.actors import account_state
from cme.db import session_scope
from cme.domain import profile_fields as pf
from cme.domain.enums import Role
from cme.errors import DomainError
from cme.profile import changes
from ui.forms import show_error
from ui.session import require_actor

me = require_actor(Role.PERSON)
st.header("用户个人基本信息填写")
st.caption("首次登录需要补全个人基本信息，保存后由单位管理员审核。")
with session_scope() as s:
    done = account_state(s, me).profile_completed
if done:  # saved: the app's navigation now opens the home page
    st.success(changes.WAIT_MESSAGE)
    if st.button("进入首页", type="primary"):
        st.rerun()
    st.stop()
with session_scope() as s:
    defaults = changes.first_profile_defaults(s, me)
    options = changes.field_options(s)

values: dict[str, object] = {}
with st.form("first_profile"):
    cols = st.columns(2)
    for n, label in enumerate(pf.FIRST_LOGIN_FIELDS):
        field = pf.BASIC_BY_LABEL[label]
        col = cols[n % 2]
        caption = f"{label} *"
        initial = defaults.get(label)
        if field.kind == "select":
            opts = options.get(field.source or label, [])
            values[label] = col.selectbox(caption, opts, index=opts.index(initial) if initial in opts else None,
                                          placeholder="请选择", key=f"fp_{label}")
        elif field.kind == "date":
            values[label] = col.date_input(caption, value=initial if isinstance(initial, date) else None,
                                           min_value=date(1900, 1, 1), max_value=today(), format="YYYY-MM-DD",
                                           key=f"fp_{label}")
        else:
            values[label] = col.text_input(caption, value=initial or "", max_chars=field.max_len + 20,
                                           placeholder=f"请输入{label}", key=f"fp_{label}")
    saved = st.form_submit_button("保存", type="primary")

if saved:
    try:
        with session_scope() as s:
            changes.submit_first_profile(s, me, values)
    except DomainError as e:
        show_error(e)
    else:
        st.success(changes.WAIT_MESSAGE)
        st.button("进入首页", type="primary", key="fp_home")  # the next run opens the home page
