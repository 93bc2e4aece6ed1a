"""The acting user and the scope checks every service applies."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain.enums import AccountStatus, Role
from cme.errors import NotPermitted
from cme.models import User


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    name: str
    role: str  # person / unit / province
    institution_id: int | None
    department_id: int | None

    @property
    def is_person(self) -> bool:
        return self.role == Role.PERSON

    @property
    def is_unit_admin(self) -> bool:
        return self.role == Role.UNIT

    @property
    def is_province_admin(self) -> bool:
        return self.role == Role.PROVINCE


# The server operator's scheduled jobs (python -m cme remind from cron) act province-wide. It is never
# a database user: the policy lets this very object through and no other (cme/core/policy.py).
OPERATOR = Actor(0, "system", "系统定时任务", Role.PROVINCE, None, None)


def actor_from_user(user: User) -> Actor:
    return Actor(user.id, user.username, user.name, user.role, user.institution_id, user.department_id)


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise NotPermitted("无权执行该操作")


def get_user_in_scope(session: Session, actor: Actor, user_id: int) -> User:
    """The user `actor` may see: oneself; an institution's own staff; anyone for the province."""
    user = get_or_raise(session, User, user_id, "用户不存在")
    if actor.id == user.id or actor.is_province_admin:
        return user
    if actor.is_unit_admin and user.institution_id == actor.institution_id:
        return user
    raise NotPermitted()


def require_unit_admin_of(actor: Actor, institution_id: int | None) -> None:
    """Institution admins act on their own institution; the provincial admin on any."""
    if actor.is_province_admin:
        return
    if actor.is_unit_admin and institution_id is not None and institution_id == actor.institution_id:
        return
    raise NotPermitted()


@dataclass(frozen=True)
class AccountState:
    place: str  # `机构 - 科室`
    header: str  # `机构 - 科室 | 欢迎 姓名`
    must_change_password: bool
    profile_completed: bool


def _account(session: Session, user_id: int) -> tuple[User, AccountState] | None:
    from cme.models import Department, Institution

    # one round trip: the header is drawn on every page view
    found = session.execute(
        select(User, Institution.name, Department.name).outerjoin(Institution, Institution.id == User.institution_id)
        .outerjoin(Department, Department.id == User.department_id).where(User.id == user_id)).first()
    if found is None:
        return None
    user, inst_name, dept_name = found
    place = " - ".join(p for p in (inst_name or "四川省卫生健康委员会", dept_name) if p)
    return user, AccountState(place, f"{place} | 欢迎 {user.name}", user.must_change_password,
                              user.profile_completed or user.role != Role.PERSON)


def load_account(session: Session, user_id: int) -> tuple[Actor, AccountState]:
    """The logged-in user as an actor and their header, in the one query every page view makes."""
    found = _account(session, user_id)
    if found is None or found[0].status != AccountStatus.APPROVED:
        raise NotPermitted("账号不可用，请重新登录")
    return actor_from_user(found[0]), found[1]


@use_case
def account_state(session: Session, actor: Actor) -> AccountState:
    found = _account(session, actor.id)
    assert found is not None, "an actor's own account exists"
    return found[1]
