"""A demo user logs in through a real browser, sees the header, survives a refresh, logs out."""
from tests.e2e.conftest import login, screenshot


def test_demo_user_logs_in_and_sees_header(app_server, browser_page):
    page = browser_page
    page.goto(app_server)
    page.get_by_text("演示账号").wait_for()
    screenshot(page, "login")

    page.get_by_label("用户").fill("demo001")
    page.get_by_label("密码").fill("wrong-password1")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码不正确!").wait_for()
    assert page.get_by_text("欢迎").count() == 0

    login(page, app_server, "demo001")
    header = page.get_by_text("欢迎").first.inner_text()
    assert " - " in header and "| 欢迎 " in header
    screenshot(page, "after_login")

    page.reload()  # the cookie-backed session survives a refresh
    page.get_by_text("欢迎").first.wait_for()
    assert "| 欢迎 " in page.get_by_text("欢迎").first.inner_text()

    page.get_by_role("button", name="退出").click()
    page.get_by_role("button", name="登录").wait_for()
    page.reload()  # and logout ends it for good
    page.get_by_role("button", name="登录").wait_for()
    assert page.get_by_text("欢迎 ").count() == 0
