"""个人学分标准 (SPEC §4, manual §6.1–6.2).

Rules:
* A person sets one standard per year (`该年度已设置学分标准`): 年度 × 机构所属区域等级 × 技术职称
  → 执行标准, picked with `cme.domain.standards.pick_standard` from the version in force that year.
* The preview shows the code and the amounts before saving (manual fig. 22).
* The 机构所属区域等级 is the institution's (the form preselects it); a person may choose a higher level
  but never a lower one, which would lower their requirements. A standard below the institution's level
  (set before this rule, or before a transfer) is flagged to the institution admin in 本机构人员.
* Only the person may add or delete their own standards; admins may read those of their staff.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme import clock
from cme.core import audit, reference
from cme.core.actors import Actor, get_user_in_scope
from cme.core.policy import use_case
from cme.core.verdicts import judge_person
from cme.db import get_or_raise
from cme.domain.enums import AuditAction
from cme.domain.identity import age_on
from cme.domain.inputs import FIRST_YEAR, parse_year
from cme.domain.standards import REGION_LEVELS, Standard, StandardFigures, is_below, pick_standard
from cme.errors import Duplicate, ValidationError
from cme.models import CreditStandard, Department, Institution, PersonalStandard, Profile, User

DUPLICATE_YEAR = "该年度已设置学分标准"


def year_options() -> list[int]:
    """Years offered by the form: newest first, up to next year (standards may be set ahead)."""
    return list(range(clock.today().year + 1, FIRST_YEAR - 1, -1))


@dataclass(frozen=True)
class StandardPreview(StandardFigures):
    standard_id: int


def _row_for(session: Session, code: str, year: int) -> CreditStandard:
    row = session.scalars(
        select(CreditStandard)
        .where(CreditStandard.code == code, CreditStandard.effective_year <= year)
        .order_by(CreditStandard.effective_year.desc())
    ).first()
    assert row is not None, f"standard {code} picked for {year} has a version in force"
    return row


def _preview(row: CreditStandard) -> StandardPreview:
    return reference.to_standard(row, StandardPreview, standard_id=row.id)


def preview_standard(session: Session, year: int | None, region_level: str | None, title: str | None) -> StandardPreview:
    """The 执行标准 for a year, region level and title label; ValidationError names the bad field."""
    errors: dict[str, str] = {}
    if year is None:
        errors["年度"] = "请选择年度"
    else:
        try:
            year = parse_year(year, last=clock.today().year + 1)
        except ValueError as e:
            errors["年度"] = str(e)
    if not region_level:
        errors["机构所属区域等级"] = "请选择机构所属区域等级"
    elif region_level not in REGION_LEVELS:
        errors["机构所属区域等级"] = "不在可选范围内"
    titles = reference.titles(session)
    if not title:
        errors["技术职称"] = "请选择技术职称"
    elif title not in titles:
        errors["技术职称"] = "不在可选范围内"
    if errors:
        raise ValidationError(errors)
    assert year is not None and region_level is not None and title is not None  # each was named in errors otherwise
    try:
        std = pick_standard(reference.standards_for_year(session, int(year)), region_level, titles[title])
    except LookupError:
        raise ValidationError({"执行标准": "没有适用的学分标准"}) from None
    return _preview(_row_for(session, std.code, int(year)))


@use_case
def institution_level(session: Session, actor: Actor) -> str | None:
    """机构所属区域等级 of the actor's institution (None without one)."""
    if actor.institution_id is None:
        return None
    return session.scalar(select(Institution.region_level).where(Institution.id == actor.institution_id))


@use_case
def add_personal_standard(session: Session, actor: Actor, year: int | None, region_level: str | None,
                          title: str | None) -> int:
    """新增: one per person and year, at the institution's region level or above."""
    preview = preview_standard(session, year, region_level, title)
    assert year is not None and region_level is not None and title is not None  # preview_standard refused them
    exists = session.scalars(
        select(PersonalStandard.id).where(PersonalStandard.user_id == actor.id, PersonalStandard.year == int(year))
    ).first()
    if exists:
        raise Duplicate(DUPLICATE_YEAR, "年度")
    own_level = institution_level(session, actor)
    if own_level and is_below(region_level, own_level):
        raise ValidationError({"机构所属区域等级": f"不能低于本机构的区域等级（{own_level}）"})
    row = PersonalStandard(user_id=actor.id, year=int(year), region_level=region_level, title=title,
                           standard_id=preview.standard_id)
    session.add(row)
    session.flush()
    judge_person(session, actor.id, row.year)
    audit.record(session, actor.id, AuditAction.STANDARD_ADD, "personal_standard", row.id, institution_id=actor.institution_id,
                 after={"年度": row.year, "机构所属区域等级": region_level, "技术职称": title, "执行标准": preview.code})
    return row.id


@use_case
def delete_personal_standard(session: Session, actor: Actor, standard_id: int) -> None:
    """删除: only one's own."""
    row = get_or_raise(session, PersonalStandard, standard_id, "学分标准不存在")
    audit.record(session, actor.id, AuditAction.STANDARD_DELETE, "personal_standard", row.id, institution_id=actor.institution_id,
                 before={"年度": row.year, "机构所属区域等级": row.region_level, "技术职称": row.title})
    session.delete(row)
    judge_person(session, actor.id, row.year)


@dataclass(frozen=True)
class PersonalStandardRow(StandardFigures):
    """A person's standard of a year: the region level and title they chose, the figures of the version."""

    id: int
    year: int
    region_level: str
    title: str


@use_case
def list_personal_standards(session: Session, actor: Actor, user_id: int | None = None) -> list[PersonalStandardRow]:
    """A person's standards, newest year first (oneself, or staff in an admin's scope)."""
    user = get_user_in_scope(session, actor, user_id or actor.id)
    rows = session.execute(
        select(PersonalStandard, CreditStandard)
        .join(CreditStandard, CreditStandard.id == PersonalStandard.standard_id)
        .where(PersonalStandard.user_id == user.id)
        .order_by(PersonalStandard.year.desc())
    ).all()
    return [reference.to_standard(c, PersonalStandardRow, id=p.id, year=p.year, region_level=p.region_level, title=p.title)
            for p, c in rows]


def standards_by_year(session: Session, user_id: int) -> dict[int, Standard]:
    """{year: domain Standard} of one person — used by the compliance verdicts (no scope check: internal)."""
    rows = session.execute(
        select(PersonalStandard.year, CreditStandard)
        .join(CreditStandard, CreditStandard.id == PersonalStandard.standard_id)
        .where(PersonalStandard.user_id == user_id)
    ).all()
    return {year: reference.to_standard(c) for year, c in rows}


@dataclass(frozen=True)
class PersonRow:
    """个人学分标准查询 row (fig. 23): the ID number is masked on the server."""

    year: int | None
    id_number_masked: str
    name: str
    sex: str
    age: str
    major: str
    title: str
    department: str
    code: str
    national_i: str
    provincial_i: str
    class_ii: str


@use_case
def query_personal_standards(session: Session, actor: Actor, year: int | None = None,
                             user_id: int | None = None) -> list[PersonRow]:
    """The person's row per year (all years, or one); 未设置 when that year has no standard."""
    from cme.domain.compliance import format_credit

    user: User = get_user_in_scope(session, actor, user_id or actor.id)
    profile = session.get(Profile, user.id)
    basic = profile.basic if profile else {}
    dept = session.get(Department, user.department_id) if user.department_id else None
    age = str(age_on(user.birth_date, clock.today())) if user.birth_date else ""
    own = {r.year: r for r in list_personal_standards(session, actor, user.id)}
    years = [year] if year else sorted(own, reverse=True) or [clock.today().year]
    out = []
    for y in years:
        r = own.get(y)
        out.append(PersonRow(
            y, user.id_number_masked or "", user.name, user.sex or basic.get("性别", ""), age,
            basic.get("所学专业", ""), r.title if r else basic.get("技术职称", ""), dept.name if dept else "",
            r.code if r else "未设置",
            format_credit(r.national_i_per_cycle) if r else "", format_credit(r.provincial_i_per_year) if r else "",
            format_credit(r.class_ii_per_year) if r else "",
        ))
    return out


@use_case
def standards_below_institution(session: Session, actor: Actor, year: int) -> dict[int, str]:
    """{user id: flag text} for the staff of the admin's institution whose standard for `year` is set at a
    region level below the institution's (本机构人员 shows the flag)."""
    rows = session.execute(
        select(PersonalStandard.user_id, PersonalStandard.region_level, CreditStandard.code, Institution.region_level)
        .join(User, User.id == PersonalStandard.user_id)
        .join(Institution, Institution.id == User.institution_id)
        .join(CreditStandard, CreditStandard.id == PersonalStandard.standard_id)
        .where(User.institution_id == actor.institution_id, PersonalStandard.year == year)
    ).all()
    return {uid: f"{code}（{level}）低于本机构等级（{own}）"
            for uid, level, code, own in rows if is_below(level, own)}


def standards_table(session: Session, year: int | None = None) -> list[Standard]:
    """学分标准列表 in force in a year (default this year)."""
    return reference.standards_for_year(session, year or clock.today().year)
