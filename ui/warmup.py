"""Start-up warm-up: load once what every page needs, then freeze it out of the garbage collector.

A full collection walks every tracked object in the process — the imported modules of pandas,
plotly, SQLAlchemy, fpdf, Streamlit itself. Streamlit used to run one after every script run
(runner.postScriptGC, now off in .streamlit/config.toml), and Python's own collector still runs them
from time to time. After the warm-up below those long-lived objects are moved to the permanent
generation with `gc.freeze()`, so a collection only walks what the runs themselves created.

The warm-up also imports the modules that would otherwise be imported for the first time inside
a user's run (lazy imports of plotly's validators, openpyxl, the PDF font), so nobody pays for them.
`CME_WARMUP=0` turns the whole thing off (to measure the difference).
"""
from __future__ import annotations

import gc
import importlib
import logging
import os
import pkgutil
import sys
import threading
from datetime import date
from decimal import Decimal

import cme
import ui
from cme.domain.enums import CertificateKind, CreditClass

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict[str, object] = {"done": False, "baseline": frozenset()}
# command-line and benchmark modules are never imported by a page; migrations run on import
_SKIP = ("cme.migrations", "cme.cli", "cme.__main__", "cme.ops.capacity", "cme.ops.capacity_browser",
         "cme.ops.server_probe", "cme.ops.bench")


# imported by Streamlit itself the first time a script runs or a page draws a table, a component or an icon
_LAZY_THIRD_PARTY = ("streamlit.components.v1.component_arrow", "streamlit.components.v2.manifest_scanner",
                     "streamlit.dataframe.lazy_df_adapters", "streamlit.emojis", "streamlit.material_icon_names",
                     "streamlit.runtime.scriptrunner.magic_funcs", "packaging.tags")


def _import_everything() -> None:
    for name in _LAZY_THIRD_PARTY:
        importlib.import_module(name)
    for package in (cme, ui):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.startswith(_SKIP):
                importlib.import_module(info.name)


def _exercise() -> None:
    """Run each heavy library once on throw-away data: their first call imports and builds more."""
    import pandas as pd
    import plotly.graph_objects as go
    import plotly.io
    from streamlit import dataframe_util

    from cme.certificates.pdf import CertificateContent, CertificateLine, CertificateYear, render_certificate
    from cme.reports.tables import csv_bytes, xlsx_bytes

    frame = pd.DataFrame([["项目", Decimal("1.5"), 2026, date(2026, 1, 1), True]], columns=list("abcde"))
    dataframe_util.convert_pandas_df_to_arrow_bytes(frame)
    from cme.analytics import charts as analytics_charts
    from cme.analytics.service import AGE_BUCKETS, QueueAges, RateRow
    from cme.credits.charts import chart_layout

    rows = [RateRow("预热", 1, 1, 1)]
    for chart in (analytics_charts.rate_bars(rows, "预热"), analytics_charts.status_counts(rows), analytics_charts.trend_line(rows),
                  analytics_charts.queue_age_bars(QueueAges(0, 0, 0, 0, {label: 0 for label, _, _ in AGE_BUCKETS}, None))):
        plotly.io.to_json(chart.to_dict(), validate=False)
    # what 首页's charts add to those: hatched and outlined bars, line markers, a dashed shape
    figure = go.Figure({"data": [{"type": "bar", "x": ["2026"], "y": [1.0], "marker": {"line": {"width": 1}, "pattern": {"shape": "/"}}},
                                 {"type": "scatter", "x": ["2026"], "y": [1.0], "mode": "markers",
                                  "marker": {"symbol": "line-ew-open", "line": {"width": 3}}}],
                        "layout": chart_layout("预热", 150, barmode="group", scattermode="group", legend={"orientation": "h"},
                                               shapes=[{"type": "line", "x0": 1, "x1": 1, "y0": 0, "y1": 1,
                                                        "line": {"dash": "dash"}}], xaxis={"title": "学分"})})
    plotly.io.to_json(figure.to_dict(), validate=False)
    csv_bytes([["a"], [1]])
    xlsx_bytes([["a"], [1]], title="预热")
    line = CertificateLine("2026-0001", "预热项目", Decimal("1"), CreditClass.CLASS_II, date(2026, 1, 1), date(2026, 1, 2))
    content = CertificateContent(kind=CertificateKind.COMBINED, institution="预热", title="", name="预热", year_from=2026, year_to=2026,
                                 years=[CertificateYear(2026, [line], class_ii=Decimal("1"))], issued_on=date(2026, 1, 1))
    render_certificate(content, serial="SC00000000WARMUP00", content_hash="0" * 64, verify_url="http://localhost/")


def warm_up() -> None:
    """Once per process, before the first page is drawn: import, exercise, collect, freeze."""
    if _state["done"]:
        return
    with _lock:
        if _state["done"]:
            return
        if os.environ.get("CME_WARMUP", "1") != "0":
            try:
                _import_everything()
                _exercise()
            except Exception:  # a warm-up must never keep the app from starting
                log.exception("warm-up failed; continuing without it")
            gc.collect()
            gc.freeze()
        _state.update(done=True, baseline=frozenset(sys.modules))


def late_imports() -> list[str]:
    """Modules imported since the warm-up (each one was paid for inside a user's run)."""
    return sorted(set(sys.modules) - _state["baseline"])  # type: ignore[operator]
