"""获取验证码 on the public pages (注册, 注册状态查询, 忘记密码): send, then say where the code went."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.forms import attempt


def send_code(prefix: str, send: Callable[[Any], Any], *, place: Any = st) -> None:
    """The 获取验证码 button (`{prefix}_send`) runs `send(session)`; what it sent (`{prefix}_sent`) is shown
    until the page is left: the masked number, and in demo mode (no SMS gateway) the code itself."""
    if place.button("获取验证码", key=f"{prefix}_send") and (done := attempt(send)).ok:
        st.session_state[f"{prefix}_sent"] = (done.value.masked_phone, done.value.demo_code)
    if sent := st.session_state.get(f"{prefix}_sent"):
        masked, demo_code = sent
        st.success(f"验证码已发送至 {masked}，5分钟内有效")
        if demo_code:
            st.info(f"演示模式（未接短信网关）：短信内容 【省卫计信息中心】您的验证码为：{demo_code}。")
