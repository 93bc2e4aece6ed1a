"""学分审核: the queue of pending credits and the admin's decisions.

The institution admin of the owner's institution (or the provincial admin) approves, singly or in
batch (all or nothing), or rejects with a required reason; only 待审 records can be decided, once
(`cme.core.transitions.decide`: when two admins race, one wins and the other is told
该记录已被其他管理员处理). Each decision refreshes the person-year summary and writes a CreditReview
row and an audit entry in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cme import clock
from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.core.transitions import decide, reject_reason
from cme.credits.entry import _snapshot
from cme.credits.search import CreditLine
from cme.credits.summaries import refresh_summaries
from cme.db import get_or_raise
from cme.domain.enums import AuditAction, CreditReviewAction, ReviewStatus
from cme.errors import ValidationError
from cme.models import CreditRecord, CreditReview, Department, User


@dataclass(frozen=True)
class QueueRow(CreditLine):
    department: str
    submitted_at: str
    age_days: int
    has_proof: bool


QUEUE_PAGE = 500


@use_case
def review_queue(session: Session, actor: Actor, *, limit: int | None = None, keyword: str = "") -> list[QueueRow]:
    """Pending credits of the admin's own staff, oldest first (the first `limit`), with their age in days;
    `keyword` narrows to a 姓名, 项目编号 or 项目名称 containing it (to find one record in a long queue).

    Institution-first: the institution's staff (ix_users_inst_status), then only their pending records
    (the partial index ix_credit_records_pending_user), never a scan of all records by status.
    """
    q = (
        select(CreditRecord.id, User.name, Department.name, CreditRecord.project_code, CreditRecord.project_name,
               CreditRecord.credits, CreditRecord.credit_type, CreditRecord.year, CreditRecord.date_from,
               CreditRecord.date_to, CreditRecord.created_at, CreditRecord.proof_key)
        .join(User, User.id == CreditRecord.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(CreditRecord.status == ReviewStatus.PENDING)
    )
    if actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    if kw := keyword.strip():
        q = q.where(or_(*(col.contains(kw, autoescape=True)
                          for col in (User.name, CreditRecord.project_code, CreditRecord.project_name))))
    q = q.order_by(CreditRecord.created_at, CreditRecord.id)
    if limit is not None:
        q = q.limit(limit)
    today = clock.today()
    out = []
    for cid, name, dept, code, pname, credits, ctype, year, dfrom, dto, created, proof in session.execute(q):
        submitted = clock.to_local(created)
        out.append(QueueRow(cid, name, code, pname, credits, ctype, year, dfrom, dto, dept or "",
                            clock.fmt_local(created), (today - submitted.date()).days, bool(proof)))
    return out


def _reviewable(session: Session, actor: Actor, credit_id: int) -> tuple[CreditRecord, User]:
    rec = get_or_raise(session, CreditRecord, credit_id, "学分记录不存在")
    owner = session.get_one(User, rec.user_id)
    return rec, owner


def _decide(session: Session, actor: Actor, credit_id: int, status: str, reason: str | None) -> CreditRecord:
    """Decide one credit exactly once; the caller refreshes the summary (batches lock people in order)."""
    rec, owner = _reviewable(session, actor, credit_id)
    before = _snapshot(rec)
    decide(session, CreditRecord, rec.id, status=status, reject_reason=reason, reviewed_at=clock.utcnow(),
           reviewed_by=actor.id)
    approved = status == ReviewStatus.APPROVED
    session.add(CreditReview(credit_id=rec.id, actor_id=actor.id, reason=reason,
                             action=CreditReviewAction.APPROVE if approved else CreditReviewAction.REJECT))
    audit.record(session, actor.id, AuditAction.CREDIT_APPROVE if approved else AuditAction.CREDIT_REJECT, "credit", rec.id,
                 institution_id=owner.institution_id, before=before, after=_snapshot(rec) | ({"审核意见": reason} if reason else {}))
    return rec


@use_case
def approve_credit(session: Session, actor: Actor, credit_id: int) -> None:
    """审核通过: the admin of the owner's institution (or the province), 待审 only."""
    rec = _decide(session, actor, credit_id, ReviewStatus.APPROVED, None)
    refresh_summaries(session, [(rec.user_id, rec.year)])


@use_case
def reject_credit(session: Session, actor: Actor, credit_id: int, reason: str) -> None:
    """审核不过 with a required reason (shown to the owner)."""
    rec = _decide(session, actor, credit_id, ReviewStatus.REJECTED, reject_reason(reason))
    refresh_summaries(session, [(rec.user_id, rec.year)])


@use_case
def approve_credits(session: Session, actor: Actor, credit_ids: list[int]) -> int:
    """Batch approve: all or nothing (one refused record refuses the batch, nothing changes)."""
    if not credit_ids:
        raise ValidationError({"学分记录": "请至少选择一条学分记录"})
    decided = [_decide(session, actor, cid, ReviewStatus.APPROVED, None) for cid in dict.fromkeys(credit_ids)]
    refresh_summaries(session, [(rec.user_id, rec.year) for rec in decided])
    return len(decided)
