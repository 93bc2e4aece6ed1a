"""Plotly figures for 统计分析 / 全省统计: 达标率 by group, status counts, the trend, review-queue ages.

达标率 = 达标 / (达标 + 未达标); 未设置 is never folded into the rate, so the status chart shows it apart.
Fonts and colours come from cme.credits.charts so that every chart of the platform looks alike.
"""
from __future__ import annotations

import plotly.graph_objects as go

from cme.analytics.service import AGE_BUCKETS, QueueAges, RateRow
from cme.credits.charts import COLORS, chart_layout
from cme.domain.compliance import CLASS_II, PROVINCIAL_I

STATUS_COLORS = {"达标": COLORS[CLASS_II], "未达标": COLORS["标准"], "未设置": COLORS["待审"]}


def _figure(data: list[dict], title: str, height: int, **layout) -> go.Figure:
    """Built once from plain dicts (one validation), not by add_trace and update_layout calls."""
    return go.Figure(dict(data=data, layout=chart_layout(title, height, **layout)))


def _pct(row: RateRow) -> float | None:
    return None if row.rate is None else row.rate * 100


def rate_bars(rows: list[RateRow], title: str) -> go.Figure:
    """Horizontal 达标率 bars, one per group, labelled with the rate and the counts behind it."""
    bar = dict(
        type="bar", x=[_pct(r) for r in rows], y=[r.group for r in rows], orientation="h", marker_color=COLORS[PROVINCIAL_I],
        text=[f"{r.rate_text}（{r.met}/{r.met + r.not_met}）" for r in rows], textposition="outside", cliponaxis=False,
        customdata=[[r.met, r.not_met, r.unset] for r in rows],
        hovertemplate="%{y}：达标率 %{x:.1f}%<br>达标 %{customdata[0]} 人，未达标 %{customdata[1]} 人，"
                      "未设置 %{customdata[2]} 人<extra></extra>",
    )
    return _figure([bar], title, max(220, 60 + 32 * len(rows)), showlegend=False,
                   xaxis=dict(range=[0, 125], tickvals=[0, 20, 40, 60, 80, 100], title="达标率（%）"),
                   yaxis=dict(type="category", autorange="reversed"))


def status_counts(rows: list[RateRow], title: str = "人数分布") -> go.Figure:
    """Stacked horizontal counts of 达标, 未达标 and 未设置 per group."""
    bars = [dict(type="bar", name=label, x=[getattr(r, attr) for r in rows], y=[r.group for r in rows], orientation="h",
                 marker_color=STATUS_COLORS[label], hovertemplate=f"%{{y}} {label} %{{x}} 人<extra></extra>")
            for label, attr in (("达标", "met"), ("未达标", "not_met"), ("未设置", "unset"))]
    return _figure(bars, title, max(240, 100 + 32 * len(rows)), barmode="stack", xaxis_title="人数",
                   yaxis=dict(type="category", autorange="reversed"),
                   legend=dict(orientation="h", x=1, xanchor="right", y=1.0, yanchor="bottom", traceorder="normal"))


def trend_line(rows: list[RateRow], title: str = "近年达标率趋势") -> go.Figure:
    """达标率 per year (gaps where nobody had a standard) with the 未设置 count in the hover."""
    line = dict(
        type="scatter", x=[r.group for r in rows], y=[_pct(r) for r in rows], mode="lines+markers+text", name="达标率",
        text=[r.rate_text for r in rows], textposition="top center", line=dict(color=COLORS[PROVINCIAL_I], width=3),
        customdata=[[r.met, r.not_met, r.unset] for r in rows],
        hovertemplate="%{x}年：达标率 %{y:.1f}%<br>达标 %{customdata[0]}，未达标 %{customdata[1]}，"
                      "未设置 %{customdata[2]}<extra></extra>",
    )
    return _figure([line], title, 320, showlegend=False, xaxis=dict(type="category", title="年度"),
                   yaxis=dict(range=[0, 110], title="达标率（%）"))


def queue_age_bars(ages: QueueAges, title: str = "待审学分已等待时间") -> go.Figure:
    """Pending credits by how long they have waited."""
    labels = [label for label, _, _ in AGE_BUCKETS]
    bar = dict(type="bar", x=labels, y=[ages.credit_buckets[k] for k in labels], marker_color=[
        COLORS[CLASS_II], COLORS[PROVINCIAL_I], "#e67e22", COLORS["标准"]], text=[ages.credit_buckets[k] for k in labels],
        textposition="auto", hovertemplate="%{x}：%{y} 条<extra></extra>")
    return _figure([bar], title, 280, showlegend=False, yaxis_title="条数", xaxis=dict(type="category"))
