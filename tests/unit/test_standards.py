"""Standard mapping (SPEC §4, manual §6.1). Expectations checked by hand against fig. 23."""
from decimal import Decimal as D

import pytest

from cme.domain.standards import REGION_LEVELS, TITLE_LEVELS, Standard, parse_title_label, pick_standard, standard_level, title_label

PROV, CITY, COUNTY, TOWN = REGION_LEVELS


def _std(code, name, nat, prov, ii, total, region, level):
    return Standard(code, name, D(nat), 6, D(prov), D(ii), D(total), region, level)


# SPEC §4 reference table, built inline.
STANDARDS = [
    _std("SCJA1", "省级、三级医院高级", 10, 10, 15, 25, PROV, "高级"),
    _std("SCJA2", "省级、三级医院中级", 10, 5, 20, 25, PROV, "中级"),
    _std("SCJA3", "省级、三级医院初级", 0, 0, 25, 25, PROV, "初级"),
    _std("SCJA4", "市州级、二级以下医院高级", 0, 10, 15, 25, CITY, "高级"),
    _std("SCJA5", "市州级、二级以下医院中级", 0, 5, 20, 25, CITY, "中级"),
    _std("SCJA6", "市州级、二级以下医院初级", 0, 0, 25, 25, CITY, "初级"),
    _std("SCJA7", "县级、高级", 0, 10, 15, 25, COUNTY, "高级"),
    _std("SCJA8", "县级、中级", 0, 5, 20, 25, COUNTY, "中级"),
    _std("SCJA9", "县级、初级", 0, 0, 25, 25, COUNTY, "初级"),
    _std("SCJA10", "乡镇卫生院", 0, 0, 20, 20, TOWN, None),
]


def test_constants():
    assert REGION_LEVELS == ("省级/三级医院", "市州级/二级及以下医院", "县级", "乡镇卫生院")
    assert TITLE_LEVELS == ("正高", "副高", "中级", "初级", "无职称")


@pytest.mark.parametrize(
    "title, level",
    [("正高", "高级"), ("副高", "高级"), ("中级", "中级"), ("初级", "初级"), ("无职称", "初级")],
)
def test_standard_level(title, level):
    assert standard_level(title) == level


@pytest.mark.parametrize("bad", ["", "高级", "主任医师", "副 高", None])
def test_standard_level_unknown_raises(bad):
    with pytest.raises(ValueError, match="未知的职称级别"):
        standard_level(bad)


def test_manual_example_2016_city_deputy_senior_technician():
    # Manual fig. 22: 2016, 市州级, 技师系列 - 副主任技师(副高) → SCJA4, 0 / 10 / 15.
    series, title, level = parse_title_label("技师系列 - 副主任技师(副高)")
    s = pick_standard(STANDARDS, "市州级/二级及以下医院", level)
    assert s.code == "SCJA4"
    assert (s.national_i_per_cycle, s.provincial_i_per_year, s.class_ii_per_year) == (0, 10, 15)
    assert s.total_per_year == 25 and s.cycle_years == 6


# Every region × title level, by hand from the table.
EXPECTED = {
    PROV: {"正高": "SCJA1", "副高": "SCJA1", "中级": "SCJA2", "初级": "SCJA3", "无职称": "SCJA3"},
    CITY: {"正高": "SCJA4", "副高": "SCJA4", "中级": "SCJA5", "初级": "SCJA6", "无职称": "SCJA6"},
    COUNTY: {"正高": "SCJA7", "副高": "SCJA7", "中级": "SCJA8", "初级": "SCJA9", "无职称": "SCJA9"},
    TOWN: {"正高": "SCJA10", "副高": "SCJA10", "中级": "SCJA10", "初级": "SCJA10", "无职称": "SCJA10"},
}


@pytest.mark.parametrize(
    "region, title, code",
    [(r, t, c) for r, row in EXPECTED.items() for t, c in row.items()],
)
def test_pick_standard_every_region_and_level(region, title, code):
    assert pick_standard(STANDARDS, region, title).code == code


def test_pick_standard_amounts_for_town():
    s = pick_standard(STANDARDS, TOWN, "正高")
    assert (s.national_i_per_cycle, s.provincial_i_per_year, s.class_ii_per_year, s.total_per_year) == (0, 0, 20, 20)


def test_exact_level_wins_over_all_levels_standard():
    catch_all = _std("X0", "全部", 0, 0, 1, 1, CITY, None)
    assert pick_standard([catch_all, *STANDARDS], CITY, "中级").code == "SCJA5"
    assert pick_standard([catch_all], CITY, "中级").code == "X0"


def test_pick_standard_unknown_region_raises_lookup():
    with pytest.raises(LookupError, match="没有适用的学分标准"):
        pick_standard(STANDARDS, "市州级", "副高")


def test_pick_standard_missing_level_raises_lookup():
    only_senior = [s for s in STANDARDS if s.code == "SCJA1"]
    with pytest.raises(LookupError):
        pick_standard(only_senior, PROV, "中级")
    with pytest.raises(LookupError):
        pick_standard([], PROV, "正高")


def test_pick_standard_unknown_title_raises_value_error():
    with pytest.raises(ValueError):
        pick_standard(STANDARDS, PROV, "主任")


@pytest.mark.parametrize(
    "parts, label",
    [
        (("技师系列", "副主任技师", "副高"), "技师系列 - 副主任技师(副高)"),
        (("医师系列", "主任医师", "正高"), "医师系列 - 主任医师(正高)"),
        (("护理系列", "主管护师", "中级"), "护理系列 - 主管护师(中级)"),
        (("药学系列", "药士", "初级"), "药学系列 - 药士(初级)"),
    ],
)
def test_title_label_round_trip(parts, label):
    assert title_label(*parts) == label
    assert parse_title_label(label) == parts


def test_no_title():
    assert title_label("无", "", "") == "无职称"
    assert title_label("无", "无职称", "无职称") == "无职称"
    series, title, level = parse_title_label("无职称")
    assert series == "无" and level == "无职称"
    assert title_label(series, title, level) == "无职称"
    assert standard_level(level) == "初级"


def test_parse_full_width_brackets():
    assert parse_title_label("技师系列 - 副主任技师（副高）") == ("技师系列", "副主任技师", "副高")


@pytest.mark.parametrize("bad", ["", "副主任技师", "技师系列 - 副主任技师", "技师系列 - 副主任技师(高级)", "技师系列-(副高)"])
def test_parse_title_label_rejects_malformed(bad):
    with pytest.raises(ValueError, match="无法识别的技术职称"):
        parse_title_label(bad)
