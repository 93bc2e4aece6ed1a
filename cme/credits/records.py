"""个人学分登记审核, 学分审核 and 学分综合查询 (SPEC §5, manual §6.3 and §6.5).

Rules:
* Fields (fig. 24): 项目编号*, 获取学分* (> 0, at most one decimal, ≤ 100), 学分类型* (国家级I类 /
  省级I类 / II类), 获取时间* 从 … 至 … (从 ≤ 至, neither after today, China time), 学分获取形式*
  (the dictionary), 项目名称*, 主办单位*, 举办年度*, 学科分类* (一级 › 二级 from the dictionary),
  备注说明, 上传图片 (see cme.storage). Every bad field is named; nothing is saved.
* 举办年度 must be the year of 获取时间「从」or「至」: a course held 12-30 … 01-02 may be filed
  under either year, anything else is refused.
* The same person, project code and year only once (`该项目学分已登记`); a rejected record does not
  block re-entry (the schema has the same partial unique index).
* 保存 → 待审. Only the owner changes or deletes, and only while 待审 (RecordLocked otherwise).
* The institution admin of the owner's institution (or the provincial admin) approves, singly or in
  batch, or rejects with a required reason; the owner sees the trail. Another institution's admin
  can neither review nor see the record or its proof.
* Every change refreshes the person-year summary (both years when the year moves), adds a
  CreditReview row and an audit entry in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from cme import clock
from cme.domain.compliance import CLASS_II, CREDIT_TYPES, NATIONAL_I, PROVINCIAL_I, format_credit
from cme.domain.identity import check_text
from cme.errors import DuplicateCredit, NotFound, NotPermitted, RecordLocked, ValidationError
from cme.labels import REVIEW_STATUS
from cme.models import CreditRecord, CreditReview, Department, Project, User
from cme.core import audit
from cme.core import reference
from cme.core.actors import Actor, require_role, require_unit_admin_of
from cme.reports.tables import csv_bytes, xlsx_bytes
from cme.credits.summaries import refresh_summary
from cme.storage import Upload, get_storage, proof_mime

MAX_CREDITS = Decimal("100")
FORM_KIND = "学分获取形式"
ACTION_LABELS = {"submit": "提交", "update": "修改", "approve": "审核通过", "reject": "审核不过", "import": "批量导入"}
STATUS_BY_LABEL = {v: k for k, v in REVIEW_STATUS.items()}


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
    year: int | None = None
    subject_parent: str | None = None
    subject_child: str | None = None
    remark: str = ""
    proof: Upload | None = None


def _check(errors: dict[str, str], label: str, fn):
    try:
        return fn()
    except ValueError as e:
        errors[label] = str(e)
        return None


def parse_credits(raw) -> Decimal:
    """> 0, at most one decimal place, ≤ 100; ValueError in Chinese."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ValueError("不能为空")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("应为数字") from None
    if not value.is_finite() or value <= 0:
        raise ValueError("应大于0")
    if value != value.quantize(Decimal("0.1")):
        raise ValueError("最多保留一位小数")
    if value > MAX_CREDITS:
        raise ValueError(f"不能超过{MAX_CREDITS}分")
    return value.quantize(Decimal("0.1"))


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
    errors: dict[str, str] = {}
    out: dict = {}
    out["project_code"] = _check(errors, "项目编号", lambda: check_text(data.project_code, max_len=40))
    out["credits"] = _check(errors, "获取学分", lambda: parse_credits(data.credits))
    if data.credit_type not in CREDIT_TYPES:
        errors["学分类型"] = "请选择学分类型" if not data.credit_type else "不在可选范围内"
    out["credit_type"] = data.credit_type
    today = clock.today()
    if data.date_from is None:
        errors["获取时间"] = "请选择开始日期"
    elif data.date_from > today:
        errors["获取时间"] = "开始日期不能晚于今天"
    if data.date_to is None:
        errors.setdefault("获取时间", "请选择结束日期")
    elif data.date_to > today:
        errors.setdefault("获取时间", "结束日期不能晚于今天")
    elif data.date_from and data.date_from > data.date_to:
        errors.setdefault("获取时间", "开始日期不能晚于结束日期")
    out["date_from"], out["date_to"] = data.date_from, data.date_to
    out["project_name"] = _check(errors, "项目名称", lambda: check_text(data.project_name, max_len=200))
    out["organizer"] = _check(errors, "主办单位", lambda: check_text(data.organizer, max_len=200))
    if data.year in (None, ""):
        errors["举办年度"] = "请选择举办年度"
    else:
        try:
            year = int(data.year)
        except (TypeError, ValueError):
            year = None
            errors["举办年度"] = "应为四位年份"
        if year is not None:
            if data.date_from and data.date_to and year not in {data.date_from.year, data.date_to.year}:
                errors["举办年度"] = "应与获取时间的年份一致"
            elif year > today.year:
                errors["举办年度"] = "不能晚于今年"
            out["year"] = year
    check_dictionary_fields(errors, choices, data.form, data.subject_parent, data.subject_child)
    out["form"], out["subject_parent"], out["subject_child"] = data.form, data.subject_parent, data.subject_child
    out["remark"] = _check(errors, "备注说明", lambda: check_text(data.remark, max_len=500, required=False)) or None
    if data.proof is not None:
        try:
            out["proof_mime"] = proof_mime(data.proof.data)
        except ValidationError as e:
            errors.update(e.errors)
    if errors:
        raise ValidationError(errors)
    return out


def _ensure_not_duplicate(session: Session, user_id: int, code: str, year: int, exclude_id: int | None = None) -> None:
    q = select(CreditRecord.id).where(
        CreditRecord.user_id == user_id, CreditRecord.project_code == code, CreditRecord.year == year,
        CreditRecord.status != "rejected",
    )
    if exclude_id is not None:
        q = q.where(CreditRecord.id != exclude_id)
    if session.scalars(q).first():
        raise DuplicateCredit()


def _snapshot(rec: CreditRecord) -> dict:
    return {"项目编号": rec.project_code, "项目名称": rec.project_name, "获取学分": str(rec.credits),
            "学分类型": rec.credit_type, "举办年度": rec.year, "状态": REVIEW_STATUS[rec.status]}


def _store_proof(rec: CreditRecord, upload: Upload, mime: str) -> str | None:
    old = rec.proof_key
    rec.proof_key = get_storage().save(upload.data, mime)
    rec.proof_mime = mime
    rec.proof_name = (upload.filename or "")[:200] or None
    return old


def submit_credit(session: Session, actor: Actor, data: CreditInput) -> int:
    """新增: the person files a credit for themself; it starts 待审."""
    require_role(actor, "person")
    clean = validate_credit(session, data)
    _ensure_not_duplicate(session, actor.id, clean["project_code"], clean["year"])
    mime = clean.pop("proof_mime", None)
    rec = CreditRecord(user_id=actor.id, status="pending", source="个人登记", **clean)
    if data.proof is not None:
        _store_proof(rec, data.proof, mime)
    session.add(rec)
    session.flush()
    session.add(CreditReview(credit_id=rec.id, actor_id=actor.id, action="submit"))
    refresh_summary(session, actor.id, rec.year)
    audit.record(session, actor.id, "credit.submit", "credit", rec.id, institution_id=actor.institution_id,
                 after=_snapshot(rec))
    return rec.id


def _own_pending(session: Session, actor: Actor, credit_id: int) -> CreditRecord:
    rec = session.get(CreditRecord, credit_id)
    if rec is None:
        raise NotFound("学分记录不存在")
    if rec.user_id != actor.id:
        raise NotPermitted("只能修改或删除本人的学分记录")
    if rec.status != "pending":
        raise RecordLocked(f"该学分记录状态为【{REVIEW_STATUS[rec.status]}】，只有待审状态的学分记录才可以修改或删除")
    return rec


def update_credit(session: Session, actor: Actor, credit_id: int, data: CreditInput, *, remove_proof: bool = False) -> None:
    """修改: owner only, 待审 only. A new proof replaces the old; `remove_proof` drops it."""
    rec = _own_pending(session, actor, credit_id)
    clean = validate_credit(session, data)
    _ensure_not_duplicate(session, actor.id, clean["project_code"], clean["year"], exclude_id=rec.id)
    mime = clean.pop("proof_mime", None)
    before = _snapshot(rec)
    old_year = rec.year
    for k, v in clean.items():
        setattr(rec, k, v)
    old_key = None
    if data.proof is not None:
        old_key = _store_proof(rec, data.proof, mime)
    elif remove_proof:
        old_key, rec.proof_key, rec.proof_mime, rec.proof_name = rec.proof_key, None, None, None
    rec.updated_at = clock.utcnow()
    session.add(CreditReview(credit_id=rec.id, actor_id=actor.id, action="update"))
    refresh_summary(session, actor.id, rec.year)
    if old_year != rec.year:
        refresh_summary(session, actor.id, old_year)
    audit.record(session, actor.id, "credit.update", "credit", rec.id, institution_id=actor.institution_id,
                 before=before, after=_snapshot(rec))
    if old_key:
        get_storage().delete(old_key)


def delete_credit(session: Session, actor: Actor, credit_id: int) -> None:
    """删除: owner only, 待审 only; the review trail goes with it, the audit log keeps the record."""
    rec = _own_pending(session, actor, credit_id)
    key, year = rec.proof_key, rec.year
    audit.record(session, actor.id, "credit.delete", "credit", rec.id, institution_id=actor.institution_id,
                 before=_snapshot(rec))
    session.execute(delete(CreditReview).where(CreditReview.credit_id == rec.id))
    session.delete(rec)
    refresh_summary(session, actor.id, year)
    if key:
        get_storage().delete(key)


# ---- reading --------------------------------------------------------------------------------


def _visible(session: Session, actor: Actor, credit_id: int) -> tuple[CreditRecord, User]:
    """The owner, the admin of the owner's institution and the provincial admin may see a record."""
    rec = session.get(CreditRecord, credit_id)
    if rec is None:
        raise NotFound("学分记录不存在")
    owner = session.get(User, rec.user_id)
    if actor.id == owner.id:
        return rec, owner
    if actor.is_person:
        raise NotPermitted()
    require_unit_admin_of(actor, owner.institution_id)
    return rec, owner


@dataclass(frozen=True)
class ReviewEntry:
    at: str
    actor: str
    action: str
    reason: str


@dataclass(frozen=True)
class CreditDetail:
    id: int
    owner: str
    project_code: str
    credits: str
    credit_type: str
    date_from: date
    date_to: date
    form: str
    project_name: str
    organizer: str
    year: int
    subject_parent: str
    subject_child: str
    remark: str
    status: str  # code
    status_label: str
    reject_reason: str
    source: str
    has_proof: bool
    proof_mime: str | None
    proof_name: str | None
    created_at: str
    editable: bool
    trail: list[ReviewEntry] = field(default_factory=list)

    def fields(self) -> dict[str, str]:
        """Every field with its Chinese label, for 查看."""
        return {
            "学分获取人": self.owner, "项目编号": self.project_code, "获取学分": self.credits, "学分类型": self.credit_type,
            "获取时间": f"{self.date_from} 至 {self.date_to}", "学分获取形式": self.form, "项目名称": self.project_name,
            "主办单位": self.organizer, "举办年度": str(self.year), "学科分类": f"{self.subject_parent} › {self.subject_child}",
            "备注说明": self.remark, "来源": self.source, "登记时间": self.created_at, "状态": self.status_label,
            "审核意见": self.reject_reason,
        }


def get_credit(session: Session, actor: Actor, credit_id: int) -> CreditDetail:
    """查看: every field and the review trail."""
    rec, owner = _visible(session, actor, credit_id)
    trail = session.execute(
        select(CreditReview, User.name).join(User, User.id == CreditReview.actor_id)
        .where(CreditReview.credit_id == rec.id).order_by(CreditReview.at, CreditReview.id)
    ).all()
    return CreditDetail(
        rec.id, owner.name, rec.project_code, format_credit(rec.credits), rec.credit_type, rec.date_from, rec.date_to,
        rec.form, rec.project_name, rec.organizer, rec.year, rec.subject_parent, rec.subject_child, rec.remark or "",
        rec.status, REVIEW_STATUS[rec.status], rec.reject_reason or "", rec.source, bool(rec.proof_key), rec.proof_mime,
        rec.proof_name, clock.fmt_local(rec.created_at), rec.status == "pending" and rec.user_id == actor.id,
        [ReviewEntry(clock.fmt_local(r.at), name, ACTION_LABELS.get(r.action, r.action), r.reason or "") for r, name in trail],
    )


def load_proof(session: Session, actor: Actor, credit_id: int) -> tuple[bytes, str, str]:
    """(content, mime, file name) of the proof, for those who may see the record."""
    rec, _ = _visible(session, actor, credit_id)
    if not rec.proof_key:
        raise NotFound("该学分记录没有上传证明材料")
    name = rec.proof_name or f"proof-{rec.id}.{rec.proof_key.rsplit('.', 1)[-1]}"
    return get_storage().load(rec.proof_key), rec.proof_mime, name


def credit_input_of(detail: CreditDetail) -> CreditInput:
    """Pre-fill of the 修改 form."""
    return CreditInput(detail.project_code, detail.credits, detail.credit_type, detail.date_from, detail.date_to,
                       detail.form, detail.project_name, detail.organizer, detail.year, detail.subject_parent,
                       detail.subject_child, detail.remark)


@dataclass(frozen=True)
class ProjectPrefill:
    project_name: str
    organizer: str
    year: int
    credit_type: str
    credits: Decimal
    form: str | None
    subject_parent: str | None
    subject_child: str | None
    date_from: date | None
    date_to: date | None


def project_prefill(session: Session, code: str) -> ProjectPrefill | None:
    """A project code found in the 项目库 fills the rest of the form."""
    code = (code or "").strip()
    if not code:
        return None
    p = session.scalars(select(Project).where(Project.code == code)).first()
    if p is None:
        return None
    return ProjectPrefill(p.name, p.organizer, p.year, p.credit_type, p.credits, p.form, p.subject_parent,
                          p.subject_child, p.date_from, p.date_to)


# ---- search and export ----------------------------------------------------------------------


@dataclass
class CreditFilter:
    year_from: int | None = None
    year_to: int | None = None
    credit_type: str | None = None
    status: str | None = None  # pending / approved / rejected
    project: str = ""  # code or name, contains
    form: str | None = None
    subject_parent: str | None = None
    subject_child: str | None = None
    user_id: int | None = None  # admins: one person


@dataclass(frozen=True)
class CreditRow:
    id: int
    owner: str
    project_code: str
    project_name: str
    credits: Decimal
    credit_type: str
    year: int
    date_from: date
    date_to: date
    form: str
    subject: str
    organizer: str
    status: str
    status_label: str
    reject_reason: str
    created_at: str


COLUMNS = {
    "owner": "学分获取人", "project_code": "项目编号", "project_name": "项目名称", "credits": "获取学分",
    "credit_type": "学分类型", "year": "举办年度", "date_from": "获取时间从", "date_to": "获取时间至",
    "form": "学分获取形式", "subject": "学科分类", "organizer": "主办单位", "status_label": "状态",
    "reject_reason": "审核意见", "created_at": "登记时间",
}


def search_credits(session: Session, actor: Actor, flt: CreditFilter | None = None, *, limit: int = 5000) -> list[CreditRow]:
    """学分综合查询: a person searches their own; an institution admin their staff; the province all."""
    flt = flt or CreditFilter()
    q = select(CreditRecord, User.name).join(User, User.id == CreditRecord.user_id)
    if actor.is_person:
        q = q.where(CreditRecord.user_id == actor.id)
    elif actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    if flt.user_id and not actor.is_person:
        q = q.where(CreditRecord.user_id == flt.user_id)
    if flt.year_from:
        q = q.where(CreditRecord.year >= flt.year_from)
    if flt.year_to:
        q = q.where(CreditRecord.year <= flt.year_to)
    if flt.credit_type:
        q = q.where(CreditRecord.credit_type == flt.credit_type)
    if flt.status:
        q = q.where(CreditRecord.status == STATUS_BY_LABEL.get(flt.status, flt.status))
    if flt.project.strip():
        like = f"%{flt.project.strip()}%"
        q = q.where(or_(CreditRecord.project_code.like(like), CreditRecord.project_name.like(like)))
    if flt.form:
        q = q.where(CreditRecord.form == flt.form)
    if flt.subject_parent:
        q = q.where(CreditRecord.subject_parent == flt.subject_parent)
    if flt.subject_child:
        q = q.where(CreditRecord.subject_child == flt.subject_child)
    rows = session.execute(q.order_by(CreditRecord.year.desc(), CreditRecord.date_from.desc(), CreditRecord.id.desc()).limit(limit))
    return [
        CreditRow(r.id, name, r.project_code, r.project_name, r.credits, r.credit_type, r.year, r.date_from, r.date_to,
                  r.form, f"{r.subject_parent} › {r.subject_child}", r.organizer, r.status, REVIEW_STATUS[r.status],
                  r.reject_reason or "", clock.fmt_local(r.created_at))
        for r, name in rows
    ]


def _table(rows: list[CreditRow]) -> list[list]:
    out = [list(COLUMNS.values())]
    for r in rows:
        out.append([float(r.credits) if k == "credits" else (str(v) if isinstance(v, date) else v)
                    for k in COLUMNS for v in [getattr(r, k)]])
    return out


def export_csv(rows: list[CreditRow]) -> bytes:
    return csv_bytes(_table(rows))


def export_xlsx(rows: list[CreditRow]) -> bytes:
    return xlsx_bytes(_table(rows), title="学分信息", widths=(10, 18, 30, 9, 10, 9, 12, 12, 12, 20, 24, 9, 20, 20))


# ---- review (学分审核) -------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    id: int
    owner: str
    department: str
    project_code: str
    project_name: str
    credits: Decimal
    credit_type: str
    year: int
    date_from: date
    date_to: date
    submitted_at: str
    age_days: int
    has_proof: bool


def review_queue(session: Session, actor: Actor) -> list[QueueRow]:
    """Pending credits of the admin's own staff, oldest first, with their age in days."""
    require_role(actor, "unit", "province")
    q = (
        select(CreditRecord, User.name, Department.name)
        .join(User, User.id == CreditRecord.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(CreditRecord.status == "pending")
    )
    if actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    today = clock.today()
    out = []
    for r, name, dept in session.execute(q.order_by(CreditRecord.created_at, CreditRecord.id)):
        submitted = clock.to_local(r.created_at)
        out.append(QueueRow(r.id, name, dept or "", r.project_code, r.project_name, r.credits, r.credit_type, r.year,
                            r.date_from, r.date_to, clock.fmt_local(r.created_at), (today - submitted.date()).days,
                            bool(r.proof_key)))
    return out


def pending_count(session: Session, actor: Actor) -> int:
    require_role(actor, "unit", "province")
    q = select(func.count()).select_from(CreditRecord).join(User, User.id == CreditRecord.user_id).where(
        CreditRecord.status == "pending")
    if actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    return int(session.scalar(q))


def _reviewable(session: Session, actor: Actor, credit_id: int) -> tuple[CreditRecord, User]:
    require_role(actor, "unit", "province")
    rec = session.get(CreditRecord, credit_id)
    if rec is None:
        raise NotFound("学分记录不存在")
    owner = session.get(User, rec.user_id)
    require_unit_admin_of(actor, owner.institution_id)
    if rec.status != "pending":
        raise RecordLocked(f"该学分记录已审核（{REVIEW_STATUS[rec.status]}），不能重复审核")
    return rec, owner


def _decide(session: Session, actor: Actor, credit_id: int, status: str, reason: str | None) -> CreditRecord:
    rec, owner = _reviewable(session, actor, credit_id)
    before = _snapshot(rec)
    rec.status = status
    rec.reject_reason = reason
    rec.reviewed_at = clock.utcnow()
    rec.reviewed_by = actor.id
    session.add(CreditReview(credit_id=rec.id, actor_id=actor.id, action="approve" if status == "approved" else "reject",
                             reason=reason))
    refresh_summary(session, rec.user_id, rec.year)
    audit.record(session, actor.id, f"credit.{'approve' if status == 'approved' else 'reject'}", "credit", rec.id,
                 institution_id=owner.institution_id, before=before, after=_snapshot(rec) | ({"审核意见": reason} if reason else {}))
    return rec


def approve_credit(session: Session, actor: Actor, credit_id: int) -> None:
    """审核通过: the admin of the owner's institution (or the province), 待审 only."""
    _decide(session, actor, credit_id, "approved", None)


def reject_credit(session: Session, actor: Actor, credit_id: int, reason: str) -> None:
    """审核不过 with a required reason (shown to the owner)."""
    try:
        text = check_text(reason, max_len=500)
    except ValueError as e:
        raise ValidationError({"审核意见": str(e) if str(e) != "不能为空" else "请填写审核不通过的原因"}) from None
    _decide(session, actor, credit_id, "rejected", text)


def approve_credits(session: Session, actor: Actor, credit_ids: list[int]) -> int:
    """Batch approve: all or nothing (one refused record refuses the batch, nothing changes)."""
    if not credit_ids:
        raise ValidationError({"学分记录": "请至少选择一条学分记录"})
    ids = list(dict.fromkeys(credit_ids))
    for cid in ids:  # check every record before changing any
        _reviewable(session, actor, cid)
    for cid in ids:
        _decide(session, actor, cid, "approved", None)
    return len(set(credit_ids))


__all__ = [
    "CLASS_II", "NATIONAL_I", "PROVINCIAL_I", "CreditInput", "CreditFilter", "submit_credit", "update_credit",
    "delete_credit", "get_credit", "load_proof", "search_credits", "export_csv", "export_xlsx", "review_queue",
    "approve_credit", "reject_credit", "approve_credits", "project_prefill", "validate_credit", "Upload",
]
