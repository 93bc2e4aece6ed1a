"""本机构人员 (the staff list with each person's stored verdict), review-queue ages and exports (SPEC §8).

Rules:
* Staff = users with role person and status approved, counted where they are now (users.institution_id).
* Each person-year's verdict is the stored one (cme.core.verdicts): cme.domain.compliance.year_verdict with
  the person's standard for that year and the national cycle's totals — the same verdict as the person's
  首页 — read with the staff in one query (users ⟕ summaries ⟕ personal standard), never judged here.
* A person without a standard for the year is 未设置. Rates, trend and the province's figures read the
  rollups (cme.analytics.rates).
* An institution admin sees only their own institution (asking for another is refused); the provincial
  admin sees every institution; a person is refused.
* Exports are built only when asked for (the page calls export_* on a button), never on every rerun.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cme import clock
from cme.analytics.rates import NO_DEPARTMENT, NO_TITLE, Headline, Overview, RateRow, province_headline, rates, total, trend, year_overview  # noqa: F401  (re-exported: pages read analytics.service only)
from cme.analytics.scope import UNKNOWN_PLACE, places, scope
from cme.core import reference
from cme.core.actors import Actor, require_role
from cme.core.policy import use_case
from cme.core.verdicts import from_stored
from cme.credits import progress
from cme.domain.compliance import STATUS_MET, STATUS_NOT_MET, STATUS_UNSET, YearVerdict, format_credit, year_verdict
from cme.domain.enums import AccountStatus, ReviewStatus, Role, Verdict
from cme.models import CreditRecord, CreditSummary, Department, Institution, PersonalStandard, Region, User
from cme.reports.tables import csv_bytes, number, xlsx_bytes

STATUSES = (STATUS_MET, STATUS_NOT_MET, STATUS_UNSET)


def _city_institutions(city_code: str):
    districts = select(Region.code).where(Region.parent_code == city_code)
    return select(Institution.id).where(or_(Institution.region_code == city_code, Institution.region_code.in_(districts)))


def _staff_filter(institution_id: int | None, city_code: str | None, department_id: int | None, keyword: str):
    conds = [User.role == Role.PERSON, User.status == AccountStatus.APPROVED]
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


# ---- the staff list ---------------------------------------------------------------------------------------


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
        """The screen's row: who, then 状态 and 还差 (what an admin looks for first), then the figures."""
        v = self.verdict

        def fig(got, need):
            return format_credit(got) if need is None else f"{format_credit(got)} / {format_credit(need)}"

        cycle = "" if v.cycle_start is None else f"{v.cycle_start}—{v.cycle_end}"
        return {
            "姓名": self.name, "状态": self.status, "还差": self.shortfall_text, "科室": self.department,
            "执行标准": self.standard_code,
            "省级I类(已获/要求)": fig(v.provincial_i_obtained, v.provincial_i_required),
            "II类(已获/要求)": fig(v.class_ii_obtained, v.class_ii_required),
            "总学分(已获/要求)": fig(v.total_obtained, v.total_required),
            "国家级I类周期": cycle,
            "国家级I类(已获/要求)": "" if v.national_i_cycle_required is None
            else fig(v.national_i_cycle_obtained, v.national_i_cycle_required),
            "用户名": self.username, "身份证号": self.id_number_masked, "技术职称": self.title,
        }

    def export_row(self) -> dict:
        """The file's row: the year first and every figure a number of its own (sums and filters work in
        Excel/WPS); a requirement the standard does not set is an empty cell."""
        v = self.verdict
        return {
            "年度": self.year, "用户名": self.username, "姓名": self.name, "身份证号": self.id_number_masked,
            "科室": self.department, "技术职称": self.title, "执行标准": self.standard_code, "状态": self.status,
            "还差": self.shortfall_text,
            "省级I类已获": number(v.provincial_i_obtained), "省级I类要求": number(v.provincial_i_required),
            "II类已获": number(v.class_ii_obtained), "II类要求": number(v.class_ii_required),
            "总学分已获": number(v.total_obtained), "总学分要求": number(v.total_required),
            "国家级I类周期起": v.cycle_start, "国家级I类周期止": v.cycle_end,
            "国家级I类周期已获": number(v.national_i_cycle_obtained) if v.national_i_cycle_required is not None else None,
            "国家级I类周期要求": number(v.national_i_cycle_required),
        }


_BLANK = StaffRow(0, "", "", "", "", None, "", "", "", "", year_verdict(2000, None, {}))
STAFF_COLUMNS = list(_BLANK.table_row())
EXPORT_COLUMNS = list(_BLANK.export_row())


_VERDICT_OF = {Verdict.MET: STATUS_MET, Verdict.NOT_MET: STATUS_NOT_MET, Verdict.UNSET: STATUS_UNSET}


@use_case
def staff_compliance(session: Session, actor: Actor, year: int | None = None, *, institution_id: int | None = None,
                     department_id: int | None = None, status: str | None = None, keyword: str = "") -> list[StaffRow]:
    """本机构人员: each staff member with the year's standard, obtained vs required and 达标/未达标/未设置.

    Filters: department, status (达标/未达标/未设置), keyword in 姓名 or 用户名. One query for the rows.
    """
    inst = scope(actor, institution_id)
    y = year or clock.today().year
    where = [_staff_filter(inst, None, department_id, keyword)]
    if status == STATUS_UNSET:
        where.append(or_(CreditSummary.verdict.is_(None), CreditSummary.verdict == Verdict.UNSET))
    elif status in (STATUS_MET, STATUS_NOT_MET):
        where.append(CreditSummary.verdict == {STATUS_MET: Verdict.MET, STATUS_NOT_MET: Verdict.NOT_MET}[status])
    elif status:
        return []
    c = CreditSummary.__table__.c  # plain columns: 5,000 rows must not become 5,000 ORM objects
    q = (select(User.id, User.username, User.name, User.id_number_masked, User.institution_id, Department.name,
                PersonalStandard.title, c.national_i, c.provincial_i, c.class_ii, c.pending_i, c.pending_ii, c.verdict,
                c.standard_id, c.title_level, c.national_i_cycle, c.short_national_i, c.short_provincial_i,
                c.short_class_ii, c.short_total)
         .outerjoin(Department, Department.id == User.department_id)
         .outerjoin(CreditSummary, and_(CreditSummary.user_id == User.id, CreditSummary.year == y))
         .outerjoin(PersonalStandard, and_(PersonalStandard.user_id == User.id, PersonalStandard.year == y))
         .where(*where).order_by(User.username))
    settings = progress.compliance_settings()
    catalogue = reference.standards_by_id(session)
    where_place = places(session, inst)
    out = []
    for r in session.execute(q):
        place = where_place.get(r.institution_id, UNKNOWN_PLACE)
        verdict = from_stored(y, r, catalogue, settings)
        level = r.title_level if verdict.standard_code else None
        out.append(StaffRow(r.id, r.username, r.name, r.id_number_masked or "", r[5] or NO_DEPARTMENT, r.institution_id,
                            place.institution, place.city, r.title or "", level or NO_TITLE, verdict))
    return out


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
    """What waits for review (progress.unit_queues) and how long the pending credits have waited
    (only their submission times are read, institution-first through the pending-records index)."""
    counts = progress.unit_queues(session, actor)
    q = select(CreditRecord.created_at).join(User, User.id == CreditRecord.user_id).where(CreditRecord.status == ReviewStatus.PENDING)
    if actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    today = clock.today()
    ages = [(today - clock.to_local(at).date()).days for at in session.scalars(q)]
    buckets = {label: sum(1 for a in ages if a >= lo and (hi is None or a <= hi)) for label, lo, hi in AGE_BUCKETS}
    return QueueAges(counts.registrations, counts.credits, counts.profiles, counts.transfers, buckets,
                     max(ages) if ages else None)


@use_case
def cities(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the 市州, for the province's filters."""
    require_role(actor, Role.PROVINCE)
    return [(r.code, r.name) for r in reference.regions(session, next(iter(reference.regions(session, None))).code)]


# ---- export --------------------------------------------------------------------------------------------


def _table(rows: list[StaffRow]) -> list[list]:
    return [EXPORT_COLUMNS] + [list(r.export_row().values()) for r in rows]


def export_csv(rows: list[StaffRow]) -> bytes:
    """ID numbers masked, as everywhere in lists."""
    return csv_bytes(_table(rows))


def export_xlsx(rows: list[StaffRow]) -> bytes:
    return xlsx_bytes(_table(rows), title="本机构人员", widths=(7, 12, 10, 22, 12, 26, 9, 8, 40) + (11,) * 10)


@use_case
def department_options(session: Session, actor: Actor, institution_id: int | None = None) -> list[tuple[int, str]]:
    """The departments of the institution in scope, for the filter."""
    inst = scope(actor, institution_id)
    return reference.departments(session, inst) if inst is not None else []

