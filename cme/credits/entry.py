"""个人学分登记审核: a person files, changes or deletes their own credit record (SPEC §5, manual §6.3).

Rules:
* Fields (fig. 24): 项目编号*, 获取学分* (> 0, at most one decimal, ≤ 100), 学分类型* (国家级I类 /
  省级I类 / II类), 获取时间* 从 … 至 … (从 ≤ 至, neither after today, China time), 学分获取形式*
  (the dictionary), 项目名称*, 主办单位*, 举办年度*, 学科分类* (一级 › 二级 from the dictionary),
  备注说明, 上传图片 (see cme.storage). Every bad field is named; nothing is saved.
* 举办年度 from 2000 (FIRST_YEAR) to this year, for the form, the import and the CLI alike.
* 举办年度 must be the year of 获取时间「从」or「至」: a course held 12-30 … 01-02 may be filed
  under either year, anything else is refused.
* The same person, project code and year only once (`该项目学分已登记`); a rejected record does not
  block re-entry (the schema has the same partial unique index).
* 保存 → 待审. Only the owner changes or deletes, and only while 待审 (RecordLocked otherwise).
* Every change refreshes the person-year summary (both years when the year moves), adds a
  CreditReview row and an audit entry in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cme import clock
from cme.core import audit, reference
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.credits.details import CreditDetail
from cme.credits.project_rows import ProjectRow, project_row
from cme.credits.summaries import refresh_summary
from cme.db import get_or_raise
from cme.domain.compliance import CREDIT_TYPES
from cme.domain.enums import AuditAction, CreditReviewAction, CreditSource, ReviewStatus
from cme.domain.identity import check_text
from cme.domain.inputs import FIRST_YEAR, parse_amount, parse_year
from cme.errors import DuplicateCredit, FieldErrors, RecordLocked, ValidationError
from cme.labels import REVIEW_STATUS
from cme.models import CreditDraft, CreditRecord, CreditReview, Project
from cme.storage import CheckedFile, Upload, check_proof, drop_file, store_file

MAX_CREDITS = Decimal("100")

LOCKED = "该学分记录状态为【{}】，只有待审状态的学分记录才可以修改或删除"  # the status label fills the brackets


FORM_KIND = "学分获取形式"


@dataclass
class CreditInput:
    """What the 新增/修改 form sends. Strings as typed; the service cleans and checks them."""

    project_code: str = ""
    credits: str | Decimal | float | None = None
    credit_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    form: str | None = None
    project_name: str = ""
    organizer: str = ""
    year: int | str | None = None  # the form gives the number, an import the cell's text
    subject_parent: str | None = None
    subject_child: str | None = None
    remark: str = ""
    proof: Upload | None = None


def parse_credits(raw) -> Decimal:
    """> 0, at most one decimal place, ≤ 100; ValueError in Chinese (1e30, NaN → 应为数字)."""
    return parse_amount(raw, maximum=MAX_CREDITS)


@dataclass(frozen=True)
class CreditChoices:
    """The dictionaries a credit is checked against; load once when validating many rows."""

    forms: list[str]
    subjects: dict[str, list[str]]


def credit_choices(session: Session) -> CreditChoices:
    return CreditChoices(reference.dictionary(session, FORM_KIND), reference.subjects(session))


def check_dictionary_fields(errors: dict[str, str], choices: CreditChoices, form: str | None,
                            subject_parent: str | None, subject_child: str | None) -> None:
    """学分获取形式 from the dictionary; 学科分类 two levels, the second under the first."""
    if form not in choices.forms:
        errors["学分获取形式"] = "请选择学分获取形式" if not form else "不在可选范围内"
    tree = choices.subjects
    if not subject_parent:
        errors["学科分类"] = "请选择一级学科"
    elif subject_parent not in tree:
        errors["学科分类"] = "一级学科不在可选范围内"
    elif not subject_child:
        errors["学科分类"] = "请选择二级学科"
    elif subject_child not in tree[subject_parent]:
        errors["学科分类"] = "二级学科不属于所选一级学科"


def validate_credit(session: Session, data: CreditInput, choices: CreditChoices | None = None) -> dict:
    """All field rules of SPEC §5; returns the cleaned values or raises ValidationError (every field named)."""
    choices = choices or credit_choices(session)
    errors = FieldErrors()
    out: dict = {}
    out["project_code"] = errors.check("项目编号", check_text, data.project_code, max_len=40)
    out["credits"] = errors.check("获取学分", parse_credits, data.credits)
    if data.credit_type not in CREDIT_TYPES:
        errors["学分类型"] = "请选择学分类型" if not data.credit_type else "不在可选范围内"
    out["credit_type"] = data.credit_type
    today = clock.today()
    if data.date_from is None:
        errors["获取时间"] = "请选择开始日期"
    elif data.date_from > today:
        errors["获取时间"] = "开始日期不能晚于今天"
    elif data.date_from.year < FIRST_YEAR:
        errors["获取时间"] = f"开始日期不能早于{FIRST_YEAR}年"
    if data.date_to is None:
        errors.setdefault("获取时间", "请选择结束日期")
    elif data.date_to > today:
        errors.setdefault("获取时间", "结束日期不能晚于今天")
    elif data.date_from and data.date_from > data.date_to:
        errors.setdefault("获取时间", "开始日期不能晚于结束日期")
    out["date_from"], out["date_to"] = data.date_from, data.date_to
    out["project_name"] = errors.check("项目名称", check_text, data.project_name, max_len=200)
    out["organizer"] = errors.check("主办单位", check_text, data.organizer, max_len=200)
    if data.year in (None, ""):
        errors["举办年度"] = "请选择举办年度"
    else:
        try:
            year = parse_year(data.year, last=today.year)
        except ValueError as e:
            errors["举办年度"] = str(e)
        else:
            if data.date_from and data.date_to and year not in {data.date_from.year, data.date_to.year}:
                errors["举办年度"] = "应与获取时间的年份一致"
            out["year"] = year
    check_dictionary_fields(errors, choices, data.form, data.subject_parent, data.subject_child)
    out["form"], out["subject_parent"], out["subject_child"] = data.form, data.subject_parent, data.subject_child
    out["remark"] = errors.check("备注说明", check_text, data.remark, max_len=500, required=False, multiline=True) or None
    if data.proof is not None:
        try:
            out["proof_file"] = check_proof(data.proof.data)  # re-encoded once, here
        except ValidationError as e:
            errors.update(e.errors)
    errors.raise_if_any()
    return out


def _ensure_not_duplicate(session: Session, user_id: int, code: str, year: int, exclude_id: int | None = None) -> None:
    q = select(CreditRecord.id).where(
        CreditRecord.user_id == user_id, CreditRecord.project_code == code, CreditRecord.year == year,
        CreditRecord.status != ReviewStatus.REJECTED,
    )
    if exclude_id is not None:
        q = q.where(CreditRecord.id != exclude_id)
    if session.scalars(q).first():
        raise DuplicateCredit()


def _flush_unique(session: Session) -> None:
    """The check above reads; a parallel submission of the same project may still win the insert.
    The unique index decides, and its refusal is the same DuplicateCredit, never a raw IntegrityError."""
    try:
        session.flush()
    except IntegrityError as e:
        if "project_code" in str(e.orig):
            raise DuplicateCredit() from None
        raise


def _snapshot(rec: CreditRecord) -> dict:
    return {"项目编号": rec.project_code, "项目名称": rec.project_name, "获取学分": str(rec.credits),
            "学分类型": rec.credit_type, "举办年度": rec.year, "状态": REVIEW_STATUS[rec.status]}


def _store_proof(session: Session, rec: CreditRecord, filename: str | None, checked: CheckedFile) -> str | None:
    old = rec.proof_key
    rec.proof_key = store_file(session, checked.data, checked.mime)
    rec.proof_mime = checked.mime
    rec.proof_name = (filename or "")[:200] or None
    return old


@use_case
def submit_credit(session: Session, actor: Actor, data: CreditInput) -> int:
    """新增: the person files a credit for themself; it starts 待审."""
    clean = validate_credit(session, data)
    _ensure_not_duplicate(session, actor.id, clean["project_code"], clean["year"])
    checked = clean.pop("proof_file", None)
    rec = CreditRecord(user_id=actor.id, status=ReviewStatus.PENDING, source=CreditSource.ENTRY, **clean)
    if checked is not None:
        _store_proof(session, rec, data.proof.filename if data.proof else None, checked)
    session.add(rec)
    _flush_unique(session)
    session.add(CreditReview(credit_id=rec.id, actor_id=actor.id, action=CreditReviewAction.SUBMIT))
    refresh_summary(session, actor.id, rec.year)
    audit.record(session, actor.id, AuditAction.CREDIT_SUBMIT, "credit", rec.id, institution_id=actor.institution_id,
                 after=_snapshot(rec))
    session.execute(delete(CreditDraft).where(CreditDraft.user_id == actor.id))  # the draft became this record
    return rec.id


def _own_pending(session: Session, actor: Actor, credit_id: int) -> CreditRecord:
    # locked (PostgreSQL; SQLite holds the write lock already): an admin deciding it meanwhile waits,
    # or has decided it and we see that — an edit never lands on an approved record
    rec = get_or_raise(session, CreditRecord, credit_id, "学分记录不存在", with_for_update=True, populate_existing=True)
    if rec.status != ReviewStatus.PENDING:
        raise RecordLocked(LOCKED.format(REVIEW_STATUS[rec.status]))
    return rec


@use_case
def update_credit(session: Session, actor: Actor, credit_id: int, data: CreditInput, *, remove_proof: bool = False) -> None:
    """修改: owner only, 待审 only. A new proof replaces the old; `remove_proof` drops it."""
    rec = _own_pending(session, actor, credit_id)
    clean = validate_credit(session, data)
    _ensure_not_duplicate(session, actor.id, clean["project_code"], clean["year"], exclude_id=rec.id)
    checked = clean.pop("proof_file", None)
    before = _snapshot(rec)
    old_year = rec.year
    for k, v in clean.items():
        setattr(rec, k, v)
    old_key = None
    if checked is not None:
        old_key = _store_proof(session, rec, data.proof.filename if data.proof else None, checked)
    elif remove_proof:
        old_key, rec.proof_key, rec.proof_mime, rec.proof_name = rec.proof_key, None, None, None
    rec.updated_at = clock.utcnow()
    _flush_unique(session)
    session.add(CreditReview(credit_id=rec.id, actor_id=actor.id, action=CreditReviewAction.UPDATE))
    refresh_summary(session, actor.id, rec.year)
    if old_year != rec.year:
        refresh_summary(session, actor.id, old_year)
    audit.record(session, actor.id, AuditAction.CREDIT_UPDATE, "credit", rec.id, institution_id=actor.institution_id,
                 before=before, after=_snapshot(rec))
    drop_file(session, old_key)


@use_case
def delete_credit(session: Session, actor: Actor, credit_id: int) -> None:
    """删除: owner only, 待审 only; the review trail goes with it, the audit log keeps the record."""
    rec = _own_pending(session, actor, credit_id)
    key, year = rec.proof_key, rec.year
    audit.record(session, actor.id, AuditAction.CREDIT_DELETE, "credit", rec.id, institution_id=actor.institution_id,
                 before=_snapshot(rec))
    session.execute(delete(CreditReview).where(CreditReview.credit_id == rec.id))
    session.delete(rec)
    refresh_summary(session, actor.id, year)
    drop_file(session, key)


def credit_input_of(detail: CreditDetail) -> CreditInput:
    """Pre-fill of the 修改 form."""
    return CreditInput(detail.project_code, detail.credits, detail.credit_type, detail.date_from, detail.date_to,
                       detail.form, detail.project_name, detail.organizer, detail.year, detail.subject_parent,
                       detail.subject_child, detail.remark)


def project_prefill(session: Session, code: str) -> ProjectRow | None:
    """A project code found in the 项目库 fills the rest of the form."""
    code = (code or "").strip()
    if not code:
        return None
    p = session.scalars(select(Project).where(Project.code == code)).first()
    if p is None:
        return None
    return project_row(p)
