"""批量导入 of credit records (SPEC §5 "Bulk import").

Rules:
* Who: an institution admin imports for the staff of their own institution; the provincial admin
  (for project organisers) for anyone. A row whose 身份证号 is outside the actor's scope is refused
  exactly like an unknown one, so an admin cannot probe another institution's staff.
* The file: CSV (UTF-8, with or without BOM) or XLSX, at most 5 MB and 20000 data rows, whose first
  row holds exactly the columns of `HEADERS` (any order). Anything else is refused as a whole with
  a clear message and nothing is saved.
* XLSX is streamed (openpyxl read_only) and never read past MAX_ROWS + 1 rows or MAX_COLUMNS
  columns: a sheet whose declared range is larger (a 5 KB file with a cell at XFD1048576) is refused
  at once instead of being expanded into 17 billion empty cells.
* Cells are free text kept as typed (control characters stripped, no NFKC folding), except the
  digit columns (身份证号, 学分, 举办年度, dates), which accept ASCII and full-width digits only.
* Each row goes through the same field rules as the credit form (`credits.validate_credit`); a
  refused row is reported with its spreadsheet row number and the reason naming the column.
* The same person + 项目编号 + 举办年度 already present (not rejected), or earlier in the same file,
  counts as 已存在 — not an error — so re-importing a file adds nothing.
* Accepted rows become 审核通过 records with source 批量导入 and a CreditReview row `import`; the
  person-year summaries are refreshed once per touched person-year; one audit entry per import.
* All in the caller's transaction: either every accepted row is saved or none is.
"""
from __future__ import annotations

import csv
import io
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cme import clock, crypto
from cme.domain.identity import normalize, parse_id_number
from cme.domain.inputs import clean_text, fold_digits, is_ascii_digits
from cme.errors import FieldErrors, DomainError, ValidationError
from cme.models import CreditRecord, CreditReview, User
from cme.core import audit
from cme.core.actors import Actor
from cme.reports.tables import csv_bytes, workbook_bytes, xlsx_workbook
from cme.credits.entry import CreditInput, credit_choices, validate_credit
from cme.credits.summaries import refresh_summary
from cme.core.policy import use_case

HEADERS = ["身份证号", "项目编号", "项目名称", "主办单位", "学分", "学分类型", "学分获取形式", "学科分类一级",
           "学科分类二级", "举办年度", "开始日期", "结束日期", "备注"]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000
MAX_COLUMNS = 50  # the template has 13; anything wider is not our file
SOURCE = "批量导入"
FILE_LABEL = "导入文件"

# validate_credit names the form's fields; the report names the file's columns.
_COLUMN_OF_FIELD = {"获取学分": "学分", "备注说明": "备注", "获取时间": "开始日期/结束日期"}
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class RefusedRow:
    row: int  # spreadsheet row number (the header is row 1)
    id_number: str  # masked
    project_code: str
    reason: str  # `列名：原因；列名：原因`


@dataclass
class ImportReport:
    filename: str
    rows: int = 0
    accepted: int = 0
    existing: int = 0
    refused: list[RefusedRow] = field(default_factory=list)
    people: int = 0  # distinct people given new records
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def refused_count(self) -> int:
        return len(self.refused)

    def summary(self) -> str:
        verb = "可导入" if self.dry_run else "导入成功"
        return (f"共 {self.rows} 行：{verb} {self.accepted} 条，已存在 {self.existing} 条（未重复导入），"
                f"拒绝 {self.refused_count} 条")


# ---- reading the file ---------------------------------------------------------------------------


def _refuse(message: str) -> DomainError:
    return ValidationError({FILE_LABEL: message})


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, object]]]:
    """(row number, {column: cell}) for every non-empty data row; refuses a malformed file whole."""
    if not data:
        raise _refuse("文件为空")
    if len(data) > MAX_BYTES:
        raise _refuse(f"文件超过5MB（{len(data) / 1024 / 1024:.1f}MB），请拆分后分批导入")
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV（UTF-8）后导入")
    else:
        rows = _csv_rows(data)
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
    out: list[tuple[int, dict[str, object]]] = []
    for number, cells in enumerate(rows, start=2):
        cells = list(cells)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(out) >= MAX_ROWS:
            raise _refuse(f"数据超过{MAX_ROWS}行，请拆分后分批导入")
        out.append((number, {h: cells[i] if i < len(cells) else None for h, i in index.items()}))
    if not out:
        raise _refuse("文件中没有数据行")
    return out


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse("文件不是 UTF-8 编码的 CSV 或 XLSX 文件（Excel 请另存为“CSV UTF-8”或 .xlsx）") from None
    if "\x00" in text:
        raise _refuse("文件不是 CSV 或 XLSX 文件")
    return _guarded(csv.reader(io.StringIO(text, newline="")))


def _guarded(rows):
    """CSV rows, cut to MAX_COLUMNS; a malformed file (a field over csv's size limit, a stray
    NUL) is refused whole instead of crashing mid-way."""
    try:
        for row in rows:
            if len(row) > MAX_COLUMNS and any(c.strip() for c in row[MAX_COLUMNS:]):
                raise _refuse(f"列数超过{MAX_COLUMNS}列，请使用导入模板")
            yield row[:MAX_COLUMNS]
    except csv.Error:
        raise _refuse("CSV 文件格式不正确（引号不成对或单元格过长），请用导入模板另存后导入") from None


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
    return _closing(wb, ws.iter_rows(min_row=1, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS, values_only=True))


def _closing(wb, rows):
    try:
        yield from rows
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _refuse("无法读取该 XLSX 文件，请确认文件未损坏") from None
    finally:
        wb.close()


# ---- cells ---------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return clean_text(value)


def _date(value) -> date:
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


def _parse_row(number: int, cells: dict[str, object]) -> _Row:
    errors = FieldErrors()
    id_hash, masked = None, ""
    raw_id = _text(cells["身份证号"])
    if card := errors.check("身份证号", parse_id_number, raw_id):
        id_hash, masked = crypto.lookup_hash(card.number), crypto.mask_id_number(card.number)
    else:
        masked = crypto.mask_id_number(raw_id) if raw_id else ""
    dates: dict[str, date | None] = {}
    for column in ("开始日期", "结束日期"):
        dates[column] = errors.check(column, _date, cells[column])
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


# ---- the import -----------------------------------------------------------------------------------


def _people_in_scope(session: Session, actor: Actor, hashes: set[str]) -> dict[str, tuple[int, int]]:
    """lookup hash → (user id, institution id) for the persons the actor may import for."""
    found: dict[str, tuple[int, int]] = {}
    items = sorted(hashes)
    for i in range(0, len(items), 500):
        q = select(User.id_number_hash, User.id, User.institution_id).where(
            User.id_number_hash.in_(items[i:i + 500]), User.role == "person", User.status.in_(("approved", "pending")))
        if actor.is_unit_admin:
            q = q.where(User.institution_id == actor.institution_id)
        for h, uid, inst in session.execute(q):
            found[h] = (uid, inst)
    return found


def _present(session: Session, user_ids: set[int]) -> set[tuple[int, str, int]]:
    keys: set[tuple[int, str, int]] = set()
    items = sorted(user_ids)
    for i in range(0, len(items), 500):
        q = select(CreditRecord.user_id, CreditRecord.project_code, CreditRecord.year).where(
            CreditRecord.user_id.in_(items[i:i + 500]), CreditRecord.status != "rejected")
        keys.update((u, c, y) for u, c, y in session.execute(q))
    return keys


@use_case
def import_credits(session: Session, actor: Actor, filename: str, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Validate every row, then (unless `dry_run`) save the accepted rows as approved records."""
    started = time.perf_counter()
    table = read_table(filename, data)
    report = ImportReport(filename=filename, rows=len(table), dry_run=dry_run)
    parsed = [_parse_row(n, cells) for n, cells in table]
    people = _people_in_scope(session, actor, {r.id_hash for r in parsed if r.id_hash})
    present = _present(session, {uid for uid, _ in people.values()})
    accepted: list[tuple[_Row, int, dict]] = []
    choices = credit_choices(session)
    for row in parsed:
        errors = dict(row.errors)
        person = people.get(row.id_hash) if row.id_hash else None
        if row.id_hash and person is None:
            errors["身份证号"] = "本机构无此人员" if actor.is_unit_admin else "未找到该身份证号的个人用户"
        clean = None
        try:
            clean = validate_credit(session, row.data, choices)
        except ValidationError as e:
            for label, message in e.errors.items():
                column = _column_of(label, message)
                if message.startswith("请选择"):  # the form's wording; a file cell is simply empty
                    message = "不能为空"
                if column not in errors:  # an unreadable date already says why
                    errors[column] = message
        if errors:
            ordered = sorted(errors.items(), key=lambda kv: HEADERS.index(kv[0]) if kv[0] in HEADERS else 99)
            report.refused.append(RefusedRow(row.number, row.masked, row.code,
                                             "；".join(f"{k}：{v}" for k, v in ordered)))
            continue
        key = (person[0], clean["project_code"], clean["year"])
        if key in present:
            report.existing += 1
            continue
        present.add(key)
        accepted.append((row, person[0], clean))
    report.accepted = len(accepted)
    report.people = len({uid for _, uid, _ in accepted})
    if not dry_run and accepted:
        _save(session, actor, accepted)
    if not dry_run:
        audit.record(session, actor.id, "credit.import", "import", None, institution_id=actor.institution_id,
                     after={"文件": filename[:100], "行数": report.rows, "导入": report.accepted,
                            "已存在": report.existing, "拒绝": report.refused_count})
    report.seconds = time.perf_counter() - started
    return report


def _save(session: Session, actor: Actor, accepted: list[tuple[_Row, int, dict]]) -> None:
    now = clock.utcnow()
    records = []
    for _row, user_id, clean in accepted:
        clean = {k: v for k, v in clean.items() if k != "proof_file"}
        records.append(CreditRecord(user_id=user_id, status="approved", source=SOURCE, reviewed_at=now,
                                    reviewed_by=actor.id, created_at=now, updated_at=now, **clean))
    session.add_all(records)
    try:
        session.flush()
    except IntegrityError:
        # someone registered the same project meanwhile: refuse the whole import, nothing half-done
        raise DomainError("导入期间有人登记了相同的项目学分，本次导入未保存，请重新导入") from None
    session.add_all([CreditReview(credit_id=r.id, actor_id=actor.id, action="import", at=now) for r in records])
    for user_id, year in sorted({(r.user_id, r.year) for r in records}):
        refresh_summary(session, user_id, year)


REFUSED_COLUMNS = ["行号", "身份证号", "项目编号", "拒绝原因"]


def refused_table(report: ImportReport) -> list[list]:
    return [[r.row, r.id_number, r.project_code, r.reason] for r in report.refused]


def refused_csv(report: ImportReport) -> bytes:
    """下载拒绝明细: the file's own cells come back, so they go through the export's formula guard."""
    return csv_bytes([REFUSED_COLUMNS, *refused_table(report)])


# ---- templates ------------------------------------------------------------------------------------


def template_csv() -> bytes:
    """The header row, UTF-8 with BOM so that Excel shows the Chinese correctly."""
    return csv_bytes([HEADERS])


TEMPLATE_NOTES = [
    ("身份证号", "18位身份证号（单位管理员只能导入本机构人员）；请保持为文本格式"),
    ("项目编号", "必填；同一人员同一项目同一年度只导入一次"),
    ("项目名称", "必填"),
    ("主办单位", "必填"),
    ("学分", "大于0，最多一位小数，不超过100"),
    ("学分类型", "国家级I类 / 省级I类 / II类"),
    ("学分获取形式", "学术会议、学习班、讲座、远程教育、进修、自学、发表论文、科研立项、带教等（字典中的名称）"),
    ("学科分类一级", "如：药学"),
    ("学科分类二级", "如：药理学（须属于一级学科）"),
    ("举办年度", "四位年份，须为开始日期或结束日期的年份"),
    ("开始日期", "YYYY-MM-DD 或 Excel 日期，不能晚于今天"),
    ("结束日期", "YYYY-MM-DD 或 Excel 日期，不早于开始日期，不能晚于今天"),
    ("备注", "选填，不超过500字"),
]


def template_xlsx() -> bytes:
    """Sheet 学分导入 with the header row (身份证号 as text) and a sheet 填写说明."""
    wb = xlsx_workbook([HEADERS], title="学分导入", widths=(22, 16, 30, 24, 8, 12, 14, 14, 14, 10, 12, 12, 24))
    ws = wb.active
    for r in range(2, 1002):  # 身份证号 typed as a number would lose digits
        ws.cell(row=r, column=1).number_format = "@"
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for line in TEMPLATE_NOTES:
        notes.append(list(line))
    notes.append(["", f"只导入第一个工作表；文件不超过5MB、{MAX_ROWS}行；重复导入同一文件不会重复登记"])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 80
    return workbook_bytes(wb)


__all__ = ["HEADERS", "ImportReport", "RefusedRow", "import_credits", "read_table", "refused_csv", "refused_table",
           "template_csv", "template_xlsx"]
