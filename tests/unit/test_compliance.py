"""Yearly compliance verdict (SPEC §4, §8). Expectations computed by hand."""
from decimal import Decimal as D

import pytest

from cme.domain.compliance import (
    CLASS_II,
    CREDIT_TYPES,
    NATIONAL_I,
    PROVINCIAL_I,
    TOTAL,
    ComplianceSettings,
    YearTotals,
    format_credit,
    verdicts,
    year_verdict,
)
from cme.domain.standards import Standard

# SPEC §4 rows used here, built inline (6-year cycle).
SCJA1 = Standard("SCJA1", "省级、三级医院高级", D(10), 6, D(10), D(15), D(25), "省级/三级医院", "高级")
SCJA2 = Standard("SCJA2", "省级、三级医院中级", D(10), 6, D(5), D(20), D(25), "省级/三级医院", "中级")
SCJA4 = Standard("SCJA4", "市州级、二级以下医院高级", D(0), 6, D(10), D(15), D(25), "市州级/二级及以下医院", "高级")
SCJA6 = Standard("SCJA6", "市州级、二级以下医院初级", D(0), 6, D(0), D(25), D(25), "市州级/二级及以下医院", "初级")
SCJA10 = Standard("SCJA10", "乡镇卫生院", D(0), 6, D(0), D(20), D(20), "乡镇卫生院", None)

ON = ComplianceSettings(national_counts_as_provincial_i=True)


def T(year, nat="0", prov="0", ii="0", pi="0", pii="0"):
    return YearTotals(year, D(nat), D(prov), D(ii), D(pi), D(pii))


def test_credit_type_constants():
    assert (NATIONAL_I, PROVINCIAL_I, CLASS_II) == ("国家级I类", "省级I类", "II类")
    assert CREDIT_TYPES == ("国家级I类", "省级I类", "II类")


# (standard, year totals, settings, status, missing) — one year, 2016, nothing in earlier years.
CASES = [
    # exactly meeting SCJA4 (10 / 15 / 25)
    ("exact", SCJA4, T(2016, prov="10", ii="15"), None, "达标", {}),
    ("surplus", SCJA4, T(2016, prov="12.5", ii="20"), None, "达标", {}),
    ("0.1 short provincial", SCJA4, T(2016, prov="9.9", ii="15.1"), None, "未达标",
     {PROVINCIAL_I: D("0.1")}),
    ("0.1 short II and total", SCJA4, T(2016, prov="10", ii="14.9"), None, "未达标",
     {CLASS_II: D("0.1"), TOTAL: D("0.1")}),
    # II surplus never covers an I shortfall (total is met: 5 + 20 = 25)
    ("II surplus no cover", SCJA4, T(2016, prov="5", ii="20"), None, "未达标", {PROVINCIAL_I: D("5")}),
    # I surplus never covers a II shortfall
    ("I surplus no cover", SCJA4, T(2016, prov="15", ii="10"), None, "未达标", {CLASS_II: D("5")}),
    # national I with setting off does not count toward provincial I; national counts in total
    ("national off", SCJA4, T(2016, nat="10", ii="15"), None, "未达标", {PROVINCIAL_I: D("10")}),
    ("national on", SCJA4, T(2016, nat="10", ii="15"), ON, "达标", {}),
    ("national on partial", SCJA4, T(2016, nat="4", prov="3", ii="15"), ON, "未达标",
     {PROVINCIAL_I: D("3"), TOTAL: D("3")}),
    # the manual's example amounts: 省I 7, II 9.5 → 3 and 5.5 missing, total 25 - 16.5 = 8.5
    ("several", SCJA4, T(2016, prov="7", ii="9.5"), None, "未达标",
     {PROVINCIAL_I: D("3"), CLASS_II: D("5.5"), TOTAL: D("8.5")}),
    ("nothing", SCJA10, T(2016), None, "未达标", {CLASS_II: D("20"), TOTAL: D("20")}),
    ("town exact", SCJA10, T(2016, ii="20"), None, "达标", {}),
    ("junior, no I needed", SCJA6, T(2016, ii="25"), None, "达标", {}),
    # pending never counts
    ("pending ignored", SCJA4, T(2016, prov="10", ii="10", pi="50", pii="50"), None, "未达标",
     {CLASS_II: D("5"), TOTAL: D("5")}),
    # national cycle requirement of SCJA1 (10 per 6 years), only this year filled
    ("national cycle short", SCJA1, T(2016, nat="8", prov="10", ii="15"), None, "未达标",
     {NATIONAL_I: D("2")}),
    ("national cycle met", SCJA1, T(2016, nat="10", prov="10", ii="15"), None, "达标", {}),
]


@pytest.mark.parametrize("name, std, totals, settings, status, missing", CASES, ids=[c[0] for c in CASES])
def test_single_year(name, std, totals, settings, status, missing):
    v = year_verdict(2016, std, {2016: totals}, settings or ComplianceSettings())
    assert v.status == status
    assert v.missing == missing
    assert v.standard_code == std.code
    assert v.met is (status == "达标")


def test_required_and_obtained_figures():
    v = year_verdict(2016, SCJA2, {2016: T(2016, nat="2", prov="4", ii="21.5", pi="3", pii="1")})
    assert (v.provincial_i_required, v.class_ii_required, v.total_required) == (5, 20, 25)
    assert (v.national_i_obtained, v.provincial_i_obtained, v.class_ii_obtained) == (2, 4, D("21.5"))
    assert v.total_obtained == D("27.5")  # 2 + 4 + 21.5: national counts once in the total
    assert (v.pending_i, v.pending_ii) == (3, 1)
    assert (v.cycle_start, v.cycle_end) == (2011, 2016)
    assert (v.national_i_cycle_obtained, v.national_i_cycle_required) == (2, 10)
    assert v.missing == {NATIONAL_I: D("8"), PROVINCIAL_I: D("1")}


def test_setting_on_does_not_double_count_total():
    v = year_verdict(2016, SCJA4, {2016: T(2016, nat="10", ii="10")}, ON)
    assert v.provincial_i_obtained == 10
    assert v.total_obtained == 20
    assert v.missing == {CLASS_II: D("5"), TOTAL: D("5")}


@pytest.mark.parametrize(
    "earlier_year, counted",
    [
        (2011, True),   # 6 years back counting 2016 itself: 2011…2016
        (2010, False),  # 7 years back: outside the cycle
        (2017, False),  # after the judged year
        (2016, True),
    ],
)
def test_national_cycle_window(earlier_year, counted):
    totals = {2016: T(2016, prov="10", ii="15")}
    t = totals.get(earlier_year, T(earlier_year))
    totals[earlier_year] = T(earlier_year, nat="10", prov=t.provincial_i, ii=t.class_ii)
    v = year_verdict(2016, SCJA1, totals)
    assert v.national_i_cycle_obtained == (10 if counted else 0)
    assert v.status == ("达标" if counted else "未达标")


def test_national_cycle_sums_across_years():
    totals = {y: T(y, nat="2") for y in range(2009, 2018)}  # 2 per year, 2009…2017
    totals[2016] = T(2016, nat="2", prov="10", ii="15")
    v = year_verdict(2016, SCJA1, totals)
    assert v.national_i_cycle_obtained == 12  # 2011…2016 = 6 × 2
    assert v.met
    totals = {2011: T(2011, nat="4.5"), 2014: T(2014, nat="5.4"), 2016: T(2016, prov="10", ii="15")}
    v = year_verdict(2016, SCJA1, totals)
    assert v.missing == {NATIONAL_I: D("0.1")}
    assert v.missing_text() == "国家级I类（2011至2016年）还差 0.1 分"


def test_cycle_length_is_a_field_of_the_standard():
    five = Standard("X5", "五年周期", D(10), 5, D(0), D(0), D(0), "省级/三级医院", "高级")
    totals = {2011: T(2011, nat="10")}
    assert year_verdict(2016, five, totals).missing == {NATIONAL_I: D("10")}
    assert year_verdict(2015, five, totals).met


def test_year_boundaries_only_that_years_credits_count():
    totals = {2015: T(2015, prov="10", ii="15"), 2017: T(2017, prov="10", ii="15")}
    v = year_verdict(2016, SCJA4, totals)
    assert v.status == "未达标"
    assert v.missing == {PROVINCIAL_I: D("10"), CLASS_II: D("15"), TOTAL: D("25")}
    assert year_verdict(2015, SCJA4, totals).met
    assert year_verdict(2017, SCJA4, totals).met


def test_unset_year():
    v = year_verdict(2016, None, {2016: T(2016, prov="1", ii="2", pi="3")})
    assert v.status == "未设置"
    assert v.standard_code is None
    assert v.missing == {}
    assert v.provincial_i_required is None and v.national_i_cycle_required is None
    assert (v.provincial_i_obtained, v.class_ii_obtained, v.pending_i) == (1, 2, 3)
    assert v.missing_text() == "未设置本年度学分标准，请先在【个人学分标准设置】中新增"
    assert not v.met


def test_year_absent_from_totals_is_zero():
    v = year_verdict(2016, SCJA10, {})
    assert v.total_obtained == 0
    assert v.missing == {CLASS_II: D("20"), TOTAL: D("20")}


@pytest.mark.parametrize(
    "std, totals, text",
    [
        (SCJA4, T(2016, prov="7", ii="9.5"), "省级I类还差 3 分，II类还差 5.5 分，总学分还差 8.5 分"),
        (SCJA4, T(2016, prov="10.0", ii="15.0"), "本年度学分已达标"),
        (SCJA4, T(2016, prov="10", ii="5"), "II类还差 10 分，总学分还差 10 分"),
        (SCJA1, T(2016, prov="10", ii="15"), "国家级I类（2011至2016年）还差 10 分"),
        (SCJA1, T(2016), "国家级I类（2011至2016年）还差 10 分，省级I类还差 10 分，"
                         "II类还差 15 分，总学分还差 25 分"),
    ],
)
def test_missing_text(std, totals, text):
    assert year_verdict(2016, std, {2016: totals}).missing_text() == text


@pytest.mark.parametrize(
    "value, text",
    [(D("3"), "3"), (D("3.0"), "3"), (D("5.5"), "5.5"), (D("10.0"), "10"), (D("0"), "0"),
     (D("0.0"), "0"), (D("100"), "100"), (D("0.1"), "0.1"), (2, "2"), ("2.50", "2.5")],
)
def test_format_credit(value, text):
    assert format_credit(value) == text


def test_year_totals_coerce_to_decimal():
    t = YearTotals(2016, 1, "2.5", 3.1)
    assert (t.national_i, t.provincial_i, t.class_ii) == (D("1"), D("2.5"), D("3.1"))
    assert t.pending_i == 0 and isinstance(t.pending_ii, D)
    assert t.class_i == D("3.5") and t.total == D("6.6")


def test_verdicts_in_order_with_per_year_standards():
    standards = {2015: SCJA6, 2016: SCJA4}
    totals = {2015: T(2015, ii="25"), 2016: T(2016, prov="10", ii="10"), 2017: T(2017, ii="30")}
    out = verdicts([2015, 2016, 2017], standards, totals, ComplianceSettings())
    assert [v.year for v in out] == [2015, 2016, 2017]
    assert [v.standard_code for v in out] == ["SCJA6", "SCJA4", None]
    assert [v.status for v in out] == ["达标", "未达标", "未设置"]
    assert out[1].missing_text() == "II类还差 5 分，总学分还差 5 分"
