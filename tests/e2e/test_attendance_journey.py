"""QR sign-in in real browsers: the organiser opens a session, a phone-sized browser signs in and out
from the URL decoded (with zbar) from the QR image on the organiser's screen, the organiser confirms,
and the attendee's 首页 counts the credit. The attendee works at another institution."""
from __future__ import annotations

import shutil
import subprocess

from playwright.sync_api import expect

from tests.conftest import missing_dependency
from tests.e2e.conftest import login, screenshot, settle
from tests.e2e.test_credit_journey import go, home_metrics

ORGANISER = "admin_scph001"  # 四川省人民医院 organises the demo's project running today
ATTENDEE = "demo002"  # works at 系统测试机构
PROJECT = "心血管疾病诊疗进展学习班"
PHONE = {"width": 390, "height": 844}


def decode_qr(png_path) -> str:
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        missing_dependency("zbarimg (Debian zbar-tools) is not installed")
    out = subprocess.run([zbarimg, "--quiet", "--raw", str(png_path)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def set_time(page, label: str, value: str) -> None:
    """A Streamlit time field (react-aria): type hour and minute into its segments, then leave it."""
    page.get_by_label(label, exact=True).locator('[role="spinbutton"]').first.click()  # the hour
    page.keyboard.type(value.replace(":", ""))
    page.keyboard.press("Tab")


def test_organiser_session_phone_sign_in_out_confirm_and_home_counts(app_server, browser, tmp_path):
    desk = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    desk_of_attendee = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    organiser, attendee, home = desk.new_page(), phone.new_page(), desk_of_attendee.new_page()
    for p in (organiser, attendee, home):
        p.set_default_timeout(60000)
    try:
        login(home, app_server, ATTENDEE)  # the attendee's own computer, before the training
        screenshot(home, "attendance_home_before")
        before = home_metrics(home)

        login(organiser, app_server, ORGANISER)
        settle(organiser)
        go(organiser, "签到管理")
        organiser.get_by_label("项目", exact=True).click()
        organiser.keyboard.type(PROJECT)
        organiser.get_by_role("option").filter(has_text=PROJECT).first.click()
        settle(organiser)
        organiser.get_by_label("签到地点").fill("门诊楼三楼学术厅")
        # windows around the whole day, so the test passes whatever the time of its run
        set_time(organiser, "签到开始", "00:00")
        set_time(organiser, "签到结束", "23:55")
        set_time(organiser, "签退开始", "00:00")
        set_time(organiser, "签退结束", "23:55")
        organiser.get_by_label("最短在场时间（分钟）").fill("0")
        organiser.get_by_role("button", name="开始签到").click()
        organiser.get_by_text("签到已开始").wait_for()
        qr = organiser.locator('[data-testid="stImage"] img').first
        qr.wait_for()
        settle(organiser)
        shot = tmp_path / "qr.png"
        qr.screenshot(path=str(shot))
        screenshot(organiser, "attendance_qr")
        url = decode_qr(shot)
        assert url.startswith(app_server + "/checkin?t=")

        attendee.goto(url)
        attendee.get_by_text(PROJECT).wait_for()
        attendee.get_by_label("用户").fill(ATTENDEE)
        attendee.get_by_label("密码").fill("cme2026demo")
        attendee.get_by_role("button", name="登录").click()
        attendee.get_by_role("button", name="签到", exact=True).click()
        attendee.get_by_text("签到成功").wait_for()
        settle(attendee)
        # a second tap is not offered (and the service would change nothing)
        expect(attendee.get_by_role("button", name="签到", exact=True)).to_be_disabled(timeout=60000)
        attendee.get_by_role("button", name="签退", exact=True).click()
        attendee.get_by_text("签退成功").wait_for()
        screenshot(attendee, "attendance_phone_signed_out")

        organiser.get_by_role("button", name="结束签到").click()
        organiser.get_by_text("签到已结束").wait_for()
        organiser.get_by_role("button", name="确认授予学分").click()
        organiser.get_by_text("已为 1 人授予学分").wait_for()
        screenshot(organiser, "attendance_confirmed")

        home.reload()
        after = home_metrics(home)
        assert int(after["II类项目"]) == int(before["II类项目"]) + 1
        assert float(after["II类学分"]) == float(before["II类学分"]) + 2
        assert after["I类项目"] == before["I类项目"] and after["I类学分"] == before["I类学分"]
    finally:
        for context in (desk, desk_of_attendee, phone):
            context.close()
