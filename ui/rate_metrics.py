"""The headline figures of a 达标 overview, shared by the staff and analytics pages."""
import streamlit as st

RATE_HELP = "达标率 = 达标 / (达标 + 未达标)，未设置学分标准的人员单独统计"


def show_rate_metrics(total, rate_label: str = "达标率") -> None:
    """人数 · 达标 · 未达标 · 未设置 · 达标率 for one analytics.RateRow-like total."""
    m = st.columns(5)
    m[0].metric("人数", total.staff)
    m[1].metric("达标", total.met)
    m[2].metric("未达标", total.not_met)
    m[3].metric("未设置", total.unset)
    m[4].metric(rate_label, total.rate_text, help=RATE_HELP)
