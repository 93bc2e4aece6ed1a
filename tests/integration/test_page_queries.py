"""Each page's service calls: a fixed number of statements whatever the data (no N+1), and on PostgreSQL no
sequential scan of credit_records (EXPLAIN with sequential scans priced out, so only a missing index shows)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from cme import clock
from cme.analytics import service as analytics
from cme.certificates import service as certificates
from cme.credits import progress, review, search
from cme.db import get_engine, session_scope
from cme.standards import personal as standards
from tests.factories import add_credit, make_admin, make_institution, make_person

Y = clock.today().year
CITY_HIGH = ("市州级/二级及以下医院", "技师系列 - 副主任技师(副高)")


def pages(w) -> dict:
    """What each page calls, with the actors it runs as."""
    unit, prov, me = w["unit"], w["province"], w["people"][0]
    return {
        "省级首页": lambda s: analytics.province_headline(s, prov),
        "全省统计": lambda s: (analytics.year_overview(s, prov, Y).by("institution"), analytics.trend(s, prov, Y)),
        "本机构人员": lambda s: analytics.staff_compliance(s, unit, Y),
        "统计分析": lambda s: (analytics.year_overview(s, unit, Y).by("department"), analytics.trend(s, unit, Y),
                           analytics.queue_ages(s, unit)),
        "学分审核": lambda s: (review.review_queue(s, unit, limit=review.QUEUE_PAGE), progress.unit_queues(s, unit)),
        "首页": lambda s: progress.home_progress(s, me),
        "学分综合查询": lambda s: search.search_credits(s, me),
        "学分证明": lambda s: certificates.build_content(s, me, "combined", Y - 4, Y),
    }


def build(n: int) -> dict:
    with session_scope() as s:
        inst, other = make_institution(s), make_institution(s)
        people = [make_person(s, inst if k % 3 else other) for k in range(n)]
        for p in people:
            standards.add_personal_standard(s, p, Y, *CITY_HIGH)
            for y in range(Y - 2, Y + 1):
                add_credit(s, p, year=y, credit_type="II类", credits="5")
                add_credit(s, p, year=y, credit_type="省级I类", credits="2", status="pending")
        return dict(people=people, unit=make_admin(s, inst), province=make_admin(s))


@contextmanager
def statements():
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def count_per_page(w) -> dict[str, int]:
    out = {}
    for name, call in pages(w).items():
        with session_scope() as s:
            with statements() as seen:
                call(s)
            s.rollback()
        out[name] = len(seen)
    return out


def test_statements_per_page_do_not_grow_with_the_data(db):
    small = count_per_page(build(3))
    large = count_per_page(build(12))
    assert large == small
    assert max(small.values()) <= 20, small  # a handful per page (the policy checks the actor once per use case)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # EXPLAIN plans are PostgreSQL's
def test_no_page_scans_credit_records(db):
    w = build(4)
    scans, explained = [], []
    for name, call in pages(w).items():
        with session_scope() as s:
            with statements() as seen:
                call(s)
            raw = s.connection().connection.dbapi_connection
            with raw.cursor() as cur:
                cur.execute("SET LOCAL enable_seqscan = off")
                for sql, params in seen:
                    if "credit_records" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                        continue
                    cur.execute("EXPLAIN " + sql, params)
                    plan = "\n".join(r[0] for r in cur.fetchall())
                    explained.append(name)
                    if "Seq Scan on credit_records" in plan:
                        scans.append((name, sql, plan))
            s.rollback()
    assert scans == []
    assert {"统计分析", "学分审核", "学分综合查询", "学分证明"} <= set(explained)  # these do read records
