"""本机构人员 / 统计分析 / 全省统计: hand-computed rates, the 首页 verdict, scope (both backends)."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from cme import clock
from cme.analytics import charts as analytics_charts
from cme.analytics import province_export
from cme.analytics import service as analytics
from cme.credits import progress
from cme.db import session_scope
from cme.errors import NotPermitted
from cme.models import Department, Institution, User
from cme.standards import personal as standards
from tests.factories import add_credit, make_admin, make_institution, make_person, valid_id_number

Y = clock.today().year
CITY_HIGH = ("市州级/二级及以下医院", "技师系列 - 副主任技师(副高)")  # SCJA4: 国I 0, 省I 10, II 15, total 25
PROV_TOP = ("省级/三级医院", "医师系列 - 主任医师(正高)")  # SCJA1: 国I 10 / 6 years, 省I 10, II 15, total 25


def _move(s, actor, dept_name: str) -> None:
    user = s.get(User, actor.id)
    user.department_id = s.scalars(select(Department.id).where(Department.institution_id == user.institution_id,
                                                                Department.name == dept_name)).one()


@pytest.fixture
def world(db):
    """Institution A: p1 达标 (内科), p2 未达标 (内科), p3 未设置 (外科), p4 未达标 by the national cycle (外科),
    a pending registrant and the admin (not staff). Institution B: q1 达标."""
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        p1, p2, p3, p4 = (make_person(s, a, f"staff_a{i}") for i in range(1, 5))
        q1 = make_person(s, b, "staff_b1")
        waiting = make_person(s, a, "waiting_a")
        s.get(User, waiting.id).status = "pending"
        _move(s, p3, "外科")
        _move(s, p4, "外科")
        for who in (p1, p2, q1):
            standards.add_personal_standard(s, who, Y, *CITY_HIGH)
        standards.add_personal_standard(s, p1, Y - 1, *CITY_HIGH)
        standards.add_personal_standard(s, p4, Y, *PROV_TOP)
        for who in (p1, q1):
            add_credit(s, who, year=Y, credit_type="省级I类", credits="10")
            add_credit(s, who, year=Y, credit_type="II类", credits="15")
        add_credit(s, p1, year=Y - 1, credit_type="II类", credits="30")  # Y-1: 省I 0/10 → 未达标
        add_credit(s, p2, year=Y, credit_type="省级I类", credits="3")
        add_credit(s, p2, year=Y, credit_type="II类", credits="4")
        add_credit(s, p2, year=Y, credit_type="省级I类", credits="5", status="pending")  # never counts
        add_credit(s, p3, year=Y, credit_type="II类", credits="20")
        add_credit(s, p4, year=Y - 3, credit_type="国家级I类", credits="4")
        add_credit(s, p4, year=Y, credit_type="国家级I类", credits="2")
        add_credit(s, p4, year=Y, credit_type="省级I类", credits="10")
        add_credit(s, p4, year=Y, credit_type="II类", credits="15")
        ids = dict(a=a.id, b=b.id, outer=s.scalars(select(Department.id).where(Department.institution_id == a.id,
                                                                                  Department.name == "外科")).one())
        return dict(admin_a=make_admin(s, a), admin_b=make_admin(s, b), province=make_admin(s), p1=p1, p2=p2, p3=p3,
                    p4=p4, q1=q1, **ids)


def test_staff_list_hand_computed(world):
    with session_scope() as s:
        rows = {r.username: r for r in analytics.staff_compliance(s, world["admin_a"])}
    assert sorted(rows) == ["staff_a1", "staff_a2", "staff_a3", "staff_a4"]  # no registrant, no admin, no B
    assert {u: r.status for u, r in rows.items()} == {
        "staff_a1": "达标", "staff_a2": "未达标", "staff_a3": "未设置", "staff_a4": "未达标"}
    a2 = rows["staff_a2"].table_row()
    assert a2["执行标准"] == "SCJA4" and a2["省级I类(已获/要求)"] == "3 / 10" and a2["II类(已获/要求)"] == "4 / 15"
    assert a2["总学分(已获/要求)"] == "7 / 25" and a2["科室"] == "内科"
    assert a2["还差"] == "省级I类还差 7 分，II类还差 11 分，总学分还差 18 分"
    assert rows["staff_a4"].shortfall_text == f"国家级I类（{Y - 5}至{Y}年）还差 4 分"
    assert rows["staff_a4"].table_row()["国家级I类(已获/要求)"] == "6 / 10"
    assert rows["staff_a3"].table_row()["执行标准"] == "未设置" and rows["staff_a3"].shortfall_text == "未设置学分标准"
    assert rows["staff_a1"].shortfall_text == "已达标"
    assert "********" in a2["身份证号"] and valid_id_number(0)[:6] == a2["身份证号"][:6]


def test_verdict_is_the_home_verdict(world):
    with session_scope() as s:
        for r in analytics.staff_compliance(s, world["admin_a"]):
            assert r.verdict == progress.home_progress(s, world["admin_a"], user_id=r.user_id).current.verdict


def test_filters(world):
    with session_scope() as s:
        admin = world["admin_a"]
        assert [r.username for r in analytics.staff_compliance(s, admin, department_id=world["outer"])] == ["staff_a3", "staff_a4"]
        assert [r.username for r in analytics.staff_compliance(s, admin, status="未设置")] == ["staff_a3"]
        assert [r.username for r in analytics.staff_compliance(s, admin, keyword="a2")] == ["staff_a2"]
        name = s.get(User, world["p4"].id).name
        assert [r.username for r in analytics.staff_compliance(s, admin, keyword=name)] == ["staff_a4"]
        last_year = {r.username: r.status for r in analytics.staff_compliance(s, admin, Y - 1)}
    assert last_year == {"staff_a1": "未达标", "staff_a2": "未设置", "staff_a3": "未设置", "staff_a4": "未设置"}


def test_rates_by_department_title_standard(world):
    with session_scope() as s:
        ov = analytics.year_overview(s, world["admin_a"])
    t = ov.total
    assert (t.staff, t.met, t.not_met, t.unset, t.rate_text) == (4, 1, 2, 1, "33.3%")
    assert [(r.group, r.met, r.not_met, r.unset, r.rate_text) for r in ov.by("department")] == [
        ("内科", 1, 1, 0, "50.0%"), ("外科", 0, 1, 1, "0.0%")]
    assert {r.group: (r.met, r.not_met, r.unset) for r in ov.by("title")} == {
        "副高": (1, 1, 0), "正高": (0, 1, 0), "（未设置标准）": (0, 0, 1)}
    assert [r.group for r in ov.by("title")] == ["正高", "副高", "（未设置标准）"]  # by title level, not by name
    assert {r.group: r.rate_text for r in ov.by("standard")} == {"SCJA1": "0.0%", "SCJA4": "50.0%", "未设置": "—"}


def test_trend_over_five_years(world):
    with session_scope() as s:
        rows = analytics.trend(s, world["admin_a"])
    assert [r.group for r in rows] == [str(y) for y in range(Y - 4, Y + 1)]
    assert [(r.met, r.not_met, r.unset) for r in rows[-2:]] == [(0, 1, 3), (1, 2, 1)]
    assert [r.rate_text for r in rows] == ["—", "—", "—", "0.0%", "33.3%"]
    fig = analytics_charts.trend_line(rows)
    assert list(fig.data[0].y)[-2:] == [0.0, pytest.approx(33.333, rel=1e-3)]


def test_unit_admin_sees_only_own_institution(world):
    with session_scope() as s:
        b_rows = analytics.staff_compliance(s, world["admin_b"])
        assert [r.username for r in b_rows] == ["staff_b1"]
        assert analytics.year_overview(s, world["admin_b"]).total.staff == 1
        with pytest.raises(NotPermitted):
            analytics.staff_compliance(s, world["admin_a"], institution_id=world["b"])
        with pytest.raises(NotPermitted):
            analytics.year_overview(s, world["admin_a"], institution_id=world["b"])
        with pytest.raises(NotPermitted):
            analytics.province_headline(s, world["admin_a"])


def test_person_is_refused(world):
    with session_scope() as s:
        for call in (analytics.staff_compliance, analytics.year_overview, analytics.trend, analytics.queue_ages,
                     analytics.province_headline):
            with pytest.raises(NotPermitted):
                call(s, world["p1"])


def test_province_sees_all(world):
    with session_scope() as s:
        prov = world["province"]
        assert len(analytics.staff_compliance(s, prov)) == 5
        assert [r.username for r in analytics.staff_compliance(s, prov, institution_id=world["b"])] == ["staff_b1"]
        head = analytics.province_headline(s, prov)
        ov = analytics.year_overview(s, prov)
    assert (head.total.staff, head.total.met, head.total.not_met, head.total.unset) == (5, 2, 2, 1)
    assert head.total.rate_text == "50.0%"
    assert head.pending_reviews == 2  # one registration + one pending credit
    assert len(head.by_city) == 1 and head.by_city[0].staff == 5  # both test institutions sit in one 市州
    by_inst = {r.key: (r.met, r.not_met, r.unset) for r in ov.by("institution")}
    assert by_inst == {world["a"]: (1, 2, 1), world["b"]: (1, 0, 0)}


def test_city_filter(world):
    with session_scope() as s:
        prov = world["province"]
        city = analytics.year_overview(s, prov).rows[0]
        codes = [c for c, name in analytics.cities(s, prov) if name == city.city]
        assert codes and analytics.year_overview(s, prov, city_code=codes[0]).total.staff == 5
        other = [c for c, _ in analytics.cities(s, prov) if c != codes[0]][0]
        assert analytics.year_overview(s, prov, city_code=other).total.staff == 0


def test_queue_ages(world):
    with session_scope() as s:
        q = analytics.queue_ages(s, world["admin_a"])
        qb = analytics.queue_ages(s, world["admin_b"])
    assert (q.registrations, q.credits, q.profiles, q.transfers) == (1, 1, 0, 0)
    assert q.credit_buckets["3天内"] == 1 and q.oldest_credit_days == 0
    assert qb.total == 0 and qb.oldest_credit_days is None


def test_exports_mask_id_numbers(world):
    with session_scope() as s:
        rows = analytics.staff_compliance(s, world["admin_a"])
        raw = [valid_id_number(0)[:6]]  # the factory's area prefix; full numbers must never appear
        full = [u.id_number_masked for u in s.scalars(select(User).where(User.role == "person"))]
    text = analytics.export_csv(rows).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["年度", "用户名", "姓名", "身份证号"] and len(table) == 5
    assert all("********" in line[3] for line in table[1:]) and raw[0] in text
    assert not any(c.isdigit() for c in table[1][3][6:14])
    ws = load_workbook(io.BytesIO(analytics.export_xlsx(rows))).active
    assert ws["B1"].value == "用户名" and ws.max_row == 5 and ws["D2"].value in full


def test_staff_export_has_the_year_and_figures_as_numbers(world):
    with session_scope() as s:
        rows = analytics.staff_compliance(s, world["admin_a"])
    ws = load_workbook(io.BytesIO(analytics.export_xlsx(rows))).active
    header = [c.value for c in ws[1]]
    by_user = {line[1]: dict(zip(header, line, strict=True)) for line in ws.iter_rows(min_row=2, values_only=True)}
    short = by_user["staff_a2"]  # 省I 3/10, II 4/15, total 7/25
    assert (short["年度"], short["状态"], short["省级I类已获"], short["省级I类要求"]) == (Y, "未达标", 3, 10)
    assert (short["II类已获"], short["II类要求"], short["总学分已获"], short["总学分要求"]) == (4, 15, 7, 25)
    assert sum(r["总学分已获"] for r in by_user.values()) == 25 + 7 + 20 + 27  # a column that adds up in Excel
    unset = by_user["staff_a3"]
    assert unset["状态"] == "未设置" and unset["省级I类要求"] is None and unset["II类已获"] == 20
    cycle = by_user["staff_a4"]
    assert (cycle["国家级I类周期起"], cycle["国家级I类周期止"]) == (Y - 5, Y)
    assert (cycle["国家级I类周期已获"], cycle["国家级I类周期要求"]) == (6, 10)
    lines = list(csv.reader(io.StringIO(analytics.export_csv(rows).decode("utf-8-sig"))))
    a2 = dict(zip(lines[0], next(line for line in lines if line[1] == "staff_a2"), strict=True))
    assert (a2["年度"], a2["省级I类已获"], a2["省级I类要求"]) == (str(Y), "3", "10")  # not "3 / 10"


def test_province_export_has_a_sheet_per_view_with_numbers_and_escaped_names(world):
    with session_scope() as s:
        s.get(Institution, world["a"]).name = '=HYPERLINK("http://x","点我")'  # typed by an admin
    with session_scope() as s:
        prov = world["province"]
        ov = analytics.year_overview(s, prov, Y)
        trend = analytics.trend(s, prov, Y)
    wb = load_workbook(io.BytesIO(province_export.province_xlsx(ov, trend, "全省")))
    assert wb.sheetnames == ["按市州", "按机构", "达标率趋势"]
    insts = {row[0]: row for row in wb["按机构"].iter_rows(min_row=2, values_only=True)}
    hostile = insts['=HYPERLINK("http://x","点我")']  # stored as text, not as a formula
    assert hostile[2:7] == (Y, 4, 1, 2, 1) and abs(hostile[7] - 1 / 3) < 1e-9
    cell = next(c for c in wb["按机构"]["A"] if c.value == hostile[0])
    assert cell.data_type == "s" and wb["按机构"].cell(cell.row, 8).number_format == "0.0%"
    city = list(wb["按市州"].iter_rows(min_row=2, values_only=True))
    assert city[-1][0] == "合计（全省）" and city[-1][1:7] == (Y, 5, 2, 2, 1, 0.5)
    years = [row[0] for row in wb["达标率趋势"].iter_rows(min_row=2, values_only=True)]
    assert years == list(range(Y - 4, Y + 1))


def test_charts(world):
    with session_scope() as s:
        ov = analytics.year_overview(s, world["admin_a"])
        q = analytics.queue_ages(s, world["admin_a"])
    fig = analytics_charts.rate_bars(ov.by("department"), "各科室达标率")
    assert list(fig.data[0].y) == ["内科", "外科"] and list(fig.data[0].x) == [50.0, 0.0]
    assert "各科室达标率" in fig.layout.title.text
    status = analytics_charts.status_counts(ov.by("department"))
    assert {t.name: list(t.x) for t in status.data}["未设置"] == [0, 1]
    ages = analytics_charts.queue_age_bars(q)
    assert list(ages.data[0].y) == [1, 0, 0, 0]
