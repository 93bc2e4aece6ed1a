"""Province library screens on a real database: 项目库 (projects) and 学分标准管理 (standard versions)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from cme.credits import entry, projects
from cme.credits.projects import ProjectInput
from cme.db import session_scope
from cme.errors import Duplicate, NotPermitted, RecordLocked, ValidationError
from cme.models import CreditStandard, Project
from cme.standards import personal as standards
from cme.standards import table as standards_admin
from cme.standards.table import StandardInput
from tests.integration import test_admin_screens
from tests.integration.test_admin_screens import NEXT, TITLE, _audits

world = test_admin_screens.world  # the same fixture: institutions a and b, their admins, a person of a, the province

# ---- 项目库 ---------------------------------------------------------------------------------------


PROJECT = ProjectInput(code="2026-01-001", name="临床药理学新进展", organizer="四川大学华西医院", year=2025,
                       credit_type="省级I类", credits="5.5", form="学习班", subject_parent="药学",
                       subject_child="药理学", date_from=date(2025, 5, 1), date_to=date(2025, 5, 3))


def _project(**changes) -> ProjectInput:
    return replace(PROJECT, **changes)


def test_project_add_search_edit_delete_and_prefill(world):
    prov = world["province"]
    with session_scope() as s:
        pid = projects.add_project(s, prov, _project())
        projects.add_project(s, prov, _project(code="2026-02-002", name="护理管理", credit_type="II类", credits="2"))
    with session_scope() as s:
        assert [p.code for p in projects.list_projects(s, prov, keyword="药理")] == ["2026-01-001"]
        assert [p.code for p in projects.list_projects(s, prov, credit_type="II类")] == ["2026-02-002"]
        assert len(projects.list_projects(s, prov, year=2025)) == 2
        pre = entry.project_prefill(s, "2026-01-001")
    assert (pre.project_name, pre.credits, pre.form) == ("临床药理学新进展", Decimal("5.5"), "学习班")
    with session_scope() as s:
        projects.update_project(s, prov, pid, _project(credits="6", organizer="华西医院"))
    with session_scope() as s:
        row = projects.get_project(s, prov, pid)
        assert row.table_row()["学分"] == "6.0" and row.organizer == "华西医院"
        projects.delete_project(s, prov, pid)
    with session_scope() as s:
        assert entry.project_prefill(s, "2026-01-001") is None
    (upd,) = _audits("project.update")
    assert (upd.before["credits"], upd.after["credits"]) == ("5.5", "6.0")
    assert _audits("project.delete")[0].before["code"] == "2026-01-001"


def test_project_validation_names_every_field_and_code_is_unique(world):
    prov = world["province"]
    bad = ProjectInput(code="", name="", organizer="", year=None, credit_type="I类", credits="0",
                       form="看电视", subject_parent="药学", subject_child="内科学",
                       date_from=date(2025, 5, 3), date_to=date(2025, 5, 1))
    with pytest.raises(ValidationError) as e, session_scope() as s:
        projects.add_project(s, prov, bad)
    assert set(e.value.errors) == {"项目编号", "项目名称", "主办单位", "举办年度", "学分类型", "学分", "学分获取形式",
                                   "学科分类", "举办时间"}
    assert e.value.errors["举办时间"] == "开始日期不能晚于结束日期"
    for credits_text, message in (("1.25", "最多保留一位小数"), ("-1", "应大于0"), ("abc", "应为数字")):
        with pytest.raises(ValidationError) as e, session_scope() as s:
            projects.add_project(s, prov, _project(credits=credits_text))
        assert e.value.errors == {"学分": message}
    with pytest.raises(ValidationError) as e, session_scope() as s:
        projects.add_project(s, prov, _project(year=2023))
    assert e.value.errors == {"举办年度": "应与举办时间的年份一致"}
    with session_scope() as s:
        projects.add_project(s, prov, _project())
        other = projects.add_project(s, prov, _project(code="OTHER"))
    with pytest.raises(Duplicate, match="项目编号已存在"), session_scope() as s:
        projects.add_project(s, prov, _project())
    with pytest.raises(Duplicate, match="项目编号已存在"), session_scope() as s:
        projects.update_project(s, prov, other, _project())
    with session_scope() as s:
        assert s.scalars(select(Project.code).order_by(Project.code)).all() == ["2026-01-001", "OTHER"]


def test_project_services_are_province_only(world):
    with session_scope() as s:
        pid = projects.add_project(s, world["province"], _project())
    for who in ("person", "admin_a"):
        actor = world[who]
        for call in (
            lambda s, a: projects.list_projects(s, a),
            lambda s, a: projects.add_project(s, a, _project(code="X")),
            lambda s, a: projects.update_project(s, a, pid, _project(name="改")),
            lambda s, a: projects.delete_project(s, a, pid),
        ):
            with pytest.raises(NotPermitted), session_scope() as s:
                call(s, actor)
    with session_scope() as s:
        assert s.get(Project, pid).name == "临床药理学新进展"


# ---- 学分标准管理 ---------------------------------------------------------------------------------


VERSION = StandardInput(code="SCJA4", name="市州级、二级以下医院高级", effective_year=NEXT, national_i_per_cycle="0",
                        cycle_years=5, provincial_i_per_year="12", class_ii_per_year="15", total_per_year="27",
                        region_level="市州级/二级及以下医院", title_level="高级")


def _version(**changes) -> StandardInput:
    return replace(VERSION, **changes)


def test_new_version_applies_from_its_year_and_personal_choice_follows(world):
    prov = world["province"]
    with session_scope() as s:
        base = {v.code: v for v in standards_admin.standards_in_force(s, prov, NEXT - 1)}
        vid = standards_admin.add_standard_version(s, prov, _version())
    with session_scope() as s:
        old = {v.code: v for v in standards_admin.standards_in_force(s, prov, NEXT - 1)}
        new = {v.code: v for v in standards_admin.standards_in_force(s, prov, NEXT + 1)}
        picked = standards.preview_standard(s, NEXT, "市州级/二级及以下医院", TITLE)
        history = [(v.code, v.effective_year) for v in standards_admin.all_versions(s, prov) if v.code == "SCJA4"]
    assert len(base) == len(new) == 10 and old["SCJA4"].provincial_i_per_year == Decimal("10")
    assert (new["SCJA4"].id, new["SCJA4"].provincial_i_per_year, new["SCJA4"].cycle_years) == (vid, Decimal("12"), 5)
    assert new["SCJA4"].table_row()["国家级I类"] == "0.0分/5年"
    assert (picked.standard_id, picked.total_per_year) == (vid, Decimal("27"))
    assert history == [("SCJA4", 2000), ("SCJA4", NEXT)]
    assert _audits("standard_version.add")[0].after["effective_year"] == NEXT
    with pytest.raises(Duplicate, match="该标准在该生效年度已有版本"), session_scope() as s:
        standards_admin.add_standard_version(s, prov, _version(name="重复"))


def test_standard_validation(world):
    prov = world["province"]
    with pytest.raises(ValidationError) as e, session_scope() as s:
        standards_admin.add_standard_version(s, prov, _version(
            code="X1", name="", effective_year=1990, cycle_years=11, national_i_per_cycle="-1",
            provincial_i_per_year="1.25", region_level="", title_level="特级"))
    assert set(e.value.errors) == {"编码", "名称", "生效年度", "周期年数", "国家级I类/周期", "省级I类/年",
                                   "机构所属区域等级", "职称级别"}
    assert e.value.errors["国家级I类/周期"] == "不能小于0" and e.value.errors["周期年数"] == "应为1至10年"
    with pytest.raises(ValidationError) as e, session_scope() as s:
        standards_admin.add_standard_version(s, prov, _version(total_per_year="26"))
    assert e.value.errors == {"合计/年": "不能小于省级I类/年与II类/年之和"}
    with pytest.raises(ValidationError) as e, session_scope() as s:
        standards_admin.add_standard_version(s, prov, _version(cycle_years=0))
    assert set(e.value.errors) == {"周期年数"}
    with session_scope() as s:  # 0 amounts, 10-year cycle and 全部 levels are fine
        vid = standards_admin.add_standard_version(s, prov, _version(
            national_i_per_cycle="0", provincial_i_per_year="0", class_ii_per_year="0", total_per_year="0",
            cycle_years=10, title_level="全部"))
        assert s.get(CreditStandard, vid).title_level is None


def test_version_referenced_by_a_personal_standard_is_never_edited_in_place(world):
    prov = world["province"]
    with session_scope() as s:
        vid = standards_admin.add_standard_version(s, prov, _version())
        standards_admin.update_standard_version(s, prov, vid, _version(total_per_year="30"))  # unused: fine
        base_id = s.scalars(select(CreditStandard.id).where(CreditStandard.code == "SCJA4",
                                                            CreditStandard.effective_year == 2000)).one()
        standards.add_personal_standard(s, world["person"], NEXT, "市州级/二级及以下医院", TITLE)
    with session_scope() as s:
        assert s.get(CreditStandard, vid).total_per_year == Decimal("30")
    for call in (
        lambda s: standards_admin.update_standard_version(s, prov, vid, _version(total_per_year="40")),
        lambda s: standards_admin.delete_standard_version(s, prov, vid),
    ):
        with pytest.raises(RecordLocked, match="该版本已被个人学分标准引用"), session_scope() as s:
            call(s)
    with session_scope() as s:
        assert s.get(CreditStandard, vid).total_per_year == Decimal("30")
        in_force = {v.code: v for v in standards_admin.standards_in_force(s, prov, NEXT)}
    assert in_force["SCJA4"].in_use == 1 and in_force["SCJA4"].locked
    with session_scope() as s:  # a later version is the way to change it
        later = standards_admin.add_standard_version(s, prov, _version(effective_year=NEXT + 2, total_per_year="40"))
        standards_admin.delete_standard_version(s, prov, later)
    assert base_id and len(_audits("standard_version.update")) == 1 and len(_audits("standard_version.delete")) == 1


def test_standard_services_are_province_only(world):
    for who in ("person", "admin_a"):
        actor = world[who]
        for call in (
            lambda s, a: standards_admin.standards_in_force(s, a, 2026),
            lambda s, a: standards_admin.all_versions(s, a),
            lambda s, a: standards_admin.add_standard_version(s, a, _version()),
        ):
            with pytest.raises(NotPermitted), session_scope() as s:
                call(s, actor)
    with session_scope() as s:
        assert s.scalars(select(CreditStandard).where(CreditStandard.effective_year == NEXT)).first() is None
