"""本机构人员 and 统计分析 / 全省统计 (SPEC §8 "Institution admin", "Provincial admin").

Rules:
* Staff = users with role person and status approved, counted where they are now (users.institution_id).
* Every person-year is judged by cme.domain.compliance.year_verdict with the person's standard for that
  year and the summaries of the national cycle's years — the same verdict as the person's 首页.
  Figures come from CreditSummary + PersonalStandard + CreditStandard only (SPEC §9: never credit_records),
  loaded set-based: one query for the staff, one for their standards, one for their summaries.
* A person without a standard for the year is 未设置: counted apart; 达标率 = 达标 / (达标 + 未达标).
* An institution admin sees only their own institution (asking for another is refused); the provincial
  admin sees every institution; a person is refused.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cme import clock
from cme.domain.compliance import (
    STATUS_MET, STATUS_NOT_MET, STATUS_UNSET, YearTotals, YearVerdict, format_credit, year_verdict,
)
from cme.domain.standards import TITLE_LEVELS, parse_title_label
from cme.errors import NotPermitted
from cme.models import CreditStandard, CreditSummary, Department, Institution, PersonalStandard, Region, User
from cme.reports.tables import csv_bytes, xlsx_bytes
from cme.credits import review
from cme.credits import progress
from cme.core import reference
from cme.core.actors import Actor
from cme.core.policy import use_case

STATUSES = (STATUS_MET, STATUS_NOT_MET, STATUS_UNSET)
NO_DEPARTMENT = "（未分科室）"
NO_TITLE = "（未设置标准）"
NO_CITY = "（未知市州）"


# ---- scope -------------------------------------------------------------------------------------


def _scope(actor: Actor, institution_id: int | None) -> int | None:
    """The institution the actor may look at: a unit admin only their own; the province any (None = all)."""
    if actor.is_unit_admin:
        if institution_id is not None and institution_id != actor.institution_id:
            raise NotPermitted("只能查看本机构的人员")
        return actor.institution_id
    return institution_id


def _city_institutions(city_code: str):
    districts = select(Region.code).where(Region.parent_code == city_code)
    return select(Institution.id).where(or_(Institution.region_code == city_code, Institution.region_code.in_(districts)))


def _staff_filter(institution_id: int | None, city_code: str | None, department_id: int | None, keyword: str):
    conds = [User.role == "person", User.status == "approved"]
    if institution_id is not None:
        conds.append(User.institution_id == institution_id)
    if city_code:
        conds.append(User.institution_id.in_(_city_institutions(city_code)))
    if department_id is not None:
        conds.append(User.department_id == department_id)
    if keyword.strip():
        like = f"%{keyword.strip()}%"
        conds.append(or_(User.name.like(like), User.username.like(like)))
    return and_(*conds)


# ---- the judged person-years ---------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    institution: str
    city_code: str | None
    city: str


def _places(session: Session) -> dict[int, Place]:
    """Institution id → name and 市州 (an institution sits in a city or in one of its districts)."""
    names = {r.code: (r.name, r.level, r.parent_code) for r in session.execute(select(Region.code, Region.name, Region.level, Region.parent_code))}
    out = {}
    for iid, iname, rcode in session.execute(select(Institution.id, Institution.name, Institution.region_code)):
        name, level, parent = names.get(rcode, (None, None, None))
        city = rcode if level == "city" else parent if level == "district" else None
        out[iid] = Place(iname, city, names[city][0] if city in names else NO_CITY)
    return out


@dataclass(frozen=True)
class StaffRow:
    """One person judged in one year (本机构人员 row). The ID number is masked on the server."""

    user_id: int
    username: str
    name: str
    id_number_masked: str
    department: str
    institution_id: int | None
    institution: str
    city: str
    title: str
    title_level: str
    verdict: YearVerdict

    @property
    def year(self) -> int:
        return self.verdict.year

    @property
    def status(self) -> str:
        return self.verdict.status

    @property
    def standard_code(self) -> str:
        return self.verdict.standard_code or STATUS_UNSET

    @property
    def shortfall_text(self) -> str:
        """`省级I类还差 3 分，…` / 已达标 / 未设置学分标准 — the admin's wording of the 首页 verdict."""
        if self.status == STATUS_UNSET:
            return "未设置学分标准"
        if self.status == STATUS_MET:
            return "已达标"
        return self.verdict.missing_text()

    def group(self, dimension: str) -> str:
        return {
            "department": self.department,
            "title": self.title_level,
            "standard": self.standard_code,
            "city": self.city,
            "institution": self.institution,
        }[dimension]

    def table_row(self) -> dict:
        v = self.verdict

        def fig(got, need):
            return format_credit(got) if need is None else f"{format_credit(got)} / {format_credit(need)}"

        cycle = "" if v.cycle_start is None else f"{v.cycle_start}—{v.cycle_end}"
        return {
            "用户名": self.username, "姓名": self.name, "身份证号": self.id_number_masked, "科室": self.department,
            "技术职称": self.title, "执行标准": self.standard_code, "状态": self.status, "还差": self.shortfall_text,
            "省级I类(已获/要求)": fig(v.provincial_i_obtained, v.provincial_i_required),
            "II类(已获/要求)": fig(v.class_ii_obtained, v.class_ii_required),
            "总学分(已获/要求)": fig(v.total_obtained, v.total_required),
            "国家级I类周期": cycle,
            "国家级I类(已获/要求)": "" if v.national_i_cycle_required is None
            else fig(v.national_i_cycle_obtained, v.national_i_cycle_required),
        }


STAFF_COLUMNS = list(StaffRow(0, "", "", "", "", None, "", "", "", "", year_verdict(2000, None, {})).table_row())


def _title_level(label: str | None) -> str:
    if not label:
        return NO_TITLE
    try:
        return parse_title_label(label)[2]
    except ValueError:
        return label


def _judge(session: Session, where, years: list[int]) -> list[StaffRow]:
    """Every staff member matching `where`, judged in each of `years` — three queries in all."""
    settings = progress.compliance_settings()
    places = _places(session)
    staff = session.execute(
        select(User.id, User.username, User.name, User.id_number_masked, User.institution_id, Department.name)
        .outerjoin(Department, Department.id == User.department_id)
        .where(where).order_by(User.username)
    ).all()
    if not staff:
        return []
    catalogue = {r.id: reference.to_standard(r) for r in session.scalars(select(CreditStandard))}
    chosen: dict[tuple[int, int], tuple] = {}
    for uid, year, title, sid in session.execute(
        select(PersonalStandard.user_id, PersonalStandard.year, PersonalStandard.title, PersonalStandard.standard_id)
        .join(User, User.id == PersonalStandard.user_id)
        .where(where, PersonalStandard.year.in_(years))
    ):
        chosen[(uid, year)] = (catalogue[sid], title)
    longest = max((std.cycle_years for std, _ in chosen.values()), default=1)
    totals: dict[int, dict[int, YearTotals]] = defaultdict(dict)
    for uid, year, nat, prov, ii, pi, pii in session.execute(
        select(CreditSummary.user_id, CreditSummary.year, CreditSummary.national_i, CreditSummary.provincial_i,
               CreditSummary.class_ii, CreditSummary.pending_i, CreditSummary.pending_ii)
        .join(User, User.id == CreditSummary.user_id)
        .where(where, CreditSummary.year.between(min(years) - longest + 1, max(years)))
    ):
        totals[uid][year] = YearTotals(year, nat, prov, ii, pi, pii)
    out = []
    for uid, username, name, masked, inst_id, dept in staff:
        place = places.get(inst_id, Place("", None, NO_CITY))
        for y in years:
            std, title = chosen.get((uid, y), (None, ""))
            verdict = year_verdict(y, std, totals.get(uid, {}), settings)
            out.append(StaffRow(uid, username, name, masked or "", dept or NO_DEPARTMENT, inst_id, place.institution,
                                place.city, title, _title_level(title), verdict))
    return out


@use_case
def staff_compliance(session: Session, actor: Actor, year: int | None = None, *, institution_id: int | None = None,
                     department_id: int | None = None, status: str | None = None, keyword: str = "") -> list[StaffRow]:
    """本机构人员: each staff member with the year's standard, obtained vs required and 达标/未达标/未设置.

    Filters: department, status (达标/未达标/未设置), keyword in 姓名 or 用户名.
    """
    inst = _scope(actor, institution_id)
    rows = _judge(session, _staff_filter(inst, None, department_id, keyword), [year or clock.today().year])
    return [r for r in rows if not status or r.status == status]


# ---- rates -------------------------------------------------------------------------------------------


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


def rates(rows: Iterable[StaffRow], by: Callable[[StaffRow], str], key: Callable[[StaffRow], object] | None = None) -> list[RateRow]:
    """Group judged rows; groups sorted by name."""
    groups: dict[str, RateRow] = {}
    for r in rows:
        g = by(r)
        groups.setdefault(g, RateRow(g, key=key(r) if key else None)).add(r.status)
    return [groups[g] for g in sorted(groups)]


def total(rows: Iterable[StaffRow], label: str = "合计") -> RateRow:
    out = RateRow(label)
    for r in rows:
        out.add(r.status)
    return out


@dataclass(frozen=True)
class Overview:
    """One year's judged staff of a scope, grouped on demand (no further queries)."""

    year: int
    rows: list[StaffRow]

    @property
    def total(self) -> RateRow:
        return total(self.rows)

    def by(self, dimension: str) -> list[RateRow]:
        key = (lambda r: r.institution_id) if dimension == "institution" else None
        out = rates(self.rows, lambda r: r.group(dimension), key)
        if dimension == "title":  # 正高 … 无职称, then the rest
            out.sort(key=lambda g: (TITLE_LEVELS.index(g.group) if g.group in TITLE_LEVELS else len(TITLE_LEVELS), g.group))
        return out


@use_case
def year_overview(session: Session, actor: Actor, year: int | None = None, *, institution_id: int | None = None,
                  city_code: str | None = None) -> Overview:
    """统计分析 for a year: the scope's staff judged once; group with Overview.by(dimension)."""
    inst = _scope(actor, institution_id)
    y = year or clock.today().year
    return Overview(y, _judge(session, _staff_filter(inst, city_code, None, ""), [y]))


@use_case
def trend(session: Session, actor: Actor, year: int | None = None, *, years: int = 5, institution_id: int | None = None,
          city_code: str | None = None) -> list[RateRow]:
    """达标率 of each of the `years` years up to `year` (today's staff, each year's own standard)."""
    inst = _scope(actor, institution_id)
    last = year or clock.today().year
    span = list(range(last - years + 1, last + 1))
    rows = _judge(session, _staff_filter(inst, city_code, None, ""), span)
    by_year = rates(rows, lambda r: str(r.year))
    present = {r.group for r in by_year}
    return sorted(by_year + [RateRow(str(y)) for y in span if str(y) not in present], key=lambda r: r.group)


# ---- review queues ---------------------------------------------------------------------------------

AGE_BUCKETS = (("3天内", 0, 3), ("4–7天", 4, 7), ("8–30天", 8, 30), ("30天以上", 31, None))


@dataclass(frozen=True)
class QueueAges:
    registrations: int
    credits: int
    profiles: int
    transfers: int
    credit_buckets: dict[str, int]
    oldest_credit_days: int | None

    @property
    def total(self) -> int:
        return self.registrations + self.credits + self.profiles + self.transfers


@use_case
def queue_ages(session: Session, actor: Actor) -> QueueAges:
    """What waits for review (progress.unit_queues) and how long the pending credits have waited."""
    counts = progress.unit_queues(session, actor)
    ages = [q.age_days for q in review.review_queue(session, actor)]
    buckets = {label: sum(1 for a in ages if a >= lo and (hi is None or a <= hi)) for label, lo, hi in AGE_BUCKETS}
    return QueueAges(counts.registrations, counts.credits, counts.profiles, counts.transfers, buckets,
                     max(ages) if ages else None)


# ---- province headline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    year: int
    total: RateRow
    pending_reviews: int
    by_city: list[RateRow]


@use_case
def province_headline(session: Session, actor: Actor, year: int | None = None) -> Headline:
    """省级管理员首页: province-wide staff, 达标率 and pending reviews this year, and the table by 市州."""
    ov = year_overview(session, actor, year)
    q = progress.unit_queues(session, actor)
    return Headline(ov.year, ov.total, q.registrations + q.credits + q.profiles + q.transfers, ov.by("city"))


@use_case
def cities(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the 市州, for the province's filters."""
    return [(r.code, r.name) for r in reference.regions(session, next(iter(reference.regions(session, None))).code)]


# ---- export --------------------------------------------------------------------------------------------


def _table(rows: list[StaffRow]) -> list[list]:
    return [STAFF_COLUMNS] + [list(r.table_row().values()) for r in rows]


def export_csv(rows: list[StaffRow]) -> bytes:
    """ID numbers masked, as everywhere in lists."""
    return csv_bytes(_table(rows))


def export_xlsx(rows: list[StaffRow]) -> bytes:
    return xlsx_bytes(_table(rows), title="本机构人员", widths=(12, 10, 22, 12, 26, 9, 8, 40, 16, 16, 16, 13, 18))


@use_case
def department_options(session: Session, actor: Actor, institution_id: int | None = None) -> list[tuple[int, str]]:
    """The departments of the institution in scope, for the filter."""
    inst = _scope(actor, institution_id)
    return reference.departments(session, inst) if inst is not None else []

