"""个人学分标准: preview, one per year, own only (both backends)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from cme.db import session_scope
from cme.errors import Duplicate, NotPermitted, ValidationError
from cme.models import AuditLog
from cme.standards import personal as standards
from tests.factories import make_admin, make_institution, make_person

TITLE = "技师系列 - 副主任技师(副高)"


def test_preview_matches_manual_figure_22(db):
    with session_scope() as s:
        p = standards.preview_standard(s, 2016, "市州级/二级及以下医院", TITLE)
    assert p.code == "SCJA4"
    assert (p.national_i_per_cycle, p.provincial_i_per_year, p.class_ii_per_year) == (Decimal("0"), Decimal("10"), Decimal("15"))
    assert p.cycle_years == 6


def test_preview_names_every_missing_field(db):
    with pytest.raises(ValidationError) as e, session_scope() as s:
        standards.preview_standard(s, None, "", "not a title")
    assert set(e.value.errors) == {"年度", "机构所属区域等级", "技术职称"}


def test_one_standard_per_person_and_year(db):
    with session_scope() as s:
        inst = make_institution(s)
        me = make_person(s, inst)
        standards.add_personal_standard(s, me, 2016, "市州级/二级及以下医院", TITLE)
    with pytest.raises(Duplicate, match="该年度已设置学分标准"), session_scope() as s:
        standards.add_personal_standard(s, me, 2016, "县级", "无职称")
    with session_scope() as s:
        standards.add_personal_standard(s, me, 2017, "省级/三级医院", "医师系列 - 主治医师(中级)")
        rows = standards.list_personal_standards(s, me)
        assert [(r.year, r.code) for r in rows] == [(2017, "SCJA2"), (2016, "SCJA4")]
        assert s.query(AuditLog).filter_by(action="standard.add").count() == 2


def test_delete_only_own_standard(db):
    with session_scope() as s:
        inst = make_institution(s, level="县级")
        me, other = make_person(s, inst), make_person(s, inst)
        sid = standards.add_personal_standard(s, me, 2016, "县级", "无职称")
    with pytest.raises(NotPermitted), session_scope() as s:
        standards.delete_personal_standard(s, other, sid)
    with session_scope() as s:
        standards.delete_personal_standard(s, me, sid)
    with session_scope() as s:
        assert standards.list_personal_standards(s, me) == []


def test_admin_cannot_add_and_other_institution_cannot_read(db):
    with session_scope() as s:
        inst, other_inst = make_institution(s, level="县级"), make_institution(s)
        me = make_person(s, inst)
        admin, foreign_admin = make_admin(s, inst), make_admin(s, other_inst)
        standards.add_personal_standard(s, me, 2016, "县级", "无职称")
    with pytest.raises(NotPermitted), session_scope() as s:
        standards.add_personal_standard(s, admin, 2016, "县级", "无职称")
    with session_scope() as s:
        assert [r.code for r in standards.list_personal_standards(s, admin, me.id)] == ["SCJA9"]
    with pytest.raises(NotPermitted), session_scope() as s:
        standards.list_personal_standards(s, foreign_admin, me.id)


def test_query_row_masks_id_and_shows_unset(db):
    with session_scope() as s:
        inst = make_institution(s)
        me = make_person(s, inst)
        standards.add_personal_standard(s, me, 2016, "市州级/二级及以下医院", TITLE)
        rows = standards.query_personal_standards(s, me)
        assert len(rows) == 1
        row = rows[0]
        assert row.code == "SCJA4" and (row.national_i, row.provincial_i, row.class_ii) == ("0", "10", "15")
        assert "*" in row.id_number_masked and len(row.id_number_masked) == 18
        assert row.title == TITLE and row.department == "内科"
        unset = standards.query_personal_standards(s, me, year=2015)[0]
        assert unset.code == "未设置"
        assert [x.code for x in standards.standards_table(s, 2016)][:2] == ["SCJA1", "SCJA2"]


def test_standard_level_not_below_the_institution_and_flagged_to_its_admin(db):
    """A 三甲 doctor cannot drop to 乡镇卫生院 (SCJA10); a standard below the level (set before the rule)
    is flagged in 本机构人员."""
    from cme.models import PersonalStandard

    with session_scope() as s:
        inst = make_institution(s, level="省级/三级医院")
        me, other = make_person(s, inst), make_person(s, inst)
        admin = make_admin(s, inst)
        assert standards.institution_level(s, me) == "省级/三级医院"
    with pytest.raises(ValidationError) as e, session_scope() as s:
        standards.add_personal_standard(s, me, 2016, "乡镇卫生院", "无职称")
    assert e.value.errors == {"机构所属区域等级": "不能低于本机构的区域等级（省级/三级医院）"}
    with session_scope() as s:
        standards.add_personal_standard(s, me, 2016, "省级/三级医院", "医师系列 - 主治医师(中级)")
        assert standards.standards_below_institution(s, admin, 2016) == {}
        # a standard saved before the rule existed
        low = standards.preview_standard(s, 2016, "乡镇卫生院", "无职称")
        s.add(PersonalStandard(user_id=other.id, year=2016, region_level="乡镇卫生院", title="无职称",
                               standard_id=low.standard_id))
    with session_scope() as s:
        flags = standards.standards_below_institution(s, admin, 2016)
    assert flags == {other.id: "SCJA10（乡镇卫生院）低于本机构等级（省级/三级医院）"}
    with pytest.raises(NotPermitted), session_scope() as s:
        standards.standards_below_institution(s, me, 2016)
