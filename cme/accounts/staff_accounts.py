"""An institution admin's account actions on own staff: list accounts, reset a password.

The reset sets a random one-time password (shown once to the admin, never stored in clear or logged),
forces a change at next login and ends the person's open sessions. Only staff (个人用户) of the admin's
own institution are reachable; the provincial admin may act on any 个人用户. Audited.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cme.clock import fmt_local

from cme.domain.inputs import clean_text
from cme.domain.passwords import hash_password, random_password
from cme.errors import NotFound
from cme.labels import REGISTRATION_STATUS
from cme.models import Department, User
from cme.core import audit
from cme.accounts import auth
from cme.core.actors import Actor, require_role, require_unit_admin_of


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


def list_staff_accounts(session: Session, actor: Actor, keyword: str = "", limit: int = 200) -> list[StaffAccount]:
    """The admin's own institution's 个人用户 accounts (approved and disabled), by username or name."""
    require_role(actor, "unit")
    q = (
        select(User, Department.name)
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.role == "person", User.institution_id == actor.institution_id,
               User.status.in_(("approved", "disabled")))
    )
    if kw := clean_text(keyword):
        q = q.where(or_(User.username.contains(kw), User.name.contains(kw)))
    rows = session.execute(q.order_by(User.username).limit(limit))
    return [
        StaffAccount(u.id, u.username, u.name, d or "", u.id_number_masked or "", u.phone_masked or "",
                     REGISTRATION_STATUS[u.status], fmt_local(u.last_login_at), u.must_change_password)
        for u, d in rows
    ]


def reset_staff_password(session: Session, actor: Actor, user_id: int) -> str:
    """重置密码: returns the one-time password to show the admin once."""
    require_role(actor, "unit", "province")
    user = session.get(User, user_id)
    if user is None or user.role != "person":
        raise NotFound("人员不存在")
    require_unit_admin_of(actor, user.institution_id)
    password = random_password()
    user.password_hash = hash_password(password)
    user.password_scheme = "bcrypt"
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    auth.end_all_sessions(session, user.id)
    audit.record(session, actor.id, "password.admin_reset", "user", user.id, institution_id=user.institution_id,
                 after={"username": user.username, "must_change_password": True})
    return password
