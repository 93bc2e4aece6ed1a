"""调动 (SPEC §7 调动记录): a person asks to move to another institution (and department).

Rules:
* Only the person asks, for themself; one pending request at a time; the target must be another,
  active institution, and the department (optional) must belong to it.
* The RECEIVING institution's admin (or the provincial admin) approves or rejects (reason required).
  The sending admin sees nothing to decide.
* On approval user.institution_id / department_id change. Credits, certificates and the profile
  stay with the person; this year's credit summary follows the person to the new institution, past
  years stay where they were earned. The old institution's admin loses the person from scope at once
  (every scope check reads the user's current institution). A pending profile change moves along.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme.clock import fmt_local, today, utcnow
from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.core.transitions import decide, reject_reason
from cme.credits.summaries import refresh_summary
from cme.db import get_or_raise
from cme.domain.enums import AuditAction, ReviewStatus
from cme.domain.identity import check_text
from cme.errors import Duplicate, FieldErrors, RecordLocked
from cme.models import CreditSummary, Department, Institution, ProfileChangeRequest, Transfer, User


@dataclass(frozen=True)
class TransferRow:
    id: int
    user_id: int
    username: str
    name: str
    from_institution: str
    to_institution: str
    to_department: str
    status: str
    reason: str
    requested_at: str
    decided_at: str


@use_case
def request_transfer(session: Session, actor: Actor, to_institution_id: int | None, to_department_id: int | None = None,
                     note: str = "") -> int:
    """调动申请 by the person; decided by the receiving institution's admin."""
    user = session.get_one(User, actor.id)
    errors = FieldErrors()
    target = session.get(Institution, to_institution_id) if to_institution_id else None
    if target is None or not target.active:
        errors["调入机构"] = "请选择调入机构"
    elif target.id == user.institution_id:
        errors["调入机构"] = "不能调动到当前所在机构"
    if target is not None and to_department_id is not None:
        dept = session.get(Department, to_department_id)
        if dept is None or dept.institution_id != target.id or not dept.active:
            errors["调入科室"] = "科室不属于所选机构"
    note = errors.check("调动说明", check_text, note, max_len=500, required=False, multiline=True)
    errors.raise_if_any()
    assert target is not None  # named under 调入机构 otherwise
    if session.scalars(select(Transfer.id).where(Transfer.user_id == user.id, Transfer.status == ReviewStatus.PENDING)).first():
        raise Duplicate("已有待审核的调动申请，请等待调入机构审核")
    t = Transfer(user_id=user.id, from_institution_id=user.institution_id, to_institution_id=target.id,
                 to_department_id=to_department_id, status=ReviewStatus.PENDING, reason=note or None)
    session.add(t)
    session.flush()
    audit.record(session, actor.id, AuditAction.TRANSFER_REQUEST, "transfer", t.id, institution_id=target.id,
                 after={"from": user.institution_id, "to": target.id, "department": to_department_id, "note": note})
    return t.id


@use_case
def withdraw_transfer(session: Session, actor: Actor, transfer_id: int) -> None:
    """The person withdraws their own pending request (it is deleted: nothing was decided)."""
    t = get_or_raise(session, Transfer, transfer_id, "调动申请不存在")
    if t.status != ReviewStatus.PENDING:
        raise RecordLocked("该调动申请已审核，不能撤回")
    audit.record(session, actor.id, AuditAction.TRANSFER_WITHDRAW, "transfer", t.id, institution_id=t.to_institution_id)
    session.delete(t)


def _rows(session: Session, q) -> list[TransferRow]:
    src, dst = Institution.__table__.alias("src"), Institution.__table__.alias("dst")
    q = (q.join(User, User.id == Transfer.user_id)
         .join(src, src.c.id == Transfer.from_institution_id)
         .join(dst, dst.c.id == Transfer.to_institution_id)
         .outerjoin(Department, Department.id == Transfer.to_department_id)
         .add_columns(User.username, User.name, src.c.name, dst.c.name, Department.name)
         .order_by(Transfer.requested_at.desc(), Transfer.id.desc()))
    return [
        TransferRow(t.id, t.user_id, username, name, from_name, to_name, dept or "", t.status, t.reason or "",
                    fmt_local(t.requested_at), fmt_local(t.decided_at))
        for t, username, name, from_name, to_name, dept in session.execute(q).all()
    ]


@use_case
def my_transfers(session: Session, actor: Actor) -> list[TransferRow]:
    return _rows(session, select(Transfer).where(Transfer.user_id == actor.id))


@use_case
def incoming_transfers(session: Session, actor: Actor, *, status: str | None = ReviewStatus.PENDING) -> list[TransferRow]:
    """调动审核 queue: requests INTO the admin's institution (province: all)."""
    q = select(Transfer)
    if actor.is_unit_admin:
        q = q.where(Transfer.to_institution_id == actor.institution_id)
    if status:
        q = q.where(Transfer.status == status)
    return _rows(session, q)


def _decidable(session: Session, actor: Actor, transfer_id: int) -> Transfer:
    t = get_or_raise(session, Transfer, transfer_id, "调动申请不存在")
    return t


@use_case
def approve_transfer(session: Session, actor: Actor, transfer_id: int) -> None:
    """The receiving admin accepts: the person now belongs to the new institution (and department)."""
    t = _decidable(session, actor, transfer_id)
    decide(session, Transfer, t.id, status=ReviewStatus.APPROVED, decided_at=utcnow(), decided_by=actor.id)
    user = session.get_one(User, t.user_id)
    if user.institution_id != t.from_institution_id:
        raise RecordLocked("该人员所在机构已变化，请其重新申请")
    target = session.get(Institution, t.to_institution_id)
    if target is None or not target.active:
        raise RecordLocked("调入机构已停用")
    before = {"institution_id": user.institution_id, "department_id": user.department_id}
    user.institution_id, user.department_id = t.to_institution_id, t.to_department_id
    for req in session.scalars(select(ProfileChangeRequest).where(ProfileChangeRequest.user_id == user.id,
                                                                  ProfileChangeRequest.status == ReviewStatus.PENDING)):
        req.institution_id = t.to_institution_id
    session.flush()
    year = today().year
    if session.get(CreditSummary, (user.id, year)) is not None:
        refresh_summary(session, user.id, year)
    after = {"institution_id": user.institution_id, "department_id": user.department_id}
    for inst in (t.from_institution_id, t.to_institution_id):  # both institutions' trails show the move
        audit.record(session, actor.id, AuditAction.TRANSFER_APPROVE, "transfer", t.id, institution_id=inst, before=before, after=after)


@use_case
def reject_transfer(session: Session, actor: Actor, transfer_id: int, reason: str) -> None:
    text = reject_reason(reason)
    t = _decidable(session, actor, transfer_id)
    decide(session, Transfer, t.id, status=ReviewStatus.REJECTED, decided_at=utcnow(), decided_by=actor.id, reason=text)
    audit.record(session, actor.id, AuditAction.TRANSFER_REJECT, "transfer", t.id, institution_id=t.to_institution_id,
                 after={"reason": text})
