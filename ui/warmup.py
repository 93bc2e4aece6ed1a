"""Start-up warm-up: load once what every page needs, then freeze it out of the garbage collector.

Streamlit runs `gc.collect(2)` after every script run (runner.postScriptGC). A full collection walks
every tracked object in the process — the imported modules of pandas, plotly, SQLAlchemy, fpdf,
Streamlit itself — so it cost more than half of the server's CPU per page view. After the warm-up
below those long-lived objects are moved to the permanent generation with `gc.freeze()`, and the
collection after each run only walks what the runs themselves created.

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

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict[str, object] = {"done": False, "baseline": frozenset()}
# command-line and benchmark modules are never imported by a page; migrations run on import
_SKIP = ("cme.migrations", "cme.cli", "cme.__main__", "cme.ops.capacity", "cme.ops.capacity_browser",
         "cme.ops.server_probe", "cme.ops.bench")


def _import_everything() -> None:
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
    figure = go.Figure({"data": [{"type": "bar", "x": ["2026"], "y": [1.0], "marker": {"pattern": {"shape": "/"}}},
                                 {"type": "bar", "x": [1.0], "y": ["a"], "orientation": "h", "text": ["1"]},
                                 {"type": "scatter", "x": ["2026"], "y": [1.0], "mode": "lines+markers+text"}],
                        "layout": {"title": {"text": "预热"}, "legend": {"orientation": "h"},
                                   "xaxis": {"type": "category", "range": [0, 1]}, "yaxis": {"title": {"text": "学分"}},
                                   "shapes": [{"type": "line", "x0": 1, "x1": 1, "y0": 0, "y1": 1}]}})
    plotly.io.to_json(figure.to_dict(), validate=False)
    csv_bytes([["a"], [1]])
    xlsx_bytes([["a"], [1]], title="预热")
    line = CertificateLine("2026-0001", "预热项目", Decimal("1"), "II类", date(2026, 1, 1), date(2026, 1, 2))
    content = CertificateContent(kind="combined", institution="预热", title="", name="预热", year_from=2026, year_to=2026,
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
