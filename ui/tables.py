"""Tables (and charts) that work on a desktop and on a phone, and say 暂无数据 when there is nothing to show.

On a phone a wide table would hide its key columns off-screen, so the rows are drawn as cards instead,
the chosen fields stacked. Which one is drawn follows what the browser says it is (its User-Agent):
drawing both and hiding one by CSS cost every desktop view the cards' elements (up to 100 per table)."""
from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from ui.forms import literal

EMPTY = "暂无数据"
MAX_CARDS = 100  # a phone shows the first rows as cards; the full list stays in the table and the exports


_PHONE = re.compile(r"Mobi|Android|iPhone|iPad")


def on_phone() -> bool:
    """Whether this browser says it is a phone or tablet (what also makes Streamlit close its menu
    after a choice)."""
    return bool(_PHONE.search(st.context.headers.get("User-Agent", "")))


def show_table(df: pd.DataFrame, *, key: str, cards: Sequence[str] = (), empty: str = EMPTY, **kwargs) -> None:
    """`df` as a table (hidden index, full width); on a phone as cards of the `cards` columns (the first
    one as the card's title). An empty `df` shows `empty` instead of a table of headers."""
    if df.empty:
        st.info(empty)
    elif cards and on_phone():
        phone_cards(df, key=key, cards=cards)
    else:
        st.dataframe(df, key=key, **{"hide_index": True, "width": "stretch", **kwargs})


def phone_cards(df: pd.DataFrame, *, key: str, cards: Sequence[str]) -> None:
    """The rows of `df` as cards of the `cards` columns (for a phone: see `on_phone`)."""
    with st.container(key=f"cards-{key}"):
        for _, row in df.head(MAX_CARDS).iterrows():
            with st.container(border=True):
                title, *fields = cards
                lines = [f"**{literal(row[title])}**"] + [f"{c}：{literal(_text(row[c]))}" for c in fields if _text(row[c])]
                st.markdown("  \n".join(lines))
        if len(df) > MAX_CARDS:
            st.caption(f"仅显示前 {MAX_CARDS} 条（共 {len(df)} 条），可缩小筛选范围或导出查看全部")


def show_chart(figure, *, key: str, empty: str = EMPTY) -> None:
    """A plotly figure across the page, or `empty` when there is no figure (never an empty chart with a
    −1…1 axis)."""
    if figure is None:
        st.info(empty, icon=":material/bar_chart:")
    else:
        st.plotly_chart(figure, width="stretch", key=key)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
