"""全省统计 as an XLSX file: one sheet per view of the screen (按市州, 按机构, 达标率趋势), every count and
rate a number (达标率 shown as a percentage, sortable), the year on every row.

Built from what the page already read through the authorised use cases (year_overview, trend), so the
file holds exactly what the screen shows; the page builds it only when the button is clicked. Names go
through the export's formula guard (cme.reports.tables) like every other export.
"""
from __future__ import annotations

from cme.analytics.rates import Overview, RateRow
from cme.reports.tables import add_sheet, workbook_bytes, xlsx_workbook

COUNTS = ["人数", "达标", "未达标", "未设置", "达标率"]


def _counts(r: RateRow) -> list:
    return [r.staff, r.met, r.not_met, r.unset, r.rate]  # rate None (nobody judged): an empty cell


def _as_percent(ws) -> None:
    col = [c.value for c in ws[1]].index("达标率") + 1
    for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
        cell.number_format = "0.0%"


def province_xlsx(overview: Overview, trend: list[RateRow], area: str) -> bytes:
    """The workbook of one year and area (全省 or a 市州)."""
    y = overview.year
    by_city: list[list] = [["市州", "年度", *COUNTS]] + [[g.group, y, *_counts(g)] for g in overview.by("city")]
    by_city.append([f"合计（{area}）", y, *_counts(overview.total)])
    by_inst: list[list] = [["机构", "市州", "年度", *COUNTS]] + [
        [g.group, overview.names.get(g.key, ("", ""))[1] if isinstance(g.key, int) else "", y, *_counts(g)]
        for g in overview.by("institution")]
    by_year: list[list] = [["年度", *COUNTS]] + [[int(r.group), *_counts(r)] for r in trend]
    wb = xlsx_workbook(by_city, title="按市州", widths=(18, 8, 8, 8, 8, 8, 10))
    sheets = [wb.worksheets[0], add_sheet(wb, by_inst, title="按机构", widths=(36, 14, 8, 8, 8, 8, 8, 10)),
              add_sheet(wb, by_year, title="达标率趋势", widths=(8, 8, 8, 8, 8, 10))]
    for ws in sheets:
        _as_percent(ws)
    return workbook_bytes(wb)
