"""One upload limit, enforced by the browser (issue #13): a proof larger than the 5 MB that the service
accepts is refused before it is sent, and the refusal reads in Chinese."""
from __future__ import annotations

from cme.storage import MAX_PROOF_BYTES
from tests.e2e.conftest import login, screenshot, settle
from tests.e2e.steps import go, page_problems


def test_a_too_large_proof_is_refused_in_the_browser_in_chinese(app_server, browser_page):
    page = browser_page
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if "/_stcore/upload_file" in r.url else None)
    login(page, app_server, "demo001")
    go(page, "个人学分登记审核")
    page.get_by_role("button", name="新增").click()
    page.get_by_label("项目编号 *").wait_for()
    settle(page)
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInstructions"] span').first
    assert "单个文件不超过5MB" in dropzone.evaluate("e => getComputedStyle(e, '::after').content")
    too_big = b"\x89PNG\r\n\x1a\n" + b"0" * MAX_PROOF_BYTES  # one byte-string more than the limit
    page.locator('input[type="file"]').set_input_files(files=[{"name": "证明.png", "mimeType": "image/png", "buffer": too_big}])
    chip = page.locator('[data-testid="stFileChip"][aria-invalid="true"]')
    chip.wait_for()
    chip.hover()  # the reason shows as a tooltip
    tip = page.locator('[data-testid="stTooltipErrorContent"]')
    tip.wait_for()
    assert "该文件不能上传" in tip.evaluate("e => getComputedStyle(e, '::after').content")
    assert page_problems(page) == []  # Streamlit's "File must be 5.0MB or smaller." is not what a user reads
    screenshot(page, "upload_too_large")
    assert uploads == []  # refused before sending
