"""Accounts: users, their sessions and login attempts, SMS codes and the public-query throttle."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cme.clock import utcnow
from cme.domain.enums import AccountStatus, OutboxStatus, Role, SmsKind
from cme.models.base import Base, IntPK, UserId, one_of, partial_index


class User(Base):
    __tablename__ = "users"
    id: Mapped[IntPK]
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    password_scheme: Mapped[str] = mapped_column(String(20), default="bcrypt")  # legacy imports differ
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(10))  # person / unit / province
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(20))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(100))
    sex: Mapped[str | None] = mapped_column(String(2))
    birth_date: Mapped[date | None]
    joins_cme: Mapped[bool] = mapped_column(default=True)  # 参加继教
    standard_basis: Mapped[str | None] = mapped_column(String(50))  # 学分达标遵照
    status: Mapped[str] = mapped_column(String(10), default=AccountStatus.PENDING)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[UserId | None]
    consent_at: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(default=False)
    profile_completed: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    __table_args__ = (
        one_of("role", Role),
        one_of("status", AccountStatus),
        CheckConstraint("role = 'province' or institution_id is not null", name="institution"),
        Index("ix_users_inst_status", "institution_id", "status"),
        # 待审核 registrations province-wide without reading 700,000 staff rows
        partial_index("ix_users_pending", "institution_id", where="status = 'pending'"),
    )


class LoginSession(Base):
    """Server-side session; the browser cookie holds only the token (its hash is stored).

    Login opens it pending: no token yet, only a one-time ticket that expires in a minute. The
    browser swaps the ticket for the HttpOnly cookie at /session/start, so the long-lived token
    never appears in a URL, a page or script-readable storage.
    """

    __tablename__ = "login_sessions"
    id: Mapped[IntPK]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[datetime | None]
    user_id: Mapped[UserId] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[IntPK]
    login: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[UserId | None] = mapped_column(index=True)
    success: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsCode(Base):
    __tablename__ = "sms_codes"
    id: Mapped[IntPK]
    phone_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(20))  # register / reset / change_phone
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_sms_codes_phone_created", "phone_hash", "created_at"),)


class QueryThrottle(Base):
    """Counts public look-ups (注册状态查询, 忘记密码) per key to stop enumeration."""

    __tablename__ = "query_throttles"
    id: Mapped[IntPK]
    key: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_query_throttles_key_at", "key", "at"),)


class SmsOutbox(Base):
    """A text message written in the transaction that decided to send it, sent after the commit.

    Phone and text are encrypted (a code is in the text) and the text is blanked once the message is
    sent or has expired; `claimed_until` is a sender's lease, so two senders never send one message
    and a sender that died mid-send leaves it to the next run of `python -m cme send-outbox`.
    """

    __tablename__ = "sms_outbox"
    id: Mapped[IntPK]
    phone_enc: Mapped[str] = mapped_column(Text)
    body_enc: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))  # an SmsKind
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # a code past its validity is not worth sending
    done_at: Mapped[datetime | None]
    __table_args__ = (
        one_of("status", OutboxStatus),
        one_of("kind", SmsKind),
        Index("ix_sms_outbox_status_created", "status", "created_at"),
    )
