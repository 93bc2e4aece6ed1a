"""科室管理 (institution admin; the provincial admin for any institution).

Rules:
* A department name is required (≤ 50 characters) and unique within its institution, active or not
  (`该科室已存在`): a deactivated department is re-activated, not added again.
* Rename keeps the uniqueness rule. Deactivate hides the department from registration and
  transfer forms; the staff already in it stay there.
* A department in which anyone is registered (or to which a transfer points) cannot be deleted,
  only deactivated (`该科室下有人员，不能删除，只能停用`).
* An institution admin touches only their own institution's departments.
* Every change is audited in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain.chinese_order import by_pinyin
from cme.domain.enums import AuditAction, Role
from cme.domain.identity import check_text
from cme.errors import Duplicate, NotFound, RecordLocked, ValidationError
from cme.models import Department, Institution, Transfer, User

NAME_LABEL = "科室名称"
DUPLICATE = "该科室已存在"
HAS_STAFF = "该科室下有人员，不能删除，只能停用"


@dataclass(frozen=True)
class DepartmentRow:
    id: int
    name: str
    active: bool
    staff: int

    @property
    def status(self) -> str:
        return "启用" if self.active else "已停用"


def _institution_id(session: Session, actor: Actor, institution_id: int | None) -> int:
    inst_id = institution_id if institution_id is not None else actor.institution_id
    if inst_id is None or session.get(Institution, inst_id) is None:
        raise NotFound("机构不存在")
    return inst_id


def _department(session: Session, actor: Actor, department_id: int) -> Department:
    dept = get_or_raise(session, Department, department_id, "科室不存在")
    return dept


def _clean_name(raw: str | None) -> str:
    try:
        return check_text(raw, max_len=50)
    except ValueError as e:
        raise ValidationError({NAME_LABEL: str(e)}) from None


def _ensure_unique(session: Session, institution_id: int, name: str, exclude_id: int | None = None) -> None:
    q = select(Department.id).where(Department.institution_id == institution_id, Department.name == name)
    if exclude_id is not None:
        q = q.where(Department.id != exclude_id)
    if session.scalars(q).first() is not None:
        raise Duplicate(DUPLICATE, NAME_LABEL)


@use_case
def list_departments(session: Session, actor: Actor, institution_id: int | None = None) -> list[DepartmentRow]:
    """All departments of an institution (active first, by pinyin) with their number of staff."""
    inst_id = _institution_id(session, actor, institution_id)
    staff = (
        select(User.department_id, func.count(User.id).label("n"))
        .where(User.institution_id == inst_id, User.role == Role.PERSON)
        .group_by(User.department_id)
        .subquery()
    )
    q = (
        select(Department, func.coalesce(staff.c.n, 0))
        .outerjoin(staff, staff.c.department_id == Department.id)
        .where(Department.institution_id == inst_id)
    )
    rows = [DepartmentRow(d.id, d.name, d.active, int(n)) for d, n in session.execute(q)]
    return sorted(by_pinyin(rows, lambda r: r.name), key=lambda r: not r.active)  # stable: pinyin within each


@use_case
def add_department(session: Session, actor: Actor, name: str, institution_id: int | None = None) -> int:
    """A new active department; the name is unique within the institution."""
    inst_id = _institution_id(session, actor, institution_id)
    clean = _clean_name(name)
    _ensure_unique(session, inst_id, clean)
    dept = Department(institution_id=inst_id, name=clean, active=True)
    session.add(dept)
    session.flush()
    audit.record(session, actor.id, AuditAction.DEPARTMENT_ADD, "department", dept.id, institution_id=inst_id,
                 after={"name": clean})
    return dept.id


@use_case
def rename_department(session: Session, actor: Actor, department_id: int, name: str) -> None:
    """Rename; the new name must still be unique within the institution."""
    dept = _department(session, actor, department_id)
    clean = _clean_name(name)
    if clean == dept.name:
        return
    _ensure_unique(session, dept.institution_id, clean, exclude_id=dept.id)
    before = dept.name
    dept.name = clean
    audit.record(session, actor.id, AuditAction.DEPARTMENT_RENAME, "department", dept.id, institution_id=dept.institution_id,
                 before={"name": before}, after={"name": clean})


@use_case
def set_department_active(session: Session, actor: Actor, department_id: int, active: bool) -> None:
    """Deactivate (hidden from registration/transfer forms, staff kept) or re-activate."""
    dept = _department(session, actor, department_id)
    audit.record_switch(session, actor.id, dept, active, (AuditAction.DEPARTMENT_ACTIVATE, AuditAction.DEPARTMENT_DEACTIVATE),
                        "department", shown=lambda: {"name": dept.name}, institution_id=dept.institution_id)


@use_case
def delete_department(session: Session, actor: Actor, department_id: int) -> None:
    """Only a department nobody is (or is moving) in may be deleted; otherwise deactivate it."""
    dept = _department(session, actor, department_id)
    in_use = session.scalars(select(User.id).where(User.department_id == dept.id).limit(1)).first() or \
        session.scalars(select(Transfer.id).where(Transfer.to_department_id == dept.id).limit(1)).first()
    if in_use is not None:
        raise RecordLocked(HAS_STAFF)
    audit.record(session, actor.id, AuditAction.DEPARTMENT_DELETE, "department", dept.id, institution_id=dept.institution_id,
                 before={"name": dept.name, "active": dept.active})
    session.delete(dept)
    session.flush()
