"""Headless Chromium sessions that walk the capacity mix, all in one asyncio loop.

Each step is what a person does with the mouse: click a menu entry (or a button) and wait for the
page's last element. The time from the click to that element is the step's click-to-content time.
"""
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cme.clock import today

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"]
TIMEOUT_MS = 120_000


@dataclass
class Session:
    """One browser tab of one user."""

    username: str
    role: str  # person | unit
    tab: Page | None = None  # open from open_sessions to close_sessions
    errors: int = 0
    problems: list[str] = field(default_factory=list)  # what went wrong, first line each

    @property
    def page(self) -> Page:
        assert self.tab is not None, f"{self.username}: open_sessions opens the tab first"
        return self.tab


async def _idle(page) -> None:
    """Streamlit reports the run the last action started as over (the app's data-test-script-state; the
    status widget never shows with toolbarMode = "minimal"), called once the run's content is on screen."""
    await page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached",
                                                                                           timeout=TIMEOUT_MS)


async def _nav(page, title: str, *last: str) -> None:
    await page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    await page.get_by_role("heading", name=title).first.wait_for(timeout=TIMEOUT_MS)
    await _idle(page)
    for text in last:  # whole texts (a select box's label, a subheader), not placeholders
        await page.get_by_text(text, exact=True).first.wait_for(timeout=TIMEOUT_MS)
    await _idle(page)


async def open_login(s: Session, base: str) -> None:
    await s.page.goto(base)
    await s.page.get_by_role("button", name="登录").wait_for(timeout=TIMEOUT_MS)
    await _idle(s.page)


async def submit_login(s: Session, base: str, password: str) -> None:
    page = s.page
    await page.get_by_label("用户").fill(s.username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_text("欢迎").first.wait_for(timeout=TIMEOUT_MS)
    await page.get_by_role("heading", name="通知公告").first.wait_for(timeout=TIMEOUT_MS)
    await _idle(page)


async def home(s: Session, base: str) -> None:
    """首页 of either role: both end with 通知公告."""
    await _nav(s.page, "首页", "通知公告")


async def credit_search(s: Session, base: str) -> None:
    await _nav(s.page, "学分综合查询")
    await s.page.get_by_role("button", name="导出CSV").wait_for(timeout=TIMEOUT_MS)  # under the list


async def credit_entry(s: Session, base: str) -> None:
    await _nav(s.page, "个人学分登记审核", "选择一条学分记录")


async def _pick(page, label: str, value: str) -> None:
    await page.get_by_label(label).click()
    await page.get_by_role("option", name=value, exact=True).click()


async def certificate(s: Session, base: str) -> None:
    """Open 出具学分证明, choose the combined kind and the last five years, and wait for the preview."""
    page, year = s.page, today().year
    await _nav(s.page, "出具Ⅰ类、Ⅱ类学分证明", "合成I类II类综合学分证明")  # the kind buttons (the choice is remembered)
    await page.get_by_role("button", name="合成I类II类综合学分证明").click()
    await page.get_by_role("button", name="提交验证查询").wait_for(timeout=TIMEOUT_MS)
    await _idle(page)
    await _pick(page, "起始年度 *", str(year - 4))
    await _pick(page, "终止年度 *", str(year))
    await page.get_by_role("button", name="提交验证查询").click()
    await page.get_by_role("button", name="出具").wait_for(timeout=TIMEOUT_MS)  # the preview, then 出具
    await _idle(page)
    await page.get_by_role("button", name="出具").click()
    await page.get_by_role("button", name="下载PDF学分证明").wait_for(timeout=TIMEOUT_MS)
    await page.get_by_text("核验地址").first.wait_for(timeout=TIMEOUT_MS)
    await _idle(page)


async def credit_review(s: Session, base: str) -> None:
    await _nav(s.page, "学分审核")
    await s.page.get_by_role("button", name=re.compile("^批量审核通过")).wait_for(timeout=TIMEOUT_MS)


async def unit_staff(s: Session, base: str) -> None:
    await _nav(s.page, "本机构人员")
    await s.page.get_by_role("button", name="导出CSV").wait_for(timeout=TIMEOUT_MS)


Step = Callable[[Session, str], Awaitable[None]]
# (label, role, step); logins are measured apart, at the start
PERSON_MIX: list[tuple[str, Step]] = [
    ("学分综合查询", credit_search), ("首页", home), ("个人学分登记审核", credit_entry),
    ("学分证明（出具）", certificate),
]
UNIT_MIX: list[tuple[str, Step]] = [("学分审核", credit_review), ("本机构人员", unit_staff), ("首页（单位）", home)]


async def timed(step: Step, s: Session, base: str) -> float | None:
    """Seconds from the action to the page's last element, or None when the step failed."""
    start = time.perf_counter()
    try:
        await step(s, base)
    except Exception as e:  # a timeout or a vanished element: counted, the run goes on
        s.errors += 1
        s.problems.append(f"{s.username} {step.__name__}: {str(e).splitlines()[0][:200]}")
        return None
    if await s.page.locator('[data-testid="stException"]').count():
        s.errors += 1
        s.problems.append(f"{s.username} {step.__name__}: the page shows an exception")
        return None
    return time.perf_counter() - start


async def open_sessions(browser, sessions: list[Session]) -> None:
    for s in sessions:
        context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        s.tab = await context.new_page()
        s.tab.set_default_timeout(TIMEOUT_MS)


async def close_sessions(sessions: list[Session]) -> None:
    for s in sessions:
        if s.tab is not None:
            await s.tab.context.close()
            s.tab = None


async def all_at_once(step: Step, sessions: list[Session], base: str) -> list[float | None]:
    return list(await asyncio.gather(*(timed(step, s, base) for s in sessions)))


async def one_widget_clicks(page, base: str, clicks: int) -> list[float | None]:
    """The floor page: a single button whose label counts the runs."""
    await page.goto(base)
    await page.get_by_role("button", name="第 1 次").wait_for(timeout=TIMEOUT_MS)
    await _idle(page)
    times: list[float | None] = []
    for n in range(2, clicks + 2):
        start = time.perf_counter()
        await page.get_by_role("button").filter(has_text="第").click()
        await page.get_by_role("button", name=f"第 {n} 次").wait_for(timeout=TIMEOUT_MS)
        times.append(time.perf_counter() - start)
    return times
