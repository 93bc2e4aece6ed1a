"""确认授予学分: a closed session's eligible attendees get the project's credit, approved.

Rules: one approved CreditRecord per eligible attendee (source 扫码签到, reviewer the organiser,
the session's project code, name, class, amount and year, dated the day of the session), summaries
refreshed in the same transaction, one audit row for the whole confirmation. A person who already
filed that project code and year (pending or approved) gets nothing new. The session is claimed
by a conditional update, so parallel confirmations grant once.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cme import clock
from cme.attendance.sessions import STATUS_LABELS, ineligibility, managed_session
from cme.attendance.wording import with_counts
from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.credits.summaries import refresh_summary
from cme.db import rows_changed
from cme.domain.enums import AttendanceStatus, AuditAction, CreditReviewAction, CreditSource, ReviewStatus
from cme.errors import RecordLocked
from cme.models import AttendanceEntry, AttendanceSession, CreditRecord, CreditReview

SOURCE = CreditSource.ATTENDANCE


@dataclass(frozen=True)
class ConfirmResult:
    granted: int
    already_filed: int
    not_eligible: int

    @property
    def message(self) -> str:
        return with_counts(f"已为 {self.granted} 人授予学分",
                           (self.already_filed, f"，{self.already_filed} 人已登记该项目未重复授予"),
                           (self.not_eligible, f"，{self.not_eligible} 人不符合条件"))


@use_case
def confirm_session(session: Session, actor: Actor, session_id: int) -> ConfirmResult:
    """Grant the credits of a closed session, exactly once."""
    sess = managed_session(session, actor, session_id)
    if sess.status == AttendanceStatus.OPEN:
        raise RecordLocked("请先结束签到，再确认授予学分")
    now = clock.utcnow()
    claimed = rows_changed(
        session,
        update(AttendanceSession).where(AttendanceSession.id == sess.id, AttendanceSession.status == AttendanceStatus.CLOSED)
        .values(status=AttendanceStatus.CONFIRMED, confirmed_at=now, confirmed_by=actor.id).execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise RecordLocked("本场签到已确认授予学分，不能重复确认")
    session.refresh(sess)
    entries = list(session.scalars(select(AttendanceEntry).where(AttendanceEntry.session_id == sess.id)))
    eligible = [e for e in entries if ineligibility(sess, e) is None]
    filed = set(session.scalars(
        select(CreditRecord.user_id).where(CreditRecord.project_code == sess.project_code, CreditRecord.year == sess.year,
                                           CreditRecord.status != ReviewStatus.REJECTED,
                                           CreditRecord.user_id.in_([e.user_id for e in eligible]))))
    granted = 0
    for e in eligible:
        if e.user_id in filed:
            continue
        rec = CreditRecord(
            user_id=e.user_id, project_code=sess.project_code, project_name=sess.project_name, organizer=sess.organizer,
            year=sess.year, credits=sess.credits, credit_type=sess.credit_type, form=sess.form,
            subject_parent=sess.subject_parent, subject_child=sess.subject_child, date_from=sess.held_on,
            date_to=sess.held_on, status=ReviewStatus.APPROVED, source=SOURCE, created_at=now, updated_at=now, reviewed_at=now,
            reviewed_by=actor.id, remark=f"{sess.held_on} {sess.place} 扫码签到",
        )
        session.add(rec)
        session.flush()
        session.add(CreditReview(credit_id=rec.id, actor_id=actor.id, action=CreditReviewAction.APPROVE, at=now))
        e.credit_id = rec.id
        refresh_summary(session, e.user_id, sess.year)
        granted += 1
    sess.granted = granted
    result = ConfirmResult(granted, len(eligible) - granted, len(entries) - len(eligible))
    audit.record(session, actor.id, AuditAction.ATTENDANCE_CONFIRM, "attendance", sess.id, institution_id=sess.institution_id,
                 before={"状态": STATUS_LABELS[AttendanceStatus.CLOSED]},
                 after={"状态": STATUS_LABELS[AttendanceStatus.CONFIRMED], "项目编号": sess.project_code, "授予人数": granted,
                        "已登记未重复授予": result.already_filed, "不符合条件": result.not_eligible})
    return result
