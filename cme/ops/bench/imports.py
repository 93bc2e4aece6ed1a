"""The 100,000-row 批量导入 timed beside its floor: the same rows inserted raw (one executemany), both rolled back."""
from __future__ import annotations

import csv
import io
import time
from datetime import date

from sqlalchemy import insert, select

from cme.db import session_scope
from cme.domain.enums import CreditClass, CreditSource, ReviewStatus, Role
from cme.ops.bench.pages import Row


def import_file(id_numbers: list[str], rows: int) -> bytes:
    from cme.credits.import_file import HEADERS

    year = date.today().year - 1
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADERS)
    per = max(1, -(-rows // len(id_numbers)))
    for n in range(rows):
        w.writerow([id_numbers[n // per], f"IMP-{n % per:04d}", "导入项目", "主办单位", ("1", "2.5", "3")[n % 3],
                    (CreditClass.CLASS_II, CreditClass.PROVINCIAL_I, CreditClass.NATIONAL_I, CreditClass.CLASS_II)[n % 4],
                    "学术会议", "药学", "药理学", year,
                    f"{year}-04-01", f"{year}-04-02", ""])
    return buf.getvalue().encode("utf-8-sig")


def measure_import(big_institution: int, id_numbers: list[str], rows: int, log=print) -> Row:
    from cme.core.actors import actor_from_user
    from cme.credits import imports
    from cme.models import CreditRecord, User

    data = import_file(id_numbers, rows)
    with session_scope() as s:
        admin_user = s.scalars(select(User).where(User.institution_id == big_institution, User.role == Role.UNIT)).first()
        assert admin_user is not None, "the big institution has its unit admin (bench data set)"
        admin = actor_from_user(admin_user)
    seen = []
    with session_scope() as s:
        start = time.perf_counter()
        report = imports.import_credits(s, admin, "bench.csv", data, progress=lambda done, total: seen.append(done))
        took = (time.perf_counter() - start) * 1000
        s.rollback()
    log(f"  import: {report.summary()} in {took / 1000:.1f} s ({len(seen)} progress calls)")
    with session_scope() as s:  # floor: the same number of records, inserted raw
        user = s.scalar(select(User.id).where(User.institution_id == big_institution, User.role == Role.PERSON))
        raw = [dict(user_id=user, project_code=f"RAW-{n}", project_name="导入项目", organizer="主办单位", year=2020,
                    credits=2, credit_type=CreditClass.CLASS_II, form="学术会议", subject_parent="药学", subject_child="药理学",
                    date_from=date(2020, 4, 1), date_to=date(2020, 4, 2), status=ReviewStatus.APPROVED, source=CreditSource.IMPORT)
               for n in range(report.accepted)]
        start = time.perf_counter()
        s.execute(insert(CreditRecord.__table__), raw)
        floor = (time.perf_counter() - start) * 1000
        s.rollback()
    return Row(f"批量导入（{rows // 1000}k行）", took, floor, 10_000,
               note=f"{report.accepted} accepted, {report.refused_count} refused; {len(data) / 1e6:.1f} MB")
