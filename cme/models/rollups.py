"""Stored totals and verdicts, moved in the transaction of every change (cme.core.rollups, cme.core.verdicts)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from cme.domain.enums import Verdict
from cme.models.base import Base, Credits, IntPK, UserId, one_of


class CreditSummary(Base):
    """Per-person-per-year totals, kept in the transaction of every credit change (SPEC §9)."""

    __tablename__ = "credit_summaries"
    user_id: Mapped[UserId] = mapped_column(primary_key=True)
    year: Mapped[IntPK]
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    national_i: Mapped[Decimal] = mapped_column(Credits, default=0)
    provincial_i: Mapped[Decimal] = mapped_column(Credits, default=0)
    class_ii: Mapped[Decimal] = mapped_column(Credits, default=0)
    projects_i: Mapped[int] = mapped_column(default=0)
    projects_ii: Mapped[int] = mapped_column(default=0)
    pending_i: Mapped[Decimal] = mapped_column(Credits, default=0)
    pending_ii: Mapped[Decimal] = mapped_column(Credits, default=0)
    # The stored verdict of the person-year (cme.credits.verdicts), kept with the totals above so that
    # analytics never judge in Python: the standard, 达标/未达标/未设置, the national cycle, shortfalls.
    pending_records: Mapped[int] = mapped_column(default=0)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("credit_standards.id"))
    standard_code: Mapped[str | None] = mapped_column(String(20))
    title_level: Mapped[str | None] = mapped_column(String(10))
    verdict: Mapped[str] = mapped_column(String(8), default=Verdict.UNSET)
    national_i_cycle: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    short_national_i: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0)
    short_provincial_i: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0)
    short_class_ii: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0)
    short_total: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0)
    __table_args__ = (
        Index("ix_credit_summaries_inst_year", "institution_id", "year"),
        one_of("verdict", Verdict),
    )


class VerdictRollup(Base):
    """Counts of stored verdicts of today's staff (approved persons) per institution, year, department, title
    level and standard, moved by delta in the transaction of every change (cme.core.rollups).

    ``department_id`` 0 = no department; ``title_level``/``standard_code`` '' = no standard that year.
    ``pending`` counts pending credit records. 未设置 is not stored: it is staff − 达标 − 未达标.
    """

    __tablename__ = "verdict_rollups"
    institution_id: Mapped[IntPK]
    year: Mapped[IntPK]
    department_id: Mapped[IntPK]
    title_level: Mapped[str] = mapped_column(String(10), primary_key=True)
    standard_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    met: Mapped[int] = mapped_column(default=0)
    not_met: Mapped[int] = mapped_column(default=0)
    pending: Mapped[int] = mapped_column(default=0)


class InstitutionYearRollup(Base):
    """The same counts per institution and year only: what the province's pages read (1,400 rows a year)."""

    __tablename__ = "institution_year_rollups"
    institution_id: Mapped[IntPK]
    year: Mapped[IntPK]
    met: Mapped[int] = mapped_column(default=0)
    not_met: Mapped[int] = mapped_column(default=0)
    pending: Mapped[int] = mapped_column(default=0)
    __table_args__ = (Index("ix_institution_year_rollups_year", "year"),)


class StaffCount(Base):
    """Today's staff (approved persons) per institution and department (0 = none), moved by delta."""

    __tablename__ = "staff_counts"
    institution_id: Mapped[IntPK]
    department_id: Mapped[IntPK]
    staff: Mapped[int] = mapped_column(default=0)
