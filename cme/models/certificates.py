"""Certificates: issued 学分证明, kept for public verification."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from cme.clock import utcnow
from cme.domain.enums import CertificateKind
from cme.models.base import Base, IntPK, UserId, one_of


class Certificate(Base):
    """An issued 学分证明: serial, content hash and what it states, for public verification."""

    __tablename__ = "certificates"
    id: Mapped[IntPK]
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[UserId] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(10))  # combined / class1 / class2
    year_from: Mapped[int]
    year_to: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(500))
    __table_args__ = (one_of("kind", CertificateKind),)
