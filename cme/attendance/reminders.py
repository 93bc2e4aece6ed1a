"""提醒未达标人员: the unit admin (or the scheduled job) reminds the staff who are behind for a year.

Rules:
* Who: exactly the people 本机构人员 marks 未达标 for that year — the same
  `analytics.staff_compliance` call, so the page and the reminders can never disagree.
  A unit admin reaches own staff only; the province (and the job) any institution or all.
* Each gets an in-app message (shown unread on their 首页) saying what is still missing per class,
  and optionally an SMS through the gateway, counted in the number's daily limit.
* At most one reminder per person per 7 days, whoever sends it: a per-person mark claimed by a
  conditional update, so an admin and the job running at once cannot both remind someone.
* One audit row per run. SMS are written to the outbox in the run's transaction and leave only after
  the caller's commit (`deliver_sms`; a message it could not send is retried by `python -m cme send-outbox`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cme import clock, crypto
from cme.accounts import sms
from cme.analytics.service import StaffRow, staff_compliance
from cme.attendance.wording import with_counts
from cme.core import audit
from cme.core.actors import Actor, require_role
from cme.core.policy import use_case
from cme.db import rows_changed
from cme.domain.compliance import CLASS_II, NATIONAL_I, PROVINCIAL_I, STATUS_NOT_MET, TOTAL, format_credit
from cme.domain.enums import AuditAction, Role, SmsKind
from cme.errors import NotFound
from cme.models import Reminder, ReminderMark, User

QUIET_DAYS = 7
SHORTFALL_COLUMNS = {NATIONAL_I: "国家级I类(周期)还差", PROVINCIAL_I: "省级I类还差", CLASS_II: "II类还差", TOTAL: "总学分还差"}
# the scheduled job (python -m cme remind) acts province-wide and is shown as 系统 in the audit log


def message_for(row: StaffRow) -> str:
    return (f"{row.name}您好：您{row.year}年度继续医学教育学分尚未达标，{row.verdict.missing_text()}。"
            "请登录四川省继续医学教育行政管理平台，在首页查看学分计划。")


@dataclass(frozen=True)
class ReminderTarget:
    user_id: int
    name: str
    username: str
    department: str
    missing: dict[str, Decimal]
    shortfall_text: str
    last_reminded: str  # China time, '' when never
    due: bool  # not reminded in the last 7 days

    def table_row(self) -> dict[str, str]:
        row = {"姓名": self.name, "用户名": self.username, "科室": self.department}
        row |= {label: format_credit(self.missing[k]) if k in self.missing else "" for k, label in SHORTFALL_COLUMNS.items()}
        return row | {"上次提醒": self.last_reminded or "—", "本次": "发送" if self.due else f"{QUIET_DAYS}天内已提醒，跳过"}


def _behind(session: Session, actor: Actor, year: int, institution_id: int | None) -> list[StaffRow]:
    require_role(actor, Role.UNIT, Role.PROVINCE)
    return staff_compliance(session, actor, year, institution_id=institution_id, status=STATUS_NOT_MET)


@use_case
def preview_reminders(session: Session, actor: Actor, year: int, *, institution_id: int | None = None) -> list[ReminderTarget]:
    """Who would be reminded, with 还差 per class and whether the 7-day rule lets a reminder through now."""
    rows = _behind(session, actor, year, institution_id)
    last = dict(session.execute(select(ReminderMark.user_id, ReminderMark.last_sent_at)
                                .where(ReminderMark.user_id.in_([r.user_id for r in rows]))).all())
    cutoff = clock.utcnow() - timedelta(days=QUIET_DAYS)
    return [ReminderTarget(r.user_id, r.name, r.username, r.department, dict(r.verdict.missing), r.shortfall_text,
                           clock.fmt_local(last.get(r.user_id)), last.get(r.user_id) is None or last[r.user_id] <= cutoff)
            for r in rows]


def _claim(session: Session, user_id: int, now: datetime) -> bool:
    """Take the person's 7-day slot, or False when someone reminded them within 7 days."""
    claimed = rows_changed(
        session,
        update(ReminderMark).where(ReminderMark.user_id == user_id, ReminderMark.last_sent_at <= now - timedelta(days=QUIET_DAYS))
        .values(last_sent_at=now).execution_options(synchronize_session=False)
    )
    if claimed:
        return True
    if session.scalar(select(ReminderMark.user_id).where(ReminderMark.user_id == user_id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ReminderMark(user_id=user_id, last_sent_at=now))
        return True
    except IntegrityError:  # a parallel sender took the first slot
        return False


@dataclass
class ReminderRun:
    year: int
    behind: int = 0
    sent: int = 0
    skipped_recent: int = 0
    sms_queued: int = 0
    sms_over_limit: int = 0
    sms_no_phone: int = 0
    outbox: list[int] = field(default_factory=list, repr=False)  # sms_outbox ids, sent after the commit

    @property
    def message(self) -> str:
        sms = with_counts(f"；短信 {self.sms_queued} 条",
                          (self.sms_over_limit, f"（{self.sms_over_limit} 人今日短信已达上限）"),
                          (self.sms_no_phone, f"（{self.sms_no_phone} 人无手机号）"))
        return with_counts(f"{self.year}年度未达标 {self.behind} 人：已提醒 {self.sent} 人",
                           (self.skipped_recent, f"，{self.skipped_recent} 人{QUIET_DAYS}天内已提醒过，本次跳过"),
                           (self.sms_queued + self.sms_over_limit + self.sms_no_phone, sms))


@use_case
def send_reminders(session: Session, actor: Actor, year: int, *, institution_id: int | None = None,
                   sms_too: bool = False) -> ReminderRun:
    """Remind everyone behind in the year (in-app; SMS queued in `outbox` when `sms_too`); the CLI acts
    as cme.core.actors.OPERATOR."""
    now = clock.utcnow()
    rows = _behind(session, actor, year, institution_id)
    run = ReminderRun(year, behind=len(rows))
    phones = dict(session.execute(select(User.id, User.phone_enc).where(User.id.in_([r.user_id for r in rows]))).all())
    for r in rows:
        if not _claim(session, r.user_id, now):
            run.skipped_recent += 1
            continue
        text = message_for(r)
        phone = crypto.decrypt(phones.get(r.user_id)) if sms_too else None
        queued = False
        if phone and sms.reserve_notice(session, phone, now):
            queued = True
            run.outbox.append(sms.queue(session, phone, "【省卫计信息中心】" + text, kind=SmsKind.NOTICE, ttl=sms.NOTICE_TTL,
                                        send_after_commit=False))
            run.sms_queued += 1
        elif sms_too and phone:
            run.sms_over_limit += 1
        elif sms_too:
            run.sms_no_phone += 1
        session.add(Reminder(user_id=r.user_id, year=year, institution_id=r.institution_id, sent_at=now, message=text,
                             sms=queued, sent_by=actor.id or None))
        run.sent += 1
    audit.record(session, actor.id or None, AuditAction.REMINDER_SEND, "reminder", year,
                 institution_id=institution_id if actor.is_province_admin else actor.institution_id,
                 after={"年度": year, "未达标": run.behind, "已提醒": run.sent, "7天内已提醒跳过": run.skipped_recent,
                        "短信": run.sms_queued})
    return run


def deliver_sms(run: ReminderRun, gateway: sms.SmsGateway | None = None) -> int:
    """Send the run's queued SMS after its commit; returns how many the gateway accepted (a failed one
    stays in the outbox for `python -m cme send-outbox`)."""
    return sms.deliver(run.outbox, gateway).sent if run.outbox else 0


# ---- the person's side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderNote:
    id: int
    sent_at: str
    message: str


@use_case
def unread_reminders(session: Session, actor: Actor) -> list[ReminderNote]:
    """The person's unread reminders, newest first (首页)."""
    rows = session.scalars(select(Reminder).where(Reminder.user_id == actor.id, Reminder.read_at.is_(None))
                           .order_by(Reminder.sent_at.desc(), Reminder.id.desc()))
    return [ReminderNote(r.id, clock.fmt_local(r.sent_at), r.message) for r in rows]


@use_case
def mark_read(session: Session, actor: Actor, reminder_id: int) -> None:
    """知道了: only one's own reminder."""
    rec = session.get(Reminder, reminder_id)
    if rec is None or rec.user_id != actor.id:
        raise NotFound("提醒不存在")
    if rec.read_at is None:
        rec.read_at = clock.utcnow()
