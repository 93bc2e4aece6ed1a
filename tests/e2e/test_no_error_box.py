"""No English error box can reach a user (issue #13, defect 2): logging out right after F5 once showed
Streamlit's "This app has encountered an error… Ask Google" (KeyError: 'cme_session'). A watcher in the
page records every error element that appears at any moment, not only at the end."""
from __future__ import annotations

from tests.e2e.conftest import login, settle
from tests.e2e.steps import go, logout, page_problems

# runs in the page before Streamlit's scripts (outside the page's CSP): remembers every error element
# or error text that is ever added, even one a later rerun replaces
WATCH_ERRORS = """
window.__errorsSeen = [];
new MutationObserver(() => {
    const found = document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]');
    for (const e of found) window.__errorsSeen.push(e.innerText.slice(0, 200));
    if (document.body && document.body.innerText.includes('This app has encountered an error'))
        window.__errorsSeen.push('This app has encountered an error');
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def _errors_seen(page) -> list[str]:
    return sorted(set(page.evaluate("window.__errorsSeen")))


def _reload(page, step: str) -> None:
    """F5, after checking what this page load met (the watcher starts afresh with each load)."""
    assert _errors_seen(page) == [], f"an error box {step}"
    page.reload()


def test_logout_after_reload_shows_no_error(app_server, browser_page):
    page = browser_page
    page.add_init_script(WATCH_ERRORS)
    for where in ("首页", "个人学分登记审核"):  # F5 on the landing page and on a page reached by the menu
        login(page, app_server, "demo001")
        if where != "首页":
            go(page, where)
        _reload(page, f"before F5 on {where}")
        page.get_by_text("欢迎").first.wait_for()
        settle(page)
        logout(page)
        _reload(page, f"after F5 on {where} and 退出")  # and the login screen after F5 is clean too
        page.get_by_role("button", name="登录").first.wait_for()
        settle(page)
        assert _errors_seen(page) == [], f"an error box on the login screen after F5 ({where})"
        assert page_problems(page) == []
        assert page.get_by_text("欢迎 ").count() == 0
