"""Profile: the approved 个人基本信息, its list parts, change requests and transfers (调动)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cme.clock import utcnow
from cme.domain.enums import ReviewStatus
from cme.models.base import Base, IntPK, UserId, one_of, partial_index


class Profile(Base):
    """The approved 个人基本信息 (fig. 30 fields + 技术职称) as one JSON document."""

    __tablename__ = "profiles"
    user_id: Mapped[UserId] = mapped_column(primary_key=True)
    basic: Mapped[dict] = mapped_column(JSON, default=dict)
    photo_key: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileEntry(Base):
    """One row of the five list parts: education, training, publication, work, award."""

    __tablename__ = "profile_entries"
    id: Mapped[IntPK]
    user_id: Mapped[UserId]
    part: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    sort_order: Mapped[int] = mapped_column(default=0)
    __table_args__ = (
        CheckConstraint("part in ('education','training','publication','work','award')", name="part"),
        Index("ix_profile_entries_user_part", "user_id", "part"),
    )


class ProfileChangeRequest(Base):
    """A person's pending change: before/after snapshots of all six parts."""

    __tablename__ = "profile_change_requests"
    id: Mapped[IntPK]
    user_id: Mapped[UserId]
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.PENDING)
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[UserId | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    __table_args__ = (
        one_of("status", ReviewStatus),
        partial_index("uq_profile_change_requests_one_pending", "user_id", unique=True, where="status = 'pending'"),
        Index("ix_profile_change_requests_inst_status", "institution_id", "status"),
        Index("ix_profile_change_requests_user", "user_id"),
    )


class Transfer(Base):
    """调动: a move to another institution, decided by the receiving admin."""

    __tablename__ = "transfers"
    id: Mapped[IntPK]
    user_id: Mapped[UserId] = mapped_column(index=True)
    from_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    to_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    to_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(String(500))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[UserId | None]
    __table_args__ = (one_of("status", ReviewStatus),)
