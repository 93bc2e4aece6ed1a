"""What a person should act on or know, shown on 首页 (issue 13): rejected credits still to re-register,
and the recent approvals and rejections behind the 首页 badges (recent notices: administration.notices).

Rules:
* A rejected record stays listed until the person registers the same project code and year again (a
  later pending or approved record of that code and year), so a 重新登记 clears the banner.
* Recent = within ``RECENT_DAYS`` days (review time for credits, publication time for notices).
* A person sees only their own records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from cme import clock
from cme.core.actors import Actor, require_role
from cme.core.policy import use_case
from cme.domain.enums import ReviewStatus, Role
from cme.models import CreditRecord

RECENT_DAYS = 30


@dataclass(frozen=True)
class RejectedCredit:
    id: int
    project_code: str
    project_name: str
    year: int
    credit_type: str
    credits: Decimal
    reason: str
    reviewed_at: str


@use_case
def rejected_to_resubmit(session: Session, actor: Actor) -> list[RejectedCredit]:
    """The actor's rejected credits not yet registered again, newest review first."""
    require_role(actor, Role.PERSON)
    again = aliased(CreditRecord)
    later = exists().where(and_(again.user_id == CreditRecord.user_id, again.project_code == CreditRecord.project_code,
                                again.year == CreditRecord.year, again.status != ReviewStatus.REJECTED))
    rows = session.scalars(
        select(CreditRecord)
        .where(CreditRecord.user_id == actor.id, CreditRecord.status == ReviewStatus.REJECTED, ~later)
        .order_by(CreditRecord.reviewed_at.desc(), CreditRecord.id.desc())
    )
    return [RejectedCredit(r.id, r.project_code, r.project_name, r.year, r.credit_type, Decimal(str(r.credits)),
                           r.reject_reason or "", clock.fmt_local(r.reviewed_at)) for r in rows]


@dataclass(frozen=True)
class RecentReviews:
    approved: int
    rejected: int
    days: int = RECENT_DAYS


@use_case
def recent_reviews(session: Session, actor: Actor, days: int = RECENT_DAYS) -> RecentReviews:
    """Own credits approved / rejected in the last `days` days (the 首页 badges)."""
    require_role(actor, Role.PERSON)
    since = clock.utcnow() - timedelta(days=days)
    reviewed = dict(session.execute(
        select(CreditRecord.status, func.count())
        .where(CreditRecord.user_id == actor.id, CreditRecord.reviewed_at >= since)
        .group_by(CreditRecord.status)
    ).all())
    return RecentReviews(reviewed.get(ReviewStatus.APPROVED, 0), reviewed.get(ReviewStatus.REJECTED, 0), days)
