"""Exact totals under concurrency: two admins approving two credits of one person at the same
moment must leave the stored person-year summary equal to the raw rows (both backends, real threads)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from cme import clock
from cme.credits import review
from cme.db import session_scope
from cme.models import CreditRecord, CreditSummary
from tests.factories import add_credit, make_admin, make_institution, make_person
from tests.parallel import run_together

TRIALS = 8


def test_two_admins_approving_two_credits_of_one_person_keep_the_total_exact(db):
    year = clock.today().year
    drifted = []
    with session_scope() as s:
        inst = make_institution(s)
        admins = [make_admin(s, inst), make_admin(s)]  # the unit admin and the province, at once
    for trial in range(TRIALS):
        with session_scope() as s:
            person = make_person(s, inst)
            ids = [add_credit(s, person, year=year, credit_type="II类", credits=c, status="pending").id
                   for c in ("4.5", "3.0")]
        results = run_together(*(lambda a=a, cid=cid: _approve(a, cid) for a, cid in zip(admins, ids, strict=True)))
        assert results == [None, None], results
        with session_scope() as s:
            raw = s.scalar(select(func.sum(CreditRecord.credits)).where(
                CreditRecord.user_id == person.id, CreditRecord.status == "approved"))
            stored = s.get(CreditSummary, (person.id, year))
            if (stored.class_ii, stored.pending_ii, stored.projects_ii) != (raw, Decimal("0"), 2):
                drifted.append((trial, raw, stored.class_ii, stored.pending_ii))
    print(f"\n[{db}] drifted totals: {len(drifted)} of {TRIALS}")
    assert drifted == []


def _approve(admin, credit_id):
    with session_scope() as s:
        review.approve_credit(s, admin, credit_id)
