"""首页 progress (SPEC §8): this year's projects and credits, yearly verdicts, the national cycle.

Rules:
* Figures come from CreditSummary (kept current by every credit change): approved credits only;
  pending sums are carried apart for display and never counted.
* 本年参加项目: approved Class I projects (国家级 + 省级) and Class II projects of this year;
  本年获得学分: approved Class I and Class II credits of this year.
* Each year is judged by cme.domain.compliance.year_verdict with the person's standard for that
  year and the deployment setting `national_counts_as_provincial_i`; no standard → 未设置.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cme import clock
from cme.config import get_settings
from cme.core.actors import Actor, get_user_in_scope
from cme.core.policy import use_case
from cme.domain.compliance import ComplianceSettings, YearTotals, YearVerdict, format_credit, year_verdict
from cme.domain.enums import AccountStatus, ReviewStatus, Role
from cme.domain.standards import Standard
from cme.models import CreditSummary, InstitutionYearRollup, ProfileChangeRequest, Transfer, User
from cme.standards.personal import standards_by_year

ZERO = Decimal("0")


@dataclass(frozen=True)
class YearProgress:
    year: int
    verdict: YearVerdict
    standard: Standard | None

    @property
    def missing_text(self) -> str:
        return self.verdict.missing_text()


@dataclass(frozen=True)
class HomeProgress:
    year: int
    projects_i: int
    projects_ii: int
    credits_i: Decimal
    credits_ii: Decimal
    pending_i: Decimal
    pending_ii: Decimal
    years: list[YearProgress]  # oldest first, ending this year

    @property
    def current(self) -> YearProgress:
        return self.years[-1]

    @property
    def missing_text(self) -> str:
        """`省级I类还差 3 分，…` / 本年度学分已达标 / the 未设置 prompt."""
        return self.current.missing_text

    @property
    def has_data(self) -> bool:
        """Anything to chart: a standard or any approved or pending credit in the years shown."""
        return any(p.standard or p.verdict.total_obtained or p.verdict.pending_i or p.verdict.pending_ii
                   for p in self.years)


def compliance_settings() -> ComplianceSettings:
    return ComplianceSettings(national_counts_as_provincial_i=get_settings().national_counts_as_provincial_i)


def _summaries(session: Session, user_id: int) -> dict[int, CreditSummary]:
    return {r.year: r for r in session.scalars(select(CreditSummary).where(CreditSummary.user_id == user_id))}


def _totals(summaries: dict[int, CreditSummary]) -> dict[int, YearTotals]:
    return {y: YearTotals(y, r.national_i, r.provincial_i, r.class_ii, r.pending_i, r.pending_ii) for y, r in summaries.items()}


@use_case
def home_progress(session: Session, actor: Actor, user_id: int | None = None, *, years: int = 5,
                  year: int | None = None) -> HomeProgress:
    """The person's 首页 figures for `year` (default this year) and the `years` years up to it."""
    # one's own page needs no scope check (nor its round trip); anyone else's does
    uid = actor.id if user_id in (None, actor.id) else get_user_in_scope(session, actor, user_id).id
    this_year = year or clock.today().year
    summaries = _summaries(session, uid)  # kept: the year's row below comes from the same read
    totals = _totals(summaries)
    standards = standards_by_year(session, uid)
    settings = compliance_settings()
    span = [y for y in range(this_year - years + 1, this_year + 1)]
    progress = [YearProgress(y, year_verdict(y, standards.get(y), totals, settings), standards.get(y)) for y in span]
    summary = summaries.get(this_year)
    if summary is None:
        return HomeProgress(this_year, 0, 0, ZERO, ZERO, ZERO, ZERO, progress)
    return HomeProgress(this_year, summary.projects_i, summary.projects_ii, summary.national_i + summary.provincial_i,
                        summary.class_ii, summary.pending_i, summary.pending_ii, progress)


HISTORY_COLUMNS = ["年度", "结论", "还差", "执行标准", "省级I类(已获/要求)", "II类(已获/要求)", "总学分(已获/要求)",
                   "国家级I类周期", "国家级I类(已获/要求)"]


def history_row(p: YearProgress) -> dict:
    """One 历年达标情况 row: verdict and shortfall first, then obtained / required per class (numbers
    as text so "4 / 10" reads as a fraction)."""
    v = p.verdict

    def fig(got, need) -> str:
        return f"{format_credit(got)} / {format_credit(need)}"

    return {
        "年度": p.year, "结论": v.status, "还差": "—" if v.met else v.missing_text(), "执行标准": v.standard_code,
        "省级I类(已获/要求)": fig(v.provincial_i_obtained, v.provincial_i_required),
        "II类(已获/要求)": fig(v.class_ii_obtained, v.class_ii_required),
        "总学分(已获/要求)": fig(v.total_obtained, v.total_required),
        "国家级I类周期": f"{v.cycle_start}—{v.cycle_end}",
        "国家级I类(已获/要求)": fig(v.national_i_cycle_obtained, v.national_i_cycle_required)
        if v.national_i_cycle_required else "不要求",
    }


@use_case
def standard_history(session: Session, actor: Actor, user_id: int | None = None) -> list[YearProgress]:
    """历年达标情况: every year up to this one for which the person set a standard, newest first, judged
    exactly as 首页 judges the current year."""
    # one's own history needs no scope check (nor its round trip); anyone else's does
    uid = actor.id if user_id in (None, actor.id) else get_user_in_scope(session, actor, user_id).id
    totals = _totals(_summaries(session, uid))
    settings = compliance_settings()
    this_year = clock.today().year
    return [YearProgress(y, year_verdict(y, std, totals, settings), std)
            for y, std in sorted(standards_by_year(session, uid).items(), reverse=True) if y <= this_year]


def national_cycle_year(history: list[YearProgress]) -> YearProgress | None:
    """The newest year whose standard asks for national Class I credits: its cycle is the one to chart,
    also when this year has no standard yet."""
    return next((p for p in history if p.standard and p.standard.national_i_per_cycle > 0), None)


@dataclass(frozen=True)
class UnitQueues:
    registrations: int
    credits: int
    profiles: int
    transfers: int


@use_case
def unit_queues(session: Session, actor: Actor) -> UnitQueues:
    """Counts of what waits for the institution admin (the provincial admin: province-wide)."""
    inst = actor.institution_id if actor.is_unit_admin else None

    def count(q, col):
        return int(session.scalar(q.where(col == inst) if inst is not None else q))

    regs = count(select(func.count()).select_from(User).where(User.role == Role.PERSON, User.status == AccountStatus.PENDING),
                 User.institution_id)
    # pending credits of today's staff, counted by the rollups (not 3.5M rows at province scale)
    creds = count(select(func.coalesce(func.sum(InstitutionYearRollup.pending), 0)), InstitutionYearRollup.institution_id)
    profiles = count(select(func.count()).select_from(ProfileChangeRequest).where(ProfileChangeRequest.status == ReviewStatus.PENDING),
                     ProfileChangeRequest.institution_id)
    transfers = count(select(func.count()).select_from(Transfer).where(Transfer.status == ReviewStatus.PENDING),
                      Transfer.to_institution_id)
    return UnitQueues(regs, creds, profiles, transfers)
