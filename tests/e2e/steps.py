"""What a user does in the browser, step by step, shared by the journeys (one credit journey, several
ways to run it: one app, or two replicas behind nginx)."""
from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

from PIL import Image

from tests.e2e.conftest import screenshot, settle


def home_metrics(page) -> dict[str, str]:
    page.locator('[data-testid="stMetric"]').first.wait_for()
    settle(page)
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
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


# English words a Chinese screen may show: file formats, units and the QR code (user data such as
# usernames, codes and e-mail addresses carries digits, '_' or '@' and is never counted)
ENGLISH_ALLOWED = {"PDF", "XLSX", "CSV", "QR", "JPG", "JPEG", "PNG", "MB", "KB", "UTF", "ID", "CME", "SMS", "Excel",
                   "II"}  # Ⅱ类 typed in ASCII by the manual (I alone is one letter, never counted)

_PAGE_PROBLEMS = """([allowed, tablesFit, debug]) => {
    const out = [];
    const errors = document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]');
    for (const e of errors) out.push('error box: ' + e.innerText.slice(0, 120));
    if (document.body.innerText.includes('This app has encountered an error')) out.push('Streamlit error page');
    // English interface text: visible text nodes outside icons (a material icon is a ligature word)
    const words = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!el || el.closest('script, style, [data-testid="stIconMaterial"], [translate="no"]')) continue;
        // not seen: text hidden by the app's CSS (font-size 0, replaced by Chinese in ::after) and the
        // 1-pixel texts kept for screen readers (react-aria's "3 options available", a file's "Error: …")
        const box = el.getBoundingClientRect();
        if (!el.checkVisibility() || parseFloat(getComputedStyle(el).fontSize) === 0 || el.closest('[data-live-announcer]')
            || (box.width <= 1 && box.height <= 1)) continue;
        for (const token of node.textContent.replace(/https?:\\/\\/\\S+/g, ' ').split(/[^A-Za-z0-9_@.\\-]+/)) {
            if (/^[.][A-Za-z0-9]+$/.test(token)) continue;  // a file name's extension (证明.png)
            const word = token.replace(/^[.\\-]+|[.\\-]+$/g, '');
            if (/^[A-Za-z]{2,}$/.test(word) && !allowed.includes(word))
                words.add(word + (debug ? ` «${node.textContent.slice(0, 80)}» in ${el.outerHTML.slice(0, 200)}` : ''));
        }
    }
    // a field's placeholder while it shows (unless the app's CSS made it transparent to draw Chinese over it)
    for (const field of document.querySelectorAll('input:placeholder-shown, textarea:placeholder-shown')) {
        if (!field.checkVisibility() || getComputedStyle(field, '::placeholder').color === 'rgba(0, 0, 0, 0)') continue;
        for (const token of field.placeholder.split(/[^A-Za-z0-9_@.\\-]+/)) {  // as above: SC2026… is an example code
            const word = token.replace(/^[.\\-]+|[.\\-]+$/g, '');
            if (/^[A-Za-z]{2,}$/.test(word) && !allowed.includes(word))
                words.add(word + (debug ? ` «placeholder ${field.placeholder}»` : ''));
        }
    }
    if (words.size) out.push('English text: ' + [...words].sort().join(' '));
    const main = document.querySelector('[data-testid="stMain"]');
    const wide = Math.max(document.documentElement.scrollWidth, main ? main.scrollWidth : 0);
    // the layout viewport: a phone browser zooms out to fit wider content, so innerWidth can grow with it
    const screenWidth = Math.min(window.innerWidth, document.documentElement.clientWidth);
    if (wide > screenWidth) out.push(`wider than the screen: ${wide} > ${screenWidth} px`);
    if (tablesFit) {  // a table whose columns run off to the side, to be scrolled within
        for (const grid of document.querySelectorAll('[data-testid="stDataFrame"]')) {
            const scroller = grid.querySelector('.dvn-scroller');
            if (grid.checkVisibility() && scroller && scroller.scrollWidth > scroller.clientWidth + 1)
                out.push(`a table scrolls sideways: ${scroller.scrollWidth} > ${scroller.clientWidth} px`);
        }
    }
    return out;
}"""


def page_problems(page, *, tables_fit: bool = False) -> list[str]:
    """What a user must never meet on a screen: an error box, English interface text, horizontal overflow
    (and with `tables_fit`, a visible table wider than its box: the phone's key screens show cards)."""
    return page.evaluate(_PAGE_PROBLEMS, [sorted(ENGLISH_ALLOWED), tables_fit, bool(os.environ.get("WALK_DEBUG"))])


def whole_screen_shot(page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main area, so the window is made as
    tall as the content for the shot (the width, which decides the layout, stays)."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
    try:
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)

