"""AppTest: 用户档案管理 tabs and views, 档案审核, 调动申请 and 调动审核 as a user sees them."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cme.db import session_scope
from cme.models import Profile, User
from cme.profile import change_review, changes
from tests.apptest import open_page, shown
from tests.factories import PASSWORD, make_admin, make_institution, make_person
from tests.integration.test_profile import FIRST

ROOT = Path(__file__).resolve().parents[2]


def _open(path: str, username: str) -> AppTest:
    return open_page(path, username=username, password=PASSWORD)


@pytest.fixture
def world(sqlite_db):
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        person = make_person(s, a, profile_completed=False)
        admin, other = make_admin(s, a), make_admin(s, b)
        rid = changes.submit_first_profile(s, person, FIRST)
        change_review.approve_change(s, admin, rid)
        return {"person": person, "admin": admin, "other": other, "a": a.id, "b": b.id, "b_name": b.name}


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.info, *at.success, *at.warning, *at.error, *at.caption])


def test_six_tabs_and_save_basic_says_wait(world):
    at = _open("app_pages/personal/profile.py", world["person"].username)
    assert [t.label for t in at.tabs] == ["个人基本信息", "个人教育经历", "个人培训经历", "个人论文论著", "个人工作经历", "个人获奖情况"]
    assert at.text_input(key="basic_姓名").value == "张三"
    assert at.text_input(key="basic_id_number").value.count("*") == 8
    at.selectbox(key="basic_婚姻状况").select("已婚")
    at.button(key="FormSubmitter:profile_basic-保存").click().run()
    assert "请等待审核" in _texts(at)
    with session_scope() as s:
        assert "婚姻状况" not in s.get(Profile, world["person"].id).basic  # not in force yet


def test_bad_basic_input_names_field_and_saves_nothing(world):
    at = _open("app_pages/personal/profile.py", world["person"].username)
    at.text_input(key="basic_邮政编码").input("abc")
    at.text_input(key="basic_姓名").input("")
    at.button(key="FormSubmitter:profile_basic-保存").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "邮政编码" in errors and "应为6位数字" in errors and "姓名" in errors
    with session_scope() as s:
        assert change_review.list_changes(s, world["admin"]) == []


def _save_education(at: AppTest, ended: date) -> AppTest:
    """Fill the education tab's 新增一条 form (四川大学, 大学本科, from 2010-09-01) and press 保存."""
    at.date_input(key="education_None_开始日期").set_value(date(2010, 9, 1))
    at.date_input(key="education_None_结束日期").set_value(ended)
    at.text_input(key="education_None_学校名称").input("四川大学")
    at.selectbox(key="education_None_学历").select("大学本科")
    return at.button(key="FormSubmitter:education_form_None-保存").click().run()


def test_add_education_row_with_date_check(world):
    at = _save_education(_open("app_pages/personal/profile.py", world["person"].username), date(2008, 7, 1))
    assert "不能早于开始日期" in " ".join(e.value for e in at.error)
    at.date_input(key="education_None_结束日期").set_value(date(2014, 7, 1))
    at.button(key="FormSubmitter:education_form_None-保存").click().run()
    assert "请等待审核" in _texts(at)
    assert at.dataframe[0].value["学校名称"].tolist() == ["四川大学"]  # the education tab's table


def test_admin_reviews_diff_and_resume_shows_new_value(world):
    with session_scope() as s:
        basic = dict(changes.profile_state(s, world["person"]).basic, 籍贯="成都市")
        changes.save_basic(s, world["person"], basic)
    other = _open("app_pages/unit/profile_review.py", world["other"].username)
    assert "没有符合条件的档案变更记录" in _texts(other)
    at = _open("app_pages/unit/profile_review.py", world["admin"].username)
    diff = at.dataframe[1].value
    changed = diff[diff["变更"] == "已修改"]
    assert changed["项目"].tolist() == ["籍贯"] and changed["个人基本信息修改后"].tolist() == ["成都市"]
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("approve_"))).click().run()
    assert "审核通过" in _texts(at)
    me = _open("app_pages/personal/profile.py", world["person"].username)
    me.segmented_control(key="profile_view").set_value("简历").run()
    table = me.table[0].value
    assert "成都市" in shown(table.to_string()) and "138****5678" in shown(table.to_string())
    assert "七、调动记录" in _texts(me)


def test_reject_needs_reason_on_screen(world):
    with session_scope() as s:
        changes.save_basic(s, world["person"], dict(changes.profile_state(s, world["person"]).basic, 籍贯="绵阳市"))
    at = _open("app_pages/unit/profile_review.py", world["admin"].username)
    submit = next(b for b in at.button if "reject_" in (b.key or ""))
    submit.click().run()
    assert "必须填写原因" in " ".join(e.value for e in at.error)
    at.text_area(key=next(t.key for t in at.text_area)).input("籍贯有误")
    next(b for b in at.button if "reject_" in (b.key or "")).click().run()
    me = _open("app_pages/personal/profile.py", world["person"].username)
    assert "籍贯有误" in _texts(me)
    me.segmented_control(key="profile_view").set_value("变更详情").run()
    assert "审核不过" in me.selectbox(key="change_pick").value


def test_transfer_request_and_receiving_admin(world):
    at = _open("app_pages/personal/transfer.py", world["person"].username)
    at.button(key="transfer_submit").click().run()
    assert "调入机构" in " ".join(e.value for e in at.error)
    at.text_input(key="transfer_keyword").input(world["b_name"]).run()
    at.selectbox(key="transfer_target").select_index(0).run()
    at.button(key="transfer_submit").click().run()
    assert "请等待调入机构审核" in _texts(at)
    sender = _open("app_pages/unit/transfers.py", world["admin"].username)
    assert "没有符合条件的调动申请" in _texts(sender)
    recv = _open("app_pages/unit/transfers.py", world["other"].username)
    assert recv.dataframe[0].value["姓名"].tolist() == [world["person"].name]
    next(b for b in recv.button if (b.key or "").startswith("transfer_approve_")).click().run()
    with session_scope() as s:
        assert s.get(User, world["person"].id).institution_id == world["b"]


def test_deleting_an_entry_needs_its_confirmation(world):
    at = _save_education(_open("app_pages/personal/profile.py", world["person"].username), date(2014, 7, 1))
    at.selectbox(key="education_pick").select_index(1).run()
    at.button(key="FormSubmitter:education_form_0-删除").click().run()  # a stray click: nothing removed
    assert "删除前请先勾选“确认删除该条记录”" in " ".join(e.value for e in at.error)
    assert at.dataframe[0].value["学校名称"].tolist() == ["四川大学"]
    at.checkbox(key="education_0_sure").check()
    at.button(key="FormSubmitter:education_form_0-删除").click().run()
    assert "请等待审核" in _texts(at)
    assert all("四川大学" not in df.value.to_string() for df in at.dataframe)  # gone from the education tab
