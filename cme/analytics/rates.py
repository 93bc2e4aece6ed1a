"""达标率 of a scope by department, title level, standard, 市州 and institution, and the trend — read from rollups.

Rules:
* Staff = today's approved persons where they are now; a person-year is judged by its stored verdict
  (cme.core.verdicts, the 首页's year_verdict). The counts come only from the rollups kept exact on every
  write (cme.core.rollups): never credit_records, never a per-person loop. An institution reads its
  rows by department × title level × standard; the province reads one row per institution and year.
* 未设置 = staff − 达标 − 未达标 (a person without a standard has no row); 达标率 = 达标 / (达标 + 未达标).
* In the title and standard dimensions the 未设置 people form one group, （未设置标准） / 未设置.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cme import clock
from cme.analytics.scope import places, scope
from cme.core.actors import Actor, require_role
from cme.core.policy import use_case
from cme.domain.chinese_order import by_pinyin
from cme.domain.compliance import STATUS_MET, STATUS_NOT_MET, STATUS_UNSET
from cme.domain.enums import Role
from cme.domain.standards import TITLE_LEVELS
from cme.models import Department, InstitutionYearRollup, StaffCount, VerdictRollup

NO_DEPARTMENT = "（未分科室）"
NO_TITLE = "（未设置标准）"
DIMENSIONS = {"department": "科室", "title": "职称级别", "standard": "执行标准", "city": "市州", "institution": "机构"}


@dataclass
class RateRow:
    """Counts of one group: 达标率 = 达标 / (达标 + 未达标); 未设置 shown apart."""

    group: str
    met: int = 0
    not_met: int = 0
    unset: int = 0
    key: object = field(default=None, compare=False)

    @property
    def staff(self) -> int:
        return self.met + self.not_met + self.unset

    @property
    def rate(self) -> float | None:
        judged = self.met + self.not_met
        return self.met / judged if judged else None

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    def add(self, status: str) -> None:
        if status == STATUS_MET:
            self.met += 1
        elif status == STATUS_NOT_MET:
            self.not_met += 1
        else:
            self.unset += 1

    def table_row(self, label: str) -> dict:
        return {label: self.group, "人数": self.staff, "达标": self.met, "未达标": self.not_met, "未设置": self.unset,
                "达标率": self.rate_text}


def rates(rows: Iterable, by: Callable[[object], str], key: Callable[[object], object] | None = None) -> list[RateRow]:
    """Group judged staff rows (anything with a .status); groups sorted by the pinyin of their name."""
    groups: dict[str, RateRow] = {}
    for r in rows:
        g = by(r)
        groups.setdefault(g, RateRow(g, key=key(r) if key else None)).add(r.status)
    return [groups[g] for g in by_pinyin(groups)]


def total(rows: Iterable, label: str = "合计") -> RateRow:
    out = RateRow(label)
    for r in rows:
        out.add(r.status)
    return out


@dataclass(frozen=True)
class Cell:
    """Rollup counts of one institution (and, within one institution, one department × title × standard)."""

    institution_id: int
    institution: str
    city_code: str | None
    city: str
    department: str | None
    title_level: str | None
    standard_code: str | None
    met: int
    not_met: int


@dataclass(frozen=True)
class Overview:
    """One year of a scope: rollup cells and staff counts, grouped on demand (no further queries)."""

    year: int
    rows: list[Cell]  # judged counts
    staff: dict[tuple[int, str | None], int]  # (institution id, department or None) → today's staff
    detailed: bool  # cells by department × title × standard (one institution) or one per institution
    names: dict[int, tuple[str, str]] = field(default_factory=dict, repr=False)  # institution id → (name, 市州)

    @property
    def total(self) -> RateRow:
        met, not_met = sum(c.met for c in self.rows), sum(c.not_met for c in self.rows)
        return RateRow("合计", met, not_met, sum(self.staff.values()) - met - not_met)

    def by(self, dimension: str) -> list[RateRow]:
        if dimension not in DIMENSIONS:
            raise ValueError(dimension)
        if dimension in ("department", "title", "standard") and not self.detailed:
            raise ValueError(f"{DIMENSIONS[dimension]}的分组只在单个机构内提供")
        if dimension in ("title", "standard"):
            return self._by_verdict_group(dimension)
        name_of = {"department": lambda iid, dept: dept, "city": lambda iid, dept: self.names[iid][1],
                   "institution": lambda iid, dept: self.names[iid][0]}[dimension]
        groups: dict[str, RateRow] = {}

        def group(iid: int, dept: str | None) -> RateRow:
            name = name_of(iid, dept)
            return groups.setdefault(name, RateRow(name, key=iid if dimension == "institution" else None))

        for c in self.rows:
            g = group(c.institution_id, c.department)
            g.met, g.not_met, g.unset = g.met + c.met, g.not_met + c.not_met, g.unset - c.met - c.not_met
        for (iid, dept), n in self.staff.items():  # 未设置 = staff − judged
            group(iid, dept).unset += n
        return [groups[g] for g in by_pinyin(groups) if groups[g].staff]

    def _by_verdict_group(self, dimension: str) -> list[RateRow]:
        groups: dict[str, RateRow] = {}
        for c in self.rows:
            name = c.title_level if dimension == "title" else c.standard_code
            assert name is not None  # detailed cells name both (NO_TITLE / STATUS_UNSET when the row has none)
            g = groups.setdefault(name, RateRow(name))
            g.met, g.not_met = g.met + c.met, g.not_met + c.not_met
        unset = self.total.unset
        if unset:
            name = NO_TITLE if dimension == "title" else STATUS_UNSET
            groups.setdefault(name, RateRow(name)).unset += unset
        out = [groups[g] for g in sorted(groups) if groups[g].staff]
        if dimension == "title":  # 正高 … 无职称, then the rest
            out.sort(key=lambda g: (TITLE_LEVELS.index(g.group) if g.group in TITLE_LEVELS else len(TITLE_LEVELS), g.group))
        return out


def _read(session: Session, year_from: int, year_to: int, institution_id: int | None, city_code: str | None,
          detailed: bool) -> tuple[dict[int, list[Cell]], dict[tuple[int, str | None], int], dict[int, tuple[str, str]]]:
    """Cells of each year and today's staff of the scope: two small queries on the rollups."""
    where_place = places(session, institution_id)
    if city_code:
        where_place = {i: p for i, p in where_place.items() if p.city_code == city_code}
    depts: dict[int, str] = {}
    t: type[VerdictRollup] | type[InstitutionYearRollup]
    q: Select  # the detailed query has more columns
    if detailed:
        t = VerdictRollup
        depts = dict(session.execute(select(Department.id, Department.name).where(Department.institution_id == institution_id)).all())
        q = select(t.institution_id, t.year, t.department_id, t.title_level, t.standard_code, t.met, t.not_met)
    else:
        t = InstitutionYearRollup
        q = select(t.institution_id, t.year, t.met, t.not_met)
    q = q.where(t.year.between(year_from, year_to), t.met + t.not_met > 0)
    if institution_id is not None:
        q = q.where(t.institution_id == institution_id)
    cells: dict[int, list[Cell]] = defaultdict(list)
    for r in session.execute(q):
        place = where_place.get(r[0])
        if place is None:
            continue
        if detailed:
            cells[r[1]].append(Cell(r[0], place.institution, place.city_code, place.city,
                                    depts.get(r[2], NO_DEPARTMENT), r[3] or NO_TITLE, r[4] or STATUS_UNSET, r[5], r[6]))
        else:
            cells[r[1]].append(Cell(r[0], place.institution, place.city_code, place.city, None, None, None, r[2], r[3]))
    s = StaffCount
    sq: Select
    staff: dict[tuple[int, str | None], int]
    if detailed:
        sq = select(s.institution_id, s.department_id, s.staff).where(s.institution_id == institution_id, s.staff > 0)
        staff = {(iid, depts.get(d, NO_DEPARTMENT)): n for iid, d, n in session.execute(sq)}
    else:
        sq = select(s.institution_id, func.sum(s.staff)).group_by(s.institution_id)
        if institution_id is not None:
            sq = sq.where(s.institution_id == institution_id)
        staff = {(iid, None): int(n) for iid, n in session.execute(sq) if iid in where_place and n}
    names = {i: (p.institution, p.city) for i, p in where_place.items()}
    return cells, staff, names


@use_case
def year_overview(session: Session, actor: Actor, year: int | None = None, *, institution_id: int | None = None,
                  city_code: str | None = None) -> Overview:
    """统计分析 for a year; group with Overview.by(dimension) — department, title and standard within one institution."""
    inst = scope(actor, institution_id)
    y = year or clock.today().year
    cells, staff, names = _read(session, y, y, inst, city_code, inst is not None)
    return Overview(y, cells.get(y, []), staff, inst is not None, names)


@use_case
def trend(session: Session, actor: Actor, year: int | None = None, *, years: int = 5, institution_id: int | None = None,
          city_code: str | None = None) -> list[RateRow]:
    """达标率 of each of the `years` years up to `year` (today's staff, each year's own standard)."""
    inst = scope(actor, institution_id)
    last = year or clock.today().year
    cells, staff, names = _read(session, last - years + 1, last, inst, city_code, False)
    out = []
    for y in range(last - years + 1, last + 1):
        t = Overview(y, cells.get(y, []), staff, False, names).total
        out.append(RateRow(str(y), t.met, t.not_met, t.unset))
    return out


@dataclass(frozen=True)
class Headline:
    year: int
    total: RateRow
    pending_reviews: int
    by_city: list[RateRow]


@use_case
def province_headline(session: Session, actor: Actor, year: int | None = None) -> Headline:
    """省级管理员首页: province-wide staff, 达标率 and pending reviews this year, and the table by 市州."""
    from cme.credits import progress

    require_role(actor, Role.PROVINCE)
    ov = year_overview(session, actor, year)
    q = progress.unit_queues(session, actor)
    return Headline(ov.year, ov.total, q.registrations + q.credits + q.profiles + q.transfers, ov.by("city"))


__all__ = ["DIMENSIONS", "NO_DEPARTMENT", "NO_TITLE", "Cell", "Headline", "Overview", "RateRow", "province_headline", "rates", "total",
           "trend", "year_overview"]
