"""Tables as downloadable files: CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX (openpyxl)."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter


def csv_bytes(table: Sequence[Sequence]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(table)
    return buf.getvalue().encode("utf-8-sig")


def xlsx_workbook(table: Sequence[Sequence], *, title: str, widths: Sequence[int] = ()) -> Workbook:
    """A workbook whose first sheet holds `table` (header row frozen); callers may add sheets."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for line in table:
        ws.append(list(line))
    ws.freeze_panes = "A2"
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_bytes(table: Sequence[Sequence], *, title: str, widths: Sequence[int] = ()) -> bytes:
    return workbook_bytes(xlsx_workbook(table, title=title, widths=widths))
