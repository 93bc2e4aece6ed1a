"""What each page runs, timed beside its floor in the same run.

Each row: the page's service call(s) exactly as the page makes them, the floor (raw SQL giving the same
answer from the same tables; one bcrypt check for login), and — where the page can run headless — the full
Streamlit page through AppTest, in a child process (scripts/time_pages.py), since the core never imports
Streamlit.
"""
from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from cme.db import reset_engines, session_scope
from cme.domain.enums import CertificateKind, Role

if TYPE_CHECKING:
    from cme.core.actors import Actor

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Row:
    name: str  # as the page is titled
    ms: float
    floor_ms: float | None
    target_ms: float | None
    note: str = ""
    page_ms: float | None = None
    peak_mb: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.ms / self.floor_ms if self.floor_ms else None

    @property
    def result(self) -> str:
        if self.target_ms is None:
            return "—"
        return "PASS" if self.ms < self.target_ms else "FAIL"


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of `repeat` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def peak_mb(fn: Callable[[], object]) -> float:
    """Peak Python memory of one call (tracemalloc), in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def in_session(fn: Callable) -> Callable[[], object]:
    def run():
        with session_scope() as s:
            return fn(s)
    return run


def sql(statement: str, **params) -> Callable[[], object]:
    return in_session(lambda s: s.execute(text(statement), params).all())


def page_runs(pages: list[tuple[str, str | None]], password: str, repeat: int) -> dict[str, float | str]:
    """Whole pages run by AppTest in a child process (scripts/time_pages.py): the core never imports Streamlit."""
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "time_pages.py"), str(repeat), password,
                          *(f"{path}={user}" for path, user in pages)], capture_output=True, text=True, env=os.environ)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {path: f"error: {out.stderr.strip()[-300:]}" for path, _ in pages}
    return json.loads(lines[-1])


@dataclass(frozen=True)
class Who:
    person: Actor
    person_username: str
    unit: Actor
    unit_username: str
    province: Actor
    big_institution: int


def who(session) -> Who:
    from cme.core.actors import actor_from_user
    from cme.models import Institution, User

    big = session.scalar(select(Institution.id).where(Institution.code == "B00000"))
    person = session.scalars(select(User).where(User.institution_id == big, User.role == Role.PERSON)
                             .order_by(User.id).offset(7)).first()
    unit = session.scalars(select(User).where(User.institution_id == big, User.role == Role.UNIT)).first()
    province = session.scalars(select(User).where(User.role == Role.PROVINCE)).first()
    return Who(actor_from_user(person), person.username, actor_from_user(unit), unit.username,
               actor_from_user(province), big)


def measure(repeat: int, password: str, *, pages: bool = True, log=print) -> list[Row]:
    """Every page's row. Province calls also report their peak memory."""
    from cme.accounts import auth
    from cme.analytics import service as analytics
    from cme.certificates import service as certificates
    from cme.credits import progress, review, search
    from cme.domain.passwords import verify_password
    from cme.models import User

    year = date.today().year
    with session_scope() as s:
        w = who(s)
        pw_hash = s.execute(select(User.password_hash).where(User.id == w.person.id)).scalar_one()
    rows: list[Row] = []

    wanted: list[tuple[Row, str, str | None]] = []

    def add(row: Row, page: str | None = None, user: str | None = None) -> None:
        if pages and page:
            wanted.append((row, page, user))
        rows.append(row)
        log(f"  {row.name}: {row.ms:.1f} ms")

    headline = in_session(lambda s: analytics.province_headline(s, w.province))
    floor_headline = sql("SELECT r.institution_id, SUM(r.met), SUM(r.not_met) FROM institution_year_rollups r "
                         "WHERE r.year = :y GROUP BY r.institution_id", y=year)
    add(Row("省级首页", timed(headline, repeat), timed(floor_headline, repeat), 200, peak_mb=peak_mb(headline)),
        "app_pages/province/home.py", "bench_province")

    overview = in_session(lambda s: analytics.year_overview(s, w.province, year).by("institution"))
    add(Row("全省统计", timed(overview, repeat), timed(floor_headline, repeat), 200, peak_mb=peak_mb(overview)),
        "app_pages/province/analytics.py", "bench_province")
    trend = in_session(lambda s: analytics.trend(s, w.province, year))
    floor_trend = sql("SELECT year, SUM(met), SUM(not_met) FROM institution_year_rollups WHERE year BETWEEN :a AND :b "
                      "GROUP BY year", a=year - 4, b=year)
    add(Row("全省统计 5年趋势", timed(trend, repeat), timed(floor_trend, repeat), 200, peak_mb=peak_mb(trend)))

    staff = in_session(lambda s: analytics.staff_compliance(s, w.unit, year))
    floor_staff = sql("SELECT u.id, u.username, u.name, c.verdict, c.national_i, c.provincial_i, c.class_ii, "
                      "c.short_total FROM users u LEFT JOIN credit_summaries c ON c.user_id = u.id AND c.year = :y "
                      "WHERE u.institution_id = :i AND u.role = 'person' AND u.status = 'approved'",
                      y=year, i=w.big_institution)
    reset_engines()
    cold = once(staff)
    with session_scope() as s:
        n_staff = len(analytics.staff_compliance(s, w.unit, year))
    add(Row(f"本机构人员（{n_staff}人）", cold, timed(floor_staff, repeat), 300,
            note=f"cold; warm {timed(staff, repeat):.1f} ms"), "app_pages/unit/staff.py", w.unit_username)

    queue = in_session(lambda s: review.review_queue(s, w.unit, limit=review.QUEUE_PAGE))
    floor_queue = sql("SELECT c.id, c.created_at FROM users u JOIN credit_records c ON c.user_id = u.id "
                      "AND c.status = 'pending' WHERE u.institution_id = :i ORDER BY c.created_at, c.id LIMIT 500",
                      i=w.big_institution)
    with session_scope() as s:
        waiting = progress.unit_queues(s, w.unit).credits
    add(Row(f"学分审核（待审{waiting}条）", timed(queue, repeat), timed(floor_queue, repeat), 300),
        "app_pages/unit/credit_review.py", w.unit_username)

    home = in_session(lambda s: progress.home_progress(s, w.person))
    floor_home = sql("SELECT * FROM credit_summaries WHERE user_id = :u", u=w.person.id)
    add(Row("首页", timed(home, repeat), timed(floor_home, repeat), 50), "app_pages/personal/home.py", w.person_username)

    found = in_session(lambda s: search.search_credits(s, w.person))
    floor_found = sql("SELECT * FROM credit_records WHERE user_id = :u ORDER BY year DESC, id DESC", u=w.person.id)
    add(Row("学分综合查询", timed(found, repeat), timed(floor_found, repeat), 50), "app_pages/personal/credit_search.py",
        w.person_username)

    sizes = []
    cert = in_session(lambda s: sizes.append(
        len(certificates.issue_certificate(s, w.person, CertificateKind.COMBINED, year - 4, year).pdf)))
    add(Row("学分证明（5年）", timed(cert, repeat), None, 300, note=f"{max(sizes) / 1024:.1f} KB"))

    login = in_session(lambda s: auth.login(s, w.person_username, password))
    floor_login = lambda: verify_password(password, pw_hash)  # noqa: E731
    t_login, t_floor = timed(login, repeat), timed(floor_login, repeat)
    add(Row("登录", t_login, t_floor, 1.2 * t_floor, note="target 1.2 × one bcrypt check"))
    if wanted:
        log("  whole pages (AppTest) …")
        timings = page_runs([(page, user) for _, page, user in wanted], password, max(1, repeat // 2))
        for row, page, _ in wanted:
            got = timings.get(page)
            if isinstance(got, (int, float)):
                row.page_ms = got
            else:  # a page that cannot run headless is reported, not hidden
                row.note = (row.note + f"; page run: {got}").strip("; ")
    return rows
