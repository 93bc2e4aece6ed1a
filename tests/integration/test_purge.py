"""`purge`: spent sessions, SMS codes, throttle rows and old login attempts go; what is still in use,
and the audit log, stays."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cme.accounts import auth
from cme.cli import main
from cme.clock import utcnow
from cme.db import session_scope
from cme.models import AuditLog, LoginAttempt, LoginSession, QueryThrottle, SmsCode
from cme.ops.purge import purge_expired
from tests.factories import make_institution, make_person


def _session(s, user_id, name, *, created, last_seen, expires, revoked=None):
    s.add(LoginSession(token_hash=name.ljust(64, "0"), user_id=user_id, created_at=created, last_seen_at=last_seen,
                       expires_at=expires, revoked_at=revoked))


def _sms(s, name, *, created, expires):
    s.add(SmsCode(phone_hash=name.ljust(64, "0"), purpose="register", code_hash="0" * 64, created_at=created,
                  expires_at=expires))


def _remaining(s, column) -> set[str]:
    return {v.rstrip("0") for v in s.scalars(select(column))}


def test_purge_keeps_what_is_in_use_and_the_audit_log(db):
    now = utcnow()
    h, d = timedelta(hours=1), timedelta(days=1)
    with session_scope() as s:
        user = make_person(s, make_institution(s))
        token = auth.redeem_ticket(s, auth.open_session(s, user.id))  # a live login (ticket swapped for its token)
        _session(s, user.id, "revoked", created=now - h, last_seen=now - h / 60, expires=now + h, revoked=now - h / 2)
        _session(s, user.id, "expired", created=now - 13 * h, last_seen=now - h / 60, expires=now - h / 60)
        _session(s, user.id, "idle", created=now - 2 * h, last_seen=now - h, expires=now + 10 * h)
        _sms(s, "live", created=now - h / 60, expires=now + h / 12)
        _sms(s, "spent1", created=now - 2 * h, expires=now - 2 * h + h / 12)   # still counts toward today's quota
        _sms(s, "spent2", created=now - 2 * d, expires=now - 2 * d + h / 12)
        s.add_all([QueryThrottle(key="fresh", at=now - h / 2), QueryThrottle(key="stale", at=now - 2 * h)])
        s.add_all([LoginAttempt(login="recent", success=False, at=now - 170 * d),
                   LoginAttempt(login="old", success=False, at=now - 181 * d)])
        s.add(AuditLog(at=now - 400 * d, actor_id=user.id, action="credit.approve", entity="credit", entity_id="1"))

    with session_scope() as s:
        report = purge_expired(s)
    assert (report.sessions, report.sms_codes, report.throttles, report.login_attempts) == (3, 1, 1, 1)

    with session_scope() as s:
        assert auth.resume_session(s, token) == user.id  # the live login still works
        assert len(s.scalars(select(LoginSession)).all()) == 1
        assert _remaining(s, SmsCode.phone_hash) == {"live", "spent1"}
        assert set(s.scalars(select(QueryThrottle.key))) == {"fresh"}
        assert set(s.scalars(select(LoginAttempt.login))) == {"recent"}
        assert s.scalars(select(AuditLog.action).where(AuditLog.at < now - 300 * d)).all() == ["credit.approve"]

    with session_scope() as s:  # a second run finds nothing more
        assert purge_expired(s) == type(report)(0, 0, 0, 0)


def test_purge_command_prints_what_it_deleted(sqlite_db, capsys):
    with session_scope() as s:
        s.add(QueryThrottle(key="stale", at=utcnow() - timedelta(days=3)))
    assert main(["purge"]) == 0
    out = capsys.readouterr().out
    assert "查询限流记录 1 条" in out and "登录会话 0 条" in out and "审计日志不清理" in out
    with session_scope() as s:
        assert s.scalars(select(QueryThrottle)).all() == []
