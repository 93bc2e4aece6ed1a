"""批量导入 of credit records (SPEC §5 "Bulk import").

Rules:
* Who: an institution admin imports for the staff of their own institution; the provincial admin
  (for project organisers) for anyone. A row whose 身份证号 is outside the actor's scope is refused
  exactly like an unknown one, so an admin cannot probe another institution's staff.
* The file: CSV (UTF-8, with or without BOM) or XLSX, at most 50 MB and 200,000 data rows, whose first
  row holds exactly the columns of `HEADERS` (any order). Anything else is refused as a whole with
  a clear message and nothing is saved. It is read row by row (cme.credits.import_file) and handled
  in chunks of CHUNK rows, reporting progress to the caller's callback.
* Each row goes through the same field rules as the credit form (`credits.validate_credit`); a
  refused row is reported with its spreadsheet row number and the reason naming the column.
* The same person + 项目编号 + 举办年度 already present (not rejected), or earlier in the same file,
  counts as 已存在 — not an error — so re-importing a file adds nothing.
* Accepted rows become 审核通过 records with source 批量导入 and a CreditReview row `import`, inserted in
  bulk; the touched person-years' totals are recomputed by one INSERT … SELECT … GROUP BY … ON CONFLICT
  DO UPDATE per batch of people (cme.credits.summaries.upsert_totals), then their verdicts and rollups
  (cme.core.verdicts.judge_people); one audit entry per import.
* All in the caller's transaction: either every accepted row is saved or none is.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cme import clock
from cme.core import audit
from cme.core.actors import Actor, require_role
from cme.core.policy import use_case
from cme.core.verdicts import judge_people
from cme.credits import import_file
from cme.credits.entry import CreditChoices, credit_choices, validate_credit
from cme.credits.import_file import FILE_LABEL, HEADERS, MAX_BYTES, MAX_COLUMNS, MAX_ROWS, _column_of, _parse_row, _Row, read_table  # noqa: F401  (HEADERS, caps and read_table are this module's interface too)
from cme.credits.summaries import upsert_totals
from cme.domain.enums import AccountStatus, AuditAction, CreditReviewAction, CreditSource, ReviewStatus, Role
from cme.errors import DomainError, ValidationError
from cme.models import CreditRecord, User
from cme.reports.tables import csv_bytes, workbook_bytes, xlsx_workbook

SOURCE = CreditSource.IMPORT
CHUNK = 5000
Progress = Callable[[int, int], None]  # (rows done, rows expected)


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


# ---- the import -----------------------------------------------------------------------------------


def _people_in_scope(session: Session, actor: Actor, hashes: set[str]) -> dict[str, tuple[int, int | None]]:
    """lookup hash → (user id, institution id) for the persons the actor may import for."""
    found: dict[str, tuple[int, int | None]] = {}
    items = sorted(hashes)
    for i in range(0, len(items), 500):
        q = select(User.id_number_hash, User.id, User.institution_id).where(
            User.id_number_hash.in_(items[i:i + 500]), User.role == Role.PERSON,
            User.status.in_((AccountStatus.APPROVED, AccountStatus.PENDING)))
        if actor.is_unit_admin:
            q = q.where(User.institution_id == actor.institution_id)
        found.update({h: (uid, inst) for h, uid, inst in session.execute(q) if h})  # IN matched: never NULL
    return found


def _present(session: Session, user_ids: set[int]) -> set[tuple[int, str, int]]:
    keys: set[tuple[int, str, int]] = set()
    items = sorted(user_ids)
    for i in range(0, len(items), 500):
        q = select(CreditRecord.user_id, CreditRecord.project_code, CreditRecord.year).where(
            CreditRecord.user_id.in_(items[i:i + 500]), CreditRecord.status != ReviewStatus.REJECTED)
        keys.update((u, c, y) for u, c, y in session.execute(q))
    return keys


class _Importer:
    """One import: people, existing keys and dictionaries are looked up once per chunk, never per row."""

    def __init__(self, session: Session, actor: Actor, report: ImportReport):
        self.session, self.actor, self.report = session, actor, report
        self.people: dict[str, tuple[int, int | None] | None] = {}
        self.identities: dict[str, tuple] = {}
        self.present: set[tuple[int, str, int]] = set()
        self.loaded_users: set[int] = set()
        self.choices: CreditChoices = credit_choices(session)
        self.touched: set[tuple[int, int]] = set()
        self.given: set[int] = set()
        self.now = clock.utcnow()

    def chunk(self, rows: list[tuple[int, dict]]) -> None:
        parsed = [_parse_row(n, cells, self.identities) for n, cells in rows]
        unknown = {r.id_hash for r in parsed if r.id_hash and r.id_hash not in self.people}
        found = _people_in_scope(self.session, self.actor, unknown)
        self.people.update({h: found.get(h) for h in unknown})
        users = {p[0] for r in parsed if r.id_hash and (p := self.people.get(r.id_hash))} - self.loaded_users
        self.present |= _present(self.session, users)
        self.loaded_users |= users
        accepted = [a for r in parsed if (a := self._check(r)) is not None]
        self.report.accepted += len(accepted)
        if accepted and not self.report.dry_run:
            self._insert(accepted)

    def _check(self, row: _Row) -> dict | None:
        report = self.report
        errors = dict(row.errors)
        person = self.people.get(row.id_hash) if row.id_hash else None
        if row.id_hash and person is None:
            errors["身份证号"] = "本机构无此人员" if self.actor.is_unit_admin else "未找到该身份证号的个人用户"
        clean = None
        try:
            clean = validate_credit(self.session, row.data, self.choices)
        except ValidationError as e:
            for label, message in e.errors.items():
                column = _column_of(label, message)
                if message.startswith("请选择"):  # the form's wording; a file cell is simply empty
                    message = "不能为空"
                if column not in errors:  # an unreadable date already says why
                    errors[column] = message
        if errors:
            ordered = sorted(errors.items(), key=lambda kv: HEADERS.index(kv[0]) if kv[0] in HEADERS else 99)
            report.refused.append(RefusedRow(row.number, row.masked, row.code, "；".join(f"{k}：{v}" for k, v in ordered)))
            return None
        assert person is not None and clean is not None  # a row without either has an error named above
        key = (person[0], clean["project_code"], clean["year"])
        if key in self.present:
            report.existing += 1
            return None
        self.present.add(key)
        self.given.add(person[0])
        clean.pop("proof_mime", None)
        return dict(user_id=person[0], status=ReviewStatus.APPROVED, source=SOURCE, reviewed_at=self.now,
                    reviewed_by=self.actor.id, created_at=self.now, updated_at=self.now, **clean)

    def _insert(self, records: list[dict]) -> None:
        try:  # Core executemany: no ORM object per row
            self.session.execute(insert(CreditRecord.__table__), records)
        except IntegrityError:
            # someone registered the same project meanwhile: refuse the whole import, nothing half-done
            raise DomainError("导入期间有人登记了相同的项目学分，本次导入未保存，请重新导入") from None
        self.touched.update((r["user_id"], r["year"]) for r in records)

    def finish(self) -> None:
        """The touched person-years' totals set-based, then the people's verdicts and rollups."""
        if self.touched:
            # this import's records carry its own timestamp and actor: one statement writes their review rows
            self.session.execute(text(
                "INSERT INTO credit_reviews (credit_id, actor_id, action, at) SELECT id, :actor, :action, :now "
                "FROM credit_records WHERE status = :approved AND created_at = :now AND reviewed_by = :actor "
                "AND source = :source"), dict(actor=self.actor.id, now=self.now, source=SOURCE,
                                              action=CreditReviewAction.IMPORT, approved=ReviewStatus.APPROVED))
            upsert_totals(self.session, self.touched)
            since: dict[int, int] = {}
            for uid, year in self.touched:
                since[uid] = min(year, since.get(uid, year))
            judge_people(self.session, since)


@use_case
def import_credits(session: Session, actor: Actor, filename: str, data: bytes, *, dry_run: bool = False,
                   progress: Progress | None = None) -> ImportReport:
    """Validate every row, then (unless `dry_run`) save the accepted rows as approved records.

    `progress(rows_done, rows_expected)` is called after each chunk (a page's progress bar, the CLI's line).
    """
    require_role(actor, Role.UNIT, Role.PROVINCE)
    started = time.perf_counter()
    table = import_file.open_table(filename, data)
    report = ImportReport(filename=filename, dry_run=dry_run)
    job = _Importer(session, actor, report)
    chunk: list[tuple[int, dict]] = []
    for item in table.rows:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            _run_chunk(job, chunk, report, table.estimated_rows, progress)
            chunk = []
    if chunk:
        _run_chunk(job, chunk, report, table.estimated_rows, progress)
    if not dry_run:
        job.finish()
    report.people = len(job.given)
    if not dry_run:
        audit.record(session, actor.id, AuditAction.CREDIT_IMPORT, "import", None, institution_id=actor.institution_id,
                     after={"文件": filename[:100], "行数": report.rows, "导入": report.accepted,
                            "已存在": report.existing, "拒绝": report.refused_count})
    report.seconds = time.perf_counter() - started
    return report


def _run_chunk(job: _Importer, chunk: list, report: ImportReport, expected: int, progress: Progress | None) -> None:
    job.chunk(chunk)
    report.rows += len(chunk)
    if progress is not None:
        progress(report.rows, max(expected, report.rows))


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
    ws = wb.worksheets[0]
    for r in range(2, 1002):  # 身份证号 typed as a number would lose digits
        ws.cell(row=r, column=1).number_format = "@"
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for line in TEMPLATE_NOTES:
        notes.append(list(line))
    notes.append(["", f"只导入第一个工作表；文件不超过{import_file.MAX_BYTES // 1024 // 1024}MB、{import_file.MAX_ROWS}行；"
                      "重复导入同一文件不会重复登记"])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 80
    return workbook_bytes(wb)


__all__ = ["HEADERS", "ImportReport", "RefusedRow", "import_credits", "read_table", "refused_csv", "refused_table",
           "template_csv", "template_xlsx"]
