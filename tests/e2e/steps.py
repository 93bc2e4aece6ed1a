"""What a user does in the browser, step by step, shared by the journeys (one credit journey, several
ways to run it: one app, or two replicas behind nginx)."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from PIL import Image

from tests.e2e.conftest import screenshot, settle


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


def find_and_choose(page, search_label: str, text: str, select_all_key: str) -> None:
    """Narrow a review queue to one record and choose its row (the grid is a canvas: 全选 of one row is the
    click a user would make on its box)."""
    box = page.get_by_label(search_label, exact=True)
    box.fill(text)
    box.press("Enter")
    settle(page)
    page.get_by_text("全选（共 1 条）").wait_for()
    page.locator(f".st-key-{select_all_key} label").click()
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


def proof_image(folder: Path) -> Path:
    """A small PNG to upload as the credit's proof."""
    proof = folder / "证明.png"
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(buf, "PNG")
    proof.write_bytes(buf.getvalue())
    return proof


def file_credit(page, code: str, proof: Path, today: date, name: str = "端到端测试学习班", *,
                credit_type: str = "省级I类", credits: str = "2") -> None:
    """个人学分登记审核 → 新增: a 学习班 (2-credit 省级I类 unless told) with a proof, saved as 待审."""
    go(page, "个人学分登记审核")
    page.get_by_role("button", name="新增").click()
    page.get_by_label("项目编号 *").wait_for()
    page.get_by_label("项目编号 *").fill(code)
    page.get_by_label("获取学分 *").fill(credits)
    pick(page, "学分类型 *", credit_type)
    for label in ("获取时间 *", "至 *"):
        # a react-aria date field: type into its segments (年/月/日), then leave it
        page.get_by_label(label, exact=True).locator('[role="spinbutton"]').first.click()
        page.keyboard.type(today.strftime("%Y%m%d"))
        page.keyboard.press("Tab")
        settle(page)
    pick(page, "学分获取形式 *", "学习班")
    pick(page, "举办年度 *", str(today.year))
    page.get_by_label("项目名称 *").fill(name)
    page.get_by_label("主办单位 *").fill("四川省医学会")
    pick(page, "学科分类 *", "药学")
    pick(page, "二级学科 *", "药理学")
    page.locator('input[type="file"]').set_input_files(str(proof))
    settle(page)
    screenshot(page, "credit_form_filled")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("学分信息已保存，状态为【待审】").wait_for()


def approve_credit(page, code: str, name: str = "端到端测试学习班") -> None:
    """学分审核 → find the record by its code, choose it (全选 of the one row) → 审核通过, after the proof
    preview has loaded."""
    go(page, "学分审核")
    find_and_choose(page, "查找", code, "review_table_all")
    page.locator('[data-testid="stImage"] img').first.wait_for()  # the proof preview
    screenshot(page, "credit_review_proof")
    page.get_by_role("button", name="审核通过", exact=True).click()
    page.get_by_text(f"{name}”审核通过").wait_for()
