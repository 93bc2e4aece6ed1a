"""Per-person-per-year credit totals (SPEC §9), recomputed in the transaction of each change.

Recomputing one person-year from its own rows is cheap (an index on user_id, year) and cannot
drift, unlike incremental arithmetic.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from cme.domain.compliance import CLASS_II, NATIONAL_I, PROVINCIAL_I
from cme.core import verdicts
from cme.models import CreditRecord, CreditSummary, User

ZERO = Decimal("0")


def refresh_summary(session: Session, user_id: int, year: int) -> CreditSummary:
    session.flush()
    approved = CreditRecord.status == "approved"
    pending = CreditRecord.status == "pending"
    is_i = CreditRecord.credit_type.in_((NATIONAL_I, PROVINCIAL_I))

    def total(cond):
        return func.coalesce(func.sum(case((cond, CreditRecord.credits), else_=0)), 0)

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    row = session.execute(
        select(
            total(approved & (CreditRecord.credit_type == NATIONAL_I)),
            total(approved & (CreditRecord.credit_type == PROVINCIAL_I)),
            total(approved & (CreditRecord.credit_type == CLASS_II)),
            count(approved & is_i),
            count(approved & (CreditRecord.credit_type == CLASS_II)),
            total(pending & is_i),
            total(pending & (CreditRecord.credit_type == CLASS_II)),
            count(pending),
        ).where(CreditRecord.user_id == user_id, CreditRecord.year == year)
    ).one()
    summary = session.get(CreditSummary, (user_id, year))
    if summary is None:
        summary = CreditSummary(user_id=user_id, year=year, pending_records=0, verdict="unset")
        session.add(summary)
    pending_before = summary.pending_records
    summary.institution_id = session.get(User, user_id).institution_id
    (summary.national_i, summary.provincial_i, summary.class_ii, summary.projects_i, summary.projects_ii,
     summary.pending_i, summary.pending_ii) = (Decimal(str(row[0])), Decimal(str(row[1])), Decimal(str(row[2])),
                                               int(row[3]), int(row[4]), Decimal(str(row[5])), Decimal(str(row[6])))
    summary.pending_records = int(row[7])
    session.flush()
    verdicts.after_totals(session, summary, pending_before)  # stored verdict and rollups, same transaction
    return summary
