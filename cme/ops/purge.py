"""`python -m cme purge`: delete the rows that have served their purpose (SPEC §9 operations).

What goes, and when — each window is the one the code that reads these rows uses, so a purge never
changes an answer:
* login sessions that can no longer be resumed: revoked, past their absolute limit, or idle longer
  than the idle window (auth.resume_session refuses all three);
* SMS codes that have expired and are more than a day old (send_code counts a phone's codes since
  midnight, China time, for the daily quota);
* SMS outbox messages a day after they were sent or expired (their text is already blanked), and
  pending ones a day past their validity (send-outbox no longer sends them);
* look-up throttle rows older than the longest throttle window (注册状态查询, 忘记密码, 证书核验);
* login attempts older than 180 days: they are the login log, kept at least six months as the
  Cybersecurity Law (art. 21) asks of network logs.
The audit log is never purged. Safe to run at any time, on any replica, as often as wanted (a
daily cron job or systemd timer: deploy/README.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from cme.accounts.password_reset import WINDOW as RESET_WINDOW
from cme.accounts.registration import THROTTLE_WINDOW as STATUS_WINDOW
from cme.certificates.service import VERIFY_WINDOW
from cme.clock import utcnow
from cme.config import get_settings
from cme.db import rows_changed
from cme.domain.enums import OutboxStatus
from cme.models import LoginAttempt, LoginSession, QueryThrottle, SmsCode, SmsOutbox

SMS_KEEP = timedelta(days=1)
LOGIN_LOG_KEEP = timedelta(days=180)
THROTTLE_KEEP = max(RESET_WINDOW, STATUS_WINDOW, VERIFY_WINDOW)


@dataclass(frozen=True)
class PurgeReport:
    sessions: int
    sms_codes: int
    throttles: int
    login_attempts: int
    sms_outbox: int = 0

    def summary(self) -> str:
        return (f"已清理：登录会话 {self.sessions} 条，短信验证码 {self.sms_codes} 条，查询限流记录 {self.throttles} 条，"
                f"登录记录 {self.login_attempts} 条，短信发件箱 {self.sms_outbox} 条（审计日志不清理）")


def purge_expired(session: Session, now: datetime | None = None) -> PurgeReport:
    """Delete ended sessions, spent SMS codes and outbox messages, stale throttle rows and login attempts
    past 180 days."""
    now = now or utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    ended = or_(LoginSession.revoked_at.is_not(None), LoginSession.expires_at <= now,
                LoginSession.last_seen_at < now - idle)
    counts = [
        rows_changed(session, delete(LoginSession).where(ended)),
        rows_changed(session, delete(SmsCode).where(SmsCode.expires_at <= now, SmsCode.created_at < now - SMS_KEEP)),
        rows_changed(session, delete(QueryThrottle).where(QueryThrottle.at < now - THROTTLE_KEEP)),
        rows_changed(session, delete(LoginAttempt).where(LoginAttempt.at < now - LOGIN_LOG_KEEP)),
        rows_changed(session, delete(SmsOutbox).where(or_(
            (SmsOutbox.status != OutboxStatus.PENDING) & (SmsOutbox.done_at < now - SMS_KEEP),
            SmsOutbox.expires_at < now - SMS_KEEP))),
    ]
    return PurgeReport(*counts)
