"""`python -m cme bench --capacity`: server CPU per page view, measured with real browsers.

Starts the app with `streamlit run` on a fresh demo database (or on CME_DATABASE_URL, one server per
replica), logs N headless Chromium sessions in, and has them all click the same page at once, page
after page of the mix. Around each such round the server processes' CPU time is read from /proc
(after they have gone quiet), so each page's figure is that round's server CPU divided by its views.
The browsers share the machine but are never counted. Beside the pages, the same run measures the
floors: one bcrypt check, and a page holding a single button.

A benchmark to run by hand, never a timed test: the figures depend on the machine and its load.
"""
from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cme.domain.enums import Role
from cme.ops import capacity_browser as cb
from cme.ops.server_probe import ROOT, Server, app_env, seed

DEMO_PASSWORD = "cme2026demo"
# the floor runs in the same runtime as the app: the same warm-up (and gc.freeze) first
FLOOR_SCRIPT = """import streamlit as st
from ui import warmup
warmup.warm_up()
st.session_state["runs"] = st.session_state.get("runs", 0) + 1
st.button(f"第 {st.session_state['runs']} 次", key="only")
"""


@dataclass
class PageFigures:
    label: str
    views: int = 0
    cpu_s: float = 0.0
    errors: int = 0
    times: list[float] = field(default_factory=list)

    def add(self, times: list[float | None], cpu: float) -> None:
        self.views += len(times)
        self.cpu_s += cpu
        self.errors += sum(t is None for t in times)
        self.times += [t for t in times if t is not None]

    def row(self) -> dict:
        t = sorted(self.times)

        def pct(q: float) -> float | None:
            return t[min(len(t) - 1, int(q * len(t)))] if t else None

        return dict(label=self.label, views=self.views, errors=self.errors,
                    cpu_ms_per_view=1000 * self.cpu_s / self.views if self.views else None,
                    p50_s=statistics.median(t) if t else None, p95_s=pct(0.95),
                    views_per_core_second=self.views / self.cpu_s if self.cpu_s else None)


@dataclass
class Report:
    sessions: int
    unit_sessions: int
    replicas: int
    rounds: int
    machine: dict
    server_args: list[str]
    pages: list[dict] = field(default_factory=list)
    rss_mb: dict = field(default_factory=dict)
    floors: dict = field(default_factory=dict)
    felt: dict = field(default_factory=dict)
    soak: dict | None = None
    server_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return dict(cores=os.cpu_count(), cpu=model, memory_mb=mem, load_at_start=os.getloadavg())


def _accounts(persons: int, units: int) -> list[cb.Session]:
    with open(ROOT / "data" / "demo" / "institutions.csv", encoding="utf-8", newline="") as f:
        admins = [f"admin_{row['code'].lower()}" for row in csv.DictReader(f)]
    people = [cb.Session(f"demo{1 + n % 49:03d}", Role.PERSON) for n in range(persons)]
    return people + [cb.Session(admins[n % len(admins)], Role.UNIT) for n in range(units)]


class Replicas:
    """The app's servers; CPU and memory are the sum over them."""

    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.idle_rate = 0.0  # CPU seconds per second with nobody clicking (Streamlit polls its config files)

    def measure_idle(self, seconds: float = 10) -> float:
        start, began = self.cpu(), time.monotonic()
        time.sleep(seconds)
        self.idle_rate = (self.cpu() - start) / (time.monotonic() - began)
        return self.idle_rate

    def cpu(self) -> float:
        return sum(s.cpu() for s in self.servers)

    def rss(self) -> float:
        return sum(s.rss() for s in self.servers)

    def settle(self) -> float:
        for s in self.servers:
            s.settle()
        return self.cpu()

    def base_for(self, n: int) -> str:
        return self.servers[n % len(self.servers)].base


async def _round(replicas: Replicas, figures: dict[str, PageFigures], label: str, step, sessions) -> None:
    if not sessions:
        return
    await asyncio.to_thread(replicas.settle)
    before, began = replicas.cpu(), time.monotonic()
    times = await asyncio.gather(*(cb.timed(step, s, replicas.base_for(n)) for n, s in enumerate(sessions)))
    after = await asyncio.to_thread(replicas.settle)
    # the idle cost accrues with wall time, which a loaded machine stretches: it is not the views' cost
    idle = replicas.idle_rate * (time.monotonic() - began)
    figures.setdefault(label, PageFigures(label)).add(list(times), max(0.0, after - before - idle))


async def _login_all(replicas, figures, sessions, prefix: str = "") -> None:
    persons = [s for s in sessions if s.role == Role.PERSON]
    units = [s for s in sessions if s.role == Role.UNIT]
    await _round(replicas, figures, prefix + "登录页（新会话）", cb.open_login, sessions)

    def login(s, base):
        return cb.submit_login(s, base, DEMO_PASSWORD)

    await _round(replicas, figures, prefix + "登录（个人，至首页）", login, persons)
    await _round(replicas, figures, prefix + "登录（单位，至首页）", login, units)


async def _mix(replicas, figures, sessions, prefix: str = "") -> None:
    persons = [s for s in sessions if s.role == Role.PERSON]
    units = [s for s in sessions if s.role == Role.UNIT]
    for label, step in cb.PERSON_MIX:
        await _round(replicas, figures, prefix + label, step, persons)
    for label, step in cb.UNIT_MIX:
        await _round(replicas, figures, prefix + label, step, units)


async def _drive(replicas: Replicas, report: Report, soak_minutes: float) -> None:
    from playwright.async_api import async_playwright

    figures: dict[str, PageFigures] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=cb.CHROMIUM, args=cb.CHROMIUM_ARGS)
        # warm-up: one person and one unit admin walk the mix once, so start-up costs are not counted
        warm = _accounts(1, 1)
        await cb.open_sessions(browser, warm)
        warmup: dict[str, PageFigures] = {}
        await _login_all(replicas, warmup, warm)
        await _mix(replicas, warmup, warm)
        await cb.close_sessions(warm)
        report.rss_mb["idle_after_warmup"] = (await asyncio.to_thread(replicas.settle), replicas.rss())[1]
        report.floors["idle_cpu_ms_per_s"] = 1000 * await asyncio.to_thread(replicas.measure_idle)
        report.floors["first_visits_cpu_s"] = sum(f.cpu_s for f in warmup.values())
        report.felt = await _felt(browser, replicas.base_for(0))

        sessions = _accounts(report.sessions, report.unit_sessions)
        await cb.open_sessions(browser, sessions)
        await _login_all(replicas, figures, sessions)
        report.floors["idle_with_sessions_cpu_ms_per_s"] = 1000 * await asyncio.to_thread(replicas.measure_idle)
        for _ in range(report.rounds):
            await _mix(replicas, figures, sessions)
        await asyncio.to_thread(replicas.settle)
        report.rss_mb["with_sessions"] = replicas.rss()
        report.rss_mb["per_session"] = (report.rss_mb["with_sessions"] - report.rss_mb["idle_after_warmup"]) / len(sessions)
        if soak_minutes:
            report.soak = await _soak(replicas, sessions, soak_minutes)
        report.pages = [f.row() for f in figures.values()]
        report.pages.append(dict(label="合计", errors=sum(s.errors for s in sessions) + sum(s.errors for s in warm),
                                 views=sum(f.views for f in figures.values())))
        report.problems = report.felt["problems"] + [p for s in warm + sessions for p in s.problems]
        await cb.close_sessions(sessions)
        await browser.close()


async def _felt(browser, base: str, tries: int = 5) -> dict:
    """Speed as a person feels it, alone on the server: p50 seconds of a public page for a new visitor
    (empty browser cache) and for a returning one, and of login → 首页 drawn."""
    times: dict[str, list[float]] = {"public_new_s": [], "public_returning_s": [], "login_to_home_s": []}
    problems: list[str] = []
    for _ in range(tries):
        s = cb.Session("demo001", Role.PERSON)
        await cb.open_sessions(browser, [s])
        try:
            for key, step in (("public_new_s", cb.open_login), ("public_returning_s", cb.open_login),
                              ("login_to_home_s", lambda s, base: cb.submit_login(s, base, DEMO_PASSWORD))):
                took = await cb.timed(step, s, base)
                if took is not None:
                    times[key].append(took)
        finally:
            problems += s.problems
            await cb.close_sessions([s])
    return {key: statistics.median(v) if v else None for key, v in times.items()} | {"tries": tries, "problems": problems}


async def _soak(replicas: Replicas, sessions, minutes: float) -> dict:
    """Walk the mix again and again for `minutes`; RSS after each pass (the first tenth is warm-up)."""
    start = time.monotonic()
    samples: list[tuple[int, float]] = []
    figures: dict[str, PageFigures] = {}
    errors_before = sum(s.errors for s in sessions)
    cpu_before = replicas.cpu()
    while time.monotonic() - start < minutes * 60:
        await _mix(replicas, figures, sessions)
        samples.append((round(time.monotonic() - start), round(replicas.rss(), 1)))
    warm = next((rss for t, rss in samples if t >= minutes * 6), samples[0][1])
    after = [rss for t, rss in samples if t >= minutes * 6] or [samples[-1][1]]
    views = sum(f.views for f in figures.values())
    return dict(minutes=minutes, passes=len(samples), views=views, errors=sum(s.errors for s in sessions) - errors_before,
                rss_after_warmup_mb=warm, rss_end_mb=samples[-1][1], rss_max_mb=max(after),
                growth_pct=100 * (samples[-1][1] - warm) / warm, max_growth_pct=100 * (max(after) - warm) / warm,
                cpu_ms_per_view=1000 * (replicas.cpu() - cpu_before) / views if views else None, samples=samples,
                load_at_end=os.getloadavg())


def bcrypt_floor(repeat: int = 5) -> float:
    """CPU seconds of one login's password check (median), at the cost the bench's servers use."""
    from cme.config import bcrypt_rounds
    from cme.domain.passwords import hash_password, verify_password

    hashed = hash_password(DEMO_PASSWORD, rounds=bcrypt_rounds())  # the servers' setting, read as they read it
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        verify_password(DEMO_PASSWORD, hashed)
        samples.append(time.process_time() - start)
    return statistics.median(samples)


async def _one_widget_floor(server: Server, clicks: int) -> tuple[float, list[float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=cb.CHROMIUM, args=cb.CHROMIUM_ARGS)
        page = await (await browser.new_context()).new_page()
        await cb.one_widget_clicks(page, server.base, 3)  # warm
        await asyncio.to_thread(server.settle)
        before = server.cpu()
        times = await cb.one_widget_clicks(page, server.base, clicks)
        cpu = await asyncio.to_thread(server.settle) - before
        await browser.close()
    return cpu / clicks, [t for t in times if t is not None]


def run_capacity(sessions: int, rounds: int, replicas: int = 1, server_args: list[str] | None = None,
                 extra_env: dict[str, str] | None = None, soak_minutes: float = 0, keep: Path | None = None) -> Report:
    units = max(1, sessions // 5)
    report = Report(sessions=sessions, unit_sessions=units, replicas=replicas, rounds=rounds, machine=machine(),
                    server_args=list(server_args or []) + [f"{k}={v}" for k, v in (extra_env or {}).items()])
    with tempfile.TemporaryDirectory(prefix="cme-capacity-") as tmp:
        work = keep or Path(tmp)
        database_url = os.environ.get("CME_DATABASE_URL")
        env = app_env(work, database_url, extra_env)
        seed(env)
        servers = [Server(env, args=list(server_args or []), log_path=work / f"server{n}.log") for n in range(replicas)]
        try:
            for s in servers:
                s.start()
            group = Replicas(servers)
            report.rss_mb["idle_at_start"] = group.rss()
            asyncio.run(_drive(group, report, soak_minutes))
            report.server_errors = [line for s in servers for line in s.log_errors()]
        finally:
            for s in servers:
                s.stop()
        floor_script = work / "one_widget.py"
        floor_script.write_text(FLOOR_SCRIPT, encoding="utf-8")
        floor_env = dict(env, PYTHONPATH=str(ROOT))
        floor = Server(floor_env, script=str(floor_script), args=list(server_args or []), log_path=work / "floor.log").start()
        try:
            per_click, times = asyncio.run(_one_widget_floor(floor, 30))
        finally:
            floor.stop()
        report.floors.update(one_widget_cpu_ms=1000 * per_click, one_widget_p50_s=statistics.median(times),
                             bcrypt_check_cpu_ms=1000 * bcrypt_floor())
    report.machine["load_at_end"] = os.getloadavg()
    return report


def _fmt(v, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def render(report: Report) -> str:
    m = report.machine
    lines = [f"{report.sessions} person + {report.unit_sessions} unit-admin sessions, {report.replicas} replica(s), "
             f"{report.rounds} round(s) of the mix; {m['cores']} cores ({m['cpu']}), load {m['load_at_start'][0]:.2f} at start, "
             f"{m['load_at_end'][0]:.2f} at end; server options: {' '.join(report.server_args) or 'as configured'}",
             "", "| page | views | server CPU / view (ms) | p50 click-to-content (s) | p95 (s) | views per core-second | errors |",
             "|---|---|---|---|---|---|---|"]
    for r in report.pages:
        lines.append(f"| {r['label']} | {r['views']} | {_fmt(r.get('cpu_ms_per_view'), '.0f')} | {_fmt(r.get('p50_s'), '.2f')} | "
                     f"{_fmt(r.get('p95_s'), '.2f')} | {_fmt(r.get('views_per_core_second'), '.1f')} | {r['errors']} |")
    f, rss = report.floors, report.rss_mb
    lines += ["", f"Floors: one bcrypt check {f['bcrypt_check_cpu_ms']:.0f} ms CPU; one-widget page "
                  f"{f['one_widget_cpu_ms']:.1f} ms server CPU per view (p50 {f['one_widget_p50_s']:.2f} s); "
                  f"first visits after start (warm-up walk) {f['first_visits_cpu_s']:.1f} s; idle server "
                  f"{f['idle_cpu_ms_per_s']:.1f} ms CPU per second ({f['idle_with_sessions_cpu_ms_per_s']:.1f} with the "
                  f"sessions open), subtracted from each round's figure.",
              f"Felt, one person alone (p50 of {report.felt.get('tries')}): a public page for a new visitor "
              f"{_fmt(report.felt.get('public_new_s'), '.2f')} s, for a returning one "
              f"{_fmt(report.felt.get('public_returning_s'), '.2f')} s; login → 首页 drawn "
              f"{_fmt(report.felt.get('login_to_home_s'), '.2f')} s.",
              f"Server RSS: {rss['idle_at_start']:.0f} MB at start, {rss['idle_after_warmup']:.0f} MB after warm-up, "
              f"{rss['with_sessions']:.0f} MB with the sessions open → {rss['per_session']:.1f} MB per session."]
    if report.soak:
        s = report.soak
        lines.append(f"Soak: {s['minutes']:g} min, {s['passes']} passes, {s['views']} views, {s['errors']} errors; RSS "
                     f"{s['rss_after_warmup_mb']:.0f} MB after warm-up → {s['rss_end_mb']:.0f} MB at end "
                     f"({s['growth_pct']:+.1f} %, max {s['max_growth_pct']:+.1f} %); {_fmt(s['cpu_ms_per_view'], '.0f')} ms CPU "
                     f"per view; load {s['load_at_end'][0]:.2f} at end.")
    if report.problems:
        lines.append(f"Errors in the browsers: {len(report.problems)} (first: {report.problems[0]})")
    if report.server_errors:
        lines.append(f"Server log errors: {len(report.server_errors)} (first: {report.server_errors[0]})")
    return "\n".join(lines)


def main(args) -> None:
    # a terminated bench still stops the servers it started (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    reports = []
    extra_env = dict(item.split("=", 1) for item in args.env or [])
    for n in [int(x) for x in str(args.sessions).split(",")]:
        report = run_capacity(n, args.rounds, args.replicas, args.server_arg, extra_env, args.soak_minutes)
        print(render(report) + "\n", flush=True)
        reports.append(report)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in reports], ensure_ascii=False, indent=1), encoding="utf-8")
