"""学分计划 on the person's 首页 and 预报名.

Rules:
* What remains is the 首页 verdict's 还差 for this year (省级I类, II类, 总学分) and for the national
  cycle ending this year (国家级I类): the same `progress.home_progress` figures, never recomputed.
* Suggested projects: 项目库 projects that have not started yet (from today, China time) of a class
  that still helps — 国家级I类 for the cycle, 省级I类 (and 国家级I类 when the deployment counts it so),
  II类, any class for 总学分 — the person's 学科 first (所学专业 and the subjects of their own credits),
  then the soonest.
* 预报名: a person, once per project, before it starts; the organiser sees it in 签到管理.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cme import clock
from cme.core import audit
from cme.core.actors import Actor, require_role
from cme.core.policy import use_case
from cme.credits import progress
from cme.db import get_or_raise
from cme.domain.compliance import CLASS_II, CREDIT_TYPES, NATIONAL_I, PROVINCIAL_I, STATUS_MET, STATUS_UNSET, TOTAL, format_credit
from cme.domain.enums import AuditAction, ReviewStatus, Role
from cme.errors import Duplicate, RecordLocked
from cme.models import CreditRecord, Profile, Project, ProjectEnrolment


@dataclass(frozen=True)
class PlanProject:
    id: int
    code: str
    name: str
    organizer: str
    credit_type: str
    credits: Decimal
    subject: str
    date_from: date | None  # the column allows none; the plan only lists projects starting from today
    date_to: date | None
    in_my_subject: bool
    enrolled: bool

    def table_row(self) -> dict[str, str]:
        when = f"{self.date_from} 至 {self.date_to}" if self.date_to and self.date_to != self.date_from else str(self.date_from)
        return {"项目编号": self.code, "项目名称": self.name, "主办单位": self.organizer, "学分类型": self.credit_type,
                "学分": format_credit(self.credits), "学科分类": self.subject, "举办时间": when,
                "预报名": "已预报名" if self.enrolled else ""}


@dataclass(frozen=True)
class CreditPlan:
    year: int
    status: str  # 达标 / 未达标 / 未设置
    missing: dict[str, Decimal]  # the 首页 verdict's shortfalls
    cycle: str  # `2021至2026年`, '' without a standard
    projects: list[PlanProject] = field(default_factory=list)

    def remaining(self, key: str) -> Decimal:
        return self.missing.get(key, Decimal("0"))

    def gaps(self) -> list[tuple[str, str]]:
        """(label, 还差 text) for each requirement still open."""
        labels = {NATIONAL_I: f"国家级I类（{self.cycle}）", PROVINCIAL_I: f"{self.year}年省级I类",
                  CLASS_II: f"{self.year}年II类", TOTAL: f"{self.year}年总学分"}
        return [(labels[k], f"还差 {format_credit(v)} 分") for k, v in self.missing.items()]


def helpful_classes(missing: dict[str, Decimal]) -> set[str]:
    """The credit classes whose projects reduce at least one shortfall."""
    if TOTAL in missing:
        return set(CREDIT_TYPES)
    wanted: set[str] = set()
    if NATIONAL_I in missing:
        wanted.add(NATIONAL_I)
    if PROVINCIAL_I in missing:
        wanted.add(PROVINCIAL_I)
        if progress.compliance_settings().national_counts_as_provincial_i:
            wanted.add(NATIONAL_I)
    if CLASS_II in missing:
        wanted.add(CLASS_II)
    return wanted


def my_subjects(session: Session, user_id: int) -> list[str]:
    """The person's 学科: 所学专业 from the approved profile, then the subjects they earn credits in."""
    profile = session.get(Profile, user_id)
    out = [profile.basic["所学专业"]] if profile and profile.basic.get("所学专业") else []
    counts = Counter(session.scalars(select(CreditRecord.subject_parent).where(
        CreditRecord.user_id == user_id, CreditRecord.status == ReviewStatus.APPROVED)))
    return out + [s for s, _ in counts.most_common(3) if s not in out]


@use_case
def credit_plan(session: Session, actor: Actor, *, limit: int = 8,
                home: progress.HomeProgress | None = None) -> CreditPlan:
    """This year's remaining requirement (as on 首页) and the upcoming projects that would close it.
    `home`: the actor's own 首页 figures when the caller has just read them (首页 does), saving the re-read."""
    require_role(actor, Role.PERSON)
    home = home or progress.home_progress(session, actor)
    v = home.current.verdict
    cycle = f"{v.cycle_start}至{v.cycle_end}年" if v.cycle_start else ""
    if v.status in (STATUS_MET, STATUS_UNSET):
        return CreditPlan(home.year, v.status, {}, cycle)
    subjects = my_subjects(session, actor.id)
    enrolled = set(session.scalars(select(ProjectEnrolment.project_id).where(ProjectEnrolment.user_id == actor.id)))
    # my subjects first; without any, by date alone (ORDER BY cannot take a bare constant)
    mine = [case((Project.subject_parent.in_(subjects), 0), else_=1)] if subjects else []
    rows = session.scalars(
        select(Project).where(Project.date_from >= clock.today(), Project.credit_type.in_(helpful_classes(v.missing)))
        .order_by(*mine, Project.date_from, Project.code).limit(limit)
    )
    projects = [PlanProject(p.id, p.code, p.name, p.organizer, p.credit_type, p.credits,
                            " › ".join(x for x in (p.subject_parent, p.subject_child) if x), p.date_from, p.date_to,
                            p.subject_parent in subjects, p.id in enrolled) for p in rows]
    return CreditPlan(home.year, v.status, dict(v.missing), cycle, projects)


@use_case
def enrol(session: Session, actor: Actor, project_id: int) -> None:
    """预报名 a project that has not started yet."""
    require_role(actor, Role.PERSON)
    p = get_or_raise(session, Project, project_id, "项目不存在")
    if p.date_from is None or p.date_from < clock.today():
        raise RecordLocked("该项目已开始或已结束，不能预报名")
    try:
        with session.begin_nested():
            session.add(ProjectEnrolment(project_id=p.id, user_id=actor.id, created_at=clock.utcnow()))
    except IntegrityError:
        raise Duplicate("您已预报名该项目", "预报名") from None
    audit.record(session, actor.id, AuditAction.ENROLMENT_ADD, "project", p.id, institution_id=actor.institution_id,
                 after={"项目编号": p.code, "项目名称": p.name})
