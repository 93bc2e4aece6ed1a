"""An institution admin's account actions on own staff: list accounts, reset a password, disable
and re-enable an account; the provincial admin's list of an institution's 单位管理员 to do the same.

The reset sets a random one-time password (shown once to the admin, never stored in clear or logged),
forces a change at next login and ends the person's open sessions. Only staff (个人用户) of the admin's
own institution are reachable; the provincial admin may act on any 个人用户. Audited.

Disabling (停用) ends every session of the account at once; services refuse a disabled actor on
their next call (cme/core/policy.py), and login names the state. The institution admin disables own
staff; the provincial admin any account, institution admins included. Nobody disables themself.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cme.accounts import auth
from cme.clock import fmt_local
from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain.enums import AccountStatus, AuditAction, Role
from cme.domain.identity import normalize
from cme.domain.inputs import clean_text
from cme.domain.passwords import random_password
from cme.errors import NotFound, NotPermitted, RecordLocked
from cme.labels import REGISTRATION_STATUS
from cme.models import Department, User


@dataclass(frozen=True)
class StaffAccount:
    user_id: int
    username: str
    name: str
    department: str
    id_number: str  # masked
    phone: str  # masked
    status: str
    last_login: str
    must_change_password: bool


@use_case
def list_staff_accounts(session: Session, actor: Actor, keyword: str = "", limit: int = 200) -> list[StaffAccount]:
    """The admin's own institution's 个人用户 accounts (approved and disabled), by username or name."""
    q = (
        select(User, Department.name)
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.role == Role.PERSON, User.institution_id == actor.institution_id,
               User.status.in_((AccountStatus.APPROVED, AccountStatus.DISABLED)))
    )
    if kw := clean_text(keyword):
        q = q.where(or_(User.username.contains(kw), User.name.contains(kw)))
    rows = session.execute(q.order_by(User.username).limit(limit))
    return [
        StaffAccount(u.id, u.username, u.name, d or "", u.id_number_masked or "", u.phone_masked or "",
                     REGISTRATION_STATUS[u.status], fmt_local(u.last_login_at), u.must_change_password)
        for u, d in rows
    ]


@use_case
def list_unit_admins(session: Session, actor: Actor, institution_id: int) -> list[StaffAccount]:
    """The 单位管理员 accounts of one institution (approved and disabled), for the provincial admin."""
    rows = session.scalars(
        select(User).where(User.role == Role.UNIT, User.institution_id == institution_id,
                           User.status.in_((AccountStatus.APPROVED, AccountStatus.DISABLED))).order_by(User.username))
    return [
        StaffAccount(u.id, u.username, u.name, "", u.id_number_masked or "", u.phone_masked or "",
                     REGISTRATION_STATUS[u.status], fmt_local(u.last_login_at), u.must_change_password)
        for u in rows
    ]


@use_case
def reset_staff_password(session: Session, actor: Actor, user_id: int) -> str:
    """重置密码: returns the one-time password to show the admin once."""
    user = session.get(User, user_id)
    if user is None or user.role != Role.PERSON:
        raise NotFound("人员不存在")
    password = random_password()
    auth.set_password(session, user, password, must_change=True, clear_lock=True)
    audit.record(session, actor.id, AuditAction.PASSWORD_RESET_BY_ADMIN, "user", user.id, institution_id=user.institution_id,
                 after={"username": user.username, "must_change_password": True})
    return password


@use_case
def set_account_active(session: Session, actor: Actor, user_id: int, active: bool) -> None:
    """停用 / 启用 an approved account (see the module docstring for who may)."""
    user = get_or_raise(session, User, user_id, "账号不存在")
    if user.id == actor.id:
        raise NotPermitted("不能停用或启用自己的账号")
    if actor.is_unit_admin and user.role != Role.PERSON:
        raise NotPermitted("单位管理员只能停用或启用本机构人员的账号")
    _set_active(session, user, active, actor.id)


def set_account_active_by_operator(session: Session, username: str, active: bool) -> None:
    """The server operator's 停用 / 启用 (python -m cme disable-account / enable-account): any account."""
    user = session.scalars(select(User).where(User.username == normalize(username))).first()
    if user is None:
        raise NotFound(f"用户名：{username} 不存在")
    _set_active(session, user, active, None)


def _set_active(session: Session, user: User, active: bool, actor_id: int | None) -> None:
    wanted, current = (AccountStatus.APPROVED, AccountStatus.DISABLED) if active else (AccountStatus.DISABLED, AccountStatus.APPROVED)
    if user.status != current:
        raise RecordLocked(f"账号状态为【{REGISTRATION_STATUS[user.status]}】，不能{'启用' if active else '停用'}")
    user.status = wanted
    if not active:
        auth.end_all_sessions(session, user.id)
    audit.record(session, actor_id, AuditAction.ACCOUNT_ENABLE if active else AuditAction.ACCOUNT_DISABLE, "user", user.id,
                 institution_id=user.institution_id, after={"username": user.username, "status": wanted})
