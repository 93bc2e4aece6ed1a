"""AppTest for 本机构人员, 统计分析, 省级首页 and 全省统计: what an admin sees, and who is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cme import clock
from cme.db import session_scope
from cme.models import User
from cme.standards import personal as standards
from tests.apptest import open_page
from tests.factories import PASSWORD, add_credit, make_admin, make_institution, make_person
from ui.row_select import table_key

Y = clock.today().year
CITY_HIGH = ("市州级/二级及以下医院", "技师系列 - 副主任技师(副高)")  # SCJA4: 省I 10, II 15, total 25


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [e.value for e in at.success]
    parts += [w.value for w in at.warning] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def world(sqlite_db):
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        good, short, unset = (make_person(s, a, u) for u in ("pg_good", "pg_short", "pg_unset"))
        foreign = make_person(s, b, "pg_foreign")
        s.get(User, foreign.id).name = "别院人员"
        for who in (good, short, foreign):
            standards.add_personal_standard(s, who, Y, *CITY_HIGH)
        add_credit(s, good, year=Y, credit_type="省级I类", credits="10")
        add_credit(s, good, year=Y, credit_type="II类", credits="15")
        add_credit(s, short, year=Y, credit_type="省级I类", credits="4")
        add_credit(s, short, year=Y, credit_type="II类", credits="15")
        make_admin(s, a, "pg_admin_a")
        make_admin(s, None, "pg_province")
        return {"short_name": s.get(User, short.id).name}


def test_staff_page_lists_own_staff_with_shortfall(world):
    at = open_page("app_pages/unit/staff.py", username="pg_admin_a", password=PASSWORD)
    assert not at.exception, at.exception
    assert metrics(at) == {"人数": "3", "达标": "1", "未达标": "1", "未设置": "1", "达标率": "50.0%"}
    df = at.dataframe[0].value
    assert list(df.columns[:3]) == ["姓名", "状态", "还差"]  # what an admin looks for, before the figures
    assert sorted(df["用户名"]) == ["pg_good", "pg_short", "pg_unset"]  # never the other institution's staff
    row = df[df["用户名"] == "pg_short"].iloc[0]
    assert row["状态"] == "未达标" and row["还差"] == "省级I类还差 6 分，总学分还差 6 分"
    assert row["省级I类(已获/要求)"] == "4 / 10" and "********" in row["身份证号"]
    assert "别院人员" not in df.to_string()
    assert [b.label for b in at.get("download_button")] == ["导出XLSX", "导出CSV"]

    at.selectbox(key="staff_status").select("未设置").run()
    assert list(at.dataframe[0].value["用户名"]) == ["pg_unset"]
    assert at.dataframe[0].value.iloc[0]["还差"] == "未设置学分标准"
    at.selectbox(key="staff_status").select("全部")
    at.text_input(key="staff_keyword").input("pg_go").run()
    assert list(at.dataframe[0].value["用户名"]) == ["pg_good"]
    at.text_input(key="staff_keyword").input("nobody").run()
    assert "没有符合条件的人员" in texts(at)


def test_staff_drill_down_shows_person_progress(world):
    at = open_page("app_pages/unit/staff.py", username="pg_admin_a", password=PASSWORD)
    assert not any(h.value.startswith("人员学分明细") for h in at.subheader)  # nothing chosen yet
    with session_scope() as s:
        ids = [u.id for u in s.scalars(select(User).where(User.username.in_(["pg_good", "pg_short", "pg_unset"]))
                                       .order_by(User.username))]
    at.session_state[table_key("staff_table", ids)] = {"selection": {"rows": [1], "columns": []}}  # pg_short's row
    at.run()
    assert not at.exception, at.exception
    assert any(h.value.startswith("人员学分明细") and "pg\\_short" in h.value for h in at.subheader)
    assert f"{Y}年度（执行标准 SCJA4）：省级I类还差 6 分，总学分还差 6 分" in texts(at)
    assert len(at.get("plotly_chart")) >= 1


def test_unit_analytics_page(world):
    at = open_page("app_pages/unit/analytics.py", username="pg_admin_a", password=PASSWORD)
    assert not at.exception, at.exception
    m = metrics(at)
    assert m[f"{Y}年达标率"] == "50.0%" and m["未设置"] == "1" and m["学分待审"] == "0"
    dept = at.dataframe[0].value
    assert list(dept["科室"]) == ["内科", "合计"]
    assert dept.iloc[0]["达标率"] == "50.0%" and dept.iloc[0]["未设置"] == 1
    trend = at.dataframe[3].value
    assert list(trend["年度"]) == [str(y) for y in range(Y - 4, Y + 1)]
    assert list(trend["达标率"]) == ["—", "—", "—", "—", "50.0%"]


def test_province_home_and_analytics(world):
    at = open_page("app_pages/province/home.py", username="pg_province", password=PASSWORD)
    assert not at.exception, at.exception
    m = metrics(at)
    assert m["全省人员"] == "4" and m[f"{Y}年达标率"] == "33.3%" and m["未设置"] == "1"
    city = at.dataframe[0].value
    assert city.iloc[-1]["人数"] == 4 and city.iloc[0]["达标"] == 1

    at = open_page("app_pages/province/analytics.py", username="pg_province", password=PASSWORD)
    assert not at.exception, at.exception
    insts = at.dataframe[1].value
    assert len(insts) == 2 and sorted(insts["达标率"]) == ["0.0%", "50.0%"]
    assert [b.label for b in at.get("download_button")] == ["导出XLSX"]  # the workbook itself: test_analytics.py
    first = at.selectbox(key="pa_inst").options
    target = next(n for n in first if insts[insts["机构"] == n].iloc[0]["人数"] == 3)
    at.selectbox(key="pa_inst").select(target).run()
    assert not at.exception, at.exception
    assert f"{target} · {Y}年度各科室达标情况" in texts(at)
    depts = at.dataframe[2].value
    assert depts.iloc[0]["科室"] == "内科" and depts.iloc[0]["人数"] == 3


@pytest.mark.parametrize("path", ["app_pages/unit/staff.py", "app_pages/unit/analytics.py"])
def test_person_cannot_open_unit_pages(world, path):
    at = open_page(path, username="pg_good", password=PASSWORD)
    assert "pg_good" not in str([d.value.to_string() for d in at.dataframe])
    assert not at.metric and "无权访问该页面" in texts(at)


def test_unit_admin_cannot_open_province_pages(world):
    for path in ("app_pages/province/home.py", "app_pages/province/analytics.py"):
        at = open_page(path, username="pg_admin_a", password=PASSWORD)
        assert not at.metric and not at.dataframe and "无权访问该页面" in texts(at)


def test_staff_page_flags_a_standard_below_the_institution_level(world):
    from cme.models import PersonalStandard

    with session_scope() as s:
        unset = s.query(User).filter_by(username="pg_unset").one()
        low = standards.preview_standard(s, Y, "乡镇卫生院", "无职称")  # saved before the level rule existed
        s.add(PersonalStandard(user_id=unset.id, year=Y, region_level="乡镇卫生院", title="无职称",
                               standard_id=low.standard_id))
    at = open_page("app_pages/unit/staff.py", username="pg_admin_a", password=PASSWORD)
    df = at.dataframe[0].value
    flags = dict(zip(df["用户名"], df["标准提示"], strict=True))
    assert flags == {"pg_good": "", "pg_short": "", "pg_unset": "SCJA10（乡镇卫生院）低于本机构等级（市州级/二级及以下医院）"}
    assert "1 人的学分标准低于本机构的区域等级" in texts(at)
