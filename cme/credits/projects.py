"""项目库 (provincial admin): the approved CME projects whose code fills the credit form.

Rules:
* 项目编号* unique (`项目编号已存在`, ≤ 40 characters), 项目名称* and 主办单位* (≤ 200 characters).
* 举办年度* a year from 2000 to next year, and the year of 举办时间「从」or「至」(as on the credit form,
  so a prefilled credit is valid).
* 学分类型* 国家级I类 / 省级I类 / II类; 学分* > 0 with at most one decimal (≤ 100).
* 学分获取形式* from the dictionary; 学科分类* two levels from the dictionary.
* 举办时间* 从 ≤ 至.
* Every bad field is named and nothing is saved. Add, edit and delete are audited. Credit records
  copy what they need, so deleting a project leaves existing credits untouched.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cme import clock
from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.credits.entry import check_dictionary_fields, credit_choices, parse_credits
from cme.credits.project_rows import ProjectInput, ProjectRow, project_row
from cme.db import get_or_raise
from cme.domain.compliance import CREDIT_TYPES
from cme.domain.enums import AuditAction
from cme.domain.identity import check_text
from cme.domain.inputs import clean_text, parse_year
from cme.errors import Duplicate, FieldErrors
from cme.models import Project


def validate_project(session: Session, data: ProjectInput) -> dict:
    """The cleaned column values, or ValidationError naming every bad field."""
    errors = FieldErrors()
    out: dict = {
        "code": errors.check("项目编号", check_text, data.code, max_len=40),
        "name": errors.check("项目名称", check_text, data.name, max_len=200),
        "organizer": errors.check("主办单位", check_text, data.organizer, max_len=200),
    }
    if data.date_from is None or data.date_to is None:
        errors["举办时间"] = "请选择开始和结束日期"
    elif data.date_from > data.date_to:
        errors["举办时间"] = "开始日期不能晚于结束日期"
    out["date_from"], out["date_to"] = data.date_from, data.date_to
    last_year = clock.today().year + 1
    year = None
    if data.year in (None, ""):
        errors["举办年度"] = "请选择举办年度"
    else:
        try:
            year = parse_year(data.year, last=last_year)
        except ValueError as e:
            errors["举办年度"] = str(e)
    if year is not None and data.date_from and data.date_to and year not in {data.date_from.year, data.date_to.year}:
        errors["举办年度"] = "应与举办时间的年份一致"
    out["year"] = year
    if data.credit_type not in CREDIT_TYPES:
        errors["学分类型"] = "请选择学分类型" if not data.credit_type else "不在可选范围内"
    out["credit_type"] = data.credit_type
    out["credits"] = errors.check("学分", parse_credits, data.credits)
    check_dictionary_fields(errors, credit_choices(session), data.form, data.subject_parent, data.subject_child)
    out["form"], out["subject_parent"], out["subject_child"] = data.form, data.subject_parent, data.subject_child
    errors.raise_if_any()
    return out


def _snapshot(p: Project) -> dict:
    return {"code": p.code, "name": p.name, "organizer": p.organizer, "year": p.year, "credit_type": p.credit_type,
            "credits": str(p.credits), "form": p.form, "subject": f"{p.subject_parent} › {p.subject_child}",
            "date_from": str(p.date_from), "date_to": str(p.date_to)}


def _ensure_unique(session: Session, code: str, exclude_id: int | None = None) -> None:
    q = select(Project.id).where(Project.code == code)
    if exclude_id is not None:
        q = q.where(Project.id != exclude_id)
    if session.scalars(q).first() is not None:
        raise Duplicate("项目编号已存在", "项目编号")


def _project(session: Session, actor: Actor, project_id: int) -> Project:
    p = get_or_raise(session, Project, project_id, "项目不存在")
    return p


@use_case
def list_projects(session: Session, actor: Actor, *, keyword: str = "", year: int | None = None,
                  credit_type: str | None = None, limit: int = 500) -> list[ProjectRow]:
    """Search by code, name or organizer keyword, year and credit type; newest year first."""
    q = select(Project)
    if kw := clean_text(keyword):
        q = q.where(or_(Project.code.contains(kw), Project.name.contains(kw), Project.organizer.contains(kw)))
    if year:
        q = q.where(Project.year == int(year))
    if credit_type:
        q = q.where(Project.credit_type == credit_type)
    return [project_row(p) for p in session.scalars(q.order_by(Project.year.desc(), Project.code).limit(limit))]


@use_case
def get_project(session: Session, actor: Actor, project_id: int) -> ProjectRow:
    return project_row(_project(session, actor, project_id))


@use_case
def add_project(session: Session, actor: Actor, data: ProjectInput) -> int:
    """A new project in the library; 项目编号 unique."""
    values = validate_project(session, data)
    _ensure_unique(session, values["code"])
    return audit.record_add(session, actor.id, AuditAction.PROJECT_ADD, "project", Project(**values), _snapshot)


@use_case
def update_project(session: Session, actor: Actor, project_id: int, data: ProjectInput) -> None:
    """Edit every field (the code too, while it stays unique)."""
    p = _project(session, actor, project_id)
    values = validate_project(session, data)
    _ensure_unique(session, values["code"], exclude_id=p.id)
    audit.record_update(session, actor.id, AuditAction.PROJECT_UPDATE, "project", p, values, _snapshot)


@use_case
def delete_project(session: Session, actor: Actor, project_id: int) -> None:
    """Remove from the library; credits already registered keep their copy of the project."""
    p = _project(session, actor, project_id)
    audit.record(session, actor.id, AuditAction.PROJECT_DELETE, "project", p.id, before=_snapshot(p))
    session.delete(p)
    session.flush()
