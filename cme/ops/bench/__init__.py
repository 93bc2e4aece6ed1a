"""`python -m cme bench`: a synthetic pilot city or province, every page timed beside its floor.

--scale pilot     20,000 staff, 1M records on SQLite (file /tmp/cme-bench-pilot.db)
--scale province  700,000 staff, 35M records on PostgreSQL (database cme_bench_province)
--staff N scales either down (or up); --url chooses the database. The bench creates its own database
(a SQLite file named cme-bench*, or a PostgreSQL database named cme_bench*) and refuses any other, so it
never touches data it did not make. A dataset already generated with the same size is reused.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SCALES = {"pilot": (20_000, "sqlite:////tmp/cme-bench-pilot.db"),
          "province": (700_000, "postgresql+psycopg://postgres@127.0.0.1:5432/cme_bench_province")}


class BenchRefused(RuntimeError):
    pass


def prepare_database(url: str, *, fresh: bool) -> None:
    """Create the bench's own database (or file); refuse a name that is not the bench's."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(u.database or "")
        if not path.name.startswith("cme-bench"):
            raise BenchRefused(f"基准测试只使用名为 cme-bench* 的 SQLite 文件，拒绝 {path}")
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        return
    if not (u.database or "").startswith("cme_bench"):
        raise BenchRefused(f"基准测试只使用名为 cme_bench* 的数据库，拒绝 {u.database}")
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        exists = c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), dict(n=u.database))
        if exists and fresh:
            c.execute(text(f'DROP DATABASE "{u.database}" WITH (FORCE)'))
            exists = False
        if not exists:
            c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def run(scale: str, staff: int | None, url: str | None, repeat: int, *, fresh: bool = False, pages: bool = True,
        import_rows: int | None = None, sample: int = 2000, log=print) -> dict:
    default_staff, default_url = SCALES[scale]
    staff = staff or default_staff
    url = url or default_url
    prepare_database(url, fresh=fresh)
    os.environ["CME_DATABASE_URL"] = url
    os.environ["CME_DEMO"] = "0"
    os.environ.setdefault("CME_SECRET_KEY", "bench-secret")
    os.environ.setdefault("CME_PUBLIC_URL", "http://127.0.0.1:8501")
    from cme.db import reset_engines, session_scope

    reset_engines()
    from cme.core import verdicts
    from cme.ops.bench import data
    from cme.ops.bench.imports import measure_import
    from cme.ops.bench.pages import measure
    from cme.ops.setup import init_db

    init_db()
    with session_scope() as s:
        have = data.existing_dataset(s)
    built = None
    if have != data.dataset_label(staff):
        if have is not None:
            prepare_database(url, fresh=True)
            reset_engines()
            init_db()
        log(f"generating {staff:,} staff …")
        start = time.perf_counter()
        with session_scope() as s:
            steps = data.generate(s, staff, log=log)
        built = dict(seconds=time.perf_counter() - start, steps=steps)
    reset_engines()
    with session_scope() as s:
        counts: dict[str, int] = dict(s.execute(text("SELECT 'records', COUNT(*) FROM credit_records UNION ALL "
                                     "SELECT 'staff', COUNT(*) FROM users WHERE role = 'person' UNION ALL "
                                     "SELECT 'institutions', COUNT(*) FROM institutions UNION ALL "
                                     "SELECT 'person_years', COUNT(*) FROM credit_summaries")).all())
        ids = list(s.scalars(text(f"SELECT user_id FROM credit_summaries GROUP BY user_id "
                                  f"ORDER BY MIN(year) * 7 + user_id % 997 LIMIT {int(sample)}")))
        start = time.perf_counter()
        diffs = verdicts.differences(s, ids)
        check = dict(people=len(ids), differences=len(diffs), seconds=time.perf_counter() - start, first=diffs[:5])
        big, id_numbers = data.big_institution(s)
    log(f"verdict check: {len(ids)} people, {len(diffs)} differences")
    rows = measure(repeat, data.PASSWORD, pages=pages, log=log)
    rows_to_import = import_rows if import_rows is not None else (100_000 if scale == "pilot" else 0)
    if rows_to_import:
        rows.append(measure_import(big, id_numbers, rows_to_import, log=log))
    return dict(scale=scale, url=make_url(url).render_as_string(hide_password=True), staff=staff, counts=counts,
                built=built, verdict_check=check, rows=rows)


def render(result: dict) -> str:
    c = result["counts"]
    lines = [f"Dataset: {c['staff']:,} staff, {c['records']:,} credit records, {c['person_years']:,} person-years, "
             f"{c['institutions']:,} institutions ({result['url'].split(':')[0]})"
             + (f"; generated in {result['built']['seconds']:.0f} s" if result["built"] else "; reused"),
             f"Stored verdicts vs year_verdict from scratch: {result['verdict_check']['people']} people, "
             f"{result['verdict_check']['differences']} differences", "",
             "| page | ms | floor ms | ratio | target ms | result | page run ms | peak MB | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        def f(v, fmt="{:.1f}"):
            return "—" if v is None else fmt.format(v)
        lines.append(f"| {r.name} | {r.ms:.1f} | {f(r.floor_ms)} | {f(r.ratio, '{:.1f}×')} | {f(r.target_ms, '{:.0f}')} "
                     f"| {r.result} | {f(r.page_ms)} | {f(r.peak_mb)} | {r.note} |")
    return "\n".join(lines)


def to_json(result: dict) -> dict:
    return {**{k: v for k, v in result.items() if k != "rows"},
            "rows": [dict(name=r.name, ms=round(r.ms, 2), floor=None if r.floor_ms is None else round(r.floor_ms, 2),
                          ratio=None if r.ratio is None else round(r.ratio, 2), target=r.target_ms, result=r.result,
                          page_ms=None if r.page_ms is None else round(r.page_ms, 1),
                          peak_mb=None if r.peak_mb is None else round(r.peak_mb, 1), note=r.note)
                     for r in result["rows"]]}


def main(args) -> None:
    result = run(args.scale, args.staff, args.url, args.repeat, fresh=args.fresh, pages=not args.no_pages,
                 import_rows=args.import_rows)
    report = render(result)
    print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(to_json(result), ensure_ascii=False, indent=1, default=str) + "\n",
                                   encoding="utf-8")
    if args.out:
        Path(args.out).write_text(report + "\n", encoding="utf-8")
