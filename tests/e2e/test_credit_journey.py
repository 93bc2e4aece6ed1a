"""The heart of the product in a real browser: demo001 files a credit with a proof image, the admin of
demo001's institution approves it, and demo001's 首页 counts change by exactly that credit."""
from __future__ import annotations

from cme import clock
from tests.e2e.conftest import login, screenshot
from tests.e2e.steps import approve_credit, file_credit, go, home_metrics, logout, proof_image

OWNER, ADMIN = "demo001", "admin_scwc001"  # demo001 works at 四川大学华西医院 (SCWC001) in the demo seed
CODE = "E2E-2026-0001"


def test_credit_submitted_approved_and_counted(app_server, browser_page, tmp_path):
    page = browser_page
    login(page, app_server, OWNER)
    before = home_metrics(page)
    file_credit(page, CODE, proof_image(tmp_path), clock.today())

    go(page, "首页")
    pending = home_metrics(page)
    assert pending == before  # a pending credit never counts
    logout(page)

    login(page, app_server, ADMIN)
    approve_credit(page, CODE)
    logout(page)

    login(page, app_server, OWNER)
    after = home_metrics(page)
    screenshot(page, "home_after_approval")
    assert int(after["I类项目"]) == int(before["I类项目"]) + 1
    assert float(after["I类学分"]) == float(before["I类学分"]) + 2
    assert after["II类项目"] == before["II类项目"] and after["II类学分"] == before["II类学分"]
