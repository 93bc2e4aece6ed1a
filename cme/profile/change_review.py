"""档案审核 and 变更详情: the institution admin sees and decides profile change requests.

Only the admin of the person's (current) institution, or the provincial admin, sees and decides.
Approval applies `after` to Profile/ProfileEntry; rejection needs a reason and leaves the approved
profile as it was; the person may then edit again (a new request).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cme.clock import fmt_local, utcnow
from cme.core import audit
from cme.core.actors import Actor, get_user_in_scope
from cme.core.policy import use_case
from cme.core.transitions import decide, reject_reason
from cme.db import get_or_raise
from cme.domain import profile_fields as pf
from cme.domain.enums import AuditAction, ReviewStatus
from cme.errors import NotPermitted
from cme.models import Profile, ProfileChangeRequest, ProfileEntry, User


@dataclass(frozen=True)
class ChangeRow:
    id: int
    user_id: int
    username: str
    name: str
    status: str  # pending / approved / rejected
    submitted_at: str
    decided_at: str
    reason: str
    changed: list[str]


def _request_in_scope(session: Session, actor: Actor, request_id: int) -> tuple[ProfileChangeRequest, User]:
    request = get_or_raise(session, ProfileChangeRequest, request_id, "档案变更记录不存在")
    user = get_user_in_scope(session, actor, request.user_id)  # own, own institution's staff, province
    return request, user


@use_case
def list_changes(session: Session, actor: Actor, *, status: str | None = ReviewStatus.PENDING, user_id: int | None = None,
                 keyword: str = "", limit: int = 200) -> list[ChangeRow]:
    """档案审核 queue (admin: staff of the own institution now; province: all) or one person's history.

    A person sees only their own requests."""
    q = select(ProfileChangeRequest, User).join(User, User.id == ProfileChangeRequest.user_id)
    if actor.is_person:
        q = q.where(ProfileChangeRequest.user_id == actor.id)
    elif actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    elif not actor.is_province_admin:
        raise NotPermitted()
    if user_id is not None:
        q = q.where(ProfileChangeRequest.user_id == user_id)
    if status:
        q = q.where(ProfileChangeRequest.status == status)
    if keyword.strip():
        kw = keyword.strip()
        q = q.where(User.name.contains(kw) | User.username.contains(kw))
    rows = session.execute(q.order_by(ProfileChangeRequest.updated_at.desc(), ProfileChangeRequest.id.desc()).limit(limit)).all()
    return [
        ChangeRow(r.id, u.id, u.username, u.name, r.status, fmt_local(r.updated_at), fmt_local(r.decided_at),
                  r.reason or "", pf.diff_snapshots(r.before, r.after).changed_labels)
        for r, u in rows
    ]


@dataclass(frozen=True)
class ChangeDetail:
    id: int
    user_id: int
    name: str
    status: str
    submitted_at: str
    decided_at: str
    reason: str
    id_type: str
    id_number_masked: str
    diff: pf.SnapshotDiff


@use_case
def change_detail(session: Session, actor: Actor, request_id: int) -> ChangeDetail:
    """变更详情 (fig. 32): before and after of one request, changed fields marked. Values masked."""
    request, user = _request_in_scope(session, actor, request_id)
    return ChangeDetail(
        request.id, user.id, user.name, request.status, fmt_local(request.updated_at), fmt_local(request.decided_at),
        request.reason or "", "居民身份证" if user.id_number_masked else "", user.id_number_masked or "",
        pf.diff_snapshots(request.before, request.after),
    )


def _decidable(session: Session, actor: Actor, request_id: int) -> tuple[ProfileChangeRequest, User]:
    request, user = _request_in_scope(session, actor, request_id)
    return request, user


@use_case
def approve_change(session: Session, actor: Actor, request_id: int) -> None:
    """Approve: `after` becomes the profile in force (basic, photo and the five lists)."""
    request, user = _decidable(session, actor, request_id)
    decide(session, ProfileChangeRequest, request.id, status=ReviewStatus.APPROVED, decided_at=utcnow(), decided_by=actor.id)
    after = pf.normalize_snapshot(request.after)
    profile = session.get(Profile, user.id)
    if profile is None:
        profile = Profile(user_id=user.id)
        session.add(profile)
    basic = dict(after["basic"])
    profile.photo_key = basic.pop(pf.PHOTO, None) or None
    profile.basic = basic
    profile.updated_at = utcnow()
    session.execute(delete(ProfileEntry).where(ProfileEntry.user_id == user.id))
    for part in pf.PARTS:
        for n, row in enumerate(after[part]):
            session.add(ProfileEntry(user_id=user.id, part=part, data=row, sort_order=n))
    if basic.get("是否参加继续教育") in ("是", "否"):
        user.joins_cme = basic["是否参加继续教育"] == "是"
    diff = pf.diff_snapshots(request.before, after)
    audit.record(session, actor.id, AuditAction.PROFILE_APPROVE, "profile_change", request.id, institution_id=user.institution_id,
                 before={c.label: c.before for c in diff.basic if c.changed},
                 after={c.label: c.after for c in diff.basic if c.changed} | {"lists": [p.label for p in diff.parts if p.changed]})


@use_case
def reject_change(session: Session, actor: Actor, request_id: int, reason: str) -> None:
    """Reject with a required reason; the approved profile stays; the person may edit again."""
    text = reject_reason(reason)
    request, user = _decidable(session, actor, request_id)
    decide(session, ProfileChangeRequest, request.id, status=ReviewStatus.REJECTED, decided_at=utcnow(), decided_by=actor.id,
           reason=text)
    audit.record(session, actor.id, AuditAction.PROFILE_REJECT, "profile_change", request.id, institution_id=user.institution_id,
                 after={"reason": text})


RESUME_SECTIONS = (
    ("教育经历", "education"),
    ("培训经历", "training"),
    ("工作经历", "work"),
    ("获奖情况", "award"),
    ("论文论著信息", "publication"),
)


TRANSFER_HEADERS = ["调动日期", "调出单位", "调入单位", "调入科室"]
