"""AppTest: 科室管理, 审计日志 (unit and province), 机构管理, 项目库, 学分标准管理 as an admin uses them."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select, update

from cme import clock
from cme.administration import departments
from cme.core import audit, reference
from cme.db import session_scope
from cme.models import CreditStandard, CreditSummary, Department, Institution, PersonalStandard, Project, User
from tests.apptest import open_page
from tests.apptest import page_text as _texts
from tests.factories import PASSWORD, make_admin, make_institution, make_person


@pytest.fixture
def world(sqlite_db):
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        w = dict(a=a.id, b=b.id, a_name=a.name, person=make_person(s, a), admin=make_admin(s, a).username,
                 other=make_admin(s, b).username, province=make_admin(s).username)
    yield w
    with session_scope() as s:
        added = select(CreditStandard.id).where(CreditStandard.effective_year != reference.STANDARDS_EFFECTIVE_FROM)
        s.execute(delete(PersonalStandard).where(PersonalStandard.standard_id.in_(added)))
        s.execute(update(CreditSummary).where(CreditSummary.standard_id.in_(added)).values(standard_id=None))  # stored verdicts
        s.execute(delete(CreditStandard).where(CreditStandard.effective_year != reference.STANDARDS_EFFECTIVE_FROM))


def _table(at, n: int = 0):
    return at.dataframe[n].value


# ---- 科室管理 -------------------------------------------------------------------------------------


def test_departments_page_add_rename_deactivate_and_refuse_delete(world):
    at = open_page("app_pages/unit/departments.py", username=world["admin"], password=PASSWORD)
    assert at.header[0].value == "科室管理"
    assert list(_table(at)["科室名称"]) == ["内科", "外科"] and list(_table(at)["人员数"]) == [1, 0]
    at.text_input[0].input("儿科")
    at.button(key="FormSubmitter:dept_new-新增科室").click().run()
    assert "科室“儿科”已新增" in _texts(at) and "儿科" in list(_table(at)["科室名称"])
    at.text_input[0].input("内科")
    at.button(key="FormSubmitter:dept_new-新增科室").click().run()
    assert "该科室已存在" in " ".join(e.value for e in at.error)

    at.selectbox(key="dept_pick").select(next(o for o in at.selectbox(key="dept_pick").options if o.startswith("内科"))).run()
    delete = at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("dept_delete_")))
    assert delete.disabled  # confirm before delete
    next(c for c in at.checkbox if c.label == "确认删除该科室").check().run()
    at.button(key=delete.key).click().run()
    assert "该科室下有人员，不能删除，只能停用" in " ".join(e.value for e in at.error)
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("dept_off_"))).click().run()
    assert "科室“内科”已停用" in _texts(at)
    assert dict(zip(_table(at)["科室名称"], _table(at)["状态"], strict=True))["内科"] == "已停用"

    at.selectbox(key="dept_pick").select(next(o for o in at.selectbox(key="dept_pick").options if o.startswith("儿科"))).run()
    form_input = next(t for t in at.text_input if t.label == "新科室名称 *")
    form_input.input("小儿科")
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("FormSubmitter:dept_rename_"))).click().run()
    assert "科室“儿科”已改名为“小儿科”" in _texts(at)
    with session_scope() as s:
        names = {d.name for d in s.scalars(select(Department).where(Department.institution_id == world["a"]))}
    assert names == {"内科", "外科", "小儿科"}


def test_departments_page_refuses_person_and_province(world):
    at = open_page("app_pages/unit/departments.py", username=world["person"].username, password=PASSWORD)
    assert [e.value for e in at.error] == ["无权访问该页面"] and not at.dataframe


# ---- 审计日志 -------------------------------------------------------------------------------------


def _changes(at) -> list[list[str]]:
    """审计日志's field-by-field view of the chosen entry (字段 / 修改前 / 修改后)."""
    return _table(at, 1).values.tolist()


def test_unit_audit_page_shows_only_own_institution_newest_first_field_by_field(world):
    at = open_page("app_pages/unit/audit.py", username=world["admin"], password=PASSWORD, run=False)  # its login is audited first
    with session_scope() as s:
        from cme.core.actors import actor_from_user

        admin = actor_from_user(s.scalars(select(User).where(User.username == world["admin"])).one())
        other = actor_from_user(s.scalars(select(User).where(User.username == world["other"])).one())
        departments.add_department(s, admin, "眼科")
        departments.add_department(s, other, "口腔科")
        audit.record(s, admin.id, "test.leak", "user", 1, institution_id=world["a"], after={"id_number": "510104198506150011"})
    at.run()
    assert at.header[0].value == "审计日志"
    table = _table(at)
    assert table["操作"].iloc[0] == "test.leak" and "新增科室" in list(table["操作"])
    assert table["对象"].iloc[0] == "用户账号" and "科室" in list(table["对象"])  # Chinese object names
    shown = " ".join(str(v) for df in at.dataframe for v in df.value.values.ravel())
    assert "口腔科" not in shown and "department" not in shown
    assert _changes(at) == [["身份证号", "（无）", "510104********0011"]]  # masked, no JSON
    assert not at.code
    at.selectbox(key="audit_pick").select(next(o for o in at.selectbox(key="audit_pick").options if "新增科室" in o)).run()
    assert _changes(at) == [["科室名称", "（无）", "眼科"]]
    at.selectbox(key="audit_action").select("新增科室").run()
    assert list(_table(at)["操作"]) == ["新增科室"]
    at.text_input(key="audit_actor").input("nobody").run()
    assert "没有符合条件的日志" in _texts(at)


def test_province_audit_page_sees_everything_and_filters_by_date(world):
    with session_scope() as s:
        from cme.core.actors import actor_from_user

        other = actor_from_user(s.scalars(select(User).where(User.username == world["other"])).one())
        departments.add_department(s, other, "口腔科")
    at = open_page("app_pages/province/audit.py", username=world["province"], password=PASSWORD)
    assert "新增科室" in list(_table(at)["操作"]) and world["other"] in list(_table(at)["用户名"])
    at.date_input(key="audit_to").set_value(date(2001, 1, 1)).run()
    assert "没有符合条件的日志" in _texts(at)
    at.date_input(key="audit_from").set_value(date(2002, 1, 1)).run()
    assert "开始日期不能晚于结束日期" in " ".join(e.value for e in at.error)
    person = open_page("app_pages/province/audit.py", username=world["admin"], password=PASSWORD)
    assert [e.value for e in person.error] == ["无权访问该页面"]


# ---- 机构管理 -------------------------------------------------------------------------------------


def _create_unit_admin(at, username: str, name: str, password: str) -> None:
    """Fill 新增单位管理员 for the picked institution and submit it."""
    fields = {t.label: t for t in at.text_input}
    fields["用户名 *"].input(username)
    fields["姓名 *"].input(name)
    fields["密码 *"].input(password)
    fields["确认密码 *"].input(password)
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("FormSubmitter:inst_admin_"))).click().run()


def test_institutions_page_add_with_cascade_then_department_and_admin(world):
    at = open_page("app_pages/province/institutions.py", username=world["province"], password=PASSWORD)
    assert at.header[0].value == "机构管理" and len(_table(at)) == 2
    at.text_input(key="inst_new_code").input("SCNEW9")
    at.text_input(key="inst_new_name").input("成都市新建医院")
    city = at.selectbox(key="inst_new_city")
    city.set_value("5101").run()  # 成都市
    district = at.selectbox(key="inst_new_district")
    assert "锦江区" in district.options
    district.set_value("510104").run()
    at.selectbox(key="inst_new_level").select("省级/三级医院").run()
    at.button(key="inst_new_save").click().run()
    assert "机构“成都市新建医院”已新增" in _texts(at)
    table = _table(at)
    row = table[table["机构编码"] == "SCNEW9"].iloc[0]
    assert (row["市州"], row["区县"], row["机构所属区域等级"], row["状态"]) == ("成都市", "锦江区", "省级/三级医院", "启用")

    at.text_input(key="inst_keyword").input("新建").run()
    assert list(_table(at)["机构编码"]) == ["SCNEW9"]
    label = at.selectbox(key="inst_dept_pick").options[0]
    at.selectbox(key="inst_dept_pick").select(label).run()
    next(t for t in at.text_input if t.label == "科室名称 *").input("急诊科")
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("FormSubmitter:inst_dept_"))).click().run()
    assert "科室“急诊科”已新增" in _texts(at)

    at.selectbox(key="inst_admin_pick").select(at.selectbox(key="inst_admin_pick").options[0]).run()
    _create_unit_admin(at, "admin_scnew9", "王管理", "Good2026pass")
    assert "单位管理员 admin_scnew9 已创建" in _texts(at)
    assert list(_table(at)["单位管理员"]) == ["admin_scnew9"] and list(_table(at)["科室数"]) == [1]
    login = open_page("app_pages/unit/departments.py", username="admin_scnew9", password="Good2026pass")
    assert list(_table(login)["科室名称"]) == ["急诊科"]


def test_institutions_page_names_bad_fields_and_weak_password(world):
    at = open_page("app_pages/province/institutions.py", username=world["province"], password=PASSWORD)
    at.button(key="inst_new_save").click().run()
    errors = " ".join(e.value for e in at.error)
    for field in ("机构编码", "机构名称", "所在地区", "机构所属区域等级"):
        assert field in errors
    at.selectbox(key="inst_admin_pick").select(next(o for o in at.selectbox(key="inst_admin_pick").options
                                                    if world["a_name"] in o)).run()
    _create_unit_admin(at, "admin_weak", "弱密码", "12345678")
    assert "密码" in " ".join(e.value for e in at.error)
    with session_scope() as s:
        assert s.scalars(select(User).where(User.username == "admin_weak")).first() is None
        assert s.scalar(select(Institution.id).where(Institution.code == "")) is None


def test_institutions_page_edit_and_deactivate(world):
    at = open_page("app_pages/province/institutions.py", username=world["province"], password=PASSWORD)
    pick = at.selectbox(key="inst_edit_pick")
    pick.select(next(o for o in pick.options if world["a_name"] in o)).run()
    next(t for t in at.text_input if t.label == "机构名称 *" and t.value == world["a_name"]).input("改名医院")
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("FormSubmitter:inst_edit_"))).click().run()
    assert "机构“改名医院”已修改" in _texts(at)
    pick = at.selectbox(key="inst_edit_pick")
    pick.select(next(o for o in pick.options if "改名医院" in o)).run()
    at.button(key=f"inst_off_{world['a']}").click().run()
    assert "机构“改名医院”已停用" in _texts(at)
    with session_scope() as s:
        inst = s.get(Institution, world["a"])
        assert (inst.name, inst.active) == ("改名医院", False)


# ---- 项目库 ---------------------------------------------------------------------------------------


def _fill_project(at, prefix: str, code: str, credits: str = "4.5") -> None:
    at.text_input(key=f"{prefix}_code").input(code)
    at.text_input(key=f"{prefix}_name").input("临床药理学新进展")
    at.text_input(key=f"{prefix}_organizer").input("华西医院")
    at.selectbox(key=f"{prefix}_year").select(2025)
    at.selectbox(key=f"{prefix}_type").select("省级I类")
    at.text_input(key=f"{prefix}_credits").input(credits)
    at.selectbox(key=f"{prefix}_form").select("学习班")
    at.selectbox(key=f"{prefix}_subject_parent").select("药学").run()
    at.selectbox(key=f"{prefix}_subject_child").select("药理学")
    at.date_input(key=f"{prefix}_from").set_value(date(2025, 5, 1))
    at.date_input(key=f"{prefix}_to").set_value(date(2025, 5, 3)).run()


def test_projects_page_add_edit_delete_and_refusals(world):
    at = open_page("app_pages/province/projects.py", username=world["province"], password=PASSWORD)
    assert "没有符合条件的项目" in _texts(at)
    at.button(key="project_new_save").click().run()
    errors = " ".join(e.value for e in at.error)
    for field in ("项目编号", "项目名称", "主办单位", "举办年度", "学分类型", "学分", "学分获取形式", "学科分类", "举办时间"):
        assert field in errors
    _fill_project(at, "project_new", "XM-2025-01", credits="1.25")
    at.button(key="project_new_save").click().run()
    assert "学分：最多保留一位小数" in " ".join(e.value for e in at.error)
    at.text_input(key="project_new_credits").input("4.5")
    at.button(key="project_new_save").click().run()
    assert "项目“XM-2025-01”已新增" in _texts(at)
    row = _table(at).iloc[0]
    assert (row["项目编号"], row["学分"], row["学科分类"], row["举办时间"]) == ("XM-2025-01", "4.5", "药学 › 药理学",
                                                                          "2025-05-01 至 2025-05-03")
    assert at.text_input(key="project_new_code").value == "" and at.selectbox(key="project_new_type").value is None
    assert at.date_input(key="project_new_from").value is None  # the form is empty for the next project
    _fill_project(at, "project_new", "XM-2025-01")
    at.button(key="project_new_save").click().run()
    assert "项目编号已存在" in " ".join(e.value for e in at.error)
    assert at.text_input(key="project_new_code").value == "XM-2025-01"  # refused: kept as typed

    at.selectbox(key="project_pick").select(at.selectbox(key="project_pick").options[0]).run()
    edit_prefix = next(t.key for t in at.text_input if t.key and t.key.startswith("project_edit_")).rsplit("_", 1)[0]
    at.text_input(key=f"{edit_prefix}_credits").input("6")
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("project_edit_save_"))).click().run()
    assert "项目“XM-2025-01”已修改" in _texts(at) and _table(at).iloc[0]["学分"] == "6.0"
    at.selectbox(key="project_pick").select(at.selectbox(key="project_pick").options[0]).run()
    assert at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("project_delete_"))).disabled
    next(c for c in at.checkbox if c.label == "确认删除该项目").check().run()
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("project_delete_"))).click().run()
    assert "项目“XM-2025-01”已删除" in _texts(at)
    with session_scope() as s:
        assert s.scalars(select(Project)).first() is None
    refused = open_page("app_pages/province/projects.py", username=world["admin"], password=PASSWORD)
    assert [e.value for e in refused.error] == ["无权访问该页面"]


# ---- 学分标准管理 ---------------------------------------------------------------------------------


def test_standards_page_table_new_version_and_locked_versions(world):
    next_year = clock.today().year + 1
    at = open_page("app_pages/province/standards.py", username=world["province"], password=PASSWORD)
    table = _table(at)
    assert list(table["编码"])[:3] == ["SCJA1", "SCJA2", "SCJA3"] and len(table) == 10
    assert table.iloc[0]["国家级I类"] == "10.0分/6年" and table.iloc[9]["合计/年"] == "20.0"
    base = next(o for o in at.selectbox(key="std_base").options if o.startswith("SCJA4"))
    at.selectbox(key="std_base").select(base).run()
    prefix = next(t.key for t in at.text_input if t.key and t.key.startswith("std_new_")).rsplit("_", 1)[0]
    at.text_input(key=f"{prefix}_total").input("20").run()
    at.button(key="std_new_save").click().run()
    assert "合计/年：不能小于省级I类/年与II类/年之和" in " ".join(e.value for e in at.error)
    at.text_input(key=f"{prefix}_provincial").input("12")
    at.text_input(key=f"{prefix}_total").input("27").run()
    at.button(key="std_new_save").click().run()
    assert f"SCJA4 的新版本已保存（{next_year}年起生效）" in _texts(at)
    at.selectbox(key="std_year").select(next_year).run()
    row = _table(at).set_index("编码").loc["SCJA4"]
    assert (row["生效年度"], row["省级I类/年"], row["合计/年"]) == (next_year, "12.0", "27.0")
    at.selectbox(key="std_year").select(next_year - 1).run()
    assert _table(at).set_index("编码").loc["SCJA4"]["省级I类/年"] == "10.0"

    # once a person's standard references it, the version is no longer offered for editing
    from cme.standards import personal as standards

    with session_scope() as s:
        standards.add_personal_standard(s, world["person"], next_year, "市州级/二级及以下医院", "技师系列 - 副主任技师(副高)")
    at = open_page("app_pages/province/standards.py", username=world["province"], password=PASSWORD)
    options = at.selectbox(key="std_edit_pick").options
    assert not any(o.startswith("SCJA4") and f"{next_year}年起" in o for o in options)
    assert "已被个人学分标准引用而不能修改的版本：1 个" in _texts(at)
