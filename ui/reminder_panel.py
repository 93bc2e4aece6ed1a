"""提醒未达标人员 on 本机构人员: preview the staff marked 未达标 with 还差 per class, then remind them
in-app (and optionally by SMS); nobody twice within 7 days."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cme.attendance import reminders
from cme.core.actors import Actor
from cme.db import session_scope
from cme.errors import DomainError
from ui.forms import FLASH_KEY, show_error


def show_reminder_panel(me: Actor, year: int) -> None:
    with st.expander(f"提醒未达标人员（{year}年度）", icon=":material/notifications_active:"):
        try:
            with session_scope() as s:
                targets = reminders.preview_reminders(s, me, year)
        except DomainError as e:
            show_error(e)
            return
        if not targets:
            st.success(f"{year}年度本机构没有未达标人员")
            return
        due = sum(1 for t in targets if t.due)
        st.caption(f"未达标 {len(targets)} 人，本次将提醒 {due} 人；{reminders.QUIET_DAYS}天内已提醒过的人员自动跳过。")
        st.dataframe(pd.DataFrame([t.table_row() for t in targets]), hide_index=True, width="stretch", key="remind_table")
        with_sms = st.checkbox("同时发送短信（计入每个号码的每日短信上限）", key="remind_sms")
        if st.button("发送提醒", type="primary", disabled=due == 0, key="remind_send"):
            try:
                with session_scope() as s:
                    run = reminders.send_reminders(s, me, year, sms_too=with_sms)
            except DomainError as e:
                show_error(e)
            else:
                reminders.deliver_sms(run)  # after the commit: an SMS cannot be taken back
                st.session_state[FLASH_KEY] = run.message
                st.rerun()
