"""个人注册 in a real browser, typed like a person does: each field then Tab. Every value survives the
focus changes (the password's show-password eye included) and Tab follows the visual order, row by row."""
from __future__ import annotations

import re
from datetime import date

from tests.e2e.conftest import screenshot, settle
from tests.factories import valid_id_number

PHONE = "13912340077"


def focused_label(page) -> str:
    """The label of the input that has the keyboard focus ('' for a non-input such as the eye button)."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el.tagName !== 'INPUT') return '';
        return el.getAttribute('aria-label') || '';
    }""")


def test_register_with_tab_between_fields(app_server, browser_page):
    page = browser_page
    page.goto(app_server)
    page.get_by_role("link", name="个人注册").click()
    page.get_by_label("手机号码 *").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    sms = page.get_by_text("您的验证码为").first
    sms.wait_for()
    code = re.search(r"验证码为：(\d{6})", sms.inner_text()).group(1)
    page.get_by_label("验证码 *").fill(code)
    page.get_by_role("button", name="下一步").click()
    page.get_by_text("② 基本信息").first.wait_for()
    settle(page)

    for label, option in (("市 *", "成都市"), ("机构单位 *", "四川大学华西医院")):
        page.get_by_label(label, exact=True).click()
        page.keyboard.type(option)
        page.get_by_role("option", name=option, exact=True).click()
        settle(page)
    page.get_by_label("科室 *", exact=True).click()
    page.get_by_role("option").first.click()
    settle(page)

    # type each value and press Tab, as a person filling the form does
    page.get_by_label("用户名 *").click()
    typed = [("用户名 *", "tabuser77"), ("真实姓名 *", "唐小标"), ("身份证号 *", valid_id_number(77, date(1979, 3, 3))),
             ("电子邮箱 *", "tab77@example.com"), ("密码 *", "Tabkey2026x"), ("确认密码 *", "Tabkey2026x")]
    for label, value in typed:
        assert focused_label(page) == label, f"Tab should reach {label}, focus is on {focused_label(page)!r}"
        page.keyboard.type(value)
        page.keyboard.press("Tab")
        if label == "密码 *" and not focused_label(page):
            page.keyboard.press("Tab")  # past the show-password eye
    for label, option in (("参加继教 *", "是"), ("学分达标遵照 *", None)):
        page.get_by_label(label, exact=True).click()
        (page.get_by_role("option", name=option, exact=True) if option else page.get_by_role("option").first).click()
    page.get_by_text("我已阅读并同意个人信息处理说明").click()
    screenshot(page, "register_filled")
    page.get_by_role("button", name="完成").click()
    page.get_by_text("用户注册成功!请等待单位审核,审核通过后方能登录。").wait_for()
    assert page.get_by_text("不能为空").count() == 0
