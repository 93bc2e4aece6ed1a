"""`python -m cme check`: finds drifted totals, orphan and missing files and double decisions;
`--repair` recomputes totals. And the mixed-load scenario: 500 random operations from 4 parallel
workers (submit, edit, delete, approve, reject) leave `check` clean on both backends."""
from __future__ import annotations

import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from cme import clock
from cme.credits import entry, review
from cme.db import session_scope
from cme.errors import DomainError
from cme.models import CreditRecord, CreditSummary
from cme.ops.check import check
from cme.storage import Upload, get_storage
from tests.factories import add_credit, make_admin, make_institution, make_person
from tests.integration.test_credits import form, png_bytes
from tests.parallel import run_together

ROOT = Path(__file__).resolve().parents[2]


def test_check_reports_drift_and_files_and_repair_fixes_totals(db):
    year = clock.today().year
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        add_credit(s, person, year=year, credit_type="II类", credits="4")
        cid = entry.submit_credit(s, person, form(proof=Upload(png_bytes(), "a.png")))
    with session_scope() as s:
        assert check(s).clean
        s.execute(update(CreditSummary).where(CreditSummary.user_id == person.id).values(class_ii=Decimal("1")))
        missing = s.get(CreditRecord, cid).proof_key
    get_storage().delete(missing)
    orphan = get_storage().save(png_bytes(), "image/png")
    cli = subprocess.run([sys.executable, "-m", "cme", "check"], cwd=ROOT, capture_output=True, text=True)
    assert cli.returncode == 1 and "学分汇总与原始记录不一致：1" in cli.stdout, cli.stdout + cli.stderr
    with session_scope() as s:
        report = check(s, repair=True)
    assert (report.drifted_summaries, report.orphan_files, report.missing_files) == ([(person.id, year)], [orphan], [missing])
    with session_scope() as s:
        assert s.get(CreditSummary, (person.id, year)).class_ii == Decimal("4")
        assert check(s).drifted_summaries == []


def test_500_random_operations_from_4_workers_leave_check_clean(db):
    with session_scope() as s:
        inst = make_institution(s)
        people = [make_person(s, inst) for _ in range(3)]
        admins = [make_admin(s, inst), make_admin(s)]
    refusals: list[str] = []

    def worker(seed: int):
        rng = random.Random(seed)
        for _ in range(125):
            person, admin = rng.choice(people), rng.choice(admins)
            try:
                with session_scope() as s:
                    mine = s.scalars(select(CreditRecord.id).where(CreditRecord.user_id == person.id,
                                                                   CreditRecord.status == "pending")).all()
                    op = rng.choice(["submit", "submit", "edit", "delete", "approve", "reject"])
                    code = f"R{rng.randrange(40):03d}"
                    proof = Upload(png_bytes(), "p.png") if rng.random() < 0.3 else None
                    if op == "submit" or not mine:
                        entry.submit_credit(s, person, form(project_code=code, credits=str(rng.choice([1, 2, 3.5])),
                                                            credit_type=rng.choice(["省级I类", "II类"]), proof=proof))
                    elif op == "edit":
                        entry.update_credit(s, person, rng.choice(mine), form(project_code=code, proof=proof))
                    elif op == "delete":
                        entry.delete_credit(s, person, rng.choice(mine))
                    elif op == "approve":
                        review.approve_credit(s, admin, rng.choice(mine))
                    else:
                        review.reject_credit(s, admin, rng.choice(mine), "不符合要求")
            except DomainError as e:  # a clear refusal (duplicate code, already decided…) is a fine outcome
                refusals.append(type(e).__name__)

    results = run_together(*(lambda seed=seed: worker(seed) for seed in range(4)))
    assert results == [None] * 4, results  # no worker died of anything but a domain refusal
    with session_scope() as s:
        report = check(s)
        rows = s.scalar(select(CreditRecord.id).order_by(CreditRecord.id.desc()).limit(1))
    print(f"\n[{db}] 500 mixed operations, 4 workers: {len(refusals)} refusals, last id {rows}; "
          + "; ".join(report.lines()))
    assert report.clean, report
