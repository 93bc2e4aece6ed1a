"""Per-person-per-year credit totals (SPEC §9), recomputed in the transaction of each change.

Recomputing one person-year from its own rows is cheap (an index on user_id, year) and cannot
drift, unlike incremental arithmetic. It must also not race: two admins approving two credits of
one person at once would each sum the rows they see and the last writer would store a total
missing the other's credit. So every recomputation first locks the person (`lock_person`):
PostgreSQL takes `SELECT … FOR NO KEY UPDATE` on the user row (the second transaction waits, then
its next statement sees the first one's committed rows under READ COMMITTED); SQLite transactions
already hold the database write lock from BEGIN IMMEDIATE (cme/db.py). FOR NO KEY UPDATE rather
than FOR UPDATE so that inserting a credit that references the user is not blocked.

Callers changing several people lock them in ascending id order (`refresh_summaries`) so that two
batches cannot deadlock.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from cme.core import verdicts
from cme.domain.compliance import CLASS_II, NATIONAL_I, PROVINCIAL_I
from cme.domain.enums import ReviewStatus, Verdict
from cme.models import CreditRecord, CreditSummary, User

ZERO = Decimal("0")


def lock_person(session: Session, user_id: int) -> int | None:
    """Serialise summary changes of one person until the transaction ends; returns their institution."""
    return session.execute(
        select(User.institution_id).where(User.id == user_id).with_for_update(key_share=True)
    ).scalar_one()


def refresh_summaries(session: Session, person_years: Iterable[tuple[int, int]]) -> None:
    """Recompute several person-years, locking people in ascending id order (no deadlock between batches)."""
    for user_id, year in sorted(set(person_years)):
        refresh_summary(session, user_id, year)


def refresh_summary(session: Session, user_id: int, year: int) -> CreditSummary:
    """Recompute one person-year from the raw rows, under the person's lock."""
    session.flush()
    institution_id = lock_person(session, user_id)
    row = session.execute(
        select(*totals_columns()).where(CreditRecord.user_id == user_id, CreditRecord.year == year)
    ).one()
    # populate_existing: a copy loaded earlier in this session may predate the lock holder's commit
    summary = session.get(CreditSummary, (user_id, year), populate_existing=True)
    if summary is None:
        summary = CreditSummary(user_id=user_id, year=year, pending_records=0, verdict=Verdict.UNSET)
        session.add(summary)
    pending_before = summary.pending_records
    summary.institution_id = institution_id
    for field, value in zip(TOTAL_FIELDS, as_totals(row), strict=True):
        setattr(summary, field, value)
    session.flush()
    verdicts.after_totals(session, summary, pending_before)  # stored verdict and rollups, same transaction
    return summary


TOTAL_FIELDS = ("national_i", "provincial_i", "class_ii", "projects_i", "projects_ii", "pending_i", "pending_ii",
                "pending_records")


def totals_columns() -> list:
    """The person-year totals as SQL aggregates over CreditRecord rows, in TOTAL_FIELDS order."""
    approved = CreditRecord.status == ReviewStatus.APPROVED
    pending = CreditRecord.status == ReviewStatus.PENDING
    is_i = CreditRecord.credit_type.in_((NATIONAL_I, PROVINCIAL_I))

    def total(cond):
        return func.coalesce(func.sum(case((cond, CreditRecord.credits), else_=0)), 0)

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    return [
        total(approved & (CreditRecord.credit_type == NATIONAL_I)),
        total(approved & (CreditRecord.credit_type == PROVINCIAL_I)),
        total(approved & (CreditRecord.credit_type == CLASS_II)),
        count(approved & is_i),
        count(approved & (CreditRecord.credit_type == CLASS_II)),
        total(pending & is_i),
        total(pending & (CreditRecord.credit_type == CLASS_II)),
        count(pending),
    ]



_TOTALS_SQL = """
INSERT INTO credit_summaries (user_id, year, institution_id, national_i, provincial_i, class_ii, projects_i, projects_ii,
                              pending_i, pending_ii, pending_records)
SELECT c.user_id, c.year, MIN(u.institution_id),
       SUM(CASE WHEN c.status = :approved AND c.credit_type = :national_i THEN c.credits ELSE 0 END),
       SUM(CASE WHEN c.status = :approved AND c.credit_type = :provincial_i THEN c.credits ELSE 0 END),
       SUM(CASE WHEN c.status = :approved AND c.credit_type = :class_ii THEN c.credits ELSE 0 END),
       SUM(CASE WHEN c.status = :approved AND c.credit_type <> :class_ii THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = :approved AND c.credit_type = :class_ii THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.status = :pending AND c.credit_type <> :class_ii THEN c.credits ELSE 0 END),
       SUM(CASE WHEN c.status = :pending AND c.credit_type = :class_ii THEN c.credits ELSE 0 END),
       SUM(CASE WHEN c.status = :pending THEN 1 ELSE 0 END)
FROM credit_records c JOIN users u ON u.id = c.user_id
WHERE {where}
GROUP BY c.user_id, c.year
ON CONFLICT (user_id, year) DO UPDATE SET institution_id = excluded.institution_id, national_i = excluded.national_i,
    provincial_i = excluded.provincial_i, class_ii = excluded.class_ii, projects_i = excluded.projects_i,
    projects_ii = excluded.projects_ii,
    pending_i = excluded.pending_i, pending_ii = excluded.pending_ii, pending_records = excluded.pending_records
"""
_TOTALS_CODES = dict(approved=ReviewStatus.APPROVED, pending=ReviewStatus.PENDING, national_i=NATIONAL_I,
                     provincial_i=PROVINCIAL_I, class_ii=CLASS_II)


def upsert_totals(session: Session, person_years: Iterable[tuple[int, int]], *, batch: int = 500) -> None:
    """Recompute the totals of many person-years set-based: one INSERT … SELECT … GROUP BY … ON CONFLICT DO
    UPDATE per batch of people (the same sums as refresh_summary). Their pending counts must not change here
    (imports add approved records only): the rollups' pending figures are not moved by this function.
    The caller then re-judges the people (cme.core.verdicts.judge_people)."""
    session.flush()
    by_user: dict[int, set[int]] = {}
    for uid, year in person_years:
        by_user.setdefault(uid, set()).add(year)
    users = sorted(by_user)
    for i in range(0, len(users), batch):
        chunk = users[i:i + batch]
        years = sorted(set().union(*(by_user[u] for u in chunk)))
        session.execute(text(_TOTALS_SQL.format(
            where="c.user_id IN ({}) AND c.year IN ({})".format(",".join(map(str, chunk)), ",".join(map(str, years))))),
            _TOTALS_CODES)


def upsert_all_totals(session: Session) -> None:
    """Every person-year's totals from its records (bulk loads such as the bench's generator)."""
    session.execute(text(_TOTALS_SQL.format(where="1 = 1")), _TOTALS_CODES)


def as_totals(row) -> tuple:
    """One row of `totals_columns()` as exact values (Decimal credits, int counts)."""
    return tuple(int(v) if f.startswith(("projects", "pending_records")) else Decimal(str(v))
                 for f, v in zip(TOTAL_FIELDS, row, strict=True))
