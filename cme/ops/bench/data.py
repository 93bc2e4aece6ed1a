"""The bench's synthetic province, generated set-based in SQL (INSERT … SELECT over a number series).

What it holds, for `staff` health workers (700,000 at province scale):
* institutions in all 21 市州 and their 区县 (reference regions), of several sizes: one of 5,000 staff
  (fewer when the run is smaller), the rest from 100 to 1,000 in a fixed pattern, at the four region levels;
* 8 departments each; titles from 正高 to 无职称; each person's standard picked by the domain's
  pick_standard for the institution's level and the title's level (mixed SCJA1–SCJA10);
* 5 years × 10 records per person (50 per person), national/provincial/II mixed, 85 % approved, 10 %
  pending (submitted over the last 60 days), 5 % rejected; 3 % of person-years without a standard;
* summaries by the import's set-based statement, verdicts judged in SQL by the same rule as
  cme.domain.compliance (the bench checks them against year_verdict on a sample), rollups rebuilt.
Only the 5,000-staff institution gets ID numbers (its admin imports 100,000 rows for them).
"""
from __future__ import annotations

import time
from datetime import date

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from cme import crypto
from cme.core import reference, rollups, verdicts
from cme.credits.summaries import upsert_all_totals
from cme.domain.enums import AccountStatus, Role
from cme.domain.identity import check_digit
from cme.domain.passwords import hash_password
from cme.domain.standards import REGION_LEVELS, pick_standard
from cme.models import AppSetting, CreditRecord, Institution, Region, User

PASSWORD = "Bench2026pass"
DEPARTMENTS = ("内科", "外科", "儿科", "妇产科", "急诊科", "检验科", "药剂科", "护理部")
BIG = 5000
RECORDS_PER_YEAR = 10
YEARS = 5
DATASET_KEY = "bench.dataset"


def numbers(session: Session, n: int, alias: str = "n") -> str:
    """A FROM item `alias` yielding i = 1 … n: generate_series on PostgreSQL, a recursive CTE on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return f"generate_series(1, {int(n)}) AS {alias}(i)"
    return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)}) SELECT i FROM s) AS {alias}"


def institution_sizes(staff: int) -> list[int]:
    """One big institution, then 100…1,000 staff in a fixed pattern until everyone has a place."""
    big = min(BIG, max(staff // 4, 1))
    sizes, left, k = [big], staff - big, 0
    pattern = (100, 200, 300, 500, 1000, 150, 250, 400, 600, 800)
    while left > 0:
        size = min(pattern[k % len(pattern)], left)
        sizes.append(size)
        left -= size
        k += 1
    return sizes


def _ident(n: int) -> str:
    first17 = f"510104{1970 + n % 30:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + check_digit(first17)


def dataset_label(staff: int) -> str:
    return f"staff={staff};records={staff * YEARS * RECORDS_PER_YEAR};v1"


def existing_dataset(session: Session) -> str | None:
    row = session.get(AppSetting, DATASET_KEY)
    return row.value if row else None


def generate(session: Session, staff: int, *, log=print) -> dict[str, float]:
    """Fill an empty bench database; returns seconds per step."""
    steps: dict[str, float] = {}
    t0 = time.perf_counter()

    def step(name: str) -> None:
        nonlocal t0
        steps[name] = time.perf_counter() - t0
        log(f"  {name}: {steps[name]:.1f} s")
        t0 = time.perf_counter()

    this_year = date.today().year
    pw = hash_password(PASSWORD)
    districts = [(c, p) for c, p in session.execute(select(Region.code, Region.parent_code).where(Region.level == "district"))]
    cities = sorted({p for _, p in districts if p is not None})  # every district has its city
    by_city = {c: [d for d, p in districts if p == c] for c in cities}
    sizes = institution_sizes(staff)
    insts = []
    for k in range(len(sizes)):
        city = cities[k % len(cities)]
        region = city if k % 5 == 0 else by_city[city][(k // len(cities)) % len(by_city[city])]
        level = REGION_LEVELS[0] if k == 0 else REGION_LEVELS[k % 4]
        insts.append(dict(code=f"B{k:05d}", name=f"基准{'医院' if k % 4 != 3 else '卫生院'}{k:05d}", region_code=region,
                          region_level=level, active=True))
    session.execute(insert(Institution), insts)
    inst_ids = dict(session.execute(select(Institution.code, Institution.id).where(Institution.code.like("B%"))).all())
    session.execute(text("CREATE TABLE bench_slots (first_i INTEGER, last_i INTEGER, institution_id INTEGER, "
                         "region_level VARCHAR(20))"))
    first, slots = 1, []
    for k, size in enumerate(sizes):
        slots.append(dict(f=first, l=first + size - 1, i=inst_ids[f"B{k:05d}"], r=insts[k]["region_level"]))
        first += size
    session.execute(text("INSERT INTO bench_slots VALUES (:f, :l, :i, :r)"), slots)
    session.execute(text("CREATE INDEX bench_slots_first ON bench_slots (first_i)"))
    session.execute(text(
        "INSERT INTO departments (institution_id, name, active) SELECT b.institution_id, d.name, :yes FROM bench_slots b "
        "CROSS JOIN (" + " UNION ALL ".join(f"SELECT '{d}' AS name" for d in DEPARTMENTS) + ") d"), dict(yes=True))
    session.execute(text("CREATE TABLE bench_depts AS SELECT institution_id, id AS department_id, "
                         "ROW_NUMBER() OVER (PARTITION BY institution_id ORDER BY id) - 1 AS k FROM departments"))
    session.execute(text("CREATE INDEX bench_depts_ik ON bench_depts (institution_id, k)"))
    step("institutions and departments")

    titles = reference.titles(session)
    picked = [label for label in titles if titles[label] != "无职称"][:12] + ["无职称"]
    session.execute(text("CREATE TABLE bench_titles (k INTEGER, label VARCHAR(100), level VARCHAR(10))"))
    session.execute(text("INSERT INTO bench_titles VALUES (:k, :label, :level)"),
                    [dict(k=k, label=label, level=titles.get(label, "无职称")) for k, label in enumerate(picked)])
    session.execute(text("CREATE TABLE bench_std (year INTEGER, region_level VARCHAR(20), title_level VARCHAR(10), "
                         "standard_id INTEGER)"))
    versions: dict[str, list[tuple[int, int]]] = {}
    for sid, code, eff in session.execute(text("SELECT id, code, effective_year FROM credit_standards")):
        versions.setdefault(code, []).append((eff, sid))
    std_rows = []
    for year in range(this_year - YEARS + 1, this_year + 1):
        in_force = reference.standards_for_year(session, year)
        for region in REGION_LEVELS:
            for level in {titles.get(label, "无职称") for label in picked}:
                code = pick_standard(in_force, region, level).code
                sid = max(v for v in versions[code] if v[0] <= year)[1]  # the version in force that year
                std_rows.append(dict(y=year, r=region, t=level, s=sid))
    session.execute(text("INSERT INTO bench_std VALUES (:y, :r, :t, :s)"), std_rows)

    session.execute(text(f"""
        INSERT INTO users (username, password_hash, password_scheme, name, role, institution_id, department_id, status,
                           joins_cme, registered_at, must_change_password, profile_completed, failed_logins, sex)
        SELECT 'b' || CAST(n.i AS VARCHAR(10)), :pw, 'bcrypt', '人员' || CAST(n.i AS VARCHAR(10)), 'person', b.institution_id,
               d.department_id, 'approved', :yes, :now, :no, :yes, 0, CASE WHEN n.i % 2 = 0 THEN '女' ELSE '男' END
        FROM {numbers(session, staff)} JOIN bench_slots b ON n.i BETWEEN b.first_i AND b.last_i
        JOIN bench_depts d ON d.institution_id = b.institution_id AND d.k = n.i % {len(DEPARTMENTS)}"""),
        dict(pw=pw, yes=True, no=False, now=date(this_year - 6, 1, 1)))
    admins = [dict(username=f"bench_admin_{k:05d}", password_hash=pw, name="管理员", role=Role.UNIT,
                   institution_id=inst_ids[f"B{k:05d}"], status=AccountStatus.APPROVED, profile_completed=True)
              for k in range(len(sizes))]
    admins.append(dict(username="bench_province", password_hash=pw, name="省级管理员", role=Role.PROVINCE,
                       institution_id=None, status=AccountStatus.APPROVED, profile_completed=True))
    session.execute(insert(User), admins)
    big_id = inst_ids["B00000"]
    big_users = list(session.scalars(select(User.id).where(User.institution_id == big_id, User.role == Role.PERSON)
                                     .order_by(User.id)))
    session.execute(text("UPDATE users SET id_number_hash = :h, id_number_masked = :m WHERE id = :u"),
                    [dict(h=crypto.lookup_hash(_ident(n)), m=crypto.mask_id_number(_ident(n)), u=u)
                     for n, u in enumerate(big_users)])
    step("users")

    first_year = this_year - YEARS + 1
    session.execute(text(f"""
        INSERT INTO personal_standards (user_id, year, region_level, title, standard_id, created_at)
        SELECT u.id, y.year, i.region_level, t.label, s.standard_id, :now
        FROM users u JOIN institutions i ON i.id = u.institution_id
        JOIN bench_titles t ON t.k = u.id % {len(picked)}
        CROSS JOIN (SELECT {first_year} + n.i - 1 AS year FROM {numbers(session, YEARS)}) y
        JOIN bench_std s ON s.year = y.year AND s.region_level = i.region_level AND s.title_level = t.level
        WHERE u.role = 'person' AND (u.id * 7 + y.year * 13) % 100 >= 3"""), dict(now=date(this_year, 1, 1)))
    step("personal standards")

    per_person = YEARS * RECORDS_PER_YEAR
    year_sql = f"({this_year} - (k.i % {YEARS}))"
    status = "CASE WHEN (u.id * 7 + k.i * 13) % 20 < 17 THEN 'approved' WHEN (u.id * 7 + k.i * 13) % 20 < 19 " \
             "THEN 'pending' ELSE 'rejected' END"
    pending = "(u.id * 7 + k.i * 13) % 20 IN (17, 18)"
    if session.get_bind().dialect.name == "postgresql":
        day = lambda m, d: f"make_date({year_sql}, {m}, {d})"  # noqa: E731
        submitted = f"CASE WHEN {pending} THEN (now() AT TIME ZONE 'utc') - ((u.id + k.i) % 60) * interval '1 day' " \
                    f"ELSE make_date({year_sql}, 3, 5)::timestamp END"
    else:
        day = lambda m, d: f"printf('%04d-%02d-%02d', {year_sql}, {m}, {d})"  # noqa: E731
        submitted = f"CASE WHEN {pending} THEN strftime('%Y-%m-%d %H:%M:%f000', 'now', '-' || ((u.id + k.i) % 60) || ' days') " \
                    f"ELSE printf('%04d-03-05 00:00:00.000000', {year_sql}) END"
    _drop_record_indexes(session)
    session.execute(text(f"""
        INSERT INTO credit_records (user_id, project_code, project_name, organizer, year, credits, credit_type, form,
                                    subject_parent, subject_child, date_from, date_to, status, source, created_at,
                                    updated_at, reviewed_at)
        SELECT u.id, 'B' || CAST(k.i AS VARCHAR(10)), '基准项目', '基准主办', {year_sql},
               CASE WHEN k.i % 3 = 0 THEN 1.5 WHEN k.i % 3 = 1 THEN 2 ELSE 3 END,
               CASE WHEN k.i % 10 = 0 THEN '国家级I类' WHEN k.i % 10 IN (1, 4, 7) THEN '省级I类' ELSE 'II类' END,
               '学习班', '临床医学', '内科学', {day(3, 1)}, {day(3, 2)}, {status}, '个人登记', {submitted}, {submitted},
               CASE WHEN {pending} THEN NULL ELSE {submitted} END
        FROM users u CROSS JOIN {numbers(session, per_person, 'k')}
        WHERE u.role = 'person'"""))
    _create_record_indexes(session)
    step(f"credit records ({staff * per_person:,})")

    upsert_all_totals(session)
    step("summaries")
    judge_all_in_sql(session)
    rollups.rebuild_all(session)
    verdicts.record_rule(session, verdicts.current_settings())
    step("verdicts and rollups")
    for t in ("bench_slots", "bench_depts", "bench_titles", "bench_std"):
        session.execute(text(f"DROP TABLE {t}"))
    session.add(AppSetting(key=DATASET_KEY, value=dataset_label(staff)))
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.commit()
        with session.get_bind().engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    else:
        session.execute(text("ANALYZE"))
    step("analyze")
    return steps


def _drop_record_indexes(session: Session) -> None:
    for ix in CreditRecord.__table__.indexes:
        session.execute(text(f"DROP INDEX IF EXISTS {ix.name}"))


def _create_record_indexes(session: Session) -> None:
    for ix in CreditRecord.__table__.indexes:
        ix.create(session.connection())


def judge_all_in_sql(session: Session) -> None:
    """Every person-year with a standard judged set-based (zero rows included), by compliance's rule: 省I ≥,
    II ≥, total ≥ per year; national I summed over the cycle ending that year. Used for bulk loads only;
    the bench compares the result with year_verdict on a sample."""
    counts = 1 if verdicts.current_settings().national_counts_as_provincial_i else 0
    short = "CASE WHEN {got} < {need} THEN {need} - {got} ELSE 0 END"
    session.execute(text(f"""
        INSERT INTO credit_summaries (user_id, year, institution_id, national_i, provincial_i, class_ii, projects_i,
            projects_ii, pending_i, pending_ii, pending_records, standard_id, standard_code, title_level, verdict,
            national_i_cycle, short_national_i, short_provincial_i, short_class_ii, short_total)
        SELECT user_id, year, institution_id, nat, prov, ii, pi, pii, peni, penii, penr, sid, code, lvl,
               CASE WHEN cyc >= rn AND prov + {counts} * nat >= rp AND ii >= rii AND nat + prov + ii >= rt
                    THEN 'met' ELSE 'not_met' END,
               cyc, {short.format(got="cyc", need="rn")}, {short.format(got=f"(prov + {counts} * nat)", need="rp")},
               {short.format(got="ii", need="rii")}, {short.format(got="(nat + prov + ii)", need="rt")}
        FROM (SELECT p.user_id, p.year, u.institution_id, COALESCE(c.national_i, 0) AS nat,
                     COALESCE(c.provincial_i, 0) AS prov, COALESCE(c.class_ii, 0) AS ii, COALESCE(c.projects_i, 0) AS pi,
                     COALESCE(c.projects_ii, 0) AS pii, COALESCE(c.pending_i, 0) AS peni,
                     COALESCE(c.pending_ii, 0) AS penii, COALESCE(c.pending_records, 0) AS penr, st.id AS sid,
                     st.code AS code, t.level AS lvl, st.national_i_per_cycle AS rn, st.provincial_i_per_year AS rp,
                     st.class_ii_per_year AS rii, st.total_per_year AS rt,
                     (SELECT COALESCE(SUM(c2.national_i), 0) FROM credit_summaries c2 WHERE c2.user_id = p.user_id
                        AND c2.year BETWEEN p.year - st.cycle_years + 1 AND p.year) AS cyc
              FROM personal_standards p JOIN users u ON u.id = p.user_id
              JOIN credit_standards st ON st.id = p.standard_id
              JOIN bench_titles t ON t.label = p.title
              LEFT JOIN credit_summaries c ON c.user_id = p.user_id AND c.year = p.year
              WHERE 1 = 1) x
        WHERE 1 = 1
        ON CONFLICT (user_id, year) DO UPDATE SET standard_id = excluded.standard_id,
            standard_code = excluded.standard_code, title_level = excluded.title_level, verdict = excluded.verdict,
            national_i_cycle = excluded.national_i_cycle, short_national_i = excluded.short_national_i,
            short_provincial_i = excluded.short_provincial_i, short_class_ii = excluded.short_class_ii,
            short_total = excluded.short_total"""))


def big_institution(session: Session) -> tuple[int, list[str]]:
    """The 5,000-staff institution's id and its staff's ID numbers (for the import file)."""
    iid = session.execute(select(Institution.id).where(Institution.code == "B00000")).scalar_one()
    n = session.scalar(text("SELECT COUNT(*) FROM users WHERE institution_id = :i AND role = 'person'"), dict(i=iid))
    return iid, [_ident(k) for k in range(n)]
