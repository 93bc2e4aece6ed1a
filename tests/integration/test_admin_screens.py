"""科室管理, 机构管理, 项目库, 学分标准管理 and 审计日志 services (both backends)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from cme import clock
from cme.administration import departments, institutions
from cme.core import audit, reference
from cme.core.audit import AuditFilter
from cme.db import session_scope
from cme.errors import Duplicate, NotPermitted, RecordLocked, ValidationError
from cme.models import AuditLog, CreditStandard, CreditSummary, Institution, PersonalStandard, Region, User
from tests.factories import PASSWORD, make_admin, make_institution, make_person

TITLE = "技师系列 - 副主任技师(副高)"
NEXT = clock.today().year + 1  # the latest year a person may set a standard for


@pytest.fixture
def world(db):
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        w = dict(a=a.id, b=b.id, a_code=a.code, person=make_person(s, a), admin_a=make_admin(s, a),
                 admin_b=make_admin(s, b), province=make_admin(s))
    yield w
    with session_scope() as s:  # credit_standards is reference data: remove the versions tests added
        added = select(CreditStandard.id).where(CreditStandard.effective_year != reference.STANDARDS_EFFECTIVE_FROM)
        s.execute(delete(PersonalStandard).where(PersonalStandard.standard_id.in_(added)))
        s.execute(update(CreditSummary).where(CreditSummary.standard_id.in_(added)).values(standard_id=None))  # stored verdicts
        s.execute(delete(CreditStandard).where(CreditStandard.effective_year != reference.STANDARDS_EFFECTIVE_FROM))


def _audits(action: str) -> list[AuditLog]:
    with session_scope() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


# ---- 科室管理 -------------------------------------------------------------------------------------


def test_department_add_rename_deactivate_with_audit(world):
    admin = world["admin_a"]
    with session_scope() as s:
        dept = departments.add_department(s, admin, "  儿科 ")
    with session_scope() as s:
        departments.rename_department(s, admin, dept, "小儿内科")
        departments.set_department_active(s, admin, dept, False)
    with session_scope() as s:
        rows = {r.name: r for r in departments.list_departments(s, admin)}
        offered = [n for _, n in reference.departments(s, world["a"])]
    assert rows["小儿内科"].status == "已停用" and rows["内科"].staff == 1 and rows["外科"].staff == 0
    assert "小儿内科" not in offered and "内科" in offered
    (renamed,) = _audits("department.rename")
    assert (renamed.before, renamed.after, renamed.institution_id) == ({"name": "儿科"}, {"name": "小儿内科"}, world["a"])
    assert _audits("department.add")[0].actor_id == admin.id
    assert _audits("department.deactivate")[0].after == {"name": "小儿内科", "active": False}


def test_department_names_unique_per_institution_and_required(world):
    with pytest.raises(Duplicate, match="该科室已存在"), session_scope() as s:
        departments.add_department(s, world["admin_a"], "内科")
    with pytest.raises(Duplicate, match="该科室已存在"), session_scope() as s:
        dept = next(r.id for r in departments.list_departments(s, world["admin_a"]) if r.name == "外科")
        departments.rename_department(s, world["admin_a"], dept, "内科")
    with pytest.raises(ValidationError) as e, session_scope() as s:
        departments.add_department(s, world["admin_a"], "   ")
    assert e.value.errors == {"科室名称": "不能为空"}
    with session_scope() as s:  # another institution may have its own 内科? B already has one; a new name works there
        departments.add_department(s, world["admin_b"], "眼科")
        departments.add_department(s, world["admin_a"], "眼科")
    assert len(_audits("department.add")) == 2


def test_department_with_staff_cannot_be_deleted_only_deactivated(world):
    admin = world["admin_a"]
    with session_scope() as s:
        rows = {r.name: r.id for r in departments.list_departments(s, admin)}
    with pytest.raises(RecordLocked, match="该科室下有人员，不能删除，只能停用"), session_scope() as s:
        departments.delete_department(s, admin, rows["内科"])
    with session_scope() as s:
        departments.delete_department(s, admin, rows["外科"])
        departments.set_department_active(s, admin, rows["内科"], False)
    with session_scope() as s:
        left = {r.name: r.active for r in departments.list_departments(s, admin)}
        assert s.get(User, world["person"].id).department_id == rows["内科"]  # staff stay
    assert left == {"内科": False}
    assert _audits("department.delete")[0].before == {"name": "外科", "active": True}


def test_unit_admin_cannot_touch_another_institutions_departments(world):
    with session_scope() as s:
        b_dept = departments.list_departments(s, world["admin_b"])[0].id
    other = world["admin_a"]
    for call in (
        lambda s: departments.list_departments(s, other, world["b"]),
        lambda s: departments.add_department(s, other, "新科室", institution_id=world["b"]),
        lambda s: departments.rename_department(s, other, b_dept, "改名"),
        lambda s: departments.set_department_active(s, other, b_dept, False),
        lambda s: departments.delete_department(s, other, b_dept),
        lambda s: departments.list_departments(s, world["person"]),
    ):
        with pytest.raises(NotPermitted), session_scope() as s:
            call(s)
    with session_scope() as s:  # the province may manage any institution's departments
        departments.add_department(s, world["province"], "新科室", institution_id=world["b"])
        names = [r.name for r in departments.list_departments(s, world["admin_b"])]
    assert "新科室" in names and "改名" not in names


# ---- 机构管理 -------------------------------------------------------------------------------------


def _district(s) -> Region:
    chengdu = next(r for r in reference.regions(s, reference.regions(s, None)[0].code) if r.name == "成都市")
    return s.get(Region, reference.regions(s, chengdu.code)[0].code)


def test_add_institution_search_by_keyword_and_region_edit_deactivate(world):
    prov = world["province"]
    with session_scope() as s:
        district = _district(s)
        inst_id = institutions.add_institution(s, prov, code=" sc-new01 ", name="成都市新都区人民医院",
                                               region_code=district.code, region_level="县级")
    with session_scope() as s:
        by_kw = institutions.list_institutions(s, prov, keyword="新都")
        by_code = institutions.list_institutions(s, prov, keyword="sc-new")
        by_city = institutions.list_institutions(s, prov, region_code=district.parent_code)
        by_district = institutions.list_institutions(s, prov, region_code=district.code)
        elsewhere = institutions.list_institutions(s, prov, region_code="5132")
    assert [r.code for r in by_kw] == ["SC-NEW01"] == [r.code for r in by_code]
    row = by_kw[0]
    assert (row.city, row.district, row.region_level, row.status) == ("成都市", district.name, "县级", "启用")
    assert inst_id in [r.id for r in by_city] and inst_id in [r.id for r in by_district]
    assert inst_id not in [r.id for r in elsewhere]
    with session_scope() as s:
        institutions.update_institution(s, prov, inst_id, name="成都市新都区第一人民医院", region_level="市州级/二级及以下医院")
        institutions.set_institution_active(s, prov, inst_id, False)
    with session_scope() as s:
        assert not reference.institutions(s, keyword="新都")  # no longer offered for registration
        row = institutions.list_institutions(s, prov, keyword="新都")[0]
    assert (row.name, row.region_level, row.status) == ("成都市新都区第一人民医院", "市州级/二级及以下医院", "已停用")
    (upd,) = _audits("institution.update")
    assert upd.before == {"name": "成都市新都区人民医院", "region_level": "县级"}
    assert _audits("institution.add")[0].after["code"] == "SC-NEW01"
    assert _audits("institution.deactivate")[0].actor_id == prov.id


def test_add_institution_names_every_bad_field_and_refuses_duplicates(world):
    prov = world["province"]
    with pytest.raises(ValidationError) as e, session_scope() as s:
        institutions.add_institution(s, prov, code="医院!", name="", region_code=None, region_level="火星级")
    assert set(e.value.errors) == {"机构编码", "机构名称", "所在地区", "机构所属区域等级"}
    with session_scope() as s:
        district = _district(s).code
        taken_name = s.get(Institution, world["b"]).name
    with pytest.raises(Duplicate, match="机构编码已存在"), session_scope() as s:
        institutions.add_institution(s, prov, code=world["a_code"].lower(), name="另一家", region_code=district, region_level="县级")
    with pytest.raises(Duplicate, match="机构名称已存在"), session_scope() as s:
        institutions.add_institution(s, prov, code="NEW2", name=taken_name, region_code=district, region_level="县级")
    with pytest.raises(ValidationError) as e, session_scope() as s:
        institutions.update_institution(s, prov, world["a"], name="", region_level=None)
    assert set(e.value.errors) == {"机构名称", "机构所属区域等级"}
    assert not _audits("institution.add") and not _audits("institution.update")


def test_province_adds_departments_and_unit_admin_who_can_log_in(world):
    from cme.accounts import auth

    prov = world["province"]
    with session_scope() as s:
        district = _district(s).code
        inst_id = institutions.add_institution(s, prov, code="NEW3", name="新建医院", region_code=district, region_level="县级")
        institutions.add_department(s, prov, inst_id, "急诊科")
    with pytest.raises(ValidationError) as e, session_scope() as s:
        institutions.create_unit_admin(s, prov, inst_id, username="admin_new3", name="王管理", password="123456",
                                       password2="123456")
    assert "密码" in e.value.errors
    with pytest.raises(ValidationError, match="两次输入的密码不一致"), session_scope() as s:
        institutions.create_unit_admin(s, prov, inst_id, username="admin_new3", name="王管理", password="Good2026pass",
                                       password2="Good2026pas")
    with session_scope() as s:
        institutions.create_unit_admin(s, prov, inst_id, username="admin_new3", name="王管理", password="Good2026pass",
                                       password2="Good2026pass")
    with pytest.raises(Duplicate), session_scope() as s:
        institutions.create_unit_admin(s, prov, inst_id, username="admin_new3", name="李管理", password="Good2026pass",
                                       password2="Good2026pass")
    with session_scope() as s:
        row = institutions.list_institutions(s, prov, keyword="NEW3")[0]
        login = auth.login(s, "admin_new3", "Good2026pass")
        user = s.get(User, login.user_id) if hasattr(login, "user_id") else s.scalars(
            select(User).where(User.username == "admin_new3")).one()
    assert (row.departments, row.admins) == (1, "admin_new3")
    assert (user.role, user.institution_id) == ("unit", inst_id)
    assert _audits("institution.add_admin")[0].actor_id == prov.id


def test_institution_services_are_province_only(world):
    for who in ("person", "admin_a"):
        actor = world[who]
        for call in (
            lambda s, a: institutions.list_institutions(s, a),
            lambda s, a: institutions.add_institution(s, a, code="X1", name="X", region_code=None, region_level="县级"),
            lambda s, a: institutions.update_institution(s, a, world["a"], name="改名", region_level="县级"),
            lambda s, a: institutions.set_institution_active(s, a, world["a"], False),
            lambda s, a: institutions.add_department(s, a, world["a"], "眼科"),
            lambda s, a: institutions.create_unit_admin(s, a, world["a"], username="sneaky01", name="x",
                                                     password=PASSWORD, password2=PASSWORD),
        ):
            with pytest.raises(NotPermitted), session_scope() as s:
                call(s, actor)
    with session_scope() as s:
        assert s.get(Institution, world["a"]).active
        assert s.scalars(select(User).where(User.username == "sneaky01")).first() is None


# ---- 审计日志 -------------------------------------------------------------------------------------


def test_audit_scope_filters_paging_and_masking(world):
    with session_scope() as s:
        departments.add_department(s, world["admin_a"], "眼科")
        departments.add_department(s, world["admin_b"], "口腔科")
        audit.record(s, world["admin_a"].id, "test.leak", "user", 1, institution_id=world["a"],
                     after={"id_number": "510104198506150011", "note": "手机13912345678", "password_hash": "$2b$x"})
    with session_scope() as s:
        mine = audit.list_audit(s, world["admin_a"], limit=1000)
        theirs = audit.list_audit(s, world["admin_b"], limit=1000)
        everything = audit.list_audit(s, world["province"], limit=1000)
        actions_a = audit.audit_actions(s, world["admin_a"])
    assert {r.after.get("name") for r in mine if r.action == "department.add"} == {"眼科"}
    assert {r.after.get("name") for r in theirs if r.action == "department.add"} == {"口腔科"}
    assert {"眼科", "口腔科"} <= {(r.after or {}).get("name") for r in everything}
    assert "test.leak" in actions_a and "test.leak" not in [r.action for r in theirs]
    assert [r.id for r in everything] == sorted((r.id for r in everything), reverse=True)  # newest first
    leak = next(r for r in mine if r.action == "test.leak")
    assert leak.after == {"id_number": "510104********0011", "note": "手机139****5678", "password_hash": "******"}
    assert leak.actor_username == world["admin_a"].username
    with session_scope() as s:
        by_action = audit.list_audit(s, world["province"], flt=AuditFilter(action="department.add"))
        legacy = audit.list_audit(s, world["province"], action="department.add")
        by_actor = audit.list_audit(s, world["province"], flt=AuditFilter(actor=world["admin_b"].username))
        today = clock.today()
        in_range = audit.count_audit(s, world["province"], AuditFilter(date_from=today, date_to=today))
        past = audit.count_audit(s, world["province"], AuditFilter(date_to=today - timedelta(days=1)))
        total = audit.count_audit(s, world["province"])
        page1 = audit.list_audit(s, world["province"], limit=2)
        page2 = audit.list_audit(s, world["province"], limit=2, offset=2)
    assert [r.after["name"] for r in by_action] == ["口腔科", "眼科"] == [r.after["name"] for r in legacy]
    assert [r.action for r in by_actor] == ["department.add"]
    assert in_range == total == len(everything) and past == 0
    assert [r.id for r in page1 + page2] == [r.id for r in everything[:4]]
    assert audit.action_label("department.add") == "新增科室"


def test_person_sees_no_audit_log(world):
    for call in (lambda s: audit.list_audit(s, world["person"]), lambda s: audit.count_audit(s, world["person"]),
                 lambda s: audit.audit_actions(s, world["person"])):
        with pytest.raises(NotPermitted), session_scope() as s:
            call(s)
