"""A new doctor's first year, in a real browser, as issue #13 tells it: register (Tab between fields) → the
unit admin approves → first profile → standard → a credit filed → rejected → the red banner on 首页 with the
reason → 重新登记 opens the form pre-filled → approved → 历年达标情况 shows the year 达标 → 出具 twice
gives one serial. Every wait is for a condition on the page."""
from __future__ import annotations

import re
from datetime import date

from cme import clock
from tests.e2e.conftest import login, screenshot, settle
from tests.e2e.steps import approve_credit, file_credit, find_and_choose, go, logout, page_problems, pick, proof_image
from tests.factories import valid_id_number

ADMIN = "admin_scwc001"  # 四川大学华西医院 (省级/三级医院) in the demo seed
DOCTOR, NAME, PASSWORD = "newdoc13", "温新医", "Newdoc2026x"
CODE = "E2E-NEW-0013"
TITLE = "医师系列 - 医师(初级)"  # SCJA3 at a 三级 hospital: 25 II类 credits a year, nothing else
REASON = "证明材料不清晰，请重新上传"


def focused_label(page) -> str:
    return page.evaluate("() => { const el = document.activeElement;"
                         " return el && el.tagName === 'INPUT' ? (el.getAttribute('aria-label') || '') : ''; }")


def register(page, base: str) -> None:
    """个人注册 typed field by field with Tab, as a person does."""
    page.goto(base)
    page.get_by_role("link", name="个人注册").click()
    page.get_by_label("手机号码 *").fill("13912340013")
    page.get_by_role("button", name="获取验证码").click()
    sms = page.get_by_text("您的验证码为").first
    sms.wait_for()
    page.get_by_label("验证码 *").fill(re.search(r"验证码为：(\d{6})", sms.inner_text()).group(1))
    page.get_by_role("button", name="下一步").click()
    page.get_by_text("② 基本信息").first.wait_for()
    settle(page)
    pick(page, "市 *", "成都市")
    pick(page, "机构单位 *", "四川大学华西医院")
    page.get_by_label("科室 *", exact=True).click()
    page.get_by_role("option").first.click()
    settle(page)
    page.get_by_label("用户名 *").click()
    for label, value in (("用户名 *", DOCTOR), ("真实姓名 *", NAME), ("身份证号 *", valid_id_number(13, date(1996, 5, 4))),
                         ("电子邮箱 *", "newdoc13@example.com"), ("密码 *", PASSWORD), ("确认密码 *", PASSWORD)):
        assert focused_label(page) == label, f"Tab should reach {label}, focus is on {focused_label(page)!r}"
        page.keyboard.type(value)
        page.keyboard.press("Tab")
        if label == "密码 *" and not focused_label(page):
            page.keyboard.press("Tab")  # past the show-password eye
    pick(page, "参加继教 *", "是")
    page.get_by_label("学分达标遵照 *", exact=True).click()
    page.get_by_role("option").first.click()
    page.get_by_text("我已阅读并同意个人信息处理说明").click()
    page.get_by_role("button", name="完成").click()
    page.get_by_text("用户注册成功!请等待单位审核,审核通过后方能登录。").wait_for()


def approve_registration(page) -> None:
    go(page, "注册审核")
    box = page.get_by_label("查找", exact=True)
    box.fill(DOCTOR)
    box.press("Enter")
    settle(page)
    page.get_by_text("全选（共 1 条）").wait_for()  # the only row is the one 查看 opens
    page.get_by_role("button", name="审核通过", exact=True).click()
    page.get_by_text(f"用户 {DOCTOR} 的注册已审核通过").wait_for()


def first_profile(page) -> None:
    """The forced 用户个人基本信息填写 of a first login."""
    page.get_by_role("heading", name="用户个人基本信息填写").wait_for()
    settle(page)
    for label, option in (("民族 *", "汉族"), ("政治面貌 *", "群众"), ("所学专业 *", "临床医学"), ("最高学历 *", "大学本科"),
                          ("最高学位 *", "学士"), ("行政职务 *", "无"), ("是否参加继续教育 *", "是")):
        pick(page, label, option)
    for label, value in (("毕业学校 *", "四川大学"), ("通讯地址 *", "成都市武侯区国学巷37号"), ("联系电话 *", "13912340013")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="保存").click()
    page.get_by_text("请等待审核").first.wait_for()
    page.get_by_role("button", name="进入首页").first.click()
    page.get_by_role("heading", name="首页").wait_for()
    settle(page)


def set_standard(page, year: int) -> None:
    go(page, "个人学分标准设置")
    pick(page, "年度 *", str(year))
    pick(page, "技术职称 *", TITLE)  # 机构所属区域等级 comes from the institution
    page.get_by_role("button", name="保存").click()
    page.get_by_text(f"{year}年度学分标准已保存").wait_for()


def reject_credit(page) -> None:
    go(page, "学分审核")
    find_and_choose(page, "查找", CODE, "review_table_all")
    page.get_by_label("审核意见（审核不过时必填）").fill(REASON)
    page.get_by_role("button", name="审核不过").click()
    page.get_by_text("审核不过").first.wait_for()
    page.get_by_text("没有符合条件的待审核学分记录").wait_for()


def history_cells(page, year: int) -> list[str]:
    """The 历年达标情况 grid's cells as the browser exposes them to a screen reader, once `year`'s row is there
    (the grid fills its cells after the page's run has finished)."""
    page.get_by_role("heading", name="历年达标情况").wait_for()
    settle(page)
    grid = page.locator('xpath=//h3[contains(., "历年达标情况")]/following::*[@data-testid="stDataFrame"][1]')
    grid.locator('[role="gridcell"]').filter(has_text=str(year)).first.wait_for(state="attached")  # a screen-reader table
    return [c.strip() for c in grid.locator('[role="gridcell"]').all_inner_texts()]


def issue(page, year: int) -> str:
    """出具Ⅰ类、Ⅱ类学分证明 → 综合 → the year → 提交验证查询 (a preview, no serial) → 出具: the serial shown."""
    go(page, "出具Ⅰ类、Ⅱ类学分证明")
    page.get_by_role("button", name="合成I类II类综合学分证明").click()
    settle(page)
    pick(page, "起始年度 *", str(year))
    pick(page, "终止年度 *", str(year))
    page.get_by_role("button", name="提交验证查询").click()
    page.get_by_text("预览：尚未出具，没有证书编号").wait_for()
    page.get_by_role("button", name="出具", exact=True).click()
    done = page.get_by_text("学分证明已出具，证书编号").first
    done.wait_for()
    return re.search(r"证书编号 (\S+)", done.inner_text()).group(1)


def test_a_new_doctors_first_year(app_server, browser_page, tmp_path):
    page, today = browser_page, clock.today()
    register(page, app_server)

    login(page, app_server, ADMIN)
    approve_registration(page)
    logout(page)

    login(page, app_server, DOCTOR, PASSWORD)
    first_profile(page)
    set_standard(page, today.year)
    proof = proof_image(tmp_path)
    file_credit(page, CODE, proof, today, "新医师规范化培训讲座", credit_type="II类", credits="25")
    logout(page)

    login(page, app_server, ADMIN)
    reject_credit(page)
    logout(page)

    login(page, app_server, DOCTOR, PASSWORD)
    page.get_by_text("有 1 条学分登记审核不过，请按审核意见修改后重新登记。").wait_for()
    page.get_by_text(REASON).first.wait_for()
    screenshot(page, "new_doctor_rejection_banner")
    page.get_by_role("button", name="重新登记").click()
    code_box = page.get_by_label("项目编号 *")
    code_box.wait_for()
    settle(page)
    assert code_box.input_value() == CODE and page.get_by_label("获取学分 *").input_value() == "25"
    assert page.get_by_label("项目名称 *").input_value() == "新医师规范化培训讲座"
    page.locator('input[type="file"]').set_input_files(str(proof))  # the proof is uploaded again
    settle(page)
    page.get_by_role("button", name="保存").click()
    page.get_by_text("学分信息已保存，状态为【待审】").wait_for()
    logout(page)

    login(page, app_server, ADMIN)
    approve_credit(page, CODE, "新医师规范化培训讲座")
    logout(page)

    login(page, app_server, DOCTOR, PASSWORD)
    cells = history_cells(page, today.year)
    screenshot(page, "new_doctor_history")
    year_row = cells.index(str(today.year))
    assert "达标" in cells[year_row:year_row + 4], cells

    first = issue(page, today.year)
    go(page, "首页")
    assert issue(page, today.year) == first  # the same content is the same certificate
    screenshot(page, "new_doctor_certificate")


# runs in the page before Streamlit's scripts: remembers Streamlit's English "Page not found" dialog if it
# ever appears, even for a moment
WATCH_NOT_FOUND = """
window.__notFoundSeen = false;
new MutationObserver(() => {
    if (document.body && document.body.textContent.includes('Page not found')) window.__notFoundSeen = true;
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def test_login_returns_to_the_page_asked_for(fresh_app_server, browser_page):
    """A bookmark to a screen behind the login, opened as the very first visit of a server just started: 登录
    is shown under that address, in Chinese (never Streamlit's English "Page not found"), and logging in lands
    on the screen itself."""
    page, base = browser_page, fresh_app_server
    page.add_init_script(WATCH_NOT_FOUND)
    page.goto(f"{base}/credit_search")
    page.get_by_label("用户").wait_for()
    settle(page)
    assert not page.evaluate("window.__notFoundSeen"), "Streamlit's English \"Page not found\" was shown"
    assert page.locator('[role="dialog"]').count() == 0 and page.url.endswith("/credit_search")
    assert page_problems(page) == []
    assert page.evaluate("document.documentElement.lang") == "zh-CN"  # also at a page's address (gzipped there)
    screenshot(page, "deep_link_first_visit")
    page.get_by_label("用户").fill("demo001")
    page.get_by_label("密码").fill("cme2026demo")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="学分综合查询").wait_for()
    settle(page)
    assert page.url.endswith("/credit_search")
    assert not page.evaluate("window.__notFoundSeen"), "Streamlit's English \"Page not found\" was shown"
