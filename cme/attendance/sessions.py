"""签到管理 for the organiser: open a session for a 项目库 project, watch the counts, close it and
review the list (remove with a reason, add a walk-in by 身份证号). Confirming is in `confirm`.

Rules: the admin of the organising institution (the institution named as the project's 主办单位) or
a provincial admin; the list is reviewed only once the session is closed, and frozen once confirmed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cme import clock, crypto
from cme.core import audit
from cme.core.actors import Actor, require_role
from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain.compliance import format_credit
from cme.domain.enums import AccountStatus, AttendanceSource, AttendanceStatus, AuditAction, Role
from cme.domain.identity import check_text, parse_id_number
from cme.errors import Duplicate, NotFound, NotPermitted, RecordLocked, ValidationError
from cme.models import AttendanceEntry, AttendanceSession, Department, Institution, Project, ProjectEnrolment, User

STATUS_LABELS: dict[str, str] = {AttendanceStatus.OPEN: "签到中", AttendanceStatus.CLOSED: "已结束",
                                  AttendanceStatus.CONFIRMED: "已确认授予"}
SOURCE_LABELS: dict[str, str] = {AttendanceSource.SCAN: "扫码", AttendanceSource.WALK_IN: "现场补录"}
MAX_MINUTES = 24 * 60


# ---- who organises what ------------------------------------------------------------------------


def organising_institution_id(session: Session, organizer: str) -> int | None:
    """The institution whose name is the project's 主办单位 (None when it is not on the platform)."""
    return session.scalar(select(Institution.id).where(Institution.name == organizer.strip()).limit(1))


def _require_organiser(actor: Actor, institution_id: int | None) -> None:
    require_role(actor, Role.UNIT, Role.PROVINCE)
    if actor.is_unit_admin and institution_id != actor.institution_id:
        raise NotPermitted("只能管理本机构主办项目的签到")


def _own_projects(session: Session, actor: Actor):
    require_role(actor, Role.UNIT, Role.PROVINCE)
    q = select(Project)
    if actor.is_unit_admin:
        name = session.scalar(select(Institution.name).where(Institution.id == actor.institution_id))
        q = q.where(Project.organizer == name)
    return q


@dataclass(frozen=True)
class ProjectChoice:
    id: int
    code: str
    name: str
    year: int
    credit_type: str
    credits: str
    date_from: date | None
    date_to: date | None
    expected: int  # 预报名

    @property
    def label(self) -> str:
        when = f"{self.date_from} 至 {self.date_to}" if self.date_from else str(self.year)
        return f"{self.code} {self.name}（{self.credit_type} {self.credits}分，{when}）"


@use_case
def organisable_projects(session: Session, actor: Actor, *, since_year: int | None = None) -> list[ProjectChoice]:
    """The projects whose sign-in the actor may run: their institution's (the province: all), recent first."""
    since = since_year if since_year is not None else clock.today().year - 1
    expected = (select(func.count()).select_from(ProjectEnrolment).where(ProjectEnrolment.project_id == Project.id)
                .correlate(Project).scalar_subquery())
    q = _own_projects(session, actor).where(Project.year >= since).add_columns(expected)
    rows = session.execute(q.order_by(Project.date_from.desc(), Project.code)).all()
    return [ProjectChoice(p.id, p.code, p.name, p.year, p.credit_type, format_credit(p.credits), p.date_from, p.date_to, n)
            for p, n in rows]


def _project(session: Session, actor: Actor, project_id: int) -> Project:
    p = get_or_raise(session, Project, project_id, "项目不存在")
    _require_organiser(actor, organising_institution_id(session, p.organizer))
    return p


# ---- opening and closing -----------------------------------------------------------------------


@dataclass
class SessionInput:
    held_on: date | None = None
    place: str = ""
    sign_in_start: time | None = None
    sign_in_end: time | None = None
    sign_out_start: time | None = None
    sign_out_end: time | None = None
    min_minutes: int | str | None = 0


def _window(errors: dict[str, str], label: str, day: date | None, start: time | None, end: time | None):
    if start is None or end is None:
        errors[label] = "请填写开始和结束时间"
        return None
    if start >= end:
        errors[label] = "开始时间应早于结束时间"
        return None
    if day is None:
        return None
    return clock.from_local(datetime.combine(day, start)), clock.from_local(datetime.combine(day, end))


def _validate(project: Project, data: SessionInput) -> dict:
    errors: dict[str, str] = {}
    out: dict = {}
    if not project.form or not project.subject_parent or not project.subject_child:
        errors["项目"] = "该项目缺少学分获取形式或学科分类，请先在项目库中补全"
    day = data.held_on
    if day is None:
        errors["签到日期"] = "请选择签到日期"
    elif day < clock.today():
        errors["签到日期"] = "不能早于今天"
    elif project.date_from and project.date_to and not project.date_from <= day <= project.date_to:
        errors["签到日期"] = f"应在项目举办时间内（{project.date_from} 至 {project.date_to}）"
    elif not (project.date_from and project.date_to) and day.year != project.year:
        errors["签到日期"] = f"应在项目举办年度（{project.year}年）内"
    try:
        out["place"] = check_text(data.place, max_len=100)
    except ValueError as e:
        errors["签到地点"] = str(e)
    sign_in = _window(errors, "签到时段", day, data.sign_in_start, data.sign_in_end)
    sign_out = _window(errors, "签退时段", day, data.sign_out_start, data.sign_out_end)
    if sign_in and sign_out and sign_out[0] < sign_in[0]:
        errors["签退时段"] = "签退开始时间不能早于签到开始时间"
    try:
        minutes = int(str(data.min_minutes if data.min_minutes not in (None, "") else 0).strip())
        if not 0 <= minutes <= MAX_MINUTES:
            raise ValueError
        out["min_minutes"] = minutes
    except ValueError:
        errors["最短在场时间"] = f"应为0至{MAX_MINUTES}之间的整数（分钟）"
    if errors:
        raise ValidationError(errors)
    out["held_on"] = day
    (out["sign_in_from"], out["sign_in_to"]), (out["sign_out_from"], out["sign_out_to"]) = sign_in, sign_out
    return out


@use_case
def open_session(session: Session, actor: Actor, project_id: int, data: SessionInput) -> int:
    """开始签到: a new session for the project, its credit fields copied from the 项目库."""
    p = _project(session, actor, project_id)
    values = _validate(p, data)
    sess = AttendanceSession(
        project_id=p.id, institution_id=organising_institution_id(session, p.organizer), project_code=p.code,
        project_name=p.name, organizer=p.organizer, year=p.year, credit_type=p.credit_type, credits=p.credits,
        form=p.form, subject_parent=p.subject_parent, subject_child=p.subject_child, status=AttendanceStatus.OPEN,
        opened_by=actor.id, opened_at=clock.utcnow(), **values,
    )
    session.add(sess)
    session.flush()
    audit.record(session, actor.id, AuditAction.ATTENDANCE_OPEN, "attendance", sess.id, institution_id=sess.institution_id,
                 after={"项目编号": p.code, "签到日期": str(sess.held_on), "签到地点": sess.place,
                        "最短在场时间": sess.min_minutes})
    return sess.id


@use_case
def managed_session(session: Session, actor: Actor, session_id: int, *, lock: bool = False) -> AttendanceSession:
    """A session the actor may run (NotFound / NotPermitted otherwise)."""
    sess = get_or_raise(session, AttendanceSession, session_id, "签到场次不存在", with_for_update=lock)
    _require_organiser(actor, sess.institution_id)
    return sess


@use_case
def close_session(session: Session, actor: Actor, session_id: int) -> None:
    """结束签到: no more scans; the list can now be reviewed and confirmed."""
    sess = managed_session(session, actor, session_id)
    if sess.status != AttendanceStatus.OPEN:
        raise RecordLocked("本场签到已结束")
    sess.status, sess.closed_at = AttendanceStatus.CLOSED, clock.utcnow()
    audit.record(session, actor.id, AuditAction.ATTENDANCE_CLOSE, "attendance", sess.id, institution_id=sess.institution_id,
                 before={"状态": STATUS_LABELS[AttendanceStatus.OPEN]}, after={"状态": STATUS_LABELS[AttendanceStatus.CLOSED]})


# ---- what the organiser sees -------------------------------------------------------------------


def _hm(dt: datetime | None) -> str:
    return "" if dt is None else clock.to_local(dt).strftime("%H:%M")


@dataclass(frozen=True)
class SessionView:
    id: int
    project_id: int | None
    project_code: str
    project_name: str
    credit_type: str
    credits: str
    held_on: date
    place: str
    sign_in: str  # `08:00–09:00`
    sign_out: str
    min_minutes: int
    status: str
    status_label: str
    signed_in: int
    signed_out: int
    expected: int

    @property
    def label(self) -> str:
        return f"{self.held_on} {self.place}（{self.status_label}）"


def _view(session: Session, sess: AttendanceSession) -> SessionView:
    live = AttendanceEntry.removed_at.is_(None) & (AttendanceEntry.session_id == sess.id)
    signed_in, signed_out = session.execute(
        select(func.count(AttendanceEntry.signed_in_at), func.count(AttendanceEntry.signed_out_at)).where(live)).one()
    expected = 0 if sess.project_id is None else session.execute(
        select(func.count()).select_from(ProjectEnrolment).where(ProjectEnrolment.project_id == sess.project_id)).scalar_one()
    return SessionView(sess.id, sess.project_id, sess.project_code, sess.project_name, sess.credit_type,
                       format_credit(sess.credits), sess.held_on, sess.place,
                       f"{_hm(sess.sign_in_from)}–{_hm(sess.sign_in_to)}", f"{_hm(sess.sign_out_from)}–{_hm(sess.sign_out_to)}",
                       sess.min_minutes, sess.status, STATUS_LABELS[sess.status], int(signed_in), int(signed_out), int(expected))


@use_case
def session_view(session: Session, actor: Actor, session_id: int) -> SessionView:
    """One session with its live counts (signed in, signed out, 预报名)."""
    return _view(session, managed_session(session, actor, session_id))


@use_case
def project_sessions(session: Session, actor: Actor, project_id: int) -> list[SessionView]:
    """The sessions of a project, newest first."""
    _project(session, actor, project_id)
    rows = session.scalars(select(AttendanceSession).where(AttendanceSession.project_id == project_id)
                           .order_by(AttendanceSession.id.desc()))
    return [_view(session, s) for s in rows]


def ineligibility(sess: AttendanceSession, entry: AttendanceEntry) -> str | None:
    """Why an entry earns no credit, or None when it does (walk-ins were vouched for by the organiser)."""
    if entry.removed_at is not None:
        return f"已移除：{entry.removed_reason}"
    if entry.source == AttendanceSource.WALK_IN:
        return None
    if entry.signed_in_at is None:
        return "未签到"
    if entry.signed_out_at is None:
        return "未签退"
    if (entry.signed_out_at - entry.signed_in_at).total_seconds() < sess.min_minutes * 60:
        return f"在场不足{sess.min_minutes}分钟"
    return None


@dataclass(frozen=True)
class AttendeeRow:
    entry_id: int
    user_id: int
    name: str
    username: str
    institution: str
    department: str
    id_number_masked: str
    signed_in: str
    signed_out: str
    source: str
    result: str  # 符合 / the reason it does not / 已授予 …
    eligible: bool
    removed: bool

    def table_row(self) -> dict[str, str]:
        return {"姓名": self.name, "用户名": self.username, "身份证号": self.id_number_masked, "单位": self.institution,
                "科室": self.department, "签到时间": self.signed_in, "签退时间": self.signed_out, "方式": self.source,
                "结果": self.result}


@use_case
def attendance_list(session: Session, actor: Actor, session_id: int) -> list[AttendeeRow]:
    """签到名单 with each person's result; ID numbers masked."""
    sess = managed_session(session, actor, session_id)
    rows = session.execute(
        select(AttendanceEntry, User.name, User.username, User.id_number_masked, Institution.name, Department.name)
        .join(User, User.id == AttendanceEntry.user_id)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(AttendanceEntry.session_id == sess.id)
        .order_by(AttendanceEntry.signed_in_at.is_(None), AttendanceEntry.signed_in_at, AttendanceEntry.id)
    ).all()
    out = []
    for e, name, username, masked, inst, dept in rows:
        reason = ineligibility(sess, e)
        if reason is None and sess.status == AttendanceStatus.CONFIRMED:
            result = "已授予学分" if e.credit_id else "已登记该项目，未重复授予"
        else:
            result = reason or "符合"
        out.append(AttendeeRow(e.id, e.user_id, name, username, inst or "", dept or "", masked or "",
                               clock.fmt_local(e.signed_in_at), clock.fmt_local(e.signed_out_at), SOURCE_LABELS[e.source],
                               result, reason is None, e.removed_at is not None))
    return out


@dataclass(frozen=True)
class ExpectedRow:
    name: str
    username: str
    institution: str
    enrolled_at: str
    signed_in: bool

    def table_row(self) -> dict[str, str]:
        return {"姓名": self.name, "用户名": self.username, "单位": self.institution, "预报名时间": self.enrolled_at,
                "已签到": "是" if self.signed_in else "否"}


@use_case
def expected_attendees(session: Session, actor: Actor, project_id: int) -> list[ExpectedRow]:
    """预报名 of the project, with whether each has signed in to any of its sessions."""
    _project(session, actor, project_id)
    signed = (select(AttendanceEntry.user_id).join(AttendanceSession, AttendanceSession.id == AttendanceEntry.session_id)
              .where(AttendanceSession.project_id == project_id, AttendanceEntry.signed_in_at.is_not(None)))
    rows = session.execute(
        select(ProjectEnrolment.created_at, User.name, User.username, Institution.name, User.id.in_(signed))
        .join(User, User.id == ProjectEnrolment.user_id).outerjoin(Institution, Institution.id == User.institution_id)
        .where(ProjectEnrolment.project_id == project_id).order_by(ProjectEnrolment.created_at)
    ).all()
    return [ExpectedRow(name, username, inst or "", clock.fmt_local(at), bool(s)) for at, name, username, inst, s in rows]


# ---- review: remove, add a walk-in ----------------------------------------------------------------


def _reviewable(session: Session, actor: Actor, session_id: int) -> AttendanceSession:
    sess = managed_session(session, actor, session_id)
    if sess.status == AttendanceStatus.OPEN:
        raise RecordLocked("请先结束签到，再审核签到名单")
    if sess.status == AttendanceStatus.CONFIRMED:
        raise RecordLocked("本场签到已确认授予学分，名单不能再修改")
    return sess


@use_case
def remove_attendee(session: Session, actor: Actor, session_id: int, entry_id: int, reason: str) -> None:
    """移除 a name from the list, with a reason kept on the entry and in the audit log."""
    sess = _reviewable(session, actor, session_id)
    entry = session.get(AttendanceEntry, entry_id)
    if entry is None or entry.session_id != sess.id:
        raise NotFound("签到记录不存在")
    if entry.removed_at is not None:
        raise RecordLocked("该人员已移除")
    try:
        text = check_text(reason, max_len=200)
    except ValueError as e:
        raise ValidationError({"移除原因": "请填写移除原因" if str(e) == "不能为空" else str(e)}) from None
    entry.removed_at, entry.removed_by, entry.removed_reason = clock.utcnow(), actor.id, text
    audit.record(session, actor.id, AuditAction.ATTENDANCE_REMOVE, "attendance", sess.id, institution_id=sess.institution_id,
                 before={"人员": entry.user_id}, after={"移除原因": text})


@use_case
def add_walk_in(session: Session, actor: Actor, session_id: int, id_number: str) -> str:
    """现场补录 by 身份证号: an approved person of any institution; returns their name."""
    sess = _reviewable(session, actor, session_id)
    try:
        number = parse_id_number(id_number).number
    except ValueError as e:
        raise ValidationError({"身份证号": str(e)}) from None
    user = session.scalar(select(User).where(User.id_number_hash == crypto.lookup_hash(number)))
    if user is None or user.role != Role.PERSON or user.status != AccountStatus.APPROVED:
        raise NotFound("未找到该身份证号对应的已审核个人用户")
    entry = session.scalar(select(AttendanceEntry).where(AttendanceEntry.session_id == sess.id,
                                                         AttendanceEntry.user_id == user.id))
    if entry is not None and entry.removed_at is None:
        raise Duplicate(f"{user.name}已在签到名单中", "身份证号")
    if entry is None:
        session.add(AttendanceEntry(session_id=sess.id, user_id=user.id, source=AttendanceSource.WALK_IN, added_by=actor.id))
    else:  # put back someone removed by mistake, now vouched for by the organiser
        entry.source, entry.added_by = AttendanceSource.WALK_IN, actor.id
        entry.removed_at, entry.removed_by, entry.removed_reason = None, None, None
    session.flush()
    audit.record(session, actor.id, AuditAction.ATTENDANCE_ADD_WALK_IN, "attendance", sess.id, institution_id=sess.institution_id,
                 after={"人员": user.name, "身份证号": crypto.mask_id_number(number)})
    return user.name
