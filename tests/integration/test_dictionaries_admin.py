"""字典管理 service (provincial admin) on both backends."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cme import clock
from cme.administration import dictionaries as da
from cme.core import reference
from cme.db import session_scope
from cme.errors import Duplicate, NotFound, NotPermitted, RecordLocked, ValidationError
from cme.models import AuditLog, DictionaryItem, PersonalStandard
from cme.standards import personal as standards
from tests.factories import add_credit, make_admin, make_institution, make_person


def snapshot_dictionaries() -> dict[int, tuple]:
    with session_scope() as s:
        return {i.id: (i.name, i.extra, i.active, i.sort_order) for i in s.scalars(select(DictionaryItem))}


def restore_dictionaries(saved: dict[int, tuple]) -> None:
    """dictionary_items is reference data the fixtures keep between tests: undo what a test did."""
    with session_scope() as s:
        items = s.scalars(select(DictionaryItem).order_by(DictionaryItem.parent_id.is_(None), DictionaryItem.id.desc()))
        for item in items:
            if item.id not in saved:
                s.delete(item)
                s.flush()
            else:
                item.name, item.extra, item.active, item.sort_order = saved[item.id]


@pytest.fixture
def world(db):
    saved = snapshot_dictionaries()
    with session_scope() as s:
        inst = make_institution(s)
        w = dict(inst=inst.id, person=make_person(s, inst), unit=make_admin(s, inst), province=make_admin(s))
    yield w
    restore_dictionaries(saved)


def _id(kind: str, name: str, parent: str | None = None) -> int:
    with session_scope(read_only=True) as s:  # read-only: may run inside another (writing) unit of work
        q = select(DictionaryItem.id).where(DictionaryItem.kind == kind, DictionaryItem.name == name)
        if parent:
            parent_id = select(DictionaryItem.id).where(DictionaryItem.kind == kind, DictionaryItem.name == parent,
                                                        DictionaryItem.parent_id.is_(None)).scalar_subquery()
            q = q.where(DictionaryItem.parent_id == parent_id)
        else:
            q = q.where(DictionaryItem.parent_id.is_(None))
        return s.scalars(q).one()


def _audits(action: str) -> list[AuditLog]:
    with session_scope() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def _refused(error_type, fn, *args, **kwargs) -> str:
    with pytest.raises(error_type) as e, session_scope() as s:
        fn(s, *args, **kwargs)
    return str(e.value)


# ---- scope ---------------------------------------------------------------------------------------


def test_only_the_provincial_admin_reads_or_changes_dictionaries(world):
    nation = _id("民族", "汉族")
    for who in (world["unit"], world["person"]):
        assert _refused(NotPermitted, da.list_kinds, who) == "无权执行该操作"
        _refused(NotPermitted, da.list_items, who, "民族")
        _refused(NotPermitted, da.add_item, who, "民族", "新民族")
        _refused(NotPermitted, da.add_title, who, "技师系列", "新技师", "中级")
        _refused(NotPermitted, da.rename_item, who, nation, "汉")
        _refused(NotPermitted, da.set_item_active, who, nation, False)
        _refused(NotPermitted, da.move_item, who, nation, 1)
    with session_scope() as s:
        assert reference.dictionary(s, "民族")[0] == "汉族" and "新民族" not in reference.dictionary(s, "民族")
    assert _audits("dictionary.add") == [] and _audits("dictionary.deactivate") == []


def test_kinds_and_items_in_order_with_state_and_source(world):
    p = world["province"]
    with session_scope() as s:
        kinds = {k.kind: k for k in da.list_kinds(s, p)}
        nations = da.list_items(s, p, "民族")
        parents = da.list_items(s, p, reference.SUBJECT_KIND)
        children = da.list_items(s, p, reference.SUBJECT_KIND, parents[0].id)
        titles = da.list_items(s, p, reference.TITLE_KIND)
    assert {"民族", "政治面貌", "学历", "学位", "婚姻状况", "行政职务", "外语语种", "外语等级", "学分获取形式", "学科分类",
            "技术职称", "机构所属区域等级"} <= set(kinds)
    assert kinds["学科分类"].two_level and not kinds["民族"].two_level
    assert kinds["机构所属区域等级"].read_only and kinds["机构所属区域等级"].items == 4 and not kinds["民族"].read_only
    assert kinds["民族"].items == kinds["民族"].active == 56
    assert [r.name for r in nations[:3]] == ["汉族", "蒙古族", "回族"] and [r.position for r in nations[:3]] == [1, 2, 3]
    assert nations[0].status == "启用" and nations[0].source == "系统预置"
    assert parents[0].name == "基础医学" and children[0].name == "人体解剖学" and children[0].seeded
    assert titles[0].table_row("技术职称") == {"序号": 1, "名称": "医师系列 - 主任医师(正高)", "级别": "正高",
                                             "状态": "启用", "来源": "系统预置"}
    _refused(NotFound, da.list_items, p, "不存在的字典")


# ---- 新增 ----------------------------------------------------------------------------------------


def test_add_item_trimmed_at_the_end_unique_and_audited(world):
    p = world["province"]
    with session_scope() as s:
        new_id = da.add_item(s, p, "行政职务", "  质控办主任 ")
    with session_scope() as s:
        offered = reference.dictionary(s, "行政职务")
        rows = da.list_items(s, p, "行政职务")
    assert offered[-1] == "质控办主任" and rows[-1].source == "管理员新增" and rows[-1].id == new_id
    (entry,) = _audits("dictionary.add")
    assert entry.actor_id == p.id and entry.after == {"字典": "行政职务", "名称": "质控办主任"}

    assert _refused(Duplicate, da.add_item, p, "行政职务", "质控办主任") == "该项目已存在"
    assert _refused(ValidationError, da.add_item, p, "行政职务", "   ") == "名称：不能为空"
    assert _refused(ValidationError, da.add_item, p, "行政职务", "长" * 51) == "名称：不能超过50个字符"
    assert _refused(ValidationError, da.add_item, p, "学分获取形式", "形" * 21) == "名称：不能超过20个字符"
    with session_scope() as s:
        assert reference.dictionary(s, "行政职务").count("质控办主任") == 1
    assert len(_audits("dictionary.add")) == 1


def test_subject_children_are_unique_within_their_parent(world):
    p = world["province"]
    basic, clinical = _id("学科分类", "基础医学"), _id("学科分类", "临床医学")
    with session_scope() as s:
        da.add_item(s, p, "学科分类", "医学人工智能", basic)
        da.add_item(s, p, "学科分类", "医学人工智能", clinical)  # another parent: allowed
        da.add_item(s, p, "学科分类", "全球健康")  # a new 一级 item
    with session_scope() as s:
        tree = reference.subjects(s)
    assert tree["基础医学"][-1] == "医学人工智能" and tree["临床医学"][-1] == "医学人工智能"
    assert list(tree)[-1] == "全球健康" and tree["全球健康"] == []
    assert _refused(Duplicate, da.add_item, p, "学科分类", "医学人工智能", basic) == "该项目已存在"
    assert _refused(Duplicate, da.add_item, p, "学科分类", "基础医学") == "该项目已存在"
    nation = _id("民族", "汉族")
    assert _refused(ValidationError, da.add_item, p, "学科分类", "子项", nation) == "一级分类：不在可选范围内"
    assert _refused(ValidationError, da.add_item, p, "民族", "子项", basic) == "一级分类：不在可选范围内"


def test_add_title_builds_the_label_and_its_level_chooses_the_standard(world):
    p = world["province"]
    with session_scope() as s:
        da.add_title(s, p, " 康复治疗系列 ", "副主任康复治疗师", "副高")
    label = "康复治疗系列 - 副主任康复治疗师(副高)"
    with session_scope() as s:
        assert reference.titles(s)[label] == "副高"
        assert standards.preview_standard(s, clock.today().year, "省级/三级医院", label).code == "SCJA1"
    assert _audits("dictionary.add")[0].after == {"字典": "技术职称", "名称": label, "级别": "副高"}

    msg = _refused(ValidationError, da.add_title, p, "", "康复治疗师", "高级")
    assert msg == "职称系列：不能为空；职称级别：不在可选范围内"
    assert _refused(ValidationError, da.add_title, p, "康复 - 系列", "治疗师", "中级") == "职称系列：不能包含“-”或括号"
    assert _refused(ValidationError, da.add_title, p, "康复系列", "治疗师", None) == "职称级别：请选择职称级别"
    assert _refused(Duplicate, da.add_title, p, "康复治疗系列", "副主任康复治疗师", "副高") == "该项目已存在"
    assert _refused(ValidationError, da.add_item, p, "技术职称", "随便写的职称").startswith("职称名称：")


# ---- 停用/启用 ------------------------------------------------------------------------------------


def test_deactivated_items_leave_every_form_and_init_db_does_not_bring_them_back(world):
    p = world["province"]
    title = "技师系列 - 副主任技师(副高)"
    ids = {"nation": _id("民族", "满族"), "title": _id("技术职称", title), "form": _id("学分获取形式", "讲座"),
           "parent": _id("学科分类", "基础医学"), "child": _id("学科分类", "药理学", "药学")}
    with session_scope() as s:
        for item_id in ids.values():
            da.set_item_active(s, p, item_id, False)
    with session_scope() as s:
        assert "满族" not in reference.dictionary(s, "民族")
        assert title not in reference.titles(s)
        assert "讲座" not in reference.dictionary(s, "学分获取形式")
        tree = reference.subjects(s)
        assert "基础医学" not in tree and "药理学" not in tree["药学"] and "药物化学" in tree["药学"]
        assert {r.name: r.status for r in da.list_items(s, p, "民族")}["满族"] == "已停用"
        with pytest.raises(ValidationError, match="技术职称：不在可选范围内"):
            standards.preview_standard(s, clock.today().year, "省级/三级医院", title)
    assert _audits("dictionary.deactivate")[0].after == {"字典": "民族", "名称": "满族", "启用": False}

    with session_scope() as s:
        count = s.scalar(select(func.count()).select_from(DictionaryItem))
        assert reference.load_reference_data(s)["dictionaries"] == 0
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(DictionaryItem)) == count
        assert "满族" not in reference.dictionary(s, "民族") and title not in reference.titles(s)

    with session_scope() as s:
        da.set_item_active(s, p, ids["nation"], True)
        da.set_item_active(s, p, ids["nation"], True)  # already active: no second entry
    with session_scope() as s:
        assert "满族" in reference.dictionary(s, "民族")
    assert len(_audits("dictionary.activate")) == 1
    assert _refused(Duplicate, da.add_item, p, "学分获取形式", "讲座") == "该项目已存在（已停用），请选择它并启用"


# ---- 改名 ----------------------------------------------------------------------------------------


def test_rename_only_admin_added_items_not_yet_used(world):
    p = world["province"]
    seeded = _id("婚姻状况", "已婚")
    assert _refused(RecordLocked, da.rename_item, p, seeded, "已婚人士") == da.SEEDED
    with session_scope() as s:
        own = da.add_item(s, p, "婚姻状况", "分居")
        form = da.add_item(s, p, "学分获取形式", "工作坊")
        child = da.add_item(s, p, "学科分类", "临床药学新方向", _id("学科分类", "药学"))
        da.add_title(s, p, "康复治疗系列", "康复治疗师", "初级")
    with session_scope() as s:
        da.rename_item(s, p, own, " 分居中 ")
    with session_scope() as s:
        assert "分居中" in reference.dictionary(s, "婚姻状况") and "分居" not in reference.dictionary(s, "婚姻状况")
    (entry,) = _audits("dictionary.rename")
    assert (entry.before["名称"], entry.after["名称"]) == ("分居", "分居中")
    assert _refused(Duplicate, da.rename_item, p, own, "已婚") == "该项目已存在"
    assert _refused(ValidationError, da.rename_item, p, own, "") == "名称：不能为空"

    # names in use by records stay as they are
    with session_scope() as s:
        rec = add_credit(s, world["person"], year=clock.today().year, credit_type="II类", credits="2")
        rec.form, rec.subject_parent, rec.subject_child = "工作坊", "药学", "临床药学新方向"
    assert _refused(RecordLocked, da.rename_item, p, form, "工作营") == "该项目已被学分记录使用，不能改名；可停用后新增新名称"
    assert _refused(RecordLocked, da.rename_item, p, child, "临床药学") == "该项目已被学分记录使用，不能改名；可停用后新增新名称"

    title_id = _id("技术职称", "康复治疗系列 - 康复治疗师(初级)")
    with session_scope() as s:
        da.rename_title(s, p, title_id, "康复治疗系列", "康复治疗士", "初级")
    with session_scope() as s:
        assert reference.titles(s)["康复治疗系列 - 康复治疗士(初级)"] == "初级"
        std = standards.preview_standard(s, clock.today().year, "县级", "康复治疗系列 - 康复治疗士(初级)")
        s.add(PersonalStandard(user_id=world["person"].id, year=clock.today().year, region_level="县级",
                               title="康复治疗系列 - 康复治疗士(初级)", standard_id=std.standard_id))
    assert _refused(RecordLocked, da.rename_title, p, title_id, "康复治疗系列", "治疗士", "初级") == \
        "该项目已被个人学分标准使用，不能改名；可停用后新增新名称"
    seeded_title = _id("技术职称", "技师系列 - 副主任技师(副高)")
    assert _refused(RecordLocked, da.rename_title, p, seeded_title, "技师系列", "副主任技师", "正高") == da.SEEDED
    assert len(_audits("dictionary.rename")) == 2


# ---- read-only kinds, 上移/下移 -------------------------------------------------------------------


def test_region_levels_are_read_only(world):
    p = world["province"]
    level = _id("机构所属区域等级", "县级")
    message = "机构所属区域等级决定适用的学分标准，不能在此修改"
    assert _refused(RecordLocked, da.add_item, p, "机构所属区域等级", "村卫生室") == message
    assert _refused(RecordLocked, da.set_item_active, p, level, False) == message
    assert _refused(RecordLocked, da.rename_item, p, level, "县级医院") == message
    assert _refused(RecordLocked, da.move_item, p, level, -1) == message
    with session_scope() as s:
        assert reference.dictionary(s, "机构所属区域等级") == ["省级/三级医院", "市州级/二级及以下医院", "县级", "乡镇卫生院"]
    assert _audits("dictionary.add") == [] and _audits("dictionary.move") == []


def test_move_up_and_down_among_siblings(world):
    p = world["province"]
    with session_scope() as s:
        first = reference.dictionary(s, "学位")
    with session_scope() as s:
        da.move_item(s, p, _id("学位", first[1]), -1)
    with session_scope() as s:
        assert reference.dictionary(s, "学位") == [first[1], first[0], *first[2:]]
        da.move_item(s, p, _id("学位", first[1]), -1)  # already first: unchanged
        da.move_item(s, p, _id("学位", first[-1]), 1)  # already last: unchanged
    with session_scope() as s:
        assert reference.dictionary(s, "学位") == [first[1], first[0], *first[2:]]
        da.move_item(s, p, _id("学位", first[1]), 1)
    with session_scope() as s:
        assert reference.dictionary(s, "学位") == first
    moves = _audits("dictionary.move")
    assert len(moves) == 2 and (moves[0].before["位置"], moves[0].after["位置"]) == (2, 1)

    with session_scope() as s:
        reference_children = reference.subjects(s)["药学"]
        children = [r.name for r in da.list_items(s, p, "学科分类", _id("学科分类", "药学"))]
    assert children == reference_children
    with session_scope() as s:
        da.move_item(s, p, _id("学科分类", children[0], "药学"), 1)
    with session_scope() as s:
        tree = reference.subjects(s)
    assert tree["药学"][:2] == [children[1], children[0]] and list(tree)[0] == "基础医学"
    assert _refused(ValidationError, da.move_item, p, _id("学位", first[0]), 2) == "顺序：只能上移或下移一位"
