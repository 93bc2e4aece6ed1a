"""注册审核: the institution admin lists, approves or rejects registrations (SPEC §3, manual §2).

Only the registration's own institution admin (or the provincial admin) sees, approves or rejects it;
a rejection needs a reason; each registration is decided once (`cme.core.transitions.decide`),
every outcome is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cme.clock import fmt_local, utcnow
from cme.core import audit, rollups
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.core.transitions import decide, reject_reason
from cme.domain.enums import AccountStatus, AuditAction, Role
from cme.errors import NotFound, ValidationError
from cme.labels import REGISTRATION_STATUS
from cme.models import Department, Institution, User


@dataclass(frozen=True)
class RegistrationRow:
    user_id: int
    username: str
    name: str
    sex: str | None
    id_number: str  # masked
    phone: str  # masked
    email: str
    institution: str
    department: str
    joins_cme: str
    standard_basis: str
    registered_at: str
    waiting: str  # age of the request, e.g. `3天2小时`
    status: str
    reject_reason: str | None


def _age(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{mins}分钟"
    return f"{mins}分钟"


def _row(user: User, inst: Institution | None, dept: str | None, now: datetime) -> RegistrationRow:
    return RegistrationRow(
        user.id, user.username, user.name, user.sex, user.id_number_masked or "", user.phone_masked or "",
        user.email or "", inst.name if inst else "", dept or "", "是" if user.joins_cme else "否",
        user.standard_basis or "", fmt_local(user.registered_at), _age(user.registered_at, now),
        REGISTRATION_STATUS[user.status], user.reject_reason,
    )


@use_case
def list_registrations(session: Session, actor: Actor, *, status: str = AccountStatus.PENDING,
                       keyword: str = "") -> list[RegistrationRow]:
    """An institution admin's queue (own institution only; the provincial admin sees all), oldest first;
    `keyword` narrows to a 用户名 or 真实姓名 containing it."""
    q = (
        select(User, Institution, Department.name)
        .join(Institution, Institution.id == User.institution_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.role == Role.PERSON, User.status == status)
    )
    if actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    if kw := keyword.strip():
        q = q.where(or_(User.username.contains(kw, autoescape=True), User.name.contains(kw, autoescape=True)))
    now = utcnow()
    return [_row(u, i, d, now) for u, i, d in session.execute(q.order_by(User.registered_at, User.id))]


def _registration_in_scope(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role != Role.PERSON:
        raise NotFound("注册记录不存在")
    return user


@use_case
def get_registration(session: Session, actor: Actor, user_id: int) -> RegistrationRow:
    """查看: one registration of the admin's own institution."""
    user = _registration_in_scope(session, actor, user_id)
    inst = session.get(Institution, user.institution_id)
    dept = session.get(Department, user.department_id) if user.department_id else None
    return _row(user, inst, dept.name if dept else None, utcnow())


def _decide(session: Session, actor: Actor, user: User, status: str, reason: str | None) -> None:
    before = rollups.member_of(user.role, user.status, user.institution_id, user.department_id)
    decide(session, User, user.id, status=status, reject_reason=reason, reviewed_at=utcnow(), reviewed_by=actor.id)
    rollups.moved(session, user.id, before)  # the conditional update bypasses the ORM: count the new staff here
    action = AuditAction.REGISTRATION_APPROVE if status == AccountStatus.APPROVED else AuditAction.REGISTRATION_REJECT
    audit.record(session, actor.id, action, "user", user.id, institution_id=user.institution_id, before={"status": AccountStatus.PENDING},
                 after={"status": status, "reason": reason, "username": user.username})


@use_case
def approve_registration(session: Session, actor: Actor, user_id: int) -> None:
    """审核通过: the person may log in from now on."""
    _decide(session, actor, _registration_in_scope(session, actor, user_id), AccountStatus.APPROVED, None)


@use_case
def reject_registration(session: Session, actor: Actor, user_id: int, reason: str) -> None:
    """审核不过 with a required reason the person sees in 注册状态查询."""
    user = _registration_in_scope(session, actor, user_id)
    _decide(session, actor, user, AccountStatus.REJECTED, reject_reason(reason, field="不通过原因"))


@use_case
def approve_registrations(session: Session, actor: Actor, user_ids: list[int]) -> int:
    """批量通过: all or nothing — one registration out of scope or already decided refuses the batch."""
    if not user_ids:
        raise ValidationError({"": "请至少选择一条注册记录"})
    for user_id in dict.fromkeys(user_ids):
        approve_registration(session, actor, user_id)
    return len(dict.fromkeys(user_ids))
