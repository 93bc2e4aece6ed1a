"""Showing 变更详情 (fig. 32) and 个人简历表 (fig. 31): shared by the person's and the admin's pages."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from cme.domain.profile_fields import SnapshotDiff
from cme.labels import REVIEW_STATUS
from ui.forms import literal

CHANGED = "已修改"


def _highlight(row: pd.Series) -> list[str]:
    style = "background-color: #fff3cd; font-weight: 600" if row["变更"] == CHANGED else ""
    return [style] * len(row)


def show_diff(diff: SnapshotDiff, *, id_type: str, id_number: str, key: str) -> None:
    """个人基本信息修改前 | 修改后 side by side, changed fields marked; then every changed list part."""
    only_changed = st.toggle("只看变更项", value=False, key=f"{key}_only")
    rows = [("证件类型", id_type, id_type, ""), ("证件号码", id_number, id_number, "")]
    rows += [(c.label, c.before, c.after, CHANGED if c.changed else "") for c in diff.basic]
    if only_changed:
        rows = [r for r in rows if r[3]]
    st.markdown("**个人基本信息**　修改前 → 修改后")
    if rows:
        df = pd.DataFrame(rows, columns=["项目", "个人基本信息修改前", "个人基本信息修改后", "变更"])
        st.dataframe(df.style.apply(_highlight, axis=1), hide_index=True, use_container_width=True,
                     height=35 * (len(df) + 1) + 3)  # every field visible, no inner scrolling
    else:
        st.caption("个人基本信息无变更")
    for part in diff.parts:
        if only_changed and not part.changed:
            continue
        mark = f"（{CHANGED}：新增 {part.added} 条，删除 {part.removed} 条）" if part.changed else "（无变更）"
        st.markdown(f"**{part.label}** {mark}")
        left, right = st.columns(2)
        for col, title, data in ((left, "修改前", part.before), (right, "修改后", part.after)):
            col.caption(title)
            if data:
                col.dataframe(pd.DataFrame(data, columns=part.headers), hide_index=True, use_container_width=True)
            else:
                col.write("无")


def status_label(code: str) -> str:
    return REVIEW_STATUS.get(code, code)


def show_resume(content) -> None:
    """个人简历表 on screen: 一、基本信息 as a label/value grid, then 二 … 七 (`无` where empty)."""
    st.subheader("个人简历表")
    st.markdown("**一、基本信息**")
    pairs = list(content.basic)
    grid = []
    for i in range(0, len(pairs), 2):
        a = pairs[i]
        b = pairs[i + 1] if i + 1 < len(pairs) else ("", "")
        grid.append([a[0], literal(a[1] or ""), b[0], literal(b[1] or "")])  # st.table renders markdown
    st.table(pd.DataFrame(grid, columns=["项目", "内容", "项目 ", "内容 "]).set_index("项目"))
    numerals = "二三四五六七八九"
    for n, section in enumerate(content.sections):
        st.markdown(f"**{numerals[n]}、{section.title}**")
        if section.rows:
            st.dataframe(pd.DataFrame(section.rows, columns=section.headers), hide_index=True, use_container_width=True)
        else:
            st.write("无")
