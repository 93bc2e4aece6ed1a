"""Attendance: QR sign-in sessions and their lists, 预报名 and shortfall reminders."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cme.clock import utcnow
from cme.domain.enums import AttendanceSource, AttendanceStatus
from cme.models.base import Base, Credits, IntPK, UserId, one_of


class AttendanceSession(Base):
    """签到场次 of a 项目库 project. The credit fields are copied from the project when it is opened,
    so what is granted is what was announced, even if the project is edited or deleted later."""

    __tablename__ = "attendance_sessions"
    id: Mapped[IntPK]
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    project_code: Mapped[str] = mapped_column(String(40))
    project_name: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    credit_type: Mapped[str] = mapped_column(String(10))
    credits: Mapped[Decimal] = mapped_column(Credits)
    form: Mapped[str] = mapped_column(String(20))
    subject_parent: Mapped[str] = mapped_column(String(50))
    subject_child: Mapped[str] = mapped_column(String(50))
    held_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(100))
    # windows in naive UTC, like every stored time
    sign_in_from: Mapped[datetime]
    sign_in_to: Mapped[datetime]
    sign_out_from: Mapped[datetime]
    sign_out_to: Mapped[datetime]
    min_minutes: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default=AttendanceStatus.OPEN)
    opened_by: Mapped[UserId]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[UserId | None]
    granted: Mapped[int] = mapped_column(default=0)
    __table_args__ = (
        one_of("status", AttendanceStatus),
        CheckConstraint("min_minutes >= 0", name="min_minutes"),
        CheckConstraint("sign_in_from < sign_in_to and sign_out_from < sign_out_to", name="windows"),
    )


class AttendanceEntry(Base):
    """One person on a session's list: scanned in (and out), or added by the organiser as a walk-in."""

    __tablename__ = "attendance_entries"
    id: Mapped[IntPK]
    session_id: Mapped[int] = mapped_column(ForeignKey("attendance_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[UserId] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(10), default=AttendanceSource.SCAN)
    signed_in_at: Mapped[datetime | None]
    signed_out_at: Mapped[datetime | None]
    added_by: Mapped[UserId | None]
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[UserId | None]
    removed_reason: Mapped[str | None] = mapped_column(String(200))
    credit_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id", ondelete="SET NULL"))
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_attendance_entries_session_user"),
        one_of("source", AttendanceSource),
    )


class ProjectEnrolment(Base):
    """预报名: a person means to attend a 项目库 project; the organiser sees the expected attendees."""

    __tablename__ = "project_enrolments"
    id: Mapped[IntPK]
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[UserId] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("project_id", "user_id", name="uq_project_enrolments_project_user"),)


class Reminder(Base):
    """提醒未达标: an in-app message to one person (and whether an SMS went with it)."""

    __tablename__ = "reminders"
    id: Mapped[IntPK]
    user_id: Mapped[UserId]
    year: Mapped[int]
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    sent_by: Mapped[UserId | None]  # None: the scheduled job
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    message: Mapped[str] = mapped_column(Text)
    sms: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_reminders_user_sent", "user_id", "sent_at"),)


class ReminderMark(Base):
    """When a person was last reminded: claimed by a conditional update, so two senders at once
    (an admin and the cron job) cannot both remind the same person within 7 days."""

    __tablename__ = "reminder_marks"
    user_id: Mapped[UserId] = mapped_column(primary_key=True)
    last_sent_at: Mapped[datetime]
