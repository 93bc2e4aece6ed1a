"""N writers × M submissions at once: exactly N×M rows, every total exact (real threads, both backends).
Two writers share each person, so the person-year lock is contended as at a busy department."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from cme.credits import entry
from cme.db import session_scope
from cme.models import CreditRecord
from cme.ops.check import check
from tests.factories import make_institution, make_person
from tests.integration.test_credits import form
from tests.parallel import run_together

WRITERS, SUBMISSIONS, PEOPLE = 8, 25, 4


def test_n_writers_times_m_submissions_store_exactly_n_times_m_rows(db):
    with session_scope() as s:
        inst = make_institution(s)
        people = [make_person(s, inst) for _ in range(PEOPLE)]

    def writer(w: int):
        person = people[w % PEOPLE]
        for m in range(SUBMISSIONS):
            with session_scope() as s:
                entry.submit_credit(s, person, form(project_code=f"W{w:02d}-{m:03d}", credits="1.5"))

    started = time.perf_counter()
    results = run_together(*(lambda w=w: writer(w) for w in range(WRITERS)))
    elapsed = time.perf_counter() - started
    with session_scope() as s:
        rows = s.scalar(select(func.count()).select_from(CreditRecord))
        report = check(s)
    expected = WRITERS * SUBMISSIONS
    print(f"\n[{db}] {WRITERS} writers × {SUBMISSIONS} submissions ({PEOPLE} people) in {elapsed:.1f}s: "
          f"{rows} rows of {expected} ({expected - rows} lost), {len(report.drifted_summaries)} drifted totals, "
          f"{sum(isinstance(r, Exception) for r in results)} writers failed")
    assert results == [None] * WRITERS, results
    assert rows == expected
    assert report.clean, report.lines()
