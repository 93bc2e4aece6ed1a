"""The heart of the product in a real browser: demo001 files a credit with a proof image, the admin of
demo001's institution approves it, and demo001's 首页 counts change by exactly that credit."""
from __future__ import annotations

import io

from PIL import Image

from cme import clock
from tests.e2e.conftest import login, screenshot, settle

OWNER, ADMIN = "demo001", "admin_scwc001"  # demo001 works at 四川大学华西医院 (SCWC001) in the demo seed
CODE = "E2E-2026-0001"


def home_metrics(page) -> dict[str, str]:
    page.locator('[data-testid="stMetric"]').first.wait_for()
    settle(page)
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        out[m.locator('[data-testid="stMetricLabel"]').inner_text().strip()] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def pick(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.keyboard.type(option)  # long lists are virtualised: filter first
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def go(page, title: str) -> None:
    """Navigate like a user, through the sidebar (keeps the session of this tab)."""
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title).wait_for()
    settle(page)


def logout(page) -> None:
    page.get_by_role("button", name="退出").click()
    # while the rerun replaces the page, the old form may still be drawn beside the new one
    page.get_by_role("button", name="登录").first.wait_for()
    settle(page)


def test_credit_submitted_approved_and_counted(app_server, browser_page, tmp_path):
    page = browser_page
    proof = tmp_path / "证明.png"
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(buf, "PNG")
    proof.write_bytes(buf.getvalue())
    today = clock.today()

    login(page, app_server, OWNER)
    before = home_metrics(page)

    go(page, "个人学分登记审核")
    page.get_by_role("button", name="新增").click()
    page.get_by_label("项目编号 *").wait_for()
    page.get_by_label("项目编号 *").fill(CODE)
    page.get_by_label("获取学分 *").fill("2")
    pick(page, "学分类型 *", "省级I类")
    for label in ("获取时间 *", "至 *"):
        # a react-aria date field: type into its segments (年/月/日), then leave it
        page.get_by_label(label, exact=True).locator('[role="spinbutton"]').first.click()
        page.keyboard.type(today.strftime("%Y%m%d"))
        page.keyboard.press("Tab")
        settle(page)
    pick(page, "学分获取形式 *", "学习班")
    pick(page, "举办年度 *", str(today.year))
    page.get_by_label("项目名称 *").fill("端到端测试学习班")
    page.get_by_label("主办单位 *").fill("四川省医学会")
    pick(page, "学科分类 *", "药学")
    pick(page, "二级学科 *", "药理学")
    page.locator('input[type="file"]').set_input_files(str(proof))
    settle(page)
    screenshot(page, "credit_form_filled")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("学分信息已保存，状态为【待审】").wait_for()

    go(page, "首页")
    pending = home_metrics(page)
    assert pending == before  # a pending credit never counts
    logout(page)

    login(page, app_server, ADMIN)
    go(page, "学分审核")
    page.get_by_label("逐条审核：选择一条学分记录").click()
    page.keyboard.type(CODE)
    page.get_by_role("option", name=CODE).click()
    settle(page)
    page.locator('[data-testid="stImage"] img').first.wait_for()  # the proof preview
    screenshot(page, "credit_review_proof")
    page.get_by_role("button", name="审核通过", exact=True).click()
    page.get_by_text("端到端测试学习班”审核通过").wait_for()
    logout(page)

    login(page, app_server, OWNER)
    after = home_metrics(page)
    screenshot(page, "home_after_approval")
    assert int(after["I类项目"]) == int(before["I类项目"]) + 1
    assert float(after["I类学分"]) == float(before["I类学分"]) + 2
    assert after["II类项目"] == before["II类项目"] and after["II类学分"] == before["II类学分"]
