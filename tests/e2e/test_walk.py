"""The Chromium walk (issue #13): each role — a person, an institution admin, the provincial admin and a
visitor who is not logged in — opens every screen of its menu, on a desktop (1400×900) and on a phone
(390×844), the way a user does (the menu; on the phone the labelled ☰ 菜单 button, which must close
again after the choice). Every screen must show no error box, no English interface text outside the
user's own data, and nothing wider than the screen. Screenshots go to test-artifacts/walk/ for CI."""
from __future__ import annotations

import re

import pytest

from cme.clock import today
from tests.e2e.conftest import ARTIFACTS, login, settle
from tests.e2e.steps import ENGLISH_ALLOWED, logout, page_problems, pick, whole_screen_shot
from ui import navigation

DESKTOP = {"viewport": {"width": 1400, "height": 900}}
# a phone: its browser says so (Streamlit closes the menu after a choice only on a mobile browser)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/131.0.0.0 Mobile Safari/537.36"}
USERS = {"person": "demo001", "unit": "admin_scwc001", "province": "province_admin"}
# the screens a phone user needs every day: no table may scroll sideways there (cards instead)
PHONE_SCREENS = {"首页", "个人学分登记审核", "学分综合查询", "本机构人员", "证书验证"}
# screens that open a form with a button: the form is walked too (the uploader and date fields live there)
FORMS = {"个人学分登记审核": ("新增", "项目编号 *")}
# screens whose heading is not their menu title
HEADINGS = {"登录": "四川省继续医学教育行政管理平台", "个人注册": "注册新用户", "注册状态查询": "个人用户注册状态查询"}


def _titles(role: str) -> list[str]:
    """The role's menu in order (the public menu for a visitor), each title once."""
    if role == "public":
        items = navigation.PUBLIC
    else:
        items = [i for section in navigation.BY_ROLE[role].values() for i in section] + [navigation.PUBLIC[4], navigation.PUBLIC[5]]
    return list(dict.fromkeys(title for _, title, _ in items))


def _open(page, title: str, phone: bool) -> None:
    """Choose `title` in the menu; on the phone through ☰ 菜单, which must close after the choice."""
    if phone:
        menu = page.locator('[data-testid="stExpandSidebarButton"]')
        assert "☰ 菜单" in menu.evaluate("e => getComputedStyle(e, '::after').content"), "the menu button is not labelled"
        menu.click()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    if phone:
        page.locator('[data-testid="stSidebarNav"]').wait_for(state="hidden")
    page.get_by_role("heading", name=HEADINGS.get(title, title)).first.wait_for()  # the new page's run has begun
    settle(page)


@pytest.mark.parametrize("role", ["public", "person", "unit", "province"])
def test_every_screen_in_chinese_without_errors_or_overflow(app_server, browser, role):
    folder = ARTIFACTS / "walk" / role
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for size, device in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(**device, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(60000)
        # the shared CSS is an inline style: the Content-Security-Policy must let it through
        page.on("console", lambda m: problems.append(f"{role}: {m.text}") if "Content Security Policy" in m.text else None)
        try:
            if role == "public":
                page.goto(app_server)
                page.get_by_role("button", name="登录").first.wait_for()
                settle(page)
            else:
                login(page, app_server, USERS[role])
            for n, title in enumerate(_titles(role)):
                _open(page, title, phone=size == "phone")
                fit = size == "phone" and title in PHONE_SCREENS
                problems.extend(f"{role} {size} {title}: {p}" for p in page_problems(page, tables_fit=fit))
                whole_screen_shot(page, folder / f"{size}-{n:02d}-{title}.png")
                if title in FORMS:
                    button, field = FORMS[title]
                    page.get_by_role("button", name=button, exact=True).click()
                    page.get_by_label(field, exact=True).wait_for()
                    settle(page)
                    problems.extend(f"{role} {size} {title} {button}: {p}" for p in page_problems(page))
                    whole_screen_shot(page, folder / f"{size}-{n:02d}-{title}-{button}.png")
        finally:
            context.close()
    assert problems == [], "\n".join(problems)


def test_the_walks_checks_see_what_they_look_for(browser):
    """The checks themselves, on a page made to fail each one (a walk that cannot fail proves nothing)."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.set_content("""<meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
            <body style="margin: 0"><main data-testid="stMain">
            <p>审核意见 Upload <span data-testid="stIconMaterial">home</span> PDF demo001 a@b.cn II类</p>
            <p style="font-size:0">Browse files</p>
            <input placeholder="Choose an option"> <input placeholder="Search" style="display: none">
            <style>.drawn-over::placeholder { color: transparent; }</style><input class="drawn-over" placeholder="Type here">
            <div data-testid="stAlertContentError">密码：不能为空</div>
            <div style="width: 600px">宽</div></main>""")
        assert page_problems(page) == ["error box: 密码：不能为空", "English text: Choose Upload an option",
                                       "wider than the screen: 600 > 390 px"]
        page.set_content("<main data-testid='stMain'><p>This app has encountered an error</p></main>")
        assert page_problems(page)[0] == "Streamlit error page"
    finally:
        context.close()


def test_a_certificate_issued_and_verified_on_a_phone(app_server, browser):
    """The verify page with a result is what a QR code opens, mostly on a phone: its facts and the
    certified sentences must be readable there without scrolling sideways."""
    year = today().year
    folder = ARTIFACTS / "walk" / "phone-certificate"
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60000)
    try:
        login(page, app_server, USERS["person"])
        _open(page, "出具Ⅰ类、Ⅱ类学分证明", phone=True)
        page.get_by_role("button", name="合成I类II类综合学分证明").click()
        settle(page)
        pick(page, "起始年度 *", str(year - 2))
        pick(page, "终止年度 *", str(year))
        page.get_by_role("button", name="提交验证查询").click()
        page.get_by_role("button", name="出具").click()
        serial = re.search(r"证书编号 (SC\w+)", page.get_by_text("学分证明已出具，证书编号").inner_text()).group(1)
        settle(page)
        assert page_problems(page) == []
        whole_screen_shot(page, folder / "issued.png")
        context.clear_cookies()  # the QR code is opened by anyone, logged in or not
        page.goto(f"{app_server}/verify_certificate?serial={serial}")
        page.get_by_text("真实有效", exact=True).wait_for()
        settle(page)
        assert page_problems(page, tables_fit=True) == []
        page.get_by_text(f"该同志{year}年度").first.wait_for()  # the certified sentence, as a card
        whole_screen_shot(page, folder / "verified.png")
    finally:
        context.close()


def _drawn(locator, where: str = "::after") -> str:
    """The text the app's CSS draws in place of Streamlit's (ui/page_style)."""
    return locator.evaluate("(e, where) => getComputedStyle(e, where).content.replace(/^\"|\"$/g, '')", where)


def test_streamlits_own_texts_are_chinese_where_a_user_meets_them(app_server, browser):
    """What Streamlit writes itself only when a user does something — types, empties or misses a select box's
    filter, points at a table's or a chart's tools, opens an address no menu has, loses the connection — shows
    Chinese (ui/page_style). Should Streamlit rename one of those texts, the English comes back and fails here."""
    context = browser.new_context(**DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60000)
    problems: list[str] = []

    def check(step: str) -> None:
        problems.extend(f"{step}: {p}" for p in page_problems(page))

    # the connection, cut on demand: the app's websocket goes through the test, and the health check it
    # pings to reconnect fails while `down`
    down, sockets = [False], []

    def stream(ws) -> None:
        if down[0]:
            ws.close()
        else:
            ws.connect_to_server()
            sockets.append(ws)

    page.route_web_socket("**/_stcore/stream", stream)
    page.route("**/_stcore/health", lambda route: route.abort() if down[0] else route.continue_())
    try:
        page.goto(f"{app_server}/no_such_page")
        page.get_by_role("dialog").wait_for()
        settle(page)
        check("an address no menu has")
        assert _drawn(page.locator('[role="dialog"] h2')) == "页面不存在"
        page.keyboard.press("Escape")

        page.get_by_label("用户").click()
        page.keyboard.type("demo001")
        # the hint and the max_chars counter (the hint's English is font-size 0: Playwright calls it hidden)
        hint = page.locator('[data-testid="InputInstructions"] > span:first-child:not(:only-child)')
        hint.wait_for(state="attached")
        check("typing in the login form")
        assert _drawn(hint) == "按回车键提交"
        page.get_by_label("密码").fill("cme2026demo")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("欢迎").first.wait_for()
        settle(page)

        _open(page, "学分综合查询", phone=False)
        search = page.get_by_label("项目编号/名称")
        search.click()
        page.keyboard.type("ab")
        hint.wait_for(state="attached")
        check("typing in a search field")
        assert _drawn(hint) == "按回车键确认"
        search.fill("")
        search.press("Enter")
        settle(page)

        choice = page.locator('[data-testid="stSelectbox"] input').first
        choice.click()
        page.keyboard.press("Control+a")
        page.keyboard.press("Backspace")
        check("a select box's filter emptied")
        assert _drawn(page.locator('[data-testid="stSelectbox"] [role="group"]').first, "::before") == "请选择"
        page.keyboard.type("zzqq")
        page.get_by_role("option").first.wait_for()
        check("a select box's filter matching nothing")
        page.keyboard.press("Escape")
        settle(page)

        page.locator('[data-testid="stDataFrame"]').first.hover()
        tools = page.locator('[data-testid="stElementToolbar"] button')
        tools.first.wait_for()
        for n in range(tools.count()):
            tools.nth(n).hover()
            page.locator('[data-testid="stTooltipContent"]').first.wait_for()
            check(f"the table's tool {tools.nth(n).get_attribute('aria-label')}")

        logout(page)
        login(page, app_server, USERS["province"])
        settle(page)
        page.locator(".js-plotly-plot").first.hover()
        buttons = page.locator(".modebar-btn")
        buttons.first.wait_for()
        for n in range(buttons.count()):  # plotly draws its tooltip from data-title with CSS: no text to walk
            buttons.nth(n).hover()
            drawn = _drawn(buttons.nth(n))
            if set(re.findall(r"[A-Za-z]{2,}", drawn)) - ENGLISH_ALLOWED:
                problems.append(f"the chart's tool {buttons.nth(n).get_attribute('data-title')}: {drawn}")

        down[0] = True
        for ws in sockets:
            ws.close()
        page.get_by_role("dialog").wait_for()
        check("the connection lost")
        assert _drawn(page.locator('[role="dialog"] h2')) == "无法连接服务器"
        whole_screen_shot(page, ARTIFACTS / "walk" / "connection-lost.png")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
