"""Reading a 批量导入 file (CSV UTF-8 or XLSX) row by row, and turning each row into a credit form's input.

Rules: at most MAX_BYTES and MAX_ROWS data rows; the first row holds exactly the columns of HEADERS (any
order). A malformed file is refused whole with a message naming what is wrong ("导入文件").
* XLSX is streamed (openpyxl read_only) and never read past MAX_ROWS + 1 rows or MAX_COLUMNS
  columns: a sheet whose declared range is larger (a 5 KB file with a cell at XFD1048576) is refused
  at once instead of being expanded into 17 billion empty cells.
* Cells are free text kept as typed (control characters stripped, no NFKC folding), except the
  digit columns (身份证号, 学分, 举办年度, dates), which accept ASCII and full-width digits only.
"""
from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from cme import crypto
from cme.credits.entry import CreditInput
from cme.domain.identity import normalize, parse_id_number
from cme.domain.inputs import clean_text, fold_digits, is_ascii_digits
from cme.errors import DomainError, FieldErrors, ValidationError

HEADERS = ["身份证号", "项目编号", "项目名称", "主办单位", "学分", "学分类型", "学分获取形式", "学科分类一级",
           "学科分类二级", "举办年度", "开始日期", "结束日期", "备注"]
MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 50  # the template has 13; anything wider is not our file
FILE_LABEL = "导入文件"

# validate_credit names the form's fields; the report names the file's columns.
_COLUMN_OF_FIELD = {"获取学分": "学分", "备注说明": "备注", "获取时间": "开始日期/结束日期"}
_EXCEL_EPOCH = date(1899, 12, 30)


# ---- reading the file ---------------------------------------------------------------------------


def _refuse(message: str) -> DomainError:
    return ValidationError({FILE_LABEL: message})


@dataclass
class Table:
    """The file's data rows, read lazily: (row number, {column: cell}); `estimated_rows` for progress bars."""

    rows: Iterator[tuple[int, dict[str, object]]]
    estimated_rows: int


def open_table(filename: str, data: bytes) -> Table:
    """Check the size, the format and the header at once (refusing a malformed file whole); the rows are then
    read one at a time, and reading refuses the file past MAX_ROWS or at an unreadable line."""
    if not data:
        raise _refuse("文件为空")
    if len(data) > MAX_BYTES:
        raise _refuse(f"文件超过{MAX_BYTES // 1024 // 1024}MB（{len(data) / 1024 / 1024:.1f}MB），请拆分后分批导入")
    if data[:4] == b"PK\x03\x04":
        rows, estimated = _xlsx_rows(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV（UTF-8）后导入")
    else:
        rows, estimated = _csv_rows(data), max(data.count(b"\n") - 1, 1)
    header = next(rows, None)
    if header is None:
        raise _refuse("文件没有表头行")
    names = [normalize(str(h)) if h is not None else "" for h in header]
    while names and not names[-1]:
        names.pop()
    missing = [h for h in HEADERS if h not in names]
    unknown = [h for h in names if h not in HEADERS]
    dupes = sorted({h for h in names if h and names.count(h) > 1})
    if missing or unknown or dupes:
        parts = []
        if missing:
            parts.append("缺少列：" + "、".join(missing))
        if unknown:
            parts.append("无法识别的列：" + "、".join(h or "（空白列名）" for h in unknown))
        if dupes:
            parts.append("重复的列：" + "、".join(dupes))
        raise _refuse("表头不正确（" + "；".join(parts) + "）。请下载导入模板，第一行须为：" + "、".join(HEADERS))
    index = {h: names.index(h) for h in HEADERS}
    first = _data_rows(rows, index)
    head = next(first, None)
    if head is None:
        raise _refuse("文件中没有数据行")
    return Table(itertools.chain([head], first), estimated)


def _data_rows(rows, index: dict[str, int]) -> Iterator[tuple[int, dict[str, object]]]:
    count = 0
    for number, cells in enumerate(rows, start=2):
        cells = list(cells)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise _refuse(f"数据超过{MAX_ROWS}行，请拆分后分批导入")
        yield number, {h: cells[i] if i < len(cells) else None for h, i in index.items()}


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, object]]]:
    """Every data row at once (small files, tests)."""
    return list(open_table(filename, data).rows)


def _csv_rows(data: bytes):
    """Lines decoded as they are read, so a 50 MB file is never held twice."""
    if b"\x00" in data[:65536]:
        raise _refuse("文件不是 CSV 或 XLSX 文件")
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise _refuse("文件不是 UTF-8 编码的 CSV 或 XLSX 文件（Excel 请另存为“CSV UTF-8”或 .xlsx）") from None
        except csv.Error:  # a stray NUL, unbalanced quotes, a field over csv's size limit
            raise _refuse("CSV 文件格式不正确（引号不成对或单元格过长），请用导入模板另存后导入") from None
        if len(row) > MAX_COLUMNS and any(c.strip() for c in row[MAX_COLUMNS:]):
            raise _refuse(f"列数超过{MAX_COLUMNS}列，请使用导入模板")
        yield row[:MAX_COLUMNS]


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _refuse("无法读取该 XLSX 文件，请确认文件未损坏") from None
    ws = wb.worksheets[0]
    # the declared range (<dimension>) is checked before any row is expanded; read_only streaming
    # then never goes past the caps even when the declaration is missing or lies
    try:
        rows, columns = ws.max_row or 0, ws.max_column or 0
    except (ValueError, TypeError):
        rows, columns = 0, 0
    if rows > MAX_ROWS + 1:
        wb.close()
        raise _refuse(f"工作表范围超过{MAX_ROWS}行（到第{rows}行），请删除空白行、拆分后分批导入")
    if columns > MAX_COLUMNS:
        wb.close()
        raise _refuse(f"工作表范围超过{MAX_COLUMNS}列，请只保留导入模板的列")
    cells = ws.iter_rows(min_row=1, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS, values_only=True)
    return _closing(wb, cells), max(rows - 1, 1)


def _closing(wb, rows):
    try:
        yield from rows
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _refuse("无法读取该 XLSX 文件，请确认文件未损坏") from None
    finally:
        wb.close()


# ---- cells ---------------------------------------------------------------------------------------


_cleaned = lru_cache(maxsize=65536)(clean_text)  # files repeat the same names, codes and dates row after row


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _cleaned(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return clean_text(str(value))


def _date(value) -> date:
    if isinstance(value, str):
        return _date_text(value)
    return _date_cell(value)


@lru_cache(maxsize=8192)
def _date_text(value: str) -> date:
    return _date_cell(value)


def _date_cell(value) -> date:
    """YYYY-MM-DD (or YYYY/MM/DD) text, an Excel date cell, or an Excel date serial number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("不能为空")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError("不是有效的日期")
    text = fold_digits(value).replace("/", "-").split(" ")[0]
    parts = text.split("-")
    if len(parts) == 3 and all(is_ascii_digits(p) and len(p) <= 4 for p in parts) and len(parts[0]) == 4:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            raise ValueError("不是有效的日期") from None
    raise ValueError("应为日期，格式 YYYY-MM-DD")


def _column_of(label: str, message: str) -> str:
    if label == "学科分类":
        return "学科分类二级" if "二级" in message else "学科分类一级"
    if label == "获取时间":
        return "结束日期" if "结束日期" in message and "开始日期" not in message else "开始日期"
    return _COLUMN_OF_FIELD.get(label, label)


@dataclass
class _Row:
    number: int
    id_hash: str | None
    masked: str
    code: str
    errors: dict[str, str]
    data: CreditInput


def _identity(raw_id: str) -> tuple[str | None, str, str | None]:
    """(lookup hash, masked number, error) of a 身份证号 cell."""
    try:
        card = parse_id_number(raw_id)
        return crypto.lookup_hash(card.number), crypto.mask_id_number(card.number), None
    except ValueError as e:
        return None, crypto.mask_id_number(raw_id) if raw_id else "", str(e)


def _parse_row(number: int, cells: dict[str, object], identities: dict[str, tuple] | None = None) -> _Row:
    """One file row → a credit form's input; `identities` caches the ID checks of one import (a person has many rows)."""
    errors = FieldErrors()
    raw_id = _text(cells["身份证号"])
    if identities is None or raw_id not in identities:
        found = _identity(raw_id)
        if identities is not None:
            identities[raw_id] = found
    else:
        found = identities[raw_id]
    id_hash, masked, problem = found
    if problem:
        errors["身份证号"] = problem
    dates = {column: errors.check(column, _date, cells[column]) for column in ("开始日期", "结束日期")}
    credits_cell = cells["学分"]
    if isinstance(credits_cell, float):
        credits_cell = repr(credits_cell)
    data = CreditInput(
        project_code=_text(cells["项目编号"]), credits=_text(credits_cell), credit_type=_text(cells["学分类型"]) or None,
        date_from=dates["开始日期"], date_to=dates["结束日期"], form=_text(cells["学分获取形式"]) or None,
        project_name=_text(cells["项目名称"]), organizer=_text(cells["主办单位"]), year=_text(cells["举办年度"]) or None,
        subject_parent=_text(cells["学科分类一级"]) or None, subject_child=_text(cells["学科分类二级"]) or None,
        remark=_text(cells["备注"]),
    )
    return _Row(number, id_hash, masked, data.project_code, errors, data)


