"""The QR on the organiser's screen: the public sign-in URL with the current token, as a PNG."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from cme.attendance import tokens
from cme.attendance.sessions import SessionView, session_view
from cme.config import get_settings
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.domain.enums import AttendanceStatus
from cme.reports.qr import qr_png

CHECKIN_PATH = "checkin"  # the url_path of app_pages/public/checkin.py


def checkin_url(session_id: int) -> str:
    return f"{get_settings().require_public_url()}/{CHECKIN_PATH}?t={tokens.qr_token(session_id)}"


@dataclass(frozen=True)
class LiveQr:
    view: SessionView
    url: str | None  # None once the session is closed
    png: bytes | None
    seconds_left: int


@use_case
def live_qr(session: Session, actor: Actor, session_id: int) -> LiveQr:
    """What the organiser's screen shows now: counts, and while open the QR of this 30-second step."""
    view = session_view(session, actor, session_id)
    if view.status != AttendanceStatus.OPEN:
        return LiveQr(view, None, None, 0)
    url = checkin_url(session_id)
    return LiveQr(view, url, qr_png(url, box_size=12), tokens.seconds_left())
