"""机构管理 (provincial admin only).

Rules:
* 机构编码 is required, 2–32 letters, digits, `_` or `-`, stored upper-case and unique (`机构编码已存在`).
* 机构名称 is required (≤ 100 characters) and unique in the province (people find it by name).
* 所在地区 is a 市州 of Sichuan, or one of its 区县 (the institutions cascade reads both).
* 机构所属区域等级 is one of the four levels of the standards table.
* Name and level may be edited; the code and region stay (usernames and reports are keyed on them).
* Deactivating hides the institution from registration and transfer; nothing is deleted.
* The province creates each institution's 单位管理员 (password policy; 密码 twice, must match).
* Every change is audited in the same transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from cme.accounts import users
from cme.administration import departments
from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain.chinese_order import by_pinyin
from cme.domain.enums import AuditAction, Role
from cme.domain.identity import check_text, normalize
from cme.domain.inputs import clean_text
from cme.domain.standards import REGION_LEVELS
from cme.errors import Duplicate, FieldErrors, ValidationError
from cme.models import Department, Institution, Region, User

CODE_RE = re.compile(r"^[A-Z0-9_-]{2,32}$")


@dataclass(frozen=True)
class InstitutionRow:
    id: int
    code: str
    name: str
    city: str
    district: str
    region_code: str
    region_level: str
    active: bool
    departments: int
    staff: int
    admins: str  # usernames of its 单位管理员

    @property
    def status(self) -> str:
        return "启用" if self.active else "已停用"


def _institution(session: Session, actor: Actor, institution_id: int) -> Institution:
    inst = get_or_raise(session, Institution, institution_id, "机构不存在")
    return inst


@use_case
def list_institutions(session: Session, actor: Actor, *, keyword: str = "", region_code: str | None = None,
                      include_inactive: bool = True, limit: int = 500) -> list[InstitutionRow]:
    """Institutions by name or code keyword and region (a 市州 includes its 区县), by the pinyin of the name."""
    region, parent = aliased(Region), aliased(Region)
    q = select(Institution, region, parent).join(region, region.code == Institution.region_code).outerjoin(
        parent, parent.code == region.parent_code)
    if region_code:
        q = q.where(or_(Institution.region_code == region_code, region.parent_code == region_code))
    if kw := clean_text(keyword):
        q = q.where(or_(Institution.name.contains(kw), Institution.code.contains(kw.upper())))
    if not include_inactive:
        q = q.where(Institution.active)
    found = session.execute(q.order_by(Institution.code).limit(limit)).all()
    ids = [inst.id for inst, _, _ in found]
    dept_n = dict(session.execute(select(Department.institution_id, func.count()).where(
        Department.institution_id.in_(ids)).group_by(Department.institution_id)).all()) if ids else {}
    staff_n = dict(session.execute(select(User.institution_id, func.count()).where(
        User.institution_id.in_(ids), User.role == Role.PERSON).group_by(User.institution_id)).all()) if ids else {}
    admins: dict[int | None, list[str]] = {}
    if ids:
        for inst_id, username in session.execute(select(User.institution_id, User.username).where(
                User.institution_id.in_(ids), User.role == Role.UNIT).order_by(User.username)):
            admins.setdefault(inst_id, []).append(username)
    rows = []
    for inst, reg, par in found:
        city, district = (reg.name, "") if reg.level == "city" else ((par.name if par else ""), reg.name)
        rows.append(InstitutionRow(inst.id, inst.code, inst.name, city, district, inst.region_code, inst.region_level,
                                   inst.active, dept_n.get(inst.id, 0), staff_n.get(inst.id, 0),
                                   "、".join(admins.get(inst.id, []))))
    return by_pinyin(rows, lambda r: r.name)


def _check_level(errors: dict[str, str], level: str | None) -> None:
    if not level:
        errors["机构所属区域等级"] = "请选择机构所属区域等级"
    elif level not in REGION_LEVELS:
        errors["机构所属区域等级"] = "不在可选范围内"


def _name_taken(session: Session, name: str, exclude_id: int | None = None) -> bool:
    q = select(Institution.id).where(Institution.name == name)
    if exclude_id is not None:
        q = q.where(Institution.id != exclude_id)
    return session.scalars(q).first() is not None


@use_case
def add_institution(session: Session, actor: Actor, *, code: str, name: str, region_code: str | None,
                    region_level: str | None) -> int:
    """A new active institution; every bad field is named and nothing is saved."""
    errors = FieldErrors()
    clean_code = normalize(code).upper()
    if not clean_code:
        errors["机构编码"] = "不能为空"
    elif not CODE_RE.fullmatch(clean_code):
        errors["机构编码"] = "应为2–32位字母、数字、下划线或连字符"
    clean_name = errors.check("机构名称", check_text, name, max_len=100)
    region = session.get(Region, region_code) if region_code else None
    if region is None or region.level not in ("city", "district"):
        errors["所在地区"] = "请选择市州（及区县）" if not region_code else "不在可选范围内"
    _check_level(errors, region_level)
    errors.raise_if_any()
    assert region is not None  # named under 所在地区 otherwise
    if session.scalars(select(Institution.id).where(Institution.code == clean_code)).first() is not None:
        raise Duplicate("机构编码已存在", "机构编码")
    if _name_taken(session, clean_name):
        raise Duplicate("机构名称已存在", "机构名称")
    inst = Institution(code=clean_code, name=clean_name, region_code=region.code, region_level=region_level, active=True)
    session.add(inst)
    session.flush()
    audit.record(session, actor.id, AuditAction.INSTITUTION_ADD, "institution", inst.id, institution_id=inst.id,
                 after={"code": clean_code, "name": clean_name, "region": region.name, "region_level": region_level})
    return inst.id


@use_case
def update_institution(session: Session, actor: Actor, institution_id: int, *, name: str, region_level: str | None) -> None:
    """Edit 机构名称 and 机构所属区域等级 (same rules as when adding)."""
    inst = _institution(session, actor, institution_id)
    errors = FieldErrors()
    clean_name = errors.check("机构名称", check_text, name, max_len=100)
    _check_level(errors, region_level)
    errors.raise_if_any()
    assert region_level is not None  # named under 机构所属区域等级 otherwise
    if _name_taken(session, clean_name, exclude_id=inst.id):
        raise Duplicate("机构名称已存在", "机构名称")
    before = {"name": inst.name, "region_level": inst.region_level}
    after = {"name": clean_name, "region_level": region_level}
    if before == after:
        return
    inst.name, inst.region_level = clean_name, region_level
    audit.record(session, actor.id, AuditAction.INSTITUTION_UPDATE, "institution", inst.id, institution_id=inst.id,
                 before=before, after=after)


@use_case
def set_institution_active(session: Session, actor: Actor, institution_id: int, active: bool) -> None:
    """Deactivate (no longer offered for registration or transfer) or re-activate."""
    inst = _institution(session, actor, institution_id)
    audit.record_switch(session, actor.id, inst, active, (AuditAction.INSTITUTION_ACTIVATE, AuditAction.INSTITUTION_DEACTIVATE),
                        "institution", institution_id=inst.id)


@use_case
def add_department(session: Session, actor: Actor, institution_id: int, name: str) -> int:
    """The province adds a department to any institution (same rules as 科室管理)."""
    _institution(session, actor, institution_id)
    return departments.add_department(session, actor, name, institution_id=institution_id)


@use_case
def create_unit_admin(session: Session, actor: Actor, institution_id: int, *, username: str, name: str,
                      password: str, password2: str) -> int:
    """The institution's 单位管理员 account: username rules, password policy, 确认密码 must match."""
    inst = _institution(session, actor, institution_id)
    if password != password2:
        raise ValidationError({"确认密码": "两次输入的密码不一致"})
    user = users.create_admin(session, username=username, password=password, name=name, role=Role.UNIT,
                              institution_code=inst.code)
    audit.record(session, actor.id, AuditAction.INSTITUTION_ADD_ADMIN, "user", user.id, institution_id=inst.id,
                 after={"username": user.username, "name": user.name, "role": Role.UNIT})
    return user.id
