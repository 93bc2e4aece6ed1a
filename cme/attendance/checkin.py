"""The attendee's side of a QR sign-in: open the scanned code, then 签到 / 签退.

Rules: any approved person of any institution; only while the session is open and inside the
window of the action; a second 签到 or 签退 changes nothing (the first time stands); 签退 needs a
签到 and, when the session asks for it, the minimum time present.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cme import clock
from cme.attendance import tokens
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.db import rows_changed
from cme.domain.compliance import format_credit
from cme.domain.enums import AttendanceSource, AttendanceStatus
from cme.errors import DomainError, NotPermitted, RecordLocked
from cme.models import AttendanceEntry, AttendanceSession


@dataclass(frozen=True)
class ScanInfo:
    """What the phone shows after a scan, and the ticket it keeps for the 签到 / 签退 taps."""

    ticket: str
    project_code: str
    project_name: str
    organizer: str
    credit: str  # `省级I类 2分`
    held_on: date
    place: str
    sign_in: str
    sign_out: str


def _hm_window(start, end) -> str:
    return f"{clock.to_local(start):%H:%M}–{clock.to_local(end):%H:%M}"


def _open_session(session: Session, session_id: int) -> AttendanceSession:
    sess = session.get(AttendanceSession, session_id)
    if sess is None:
        raise tokens.TokenExpired()
    if sess.status != AttendanceStatus.OPEN:
        raise RecordLocked("本场签到已结束")
    return sess


def open_scan(session: Session, token: str | None) -> ScanInfo:
    """A scanned QR: the session it names, if the code is still fresh and the session open."""
    return _scan_info(_open_session(session, tokens.check_qr_token(token)), None)


def reopen_scan(session: Session, ticket: str | None) -> ScanInfo:
    """The same page again after logging in (the login round trip reloads it): the scan ticket,
    valid 15 minutes, stands for the QR that was scanned."""
    return _scan_info(_open_session(session, tokens.check_scan_ticket(ticket)), ticket)


def _scan_info(sess: AttendanceSession, ticket: str | None) -> ScanInfo:
    return ScanInfo(ticket or tokens.scan_ticket(sess.id).value, sess.project_code, sess.project_name, sess.organizer,
                    f"{sess.credit_type} {format_credit(sess.credits)}分", sess.held_on, sess.place,
                    _hm_window(sess.sign_in_from, sess.sign_in_to), _hm_window(sess.sign_out_from, sess.sign_out_to))


@dataclass(frozen=True)
class AttendeeState:
    signed_in_at: str  # China time, '' when not yet
    signed_out_at: str
    message: str = ""
    changed: bool = False

    @property
    def signed_in(self) -> bool:
        return bool(self.signed_in_at)

    @property
    def signed_out(self) -> bool:
        return bool(self.signed_out_at)


def _entry(session: Session, session_id: int, user_id: int) -> AttendanceEntry | None:
    return session.scalar(select(AttendanceEntry).where(AttendanceEntry.session_id == session_id,
                                                        AttendanceEntry.user_id == user_id))


def _state(entry: AttendanceEntry | None, message: str = "", changed: bool = False) -> AttendeeState:
    if entry is None:
        return AttendeeState("", "", message, changed)
    return AttendeeState(clock.fmt_local(entry.signed_in_at), clock.fmt_local(entry.signed_out_at), message, changed)


def _attendee(actor: Actor) -> None:
    if not actor.is_person:
        raise NotPermitted("只有个人用户可以签到")


@use_case
def my_attendance(session: Session, actor: Actor, ticket: str) -> AttendeeState:
    """Where the person stands in the scanned session."""
    session_id = tokens.check_scan_ticket(ticket)
    return _state(_entry(session, session_id, actor.id))


def _hm(dt) -> str:
    return f"{clock.to_local(dt):%H:%M}"


@use_case
def sign_in(session: Session, actor: Actor, ticket: str) -> AttendeeState:
    """签到 inside the sign-in window; a second tap keeps the first time."""
    _attendee(actor)
    sess = _open_session(session, tokens.check_scan_ticket(ticket))
    existing = _entry(session, sess.id, actor.id)
    if existing is not None and existing.signed_in_at is not None:
        return _state(existing, f"您已于 {_hm(existing.signed_in_at)} 签到，无需重复签到")
    now = clock.utcnow()
    if not sess.sign_in_from <= now <= sess.sign_in_to:
        raise DomainError(f"不在签到时间内（签到时间 {_hm_window(sess.sign_in_from, sess.sign_in_to)}）", "签到")
    try:
        with session.begin_nested():  # a double tap racing itself: the unique (session, person) decides
            entry = AttendanceEntry(session_id=sess.id, user_id=actor.id, source=AttendanceSource.SCAN, signed_in_at=now)
            session.add(entry)
    except IntegrityError:
        theirs = _entry(session, sess.id, actor.id)
        assert theirs is not None  # the unique key refused ours because this row exists
        return _state(theirs, f"您已于 {_hm(theirs.signed_in_at)} 签到，无需重复签到")
    return _state(entry, f"签到成功（{_hm(now)}）", changed=True)


@use_case
def sign_out(session: Session, actor: Actor, ticket: str) -> AttendeeState:
    """签退 inside the sign-out window, after 签到 and the minimum time; a second tap keeps the first."""
    _attendee(actor)
    sess = _open_session(session, tokens.check_scan_ticket(ticket))
    entry = _entry(session, sess.id, actor.id)
    if entry is None or entry.signed_in_at is None:
        raise DomainError("您尚未签到，不能签退", "签退")
    if entry.signed_out_at is not None:
        return _state(entry, f"您已于 {_hm(entry.signed_out_at)} 签退，无需重复签退")
    now = clock.utcnow()
    if not sess.sign_out_from <= now <= sess.sign_out_to:
        raise DomainError(f"不在签退时间内（签退时间 {_hm_window(sess.sign_out_from, sess.sign_out_to)}）", "签退")
    present = (now - entry.signed_in_at).total_seconds()
    if present < sess.min_minutes * 60:
        left = int((sess.min_minutes * 60 - present + 59) // 60)
        raise DomainError(f"签到后须满{sess.min_minutes}分钟才能签退，还需约{left}分钟", "签退")
    claimed = rows_changed(
        session,
        update(AttendanceEntry).where(AttendanceEntry.id == entry.id, AttendanceEntry.signed_out_at.is_(None))
        .values(signed_out_at=now)
    )
    session.refresh(entry)
    if not claimed:
        return _state(entry, f"您已于 {_hm(entry.signed_out_at)} 签退，无需重复签退")
    return _state(entry, f"签退成功（{_hm(now)}）", changed=True)
