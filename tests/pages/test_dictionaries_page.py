"""AppTest: 字典管理 as the provincial admin uses it."""
from __future__ import annotations

import pytest

from cme.core import reference
from cme.db import session_scope
from tests.apptest import open_page
from tests.apptest import page_text as _texts
from tests.factories import PASSWORD, make_admin, make_institution, make_person
from tests.integration.test_dictionaries_admin import restore_dictionaries, snapshot_dictionaries

PAGE = "app_pages/province/dictionaries.py"


@pytest.fixture
def world(sqlite_db):
    saved = snapshot_dictionaries()
    with session_scope() as s:
        inst = make_institution(s)
        w = dict(person=make_person(s, inst).username, unit=make_admin(s, inst).username,
                 province=make_admin(s).username)
    yield w
    restore_dictionaries(saved)


def _names(at) -> list[str]:
    return list(at.dataframe[0].value["名称"])


def _status(at) -> dict[str, str]:
    df = at.dataframe[0].value
    return dict(zip(df["名称"], df["状态"], strict=True))


def _pick(at, name: str):
    """Choose an item by name in 选择项目 (options read `N. 名称（状态）`)."""
    box = next(b for b in at.selectbox if b.key and b.key.startswith("dict_pick_"))
    return box.select_index(next(n for n, o in enumerate(box.options) if o.split(". ", 1)[1].startswith(name + "（")))


def _button(at, prefix: str):
    return next(b for b in at.button if b.key and b.key.startswith(prefix))


def test_add_deactivate_reactivate_move_and_rename(world):
    at = open_page(PAGE, username=world["province"], password=PASSWORD)
    assert at.header[0].value == "字典管理"
    at.selectbox(key="dict_kind").set_value("行政职务").run()
    assert _names(at)[:3] == ["无", "科员", "护士长"] and set(at.dataframe[0].value["来源"]) == {"系统预置"}

    at.text_input[0].input("  质控办主任 ")
    _button(at, "FormSubmitter:dict_new_").click().run()
    assert "“质控办主任”已新增" in _texts(at) and _names(at)[-1] == "质控办主任"
    at.text_input[0].input("科员")
    _button(at, "FormSubmitter:dict_new_").click().run()
    assert "该项目已存在" in [e.value for e in at.error]

    # 停用 and 启用 a seeded item
    _pick(at, "护士长").run()
    assert "系统预置的项目不能改名，只能停用；如需新名称请新增" in _texts(at)
    _button(at, "dict_off_").click().run()
    assert "“护士长”已停用" in _texts(at) and _status(at)["护士长"] == "已停用"
    with session_scope() as s:
        assert "护士长" not in reference.dictionary(s, "行政职务")
    _button(at, "dict_on_").click().run()
    assert "“护士长”已启用" in _texts(at) and _status(at)["护士长"] == "启用"

    # 上移 keeps the item selected
    _button(at, "dict_up_").click().run()
    assert "“护士长”已上移" in _texts(at) and _names(at)[:3] == ["无", "护士长", "科员"]
    with session_scope() as s:
        assert reference.dictionary(s, "行政职务")[:3] == ["无", "护士长", "科员"]

    # rename the item the admin added
    _pick(at, "质控办主任").run()
    next(t for t in at.text_input if t.label == "新名称 *").input("质控办负责人")
    _button(at, "FormSubmitter:dict_rename_").click().run()
    assert "“质控办主任”已改名为“质控办负责人”" in _texts(at) and _names(at)[-1] == "质控办负责人"


def test_titles_subjects_and_read_only_region_levels(world):
    at = open_page(PAGE, username=world["province"], password=PASSWORD)
    at.selectbox(key="dict_kind").set_value("技术职称").run()
    assert "级别" in at.dataframe[0].value.columns
    inputs = {t.label: t for t in at.text_input}
    inputs["职称系列 *"].input("康复治疗系列")
    inputs["职称名称 *"].input("副主任康复治疗师")
    _button(at, "FormSubmitter:dict_new_").click().run()
    assert "职称级别：请选择职称级别" in " ".join(e.value for e in at.error)
    inputs = {t.label: t for t in at.text_input}
    inputs["职称系列 *"].input("康复治疗系列")
    inputs["职称名称 *"].input("副主任康复治疗师")
    next(b for b in at.selectbox if b.label == "职称级别 *").set_value("副高")
    _button(at, "FormSubmitter:dict_new_").click().run()
    assert "技术职称“康复治疗系列 - 副主任康复治疗师(副高)”已新增" in _texts(at)
    df = at.dataframe[0].value
    assert dict(zip(df["名称"], df["级别"], strict=True))["康复治疗系列 - 副主任康复治疗师(副高)"] == "副高"

    at.selectbox(key="dict_kind").set_value("学科分类").run()
    assert _names(at)[0] == "基础医学" and at.subheader[0].value == "一级分类"
    at.selectbox(key="dict_parent").set_value("药学").run()
    assert at.subheader[0].value == "“药学”的二级分类" and _names(at)[0] == "药理学"
    at.text_input[0].input("药物警戒")
    _button(at, "FormSubmitter:dict_new_").click().run()
    assert "“药物警戒”已新增" in _texts(at)
    with session_scope() as s:
        assert reference.subjects(s)["药学"][-1] == "药物警戒"

    at.selectbox(key="dict_kind").set_value("机构所属区域等级").run()
    assert "机构所属区域等级决定适用的学分标准，不能在此修改" in _texts(at)
    assert _names(at) == ["省级/三级医院", "市州级/二级及以下医院", "县级", "乡镇卫生院"]
    assert not at.text_input and not [b for b in at.button if b.key and b.key.startswith("dict_")]


@pytest.mark.parametrize("who", ["unit", "person"])
def test_page_refuses_unit_admin_and_person(world, who):
    at = open_page(PAGE, username=world[who], password=PASSWORD)
    assert [e.value for e in at.error] == ["无权访问该页面"] and not at.dataframe
