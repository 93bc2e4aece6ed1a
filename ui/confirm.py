"""Confirm before delete: the 删除 button stays disabled until its 确认删除… box is ticked, so one stray click
never removes anything."""
from __future__ import annotations

import streamlit as st


def delete_button(what: str, *, key: str, disabled: bool = False, where=st) -> bool:
    """A ticked `确认删除{what}` box, then 删除: True on the click that deletes."""
    sure = where.checkbox(f"确认删除{what}", key=f"{key}_confirm", disabled=disabled)
    return where.button("删除", disabled=disabled or not sure, key=key)
