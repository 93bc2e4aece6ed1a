"""A table whose rows are chosen in the table itself (click the row's box, or 全选), for the review queues.

The selection is keyed by the ids shown: when the list changes (a record decided, a filter typed) the
table starts with nothing selected, so a stale selection never points at a different record.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pandas as pd
import streamlit as st


def _fingerprint(ids: Sequence) -> str:
    return hashlib.blake2b(repr(list(ids)).encode(), digest_size=6).hexdigest()


def table_key(key: str, ids: Sequence, everything: bool = False) -> str:
    """The widget key of the table for exactly these ids (tests select rows through it)."""
    return f"{key}_{_fingerprint(ids)}_{int(everything)}"


def select_rows(table: pd.DataFrame, ids: Sequence, *, key: str, column_config: dict | None = None,
                many: bool = True) -> list:
    """Draw `table` (one row per id) with row selection; the ids of the selected rows. `many`: several rows
    and a 全选 box (review queues); otherwise one row at a time (lists whose row opens a detail)."""
    shown, before = _fingerprint(ids), st.session_state.get(f"{key}_shown")
    if before is not None and before != shown:  # a new list (decided, filtered): 全选 does not carry over to it
        st.session_state[f"{key}_all"] = False
    st.session_state[f"{key}_shown"] = shown
    everything = many and st.checkbox(f"全选（共 {len(ids)} 条）", key=f"{key}_all", disabled=not ids)
    event = st.dataframe(
        table, hide_index=True, width="stretch", column_config=column_config, on_select="rerun",
        selection_mode="multi-row" if many else "single-row", key=table_key(key, ids, everything),
        selection_default={"selection": {"rows": list(range(len(ids)))}} if everything else None,
    )
    return [ids[i] for i in sorted(event.selection.rows) if i < len(ids)]


def one_chosen(selected: Sequence, ids: Sequence):
    """The record the row actions (查看, 审核) apply to: the one selected row, or the list's only row; None
    when none or several are selected."""
    if len(selected) == 1:
        return selected[0]
    return ids[0] if len(ids) == 1 and not selected else None
