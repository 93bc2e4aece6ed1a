"""A demo user logs in through a real browser on a busy machine, reloads at once and stays logged
in; the session cookie is HttpOnly (no script sees it); logout ends it for good."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from urllib.parse import urlsplit

from tests.e2e.conftest import login, screenshot
from ui.web import COOKIE, COOKIE_PATH


@contextmanager
def busy_cores():
    """Both cores of the CI machine kept busy during login and the reload that follows (the case
    where the old script-written cookie was never written and F5 logged the user out). Only for
    those steps: a parallel browser test must not starve for longer."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for p in spinners:
            p.kill()
            p.wait()


def test_demo_user_logs_in_under_load_and_stays_logged_in(app_server, browser_page):
    page = browser_page
    page.goto(app_server)
    page.get_by_text("演示账号").wait_for()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"  # read aloud as Chinese
    screenshot(page, "login")

    page.get_by_label("用户").fill("demo001")
    page.get_by_label("密码").fill("wrong-password1")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码不正确!").wait_for()
    assert page.get_by_text("欢迎").count() == 0

    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path) if "/session/" in r.url else None)
    with busy_cores():
        login(page, app_server, "demo001")
        # the cookie came through the login page's hidden image; the page did not reload
        assert asked == [COOKIE_PATH], asked
        page.reload()  # at once: the server-set cookie is already there
        page.get_by_text("欢迎").first.wait_for()
    header = page.get_by_text("欢迎").first.inner_text()
    assert " - " in header and "| 欢迎 " in header
    screenshot(page, "after_login")

    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies[COOKIE]["httpOnly"] and cookies[COOKIE]["sameSite"] == "Lax"
    assert COOKIE not in page.evaluate("document.cookie")
    assert cookies[COOKIE]["value"] not in page.evaluate("document.cookie + location.href + document.body.innerHTML")

    # a cross-site image or link to /session/end is a GET with the cookie: it logs nobody out
    page.goto(app_server + "/session/end")
    page.get_by_text("欢迎").first.wait_for()
    assert COOKIE in {c["name"] for c in page.context.cookies()}

    page.get_by_role("button", name="退出").click()  # logging out of a resumed session works
    page.get_by_role("button", name="登录").wait_for()
    assert COOKIE not in {c["name"] for c in page.context.cookies()}
    page.reload()  # and logout ends it for good
    page.get_by_role("button", name="登录").wait_for()
    assert page.get_by_text("欢迎 ").count() == 0


def test_security_headers_on_pages_and_routes(app_server):
    for path in ("/", "/session/end", "/healthz", "/metrics"):
        with urllib.request.urlopen(app_server + path) as r:  # follows the redirect home
            headers = r.headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_health_and_metrics_on_the_real_server(app_server):
    """The routes as `streamlit run` serves them (st.App discovered in streamlit_app.py)."""
    with urllib.request.urlopen(app_server + "/healthz") as r:
        assert r.status == 200 and json.load(r)["status"] == "ok"
    with urllib.request.urlopen(app_server + "/metrics") as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=")
        body = r.read().decode()
    assert 'cme_logins_total{outcome="failed"}' in body and "# TYPE cme_page_duration_seconds histogram" in body
    assert "process_cpu_seconds_total" in body
