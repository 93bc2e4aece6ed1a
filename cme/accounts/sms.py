"""SMS verification codes and the pluggable gateway that delivers them (SPEC §3).

Every message goes through the outbox (table sms_outbox): written, encrypted, in the caller's unit of
work and sent after its commit (`cme.db.on_commit`); a message whose send failed or whose process died
stays pending and `python -m cme send-outbox` (cron) sends it. A sender claims a message with a
conditional update holding a lease, so two senders never send it twice while both live; a sender
killed between the gateway's acceptance and the mark `sent` leaves it to be sent again when its lease
ends (at least once: nothing can make an HTTP call and a commit one act). The text, which may carry a
code, is blanked once sent or expired.

Rules: a code is 6 digits from `secrets`, stored only as a keyed hash, valid 5 minutes, single use,
void after 5 wrong tries; a new one may be asked for after 60 s, at most 10 per number per day;
each code is bound to its phone number and purpose (register / reset / change_phone).

A correct code turns into a *ticket* (`<row id>.<mac>`) that proves, for 30 minutes, that the number
was verified for that purpose; the action it guards (registration, phone change) redeems it once.
The ticket reuses the SmsCode row: `used_at` set, `expires_at` moved to the ticket's end, and moved
back to `used_at` on redemption.

Gateways: `console` (default: logs the message with the number masked; keeps an in-process outbox for
tests and, in demo mode, the code is handed back so the page can show it) and `http` (POST JSON to
CME_SMS_HTTP_URL with CME_SMS_HTTP_TOKEN as bearer token).
"""
from __future__ import annotations

import hmac
import json
import logging
import secrets
import urllib.request
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from cme import crypto
from cme.clock import utcnow
from cme.config import get_settings
from cme.core import throttle
from cme.db import keep_on_refusal, on_commit, rows_changed, session_scope
from cme.domain.enums import OutboxStatus, SmsKind
from cme.errors import DomainError, Throttled, ValidationError
from cme.models import SmsCode, SmsOutbox

log = logging.getLogger("cme.sms")

PURPOSES = {"register": "注册", "reset": "找回密码", "change_phone": "更换手机号"}
NOTICE_PURPOSE = "notice"  # a message without a code (学分提醒); counted in the daily limit, never verified
MESSAGE = "【省卫计信息中心】您的验证码为：{code}。"
CODE_TTL = timedelta(minutes=5)
TICKET_TTL = timedelta(minutes=30)
RESEND_SECONDS = 60
DAILY_LIMIT = 10
MAX_TRIES = 5
FIELD = "验证码"
NOTICE_TTL = timedelta(days=1)  # a reminder not sent within a day is stale
LEASE = timedelta(seconds=60)  # a sender's claim; longer than the HTTP gateway's timeout


# ---- gateways ------------------------------------------------------------------------------


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleGateway:
    """Logs each message (number masked); the outbox keeps the last ones for tests and demos."""

    outbox: deque[tuple[str, str]] = deque(maxlen=200)

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))
        log.info("SMS to %s: %s", crypto.mask_phone(phone), text)


class HttpGateway:
    """A provider reached over HTTP: POST {"phone": ..., "message": ...}."""

    def __init__(self, url: str, token: str | None, timeout: float = 10):
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "message": text}).encode()
        req = urllib.request.Request(self.url, data=body, method="POST", headers={"Content-Type": "application/json"})
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (configured URL)
                if resp.status >= 300:
                    raise OSError(f"HTTP {resp.status}")
        except OSError as e:
            log.warning("SMS gateway failed for %s: %s", crypto.mask_phone(phone), e)
            raise DomainError("短信发送失败，请稍后再试") from e


def get_gateway() -> SmsGateway:
    """The configured gateway. The console one writes codes where operators can read them, so it is
    refused outside demo mode: a real deployment must configure its provider."""
    settings = get_settings()
    if settings.sms_backend == "http":
        if not settings.sms_http_url:
            raise DomainError("短信网关未配置（CME_SMS_HTTP_URL）")
        return HttpGateway(settings.sms_http_url, settings.sms_http_token)
    if not settings.demo:
        log.error("CME_SMS_BACKEND=console is only for demo mode (CME_DEMO=1); configure CME_SMS_BACKEND=http")
        raise DomainError("短信网关未配置，暂时无法发送验证码，请联系管理员")
    return ConsoleGateway()


# ---- outbox ---------------------------------------------------------------------------------


def queue(session: Session, phone: str, text: str, *, kind: SmsKind, ttl: timedelta, gateway: SmsGateway | None = None,
          send_after_commit: bool = True) -> int:
    """Write a message in the caller's unit of work; it is sent after the commit (or, with
    `send_after_commit=False`, by the caller's `deliver` after its commit, else by send-outbox)."""
    now = utcnow()
    row = SmsOutbox(phone_enc=crypto.encrypt(phone), body_enc=crypto.encrypt(text), kind=kind, status=OutboxStatus.PENDING,
                    attempts=0, created_at=now, expires_at=now + ttl)
    session.add(row)
    session.flush()
    row_id = row.id
    if send_after_commit:
        on_commit(session, lambda: deliver([row_id], gateway))
    return row_id


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0  # left pending for the next send-outbox run
    expired: int = 0

    def summary(self) -> str:
        return f"短信发件箱：已发送 {self.sent} 条，发送失败 {self.failed} 条（保留待重试），过期未发 {self.expired} 条"


def _claim(row_id: int, now: datetime) -> tuple[str, str] | None:
    """Take the message for LEASE (its own short transaction), or None: sent, expired or another sender's."""
    with session_scope() as s:
        row = s.execute(
            update(SmsOutbox)
            .where(SmsOutbox.id == row_id, SmsOutbox.status == OutboxStatus.PENDING, SmsOutbox.expires_at > now,
                   or_(SmsOutbox.claimed_until.is_(None), SmsOutbox.claimed_until <= now))
            .values(claimed_until=now + LEASE, attempts=SmsOutbox.attempts + 1)
            .returning(SmsOutbox.phone_enc, SmsOutbox.body_enc).execution_options(synchronize_session=False)
        ).first()
    return None if row is None else (crypto.decrypt(row.phone_enc), crypto.decrypt(row.body_enc))


def _settle(row_id: int, error: str | None = None) -> None:
    values = ({"status": OutboxStatus.SENT, "done_at": utcnow(), "body_enc": None, "claimed_until": None} if error is None
              else {"claimed_until": None, "last_error": error[:200]})
    with session_scope() as s:
        s.execute(update(SmsOutbox).where(SmsOutbox.id == row_id).values(**values)
                  .execution_options(synchronize_session=False))


def deliver(ids: list[int], gateway: SmsGateway | None = None, *, now: datetime | None = None) -> Delivery:
    """Send the given outbox messages, each claimed first; outside any unit of work (after a commit)."""
    result = Delivery()
    gw = None
    for row_id in ids:
        claimed = _claim(row_id, now or utcnow())
        if claimed is None:
            continue
        try:
            gw = gw or gateway or get_gateway()
            gw.send(*claimed)
        except Exception as e:  # noqa: BLE001 — after the commit nothing may be raised to the user; retried later
            log.warning("SMS outbox message %s not sent: %s", row_id, e)
            _settle(row_id, error=str(e) or type(e).__name__)
            result.failed += 1
            continue
        _settle(row_id)
        result.sent += 1
    return result


def send_pending(gateway: SmsGateway | None = None, *, now: datetime | None = None) -> Delivery:
    """`python -m cme send-outbox`: expire stale messages, send every pending one nobody holds."""
    now = now or utcnow()
    with session_scope() as s:
        expired = rows_changed(
            s,
            update(SmsOutbox).where(SmsOutbox.status == OutboxStatus.PENDING, SmsOutbox.expires_at <= now)
            .values(status=OutboxStatus.EXPIRED, done_at=now, body_enc=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        ids = list(s.scalars(select(SmsOutbox.id).where(
            SmsOutbox.status == OutboxStatus.PENDING, or_(SmsOutbox.claimed_until.is_(None), SmsOutbox.claimed_until <= now))
            .order_by(SmsOutbox.id)))
    result = deliver(ids, gateway, now=now) if ids else Delivery()
    result.expired = expired
    return result


# ---- codes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    masked_phone: str
    valid_minutes: int
    demo_code: str | None  # only in demo mode with the console gateway: shown on screen


def _code_hash(phone: str, purpose: str, code: str) -> str:
    return crypto.lookup_hash(f"sms:{purpose}:{phone}:{code}")


def _ticket_mac(row_id: int, phone_hash: str, purpose: str) -> str:
    return crypto.lookup_hash(f"sms-ticket:{row_id}:{phone_hash}:{purpose}")[:32]


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown SMS purpose {purpose!r}")


def _china_midnight_utc(now: datetime) -> datetime:
    local = now.replace(tzinfo=None) + timedelta(hours=8)
    start_local = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start_local - timedelta(hours=8)


def _sent_today(session: Session, phone_hash: str, now: datetime) -> int:
    """Messages to this number since China midnight: codes and notices alike."""
    return session.execute(
        select(func.count()).select_from(SmsCode)
        .where(SmsCode.phone_hash == phone_hash, SmsCode.created_at >= _china_midnight_utc(now))
    ).scalar_one()


def reserve_notice(session: Session, phone: str, now: datetime | None = None) -> bool:
    """Count a non-code message (a reminder) in the number's daily limit; False when the limit is
    reached. The row carries no code and is void from the start; the caller sends after its commit."""
    now = now or utcnow()
    phone_hash = crypto.lookup_hash(phone)
    if _sent_today(session, phone_hash, now) >= DAILY_LIMIT:
        return False
    session.add(SmsCode(phone_hash=phone_hash, purpose=NOTICE_PURPOSE, code_hash="-", created_at=now, expires_at=now,
                        used_at=now, attempts=0))
    return True


def send_code(session: Session, phone: str, purpose: str, *, gateway: SmsGateway | None = None) -> IssuedCode:
    """Issue and send a code for a verified-format `phone`; older unused codes of that purpose are voided."""
    _check_purpose(purpose)
    now = utcnow()
    phone_hash = crypto.lookup_hash(phone)
    throttle.lock_key(session, f"sms:{phone_hash}")  # the resend and daily checks below must not race
    last = session.scalars(
        select(SmsCode).where(SmsCode.phone_hash == phone_hash, SmsCode.purpose == purpose)
        .order_by(SmsCode.created_at.desc()).limit(1)
    ).first()
    if last is not None:
        waited = (now - last.created_at).total_seconds()
        if waited < RESEND_SECONDS:
            raise Throttled(f"验证码已发送，请{int(RESEND_SECONDS - waited) + 1}秒后再重新获取", "手机号码")
    if _sent_today(session, phone_hash, now) >= DAILY_LIMIT:
        raise Throttled(f"该手机号今日获取验证码已达{DAILY_LIMIT}次，请明天再试", "手机号码")
    # one budget for the whole platform: a script cycling through many numbers cannot run up the
    # SMS bill or flood strangers' phones (each number's own limits above do not stop that)
    sent_last_hour = session.execute(
        select(func.count()).select_from(SmsCode).where(SmsCode.created_at >= now - timedelta(hours=1))
    ).scalar_one()
    if sent_last_hour >= get_settings().sms_hourly_budget:
        log.warning("SMS hourly budget of %s reached", get_settings().sms_hourly_budget)
        raise Throttled("短信发送繁忙，请稍后再试", "手机号码")
    session.execute(
        update(SmsCode)
        .where(SmsCode.phone_hash == phone_hash, SmsCode.purpose == purpose, SmsCode.used_at.is_(None),
               SmsCode.expires_at > now)
        .values(expires_at=now)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(SmsCode(phone_hash=phone_hash, purpose=purpose, code_hash=_code_hash(phone, purpose, code),
                        created_at=now, expires_at=now + CODE_TTL, attempts=0))
    session.flush()
    gw = gateway or get_gateway()
    # sent after the commit: no message for a code that rolled back, no write lock held during the HTTP call
    queue(session, phone, MESSAGE.format(code=code), kind=SmsKind.CODE, ttl=CODE_TTL, gateway=gw)
    settings = get_settings()
    demo_code = code if settings.demo and isinstance(gw, ConsoleGateway) else None
    return IssuedCode(crypto.mask_phone(phone), int(CODE_TTL.total_seconds() // 60), demo_code)


def verify_code(session: Session, phone: str, purpose: str, code: str) -> str:
    """Check `code` for `phone` and `purpose`; returns a ticket. A wrong try is recorded even though it fails."""
    _check_purpose(purpose)
    code = (code or "").strip()
    if not code:
        raise ValidationError({FIELD: "不能为空"})
    now = utcnow()
    phone_hash = crypto.lookup_hash(phone)
    live = (SmsCode.used_at.is_(None), SmsCode.expires_at > now, SmsCode.attempts < MAX_TRIES)
    row_id = session.scalar(
        select(SmsCode.id).where(SmsCode.phone_hash == phone_hash, SmsCode.purpose == purpose, *live)
        .order_by(SmsCode.created_at.desc()).limit(1)
    )
    # Count the try BEFORE judging it, in one conditional statement: of forty parallel guesses at
    # most MAX_TRIES get a row back and are judged; the rest find the code spent.
    claimed = session.execute(
        update(SmsCode).where(SmsCode.id == row_id, *live).values(attempts=SmsCode.attempts + 1)
        .returning(SmsCode.code_hash, SmsCode.attempts).execution_options(synchronize_session=False)
    ).first() if row_id is not None else None
    if row_id is None or claimed is None:
        raise ValidationError({FIELD: "已失效或未获取，请重新获取验证码"})
    code_hash, tries = claimed
    if not hmac.compare_digest(code_hash, _code_hash(phone, purpose, code)):
        left = MAX_TRIES - tries
        if left <= 0:
            session.execute(update(SmsCode).where(SmsCode.id == row_id).values(expires_at=now))
        keep_on_refusal(session)  # the wrong try must count although the action is refused
        if left <= 0:
            raise ValidationError({FIELD: f"错误次数过多（{MAX_TRIES}次），已失效，请重新获取"})
        raise ValidationError({FIELD: f"不正确，还可尝试{left}次"})
    session.execute(update(SmsCode).where(SmsCode.id == row_id).values(used_at=now, expires_at=now + TICKET_TTL)
                    .execution_options(synchronize_session="fetch"))
    return f"{row_id}.{_ticket_mac(row_id, phone_hash, purpose)}"


def redeem_ticket(session: Session, phone: str, purpose: str, ticket: str | None) -> None:
    """Use up the proof that `phone` was verified for `purpose` (once, within 30 minutes)."""
    _check_purpose(purpose)
    refused = ValidationError({"手机号码": "手机验证已失效，请重新获取验证码"})
    try:
        row_id_text, mac = (ticket or "").split(".", 1)
        row_id = int(row_id_text)
    except ValueError:
        raise refused from None
    phone_hash = crypto.lookup_hash(phone)
    if not hmac.compare_digest(mac, _ticket_mac(row_id, phone_hash, purpose)):
        raise refused
    row = session.get(SmsCode, row_id, with_for_update=True)
    now = utcnow()
    if row is None or row.used_at is None or row.expires_at <= now or row.phone_hash != phone_hash or row.purpose != purpose:
        raise refused
    row.expires_at = row.used_at


def ticket_valid(session: Session, phone: str, purpose: str, ticket: str | None) -> bool:
    """Whether `ticket` would still be accepted (for a page deciding which step to show)."""
    try:
        row_id_text, mac = (ticket or "").split(".", 1)
        row = session.get(SmsCode, int(row_id_text))
    except ValueError:
        return False
    phone_hash = crypto.lookup_hash(phone)
    return bool(
        row and row.used_at and row.expires_at > utcnow() and row.phone_hash == phone_hash and row.purpose == purpose
        and hmac.compare_digest(mac, _ticket_mac(row.id, phone_hash, purpose))
    )


__all__ = ["ConsoleGateway", "Delivery", "HttpGateway", "IssuedCode", "SmsGateway", "deliver", "get_gateway", "queue",
           "send_code", "send_pending", "verify_code", "redeem_ticket", "ticket_valid", "reserve_notice", "PURPOSES",
           "MESSAGE"]
