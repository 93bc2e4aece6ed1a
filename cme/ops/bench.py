"""`python -m cme bench`: build a synthetic pilot-city database and time what pages do.

Run against a throw-away database (default: a SQLite file under /tmp); never against production.
Figures are medians of repeated calls, printed as a Markdown table (recorded in docs/BENCHMARKS.md).
"""
from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select, text

DEFAULT_URL = "sqlite:////tmp/cme-bench.db"


def _timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _populate(users: int, per_user: int, seed: int = 7) -> None:
    from cme import crypto
    from cme.db import session_scope
    from cme.domain.compliance import CLASS_II, NATIONAL_I, PROVINCIAL_I
    from cme.domain.passwords import hash_password
    from cme.models import CreditRecord, CreditStandard, Institution, PersonalStandard, Region, User

    rng = random.Random(seed)
    pw = hash_password("Bench2026pass")
    this_year = date.today().year
    with session_scope() as s:
        if s.scalar(select(func.count()).select_from(User)) >= users:
            return
        district = s.scalars(select(Region.code).where(Region.level == "district")).first()
        std = {c: i for c, i in s.execute(select(CreditStandard.code, CreditStandard.id))}
        insts = []
        for k in range(max(1, users // 500)):
            inst = Institution(code=f"B{k:04d}", name=f"基准医院{k:04d}", region_code=district, region_level="县级")
            s.add(inst)
            insts.append(inst)
        s.flush()
        admin_rows = [dict(username=f"bench_admin_{i.code.lower()}", password_hash=pw, name="管理员", role="unit",
                           institution_id=i.id, status="approved", profile_completed=True) for i in insts]
        s.execute(insert(User), admin_rows)
        person_rows = []
        for n in range(users):
            idn = f"5101{n:014d}"
            person_rows.append(dict(username=f"bench{n:06d}", password_hash=pw, name=f"人员{n}", role="person",
                                    institution_id=insts[n % len(insts)].id, status="approved", profile_completed=True,
                                    id_number_hash=crypto.lookup_hash(idn), id_number_masked=crypto.mask_id_number(idn)))
        s.execute(insert(User), person_rows)
        ids = list(s.scalars(select(User.id).where(User.username.like("bench0%"))))
        s.execute(insert(PersonalStandard), [dict(user_id=u, year=y, region_level="县级", title="医师系列 - 主治医师(中级)",
                                                  standard_id=std["SCJA8"]) for u in ids for y in range(this_year - 5, this_year + 1)])
        batch = []
        for u in ids:
            for k in range(per_user):
                y = this_year - (k % 6)
                ctype = (NATIONAL_I, PROVINCIAL_I, CLASS_II, CLASS_II)[k % 4]
                batch.append(dict(user_id=u, project_code=f"{y}-{k:04d}", project_name="基准项目", organizer="基准主办",
                                  year=y, credits=Decimal(rng.choice(["1.0", "2.0", "3.0"])), credit_type=ctype, form="学习班",
                                  subject_parent="临床医学", subject_child="内科学", date_from=date(y, 3, 1), date_to=date(y, 3, 2),
                                  status="approved" if k % 10 else "pending", source="个人登记"))
            if len(batch) >= 50000:
                s.execute(insert(CreditRecord), batch)
                batch = []
        if batch:
            s.execute(insert(CreditRecord), batch)
        # the summaries the services keep current, built here in one pass
        s.execute(text("""insert into credit_summaries (user_id, year, institution_id, national_i, provincial_i,
                class_ii, projects_i, projects_ii, pending_i, pending_ii) select c.user_id, c.year, u.institution_id,
                sum(case when c.status='approved' and c.credit_type='国家级I类' then c.credits else 0 end),
                sum(case when c.status='approved' and c.credit_type='省级I类' then c.credits else 0 end),
                sum(case when c.status='approved' and c.credit_type='II类' then c.credits else 0 end),
                sum(case when c.status='approved' and c.credit_type!='II类' then 1 else 0 end),
                sum(case when c.status='approved' and c.credit_type='II类' then 1 else 0 end),
                sum(case when c.status='pending' and c.credit_type!='II类' then c.credits else 0 end),
                sum(case when c.status='pending' and c.credit_type='II类' then c.credits else 0 end)
                from credit_records c join users u on u.id = c.user_id group by c.user_id, c.year, u.institution_id"""))


def run_bench(users: int, per_user: int, repeat: int) -> str:
    from cme.db import session_scope
    from cme.models import CreditRecord, CreditSummary, User
    from cme.analytics import service as analytics
    from cme.accounts import auth
    from cme.credits import review, search
    from cme.credits import progress
    from cme.core.actors import actor_from_user
    from cme.ops.setup import init_db

    init_db()
    start = time.perf_counter()
    _populate(users, per_user)
    build = time.perf_counter() - start
    with session_scope() as s:
        n_records = s.scalar(select(func.count()).select_from(CreditRecord))
        person = s.scalars(select(User).where(User.username == f"bench{users // 2:06d}")).one()
        admin = s.scalars(select(User).where(User.role == "unit", User.institution_id == person.institution_id)).first()
        me, unit = actor_from_user(person), actor_from_user(admin)
    year = date.today().year

    def call(fn):
        def run():
            with session_scope() as s:
                fn(s)
        return run

    def institution_attainment(s):  # analytics reads summaries, never raw rows
        s.execute(select(CreditSummary.institution_id, func.count(), func.sum(CreditSummary.class_ii))
                  .where(CreditSummary.year == year).group_by(CreditSummary.institution_id)).all()

    rows = [
        ("登录（bcrypt cost 12 校验）", call(lambda s: auth.login(s, person.username, "Bench2026pass"))),
        ("首页进度（5年判定）", call(lambda s: progress.home_progress(s, me))),
        ("学分综合查询（本人全部记录）", call(lambda s: search.search_credits(s, me))),
        ("学分审核队列（本机构待审）", call(lambda s: review.review_queue(s, unit))),
        ("全省按机构汇总（本年，读汇总表）", call(institution_attainment)),
        ("本机构人员达标（约500人）", call(lambda s: analytics.staff_compliance(s, unit))),
    ]
    try:
        from cme.certificates import service as certificates

        rows.append(("学分证明 PDF（5年）", call(lambda s: certificates.issue_certificate(s, me, "combined", year - 4, year))))
    except (ImportError, AttributeError):
        pass
    lines = [f"Dataset: {users} staff, {n_records} credit records ({os.environ.get('CME_DATABASE_URL', DEFAULT_URL).split(':')[0]}); "
             f"built in {build:.1f} s. Median of {repeat} calls.", "", "| operation | median ms |", "|---|---|"]
    for label, fn in rows:
        fn()  # warm caches (font parse, prepared statements)
        lines.append(f"| {label} | {_timed(fn, repeat):.1f} |")
    return "\n".join(lines)


def main(args) -> None:
    os.environ.setdefault("CME_DATABASE_URL", args.url or DEFAULT_URL)
    os.environ.setdefault("CME_DEMO", "0")
    os.environ.setdefault("CME_SECRET_KEY", "bench-secret")
    from cme.db import reset_engines

    reset_engines()
    report = run_bench(args.users, args.records_per_user, args.repeat)
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n", encoding="utf-8")
