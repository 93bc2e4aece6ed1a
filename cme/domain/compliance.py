"""Yearly compliance verdict (达标判定), SPEC §4 and §8.

Rules:

* A year is judged against that year's personal standard, with **approved**
  credits only. Pending credits (``pending_i``/``pending_ii``) are carried for
  display and never counted.
* Per year: 省级I类 obtained ≥ required, II类 obtained ≥ required and
  total obtained ≥ required, where total = 国家级I类 + 省级I类 + II类 approved
  in that year (each credit counted once).
* 国家级I类 is judged over the cycle ending in the judged year: the years
  ``year - cycle_years + 1 … year`` (e.g. 2011…2016 for a 6-year cycle judged in
  2016), using the cycle length and requirement of the judged year's standard.
* Class I and Class II are never interchangeable: a Class II surplus never
  covers a Class I shortfall, nor the reverse.
* Whether national Class I credits also count toward the yearly provincial
  Class I figure is a deployment setting
  (:attr:`ComplianceSettings.national_counts_as_provincial_i`, default off).
  When on, the year's national Class I credits are added to the provincial
  Class I figure; they still count toward the national cycle and once in the total.
* A year without a personal standard is 未设置: no requirement, no shortfall.
* Exactly meeting a requirement is 达标; comparisons are exact ``Decimal``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cme.domain.enums import CreditClass
from cme.domain.standards import Standard

# the classes by their short names, as the rules below speak of them
NATIONAL_I, PROVINCIAL_I, CLASS_II = CreditClass.NATIONAL_I, CreditClass.PROVINCIAL_I, CreditClass.CLASS_II
CREDIT_TYPES = tuple(CreditClass)
TOTAL = "总学分"

STATUS_MET = "达标"
STATUS_NOT_MET = "未达标"
STATUS_UNSET = "未设置"

MSG_MET = "本年度学分已达标"
MSG_UNSET = "未设置本年度学分标准，请先在【个人学分标准设置】中新增"

ZERO = Decimal("0")


def to_credit(value) -> Decimal:
    """Coerce an int/str/float/Decimal amount to ``Decimal`` (floats via ``str``)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def format_credit(value) -> str:
    """Credit amount without trailing-zero noise: 3 → "3", 5.50 → "5.5", 10.0 → "10"."""
    d = to_credit(value)
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


@dataclass(frozen=True)
class YearTotals:
    """Approved credit sums of one person in one year, plus pending sums (display only)."""

    year: int
    national_i: Decimal = ZERO
    provincial_i: Decimal = ZERO
    class_ii: Decimal = ZERO
    pending_i: Decimal = ZERO
    pending_ii: Decimal = ZERO

    def __post_init__(self):
        for name in ("national_i", "provincial_i", "class_ii", "pending_i", "pending_ii"):
            object.__setattr__(self, name, to_credit(getattr(self, name)))

    @property
    def class_i(self) -> Decimal:
        """Approved Class I of the year (national + provincial)."""
        return self.national_i + self.provincial_i

    @property
    def total(self) -> Decimal:
        """All approved credits of the year (I + II)."""
        return self.national_i + self.provincial_i + self.class_ii


@dataclass(frozen=True)
class ComplianceSettings:
    """Deployment settings of the compliance rule.

    ``national_counts_as_provincial_i``: when True, a year's approved national
    Class I credits also count toward that year's provincial Class I figure.
    Default off. Class I and Class II are never interchangeable, whatever the setting.
    """

    national_counts_as_provincial_i: bool = False


@dataclass(frozen=True)
class YearVerdict:
    """Verdict of one year. Required figures and cycle fields are ``None`` when 未设置.

    ``missing`` maps NATIONAL_I / PROVINCIAL_I / CLASS_II / TOTAL to the
    shortfall (> 0) only for the requirements not met.
    """

    year: int
    standard_code: str | None
    status: str
    national_i_obtained: Decimal
    provincial_i_obtained: Decimal
    class_ii_obtained: Decimal
    total_obtained: Decimal
    pending_i: Decimal
    pending_ii: Decimal
    provincial_i_required: Decimal | None = None
    class_ii_required: Decimal | None = None
    total_required: Decimal | None = None
    cycle_start: int | None = None
    cycle_end: int | None = None
    national_i_cycle_obtained: Decimal | None = None
    national_i_cycle_required: Decimal | None = None
    missing: dict[str, Decimal] = field(default_factory=dict)

    @property
    def met(self) -> bool:
        return self.status == STATUS_MET

    def missing_text(self) -> str:
        """Chinese summary, e.g. "省级I类还差 3 分，II类还差 5.5 分，总学分还差 8.5 分"."""
        if self.status == STATUS_UNSET:
            return MSG_UNSET
        if not self.missing:
            return MSG_MET
        parts = []
        for key, amount in self.missing.items():
            label = key
            if key == NATIONAL_I:
                label = f"{NATIONAL_I}（{self.cycle_start}至{self.cycle_end}年）"
            parts.append(f"{label}还差 {format_credit(amount)} 分")
        return "，".join(parts)


def _totals(totals_by_year: Mapping[int, YearTotals], year: int) -> YearTotals:
    return totals_by_year.get(year) or YearTotals(year)


def year_verdict(
    year: int,
    standard: Standard | None,
    totals_by_year: Mapping[int, YearTotals],
    settings: ComplianceSettings = ComplianceSettings(),
) -> YearVerdict:
    """Judge ``year`` against ``standard`` (the person's standard for that year).

    ``totals_by_year`` holds approved sums per year (years absent count as 0);
    it must include the earlier years of the national cycle.
    """
    t = _totals(totals_by_year, year)
    provincial = t.provincial_i + (t.national_i if settings.national_counts_as_provincial_i else ZERO)
    base: dict[str, Any] = dict(
        year=year,
        national_i_obtained=t.national_i,
        provincial_i_obtained=provincial,
        class_ii_obtained=t.class_ii,
        total_obtained=t.total,
        pending_i=t.pending_i,
        pending_ii=t.pending_ii,
    )
    if standard is None:
        return YearVerdict(standard_code=None, status=STATUS_UNSET, **base)

    cycle_start = year - standard.cycle_years + 1
    cycle_national = sum(
        (_totals(totals_by_year, y).national_i for y in range(cycle_start, year + 1)), ZERO
    )
    checks = (
        (NATIONAL_I, to_credit(standard.national_i_per_cycle), cycle_national),
        (PROVINCIAL_I, to_credit(standard.provincial_i_per_year), provincial),
        (CLASS_II, to_credit(standard.class_ii_per_year), t.class_ii),
        (TOTAL, to_credit(standard.total_per_year), t.total),
    )
    missing = {key: req - got for key, req, got in checks if got < req}
    return YearVerdict(
        standard_code=standard.code,
        status=STATUS_NOT_MET if missing else STATUS_MET,
        provincial_i_required=checks[1][1],
        class_ii_required=checks[2][1],
        total_required=checks[3][1],
        cycle_start=cycle_start,
        cycle_end=year,
        national_i_cycle_obtained=cycle_national,
        national_i_cycle_required=checks[0][1],
        missing=missing,
        **base,
    )


def verdicts(
    years: Iterable[int],
    standards_by_year: Mapping[int, Standard | None],
    totals_by_year: Mapping[int, YearTotals],
    settings: ComplianceSettings = ComplianceSettings(),
) -> list[YearVerdict]:
    """:func:`year_verdict` for each year, in the order given."""
    return [year_verdict(y, standards_by_year.get(y), totals_by_year, settings) for y in years]
