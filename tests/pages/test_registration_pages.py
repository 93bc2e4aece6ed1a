"""AppTest: 个人注册 → 注册状态查询 → 注册审核 (reject) → 修改 → 保存 → 审核通过 → first-login form,
忘记密码 with the SMS code, and the admin's one-time password reset."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select as select_stmt
from streamlit.testing.v1 import AppTest

from cme import crypto
from cme.accounts import auth, sms
from cme.core import reference
from cme.db import session_scope
from cme.errors import AuthError
from cme.models import Department, Institution, ProfileChangeRequest, User
from tests.apptest import open_page
from tests.factories import PASSWORD, make_admin, make_institution, make_person, valid_id_number

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13600001234"
PW = "Regist3rPass"


def page(path: str, username: str | None = None, password: str = PASSWORD) -> AppTest:
    return open_page(path, username=username, password=password)


def last_code(phone: str) -> str:
    _, text = next(m for m in reversed(sms.ConsoleGateway.outbox) if m[0] == phone)
    return re.search(r"(\d{6})", text).group(1)


def text_input(at: AppTest, label: str):
    return next(t for t in at.text_input if t.label == label)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def select(at: AppTest, label: str):
    return next(b for b in at.selectbox if b.label == label)


def shown(at: AppTest) -> str:
    kinds = (at.header, at.subheader, at.success, at.error, at.info, at.warning, at.markdown, at.caption)
    parts = [e.value for kind in kinds for e in kind]
    parts += [str(df.value.to_dict()) for df in at.dataframe]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def world(sqlite_db):
    with session_scope() as s:
        inst = make_institution(s)
        other = make_institution(s)
        admin = make_admin(s, inst)
        other_admin = make_admin(s, other)
        return dict(inst=inst.id, inst_name=inst.name, region=inst.region_code, admin=admin.username,
                    other_admin=other_admin.username)


def register_through_page(world) -> AppTest:
    at = page("app_pages/public/register.py")
    assert "验证手机" in shown(at)
    text_input(at, "手机号码 *").input("１３６００００１２３４")  # full-width digits are folded
    button(at, "获取验证码").click()
    at.run()
    assert "验证码已发送至 136****1234" in shown(at)
    text_input(at, "验证码 *").input("000000" if last_code(PHONE) != "000000" else "111111")
    button(at, "下一步").click()
    at.run()
    assert "验证码：不正确，还可尝试4次" in shown(at)
    text_input(at, "验证码 *").input(last_code(PHONE))
    button(at, "下一步").click()
    at.run()
    assert "基本信息" in shown(at) and "136****1234" in shown(at)
    # choose the city holding the institution's district, then the institution by keyword, then the department
    with session_scope() as s:
        city = s.get(Institution, world["inst"]).region_code
        province = reference.regions(s, None)[0].code
        city_code = next(c.code for c in reference.regions(s, province)
                         if city in {d.code for d in reference.regions(s, c.code)})
    select(at, "市 *").set_value(city_code)
    at.run()
    text_input(at, "机构关键字").input(world["inst_name"][-6:])
    at.run()
    select(at, "机构单位 *").set_value(world["inst"])
    at.run()
    with session_scope() as s:
        dept = s.scalars(select_stmt(Department.id).where(Department.institution_id == world["inst"])).first()
    select(at, "科室 *").set_value(dept)
    text_input(at, "用户名 *").input("pageuser1")
    text_input(at, "真实姓名 *").input("<b>李四</b>")
    text_input(at, "身份证号 *").input(valid_id_number(811))
    text_input(at, "电子邮箱 *").input("lisi@example.com")
    text_input(at, "密码 *").input(PW)
    text_input(at, "确认密码 *").input(PW + "x")
    select(at, "参加继教 *").set_value("是")
    select(at, "学分达标遵照 *").set_value("四川省继续医学教育学分标准")
    button(at, "完成").click()
    at.run()
    assert "确认密码" in shown(at) and "两次输入的密码不一致" in shown(at)
    assert "个人信息处理" in shown(at)  # consent not given
    text_input(at, "确认密码 *").input(PW)
    next(c for c in at.checkbox if "同意个人信息处理" in c.label).check()
    button(at, "完成").click()
    at.run()
    assert "用户注册成功!请等待单位审核,审核通过后方能登录。" in shown(at)
    return at


def query_status(username: str, id_number: str) -> AppTest:
    at = page("app_pages/public/registration_status.py")
    text_input(at, "用户账号 *").input(username)
    text_input(at, "身份证号码 *").input(id_number)
    button(at, "查询").click()
    return at.run()


def test_register_review_resubmit_approve_first_login(world):
    register_through_page(world)
    with session_scope() as s:
        user = s.scalars(select_stmt(User).where(User.username == "pageuser1")).one()
        assert (user.status, user.name, user.phone_masked) == ("pending", "<b>李四</b>", "136****1234")
        user_id = user.id

    at = query_status("pageuser1", valid_id_number(812))
    assert "用户名和身份证号码不匹配" in shown(at)
    at = query_status("pageuser1", valid_id_number(811))
    assert "单位待审" in shown(at) and world["inst_name"] in shown(at)

    # another institution's admin does not see it
    other = page("app_pages/unit/registrations.py", world["other_admin"])
    assert "暂无待审核的注册申请" in shown(other) and "pageuser1" not in shown(other)

    admin = page("app_pages/unit/registrations.py", world["admin"])
    assert "pageuser1" in shown(admin) and "分钟" in shown(admin)
    assert valid_id_number(811) not in shown(admin)  # masked in the list
    button(admin, "审核不过").click()
    admin.run()
    assert "不通过原因：审核不通过时必须填写原因" in shown(admin)
    next(t for t in admin.text_area if t.label == "不通过原因 *").input("科室选择错误")
    button(admin, "审核不过").click()
    admin.run()
    assert "审核不过" in shown(admin) and "暂无待审核的注册申请" in shown(admin)

    at = query_status("pageuser1", valid_id_number(811))
    assert "单位审核不过" in shown(at) and "科室选择错误" in shown(at)
    button(at, "修改").click()
    at.run()
    assert "用户注册信息修改" in shown(at)
    text_input(at, "真实姓名 *").input("李四")
    button(at, "保存").click()
    at.run()
    assert "原密码：不能为空" in shown(at)
    text_input(at, "原密码 *").input(PW)
    button(at, "保存").click()
    at.run()
    assert "已重新提交单位审核" in shown(at) and "单位待审" in shown(at)

    admin = page("app_pages/unit/registrations.py", world["admin"])
    assert "李四" in shown(admin)
    button(admin, "审核通过").click()
    admin.run()
    assert "pageuser1 的注册已审核通过" in shown(admin)

    first = page("app_pages/personal/first_profile.py", "pageuser1", PW)
    assert "用户个人基本信息填写" in [h.value for h in first.header]
    assert text_input(first, "姓名 *").value == "李四"
    next(b for b in first.button if b.label == "保存").click()
    first.run()
    assert "请更正以下内容" in shown(first) and "民族" in shown(first)
    for label, value in [("民族 *", "汉族"), ("政治面貌 *", "群众"), ("所学专业 *", "临床医学"), ("最高学历 *", "大学本科"),
                         ("最高学位 *", "学士"), ("行政职务 *", "无"), ("是否参加继续教育 *", "是")]:
        select(first, label).set_value(value)
    text_input(first, "毕业学校 *").input("四川大学")
    text_input(first, "通讯地址 *").input("成都市武侯区国学巷37号")
    text_input(first, "联系电话 *").input("13600001234")
    next(b for b in first.button if b.label == "保存").click()
    first.run()
    assert "请等待审核" in shown(first)
    with session_scope() as s:
        assert s.get(User, user_id).profile_completed
        req = s.scalars(select_stmt(ProfileChangeRequest).where(ProfileChangeRequest.user_id == user_id)).one()
        assert req.status == "pending" and req.after["basic"]["民族"] == "汉族"


def test_demo_mode_shows_the_code_on_screen(world, monkeypatch):
    monkeypatch.setenv("CME_DEMO", "1")
    from cme.config import get_settings
    get_settings.cache_clear()
    try:
        at = page("app_pages/public/register.py")
        text_input(at, "手机号码 *").input("13600009999")
        button(at, "获取验证码").click()
        at.run()
        assert f"您的验证码为：{last_code('13600009999')}。" in shown(at)
    finally:
        monkeypatch.setenv("CME_DEMO", "0")
        get_settings.cache_clear()


def test_forgot_password_needs_code(world):
    with session_scope() as s:
        person = make_person(s, s.get(Institution, world["inst"]))
        user = s.get(User, person.id)
        id_number, phone = crypto.decrypt(user.id_number_enc), crypto.decrypt(user.phone_enc)
    at = page("app_pages/public/forgot_password.py")
    text_input(at, "身份证号 *").input(id_number)
    button(at, "获取验证码").click()
    at.run()
    assert f"验证码已发送至 {crypto.mask_phone(phone)}" in shown(at) and "演示模式" not in shown(at)
    text_input(at, "新密码 *").input("NewPass2026a")
    text_input(at, "重复密码 *").input("NewPass2026a")
    button(at, "找回密码").click()
    at.run()
    assert "验证码：不能为空" in shown(at)
    text_input(at, "验证码 *").input(last_code(phone))
    text_input(at, "新密码 *").input("NewPass2026a")
    text_input(at, "重复密码 *").input("NewPass2026a")
    button(at, "找回密码").click()
    at.run()
    assert "密码重置成功" in shown(at)
    with session_scope() as s:
        assert auth.login(s, person.username, "NewPass2026a").user_id == person.id


def test_admin_resets_password_once(world):
    with session_scope() as s:
        person = make_person(s, s.get(Institution, world["inst"]))
    admin = page("app_pages/unit/registrations.py", world["admin"])
    assert person.username in shown(admin)
    assert button(admin, "重置密码").disabled
    next(c for c in admin.checkbox if c.label == "确认重置该人员的密码").check()
    admin.run()
    button(admin, "重置密码").click()
    admin.run()
    assert f"用户 {person.username} 的一次性密码" in shown(admin)
    secret = admin.code[0].value
    with session_scope() as s:
        assert auth.login(s, person.username, secret).must_change_password
    admin.run()
    assert not admin.code  # shown once


def test_admin_disables_and_enables_a_staff_account(world):
    with session_scope() as s:
        person = make_person(s, s.get(Institution, world["inst"]))
    admin = page("app_pages/unit/registrations.py", world["admin"])
    assert button(admin, "停用账号").disabled  # nothing happens before the confirmation is ticked
    next(c for c in admin.checkbox if c.label == "确认停用该人员的账号").check()
    admin.run()
    button(admin, "停用账号").click()
    admin.run()
    assert f"已停用用户 {person.username} 的账号" in shown(admin) and "已停用" in shown(admin)
    with session_scope() as s, pytest.raises(AuthError, match="已停用"):
        auth.login(s, person.username, PASSWORD)
    next(c for c in admin.checkbox if c.label == "确认启用该人员的账号").check()
    admin.run()
    button(admin, "启用账号").click()
    admin.run()
    assert f"已启用用户 {person.username} 的账号" in shown(admin)
    with session_scope() as s:
        assert auth.login(s, person.username, PASSWORD).user_id == person.id


def test_person_cannot_open_review_page(world):
    with session_scope() as s:
        person = make_person(s, s.get(Institution, world["inst"]))
    at = page("app_pages/unit/registrations.py", person.username)
    assert "无权访问该页面" in shown(at)
