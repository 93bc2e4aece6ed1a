"""Tables as downloadable files: CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX (openpyxl).

Every cell of every export goes through `safe_cell` (one place for CSV and XLSX):
* OWASP CSV injection: a text cell starting with = + - @ tab or carriage return would be run as a
  formula by Excel/WPS (`=HYPERLINK(…)` in a project name); it is written with a leading `'`, so
  the spreadsheet shows the text literally. Numbers, dates and booleans are written as values.
* Control characters (a legacy name with \x1b in it) are stripped: openpyxl refuses them and the
  whole export would fail.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from cme.domain.inputs import strip_controls

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _clean(value: object) -> tuple[object, bool]:
    """(value with control characters stripped, whether a spreadsheet would take it as a formula)."""
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime)):
        return value, False
    raw = str(value)
    text = strip_controls(raw, multiline=True)
    risky = raw.startswith(FORMULA_TRIGGERS) or text.lstrip().startswith(FORMULA_TRIGGERS)
    return text, risky


def number(value: Decimal | None) -> int | float | None:
    """A credit figure as a spreadsheet number: 3 not 3.0, 2.5 as is; None stays an empty cell."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as written: a formula-like text gets a leading `'`."""
    text, risky = _clean(value)
    return "'" + str(text) if risky else text


def csv_bytes(table: Sequence[Sequence]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows([safe_cell(v) for v in line] for line in table)
    return buf.getvalue().encode("utf-8-sig")


def _append(ws, line: Sequence) -> None:
    """One XLSX row: text is always a string cell (openpyxl would store `=…` as a formula); a
    formula-like one also gets Excel's quote prefix, so editing the cell keeps it text."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for col, value in enumerate(line, start=1):
        text, risky = _clean(value)
        cell = ws.cell(row=row, column=col)
        cell.value = text
        if isinstance(text, str):
            cell.data_type = "s"
            if risky:
                cell.quotePrefix = True


def xlsx_workbook(table: Sequence[Sequence], *, title: str, widths: Sequence[int] = ()) -> Workbook:
    """A workbook whose first sheet holds `table` (header row frozen); callers may add sheets (add_sheet)."""
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = title
    _fill(ws, table, widths)
    return wb


def add_sheet(wb: Workbook, table: Sequence[Sequence], *, title: str, widths: Sequence[int] = ()):
    """Another sheet holding `table`, written like the first (every cell through the formula guard)."""
    ws = wb.create_sheet(title)
    _fill(ws, table, widths)
    return ws


def _fill(ws, table: Sequence[Sequence], widths: Sequence[int]) -> None:
    for line in table:
        _append(ws, line)
    ws.freeze_panes = "A2"
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_bytes(table: Sequence[Sequence], *, title: str, widths: Sequence[int] = ()) -> bytes:
    return workbook_bytes(xlsx_workbook(table, title=title, widths=widths))
