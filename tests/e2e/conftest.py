"""Real-browser fixtures: the app started with `streamlit run` on a fresh demo SQLite database,
driven by Playwright through Debian's Chromium (never a downloaded browser)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import missing_dependency

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """Base URL of a running app in demo mode with its own database and upload folder.

    E2E_BASE_URL=http://host:port reuses an app already running in demo mode (while developing)."""
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    work = tmp_path_factory.mktemp("app")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")}
    env.update(CME_DATABASE_URL=f"sqlite:///{work / 'demo.db'}", CME_DEMO="1", CME_UPLOAD_DIR=str(work / "uploads"),
               CME_PUBLIC_URL=f"http://127.0.0.1:{port}")
    # seed before starting so the first page load does not wait for it
    subprocess.run([sys.executable, "-m", "cme", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    with (work / "streamlit.log").open("w") as log:  # the child keeps its own copy of the handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start:\n" + (work / "streamlit.log").read_text())
    yield base
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:  # a loaded machine: do not fail a passed test on the way out
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        missing_dependency("Debian chromium is not installed at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_dependency("playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def browser_page(browser):
    """A fresh page. Every journey runs under the app's Content-Security-Policy: a violation the
    browser reports (a script, style, image or chart the policy blocked) fails the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    # a ceiling, not a pause: waits end as soon as the condition holds; a loaded 2-core CI machine
    # can take tens of seconds for a page's first run (imports, fonts)
    page.set_default_timeout(60000)
    yield page
    context.close()
    assert violations == [], "blocked by the Content-Security-Policy:\n" + "\n".join(violations)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    settle(page)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settle(page) -> None:
    """Wait until Streamlit has finished the current run (no running indicator) and painted."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30000)
    page.wait_for_timeout(500)


def login(page, base: str, username: str, password: str = "cme2026demo") -> None:
    """Log in through the login form and wait for the header (shown once the browser has its
    cookie: ui/session.start)."""
    page.goto(base)
    page.get_by_label("用户").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("欢迎").first.wait_for()
