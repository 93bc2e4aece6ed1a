"""Headline figures in a row of st.metric, and those of a 达标 overview (staff and analytics pages)."""
import streamlit as st

RATE_HELP = "达标率 = 达标 / (达标 + 未达标)，未设置学分标准的人员单独统计"


def metric_row(*figures: tuple) -> None:
    """One column per figure: (label, value) or (label, value, help)."""
    for column, (label, value, *help_) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, value, help=help_[0] if help_ else None)


def show_rate_metrics(total, rate_label: str = "达标率") -> None:
    """人数 · 达标 · 未达标 · 未设置 · 达标率 for one analytics.RateRow-like total."""
    metric_row(("人数", total.staff), ("达标", total.met), ("未达标", total.not_met), ("未设置", total.unset),
               (rate_label, total.rate_text, RATE_HELP))
