"""Plotly figures for 首页: per-year credits against the standard, and the national cycle.

Approved credits are solid bars; pending credits are hatched bars beside them (never stacked on
the approved ones, so nobody mistakes them for counted credits). The year's required amounts are
drawn as short horizontal markers over the bars of the same class.
"""
from __future__ import annotations

import plotly.graph_objects as go

from cme.config import get_settings
from cme.credits.progress import HomeProgress
from cme.domain.compliance import CLASS_II, NATIONAL_I, PROVINCIAL_I, YearVerdict

COLORS = {NATIONAL_I: "#8e44ad", PROVINCIAL_I: "#2471a3", CLASS_II: "#17a589", "待审": "#b3b6b7", "标准": "#c0392b"}
FONT = dict(family="Noto Sans SC, Microsoft YaHei, sans-serif", size=13)


def chart_layout(title: str, height: int, **kwargs) -> dict:
    """The platform's chart layout as a plain dict: a figure is built and validated once, from
    dicts, instead of through repeated add_trace/update_layout calls (each one re-validates)."""
    return dict(font=FONT, height=height, margin=dict(l=10, r=10, t=40, b=10),
                title=dict(text=title, font=dict(size=15)), **kwargs)


def _marker_trace(name: str, years: list[str], y: list, group: str, color: str) -> dict:
    return dict(type="scatter", name=name, x=years, y=y, mode="markers", offsetgroup=group,
                marker=dict(symbol="line-ew-open", size=34, color=color, line=dict(width=3, color=color)),
                hovertemplate=f"%{{x}} {name} %{{y}}分<extra></extra>")


def yearly_bars(progress: HomeProgress) -> go.Figure:
    """Per year: 国家级I类, 省级I类 and II类 approved, pending apart, each class's standard marker over its bar."""
    years = [str(p.year) for p in progress.years]
    v = [p.verdict for p in progress.years]
    # national Class I stacks under provincial only where the deployment counts it toward 省级I类;
    # otherwise it has its own bar, so the 省级I类 bar alone meets its marker
    counts = get_settings().national_counts_as_provincial_i
    national = [float(x.national_i_obtained) for x in v]
    req_i = [float(x.provincial_i_required) if x.provincial_i_required is not None else None for x in v]
    req_ii = [float(x.class_ii_required) if x.class_ii_required is not None else None for x in v]
    data = [
        dict(type="bar", name=NATIONAL_I, x=years, y=national, offsetgroup="I" if counts else "N",
             marker_color=COLORS[NATIONAL_I], hovertemplate="%{x} 国家级I类 %{y}分<extra></extra>"),
        dict(type="bar", name=PROVINCIAL_I, x=years, y=[float(_own_provincial(x, counts)) for x in v],
             base=national if counts else None, offsetgroup="I", marker_color=COLORS[PROVINCIAL_I],
             hovertemplate="%{x} 省级I类 %{y}分<extra></extra>"),
        dict(type="bar", name=CLASS_II, x=years, y=[float(x.class_ii_obtained) for x in v], offsetgroup="II",
             marker_color=COLORS[CLASS_II], hovertemplate="%{x} II类 %{y}分<extra></extra>"),
        dict(type="bar", name="待审（不计入）", x=years, y=[float(x.pending_i + x.pending_ii) for x in v], offsetgroup="P",
             marker=dict(color="rgba(0,0,0,0)", line=dict(color=COLORS["待审"], width=1.5), pattern_shape="/",
                         pattern_fgcolor=COLORS["待审"]),
             hovertemplate="%{x} 待审 %{y}分（不计入）<extra></extra>"),
        # standard markers sit over their own class's bar (scattermode="group" shares the bars' offsetgroups)
        _marker_trace("省级I类标准", years, req_i, "I", COLORS["标准"]),
        _marker_trace("II类标准", years, req_ii, "II", "#e67e22"),
    ]
    layout = chart_layout("各年度已审核学分与标准", 360, barmode="group", scattermode="group", yaxis_title="学分",
                     legend=dict(orientation="h", y=-0.15), xaxis=dict(type="category"))
    return go.Figure(dict(data=data, layout=layout))


def _own_provincial(verdict, counts: bool):
    """Provincial Class I credits themselves: when national Class I counts toward the provincial
    figure, the verdict's figure already includes them (stacked below)."""
    return verdict.provincial_i_obtained - verdict.national_i_obtained if counts else verdict.provincial_i_obtained


def cycle_progress(progress: HomeProgress, verdict: YearVerdict | None = None) -> go.Figure | None:
    """国家级I类 over the cycle ending this year (or ending the year of `verdict`) against its requirement
    (None when 未设置 or when the standard asks for no national Class I)."""
    v = verdict or progress.current.verdict
    if not v.national_i_cycle_required:
        return None
    got, need = float(v.national_i_cycle_obtained or 0), float(v.national_i_cycle_required)
    bar = dict(type="bar", x=[got], y=[NATIONAL_I], orientation="h", marker_color=COLORS[NATIONAL_I], name="已获得",
               text=[f"{got:g} / {need:g} 分"], textposition="inside" if got else "outside")
    # the requirement as a dashed line across the plot's full height (what add_vline draws)
    line = dict(type="line", xref="x", yref="y domain", x0=need, x1=need, y0=0, y1=1,
                line=dict(color=COLORS["标准"], width=3, dash="dash"))
    layout = chart_layout(f"国家级I类学分周期进度（{v.cycle_start}—{v.cycle_end}年）", 150, showlegend=False, shapes=[line],
                     xaxis=dict(range=[0, max(got, need, 1) * 1.15], title="学分"))
    return go.Figure(dict(data=[bar], layout=layout))
