"""Signed, short-lived tokens for QR sign-in.

The organiser's screen shows a QR whose token names the session and the 30-second step it was made
in, with an HMAC under the app secret (cme.crypto's keyed hash). A token is accepted in its own step
and the next one (so a code shown at the end of its step still works for a phone that scans it
late), and one step early for replicas whose clocks differ slightly: at most about 60 s after it
was shown, so a forwarded photo expires. Opening a valid QR gives the phone a *scan ticket* for the
same session, valid 15 minutes: time to log in before tapping 签到 / 签退.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from cme import clock, crypto
from cme.errors import DomainError

STEP_SECONDS = 30
TICKET_SECONDS = 15 * 60
EXPIRED = "二维码已过期，请重新扫描"


class TokenExpired(DomainError):
    def __init__(self, message: str = EXPIRED):
        super().__init__(message, "二维码")


def _epoch(now: datetime) -> int:
    return int(now.replace(tzinfo=UTC).timestamp())


def _mac(kind: str, session_id: int, stamp: int) -> str:
    return crypto.lookup_hash(f"attendance-{kind}:{session_id}:{stamp}")[:32]


def _sign(kind: str, session_id: int, stamp: int) -> str:
    return f"{session_id}.{stamp}.{_mac(kind, session_id, stamp)}"


def _open(kind: str, token: str | None) -> tuple[int, int]:
    """(session id, stamp) of a token whose signature holds; TokenExpired for anything else."""
    try:
        sid_text, stamp_text, mac = (token or "").strip().split(".")
        session_id, stamp = int(sid_text), int(stamp_text)
    except ValueError:
        raise TokenExpired() from None
    if not hmac.compare_digest(mac, _mac(kind, session_id, stamp)):
        raise TokenExpired()
    return session_id, stamp


def qr_token(session_id: int, now: datetime | None = None) -> str:
    """The token shown in the QR during the current 30-second step."""
    return _sign("qr", session_id, _epoch(now or clock.utcnow()) // STEP_SECONDS)


def seconds_left(now: datetime | None = None) -> int:
    """Seconds until the QR changes (for the organiser's screen)."""
    return STEP_SECONDS - _epoch(now or clock.utcnow()) % STEP_SECONDS


def check_qr_token(token: str | None, now: datetime | None = None) -> int:
    """The session id of a QR token still inside its window, else TokenExpired."""
    session_id, step = _open("qr", token)
    age = _epoch(now or clock.utcnow()) // STEP_SECONDS - step
    if not -1 <= age <= 1:
        raise TokenExpired()
    return session_id


@dataclass(frozen=True)
class ScanTicket:
    session_id: int
    value: str


def scan_ticket(session_id: int, now: datetime | None = None) -> ScanTicket:
    return ScanTicket(session_id, _sign("scan", session_id, _epoch(now or clock.utcnow())))


def check_scan_ticket(ticket: str | None, now: datetime | None = None) -> int:
    """The session id of a scan ticket issued less than 15 minutes ago, else TokenExpired."""
    session_id, issued = _open("scan", ticket)
    if not 0 <= _epoch(now or clock.utcnow()) - issued <= TICKET_SECONDS:
        raise TokenExpired()
    return session_id
