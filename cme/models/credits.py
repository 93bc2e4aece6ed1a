"""Credits: the 项目库, credit records with their review trail, and the standards they are judged by."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cme.clock import utcnow
from cme.domain.enums import CreditClass, CreditSource, ReviewStatus
from cme.models.base import Base, Credits, IntPK, UserId, one_of, partial_index


class CreditStandard(Base):
    """学分标准, versioned by the year from which it applies."""

    __tablename__ = "credit_standards"
    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    effective_year: Mapped[int]
    national_i_per_cycle: Mapped[Decimal] = mapped_column(Credits)
    cycle_years: Mapped[int]
    provincial_i_per_year: Mapped[Decimal] = mapped_column(Credits)
    class_ii_per_year: Mapped[Decimal] = mapped_column(Credits)
    total_per_year: Mapped[Decimal] = mapped_column(Credits)
    region_level: Mapped[str] = mapped_column(String(20))
    title_level: Mapped[str | None] = mapped_column(String(10))
    __table_args__ = (
        UniqueConstraint("code", "effective_year", name="uq_credit_standards_code_year"),
        CheckConstraint("cycle_years between 1 and 10", name="cycle"),
    )


class PersonalStandard(Base):
    """个人学分标准: one per person and year."""

    __tablename__ = "personal_standards"
    id: Mapped[IntPK]
    user_id: Mapped[UserId]
    year: Mapped[int]
    region_level: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))  # `技师系列 - 副主任技师(副高)`
    standard_id: Mapped[int] = mapped_column(ForeignKey("credit_standards.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("user_id", "year", name="uq_personal_standards_user_year"),)


class Project(Base):
    """项目库: approved CME projects; a code found here fills the credit form."""

    __tablename__ = "projects"
    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    credit_type: Mapped[str] = mapped_column(String(10))
    credits: Mapped[Decimal] = mapped_column(Credits)
    form: Mapped[str | None] = mapped_column(String(20))
    subject_parent: Mapped[str | None] = mapped_column(String(50))
    subject_child: Mapped[str | None] = mapped_column(String(50))
    date_from: Mapped[date | None]
    date_to: Mapped[date | None]


class CreditRecord(Base):
    __tablename__ = "credit_records"
    id: Mapped[IntPK]
    user_id: Mapped[UserId]
    project_code: Mapped[str] = mapped_column(String(40))
    project_name: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]  # 举办年度
    credits: Mapped[Decimal] = mapped_column(Credits)
    credit_type: Mapped[str] = mapped_column(String(10))  # 国家级I类 / 省级I类 / II类
    form: Mapped[str] = mapped_column(String(20))  # 学分获取形式
    subject_parent: Mapped[str] = mapped_column(String(50))
    subject_child: Mapped[str] = mapped_column(String(50))
    date_from: Mapped[date]
    date_to: Mapped[date]
    remark: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.PENDING)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(10), default=CreditSource.ENTRY)
    proof_key: Mapped[str | None] = mapped_column(String(100))
    proof_mime: Mapped[str | None] = mapped_column(String(40))
    proof_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[UserId | None]
    __table_args__ = (
        CheckConstraint("credits > 0", name="credits_positive"),
        CheckConstraint("date_from <= date_to", name="dates_ordered"),
        one_of("status", ReviewStatus),
        one_of("credit_type", CreditClass),
        # the same person, project and year only once — a rejected record does not block re-entry
        partial_index("uq_credit_records_user_project_year", "user_id", "project_code", "year", unique=True,
                      where="status != 'rejected'"),
        Index("ix_credit_records_user_year", "user_id", "year"),
        Index("ix_credit_records_status_created", "status", "created_at"),
        # 学分审核 reads an institution's staff first, then only their pending records (10 % of 35M rows)
        partial_index("ix_credit_records_pending_user", "user_id", "created_at", where="status = 'pending'"),
    )


class CreditReview(Base):
    """The review trail of a credit record: submit, update, approve, reject, import."""

    __tablename__ = "credit_reviews"
    id: Mapped[IntPK]
    credit_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[UserId]
    action: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditDraft(Base):
    """What a person has typed into the credit form and not saved yet: one per person, kept on the server so
    F5, a lost connection or another replica brings it back; removed when the credit is saved."""

    __tablename__ = "credit_drafts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
