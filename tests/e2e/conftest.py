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
from contextlib import contextmanager
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


@contextmanager
def running_app(work: Path):
    """`streamlit run` of the app in demo mode on a fresh database and upload folder under `work`; yields
    its base URL once it answers its health check (polled: the condition, not a guess at the start time)."""
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
            pass
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start:\n" + (work / "streamlit.log").read_text())
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not fail a passed test on the way out
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """Base URL of a running app in demo mode with its own database and upload folder, shared by the tests.

    E2E_BASE_URL=http://host:port reuses an app already running in demo mode (while developing)."""
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    with running_app(tmp_path_factory.mktemp("app")) as base:
        yield base


@pytest.fixture
def fresh_app_server(tmp_path_factory):
    """An app of its own, just started, that no browser has visited yet (what a server's first visitor meets)."""
    if os.environ.get("E2E_BASE_URL"):
        pytest.skip("needs a server of its own; E2E_BASE_URL names a shared one")
    with running_app(tmp_path_factory.mktemp("fresh_app")) as base:
        yield base


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
        yield TrackingBrowser(b)
        b.close()


class TrackingBrowser:
    """The browser, whose every new context watches Streamlit's runs from the first page load on
    (RUN_TRACKER), which `settle` needs; anything else is the browser's own."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.add_init_script(RUN_TRACKER)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


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


# Runs in every page before Streamlit's scripts (outside the page's CSP) and follows its runs on the
# websocket, so that `settle` waits for a condition and never for a fixed time:
#  - each rerun request the page sends (BackMsg.rerun_script, field 11: a click, a choice, a page of the
#    menu, the first load) and each file being uploaded (file_urls_request 16 until its answer 19, then
#    the PUT to /_stcore/upload_file, after which the uploader asks for a rerun);
#  - each run the server starts (ForwardMsg.new_session, field 4) and how it ended (script_finished, 6:
#    FINISHED_EARLY_FOR_RERUN = 2 means another run follows, as after st.rerun()).
# The page is settled when a run began after the last request, has finished for good, the frontend
# shows it finished (stApp's data-test-script-state), no widget is still a skeleton, and the page has
# stayed so, without any change to its DOM, for two painted frames (the frontend handles a message
# in its own task and React commits in the next one: those two frames are when it has painted).
RUN_TRACKER = """(() => {
    if (window.__cmeRuns) return;
    const t = window.__cmeRuns = {sent: 0, startedAfter: -1, finished: false, urlRequests: 0, puts: 0,
                                  mutations: 0, quietFrames: 0, lastMutations: -1};
    const fields = data => {  // the top-level fields of a protobuf message: [number, varint value or null]
        const b = data instanceof ArrayBuffer ? new Uint8Array(data)
            : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        const out = [];
        let i = 0;
        const varint = () => { let v = 0, m = 1, x; do { x = b[i++]; v += (x & 127) * m; m *= 128; } while (x & 128); return v; };
        while (i < b.length) {
            const key = varint(), number = Math.floor(key / 8), type = key % 8;
            if (type === 0) out.push([number, varint()]);
            else if (type === 2) { const n = varint(); out.push([number, null]); i += n; }
            else if (type === 1) i += 8;
            else if (type === 5) i += 4;
            else break;
        }
        return out;
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
        if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
            for (const [number] of fields(data)) {
                if (number === 11) t.sent += 1;
                if (number === 16) t.urlRequests += 1;
            }
        return send.call(this, data);
    };
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', event => {  // added before Streamlit's handler: runs first
                if (!(event.data instanceof ArrayBuffer)) return;
                for (const [number, value] of fields(event.data)) {
                    if (number === 4) { t.startedAfter = t.sent; t.finished = false; }
                    if (number === 6) t.finished = value !== 2;
                    if (number === 19) t.urlRequests = Math.max(0, t.urlRequests - 1);
                }
            });
        }
    };
    const open = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (method, url, ...rest) {
        if (String(url).includes('/_stcore/upload_file')) {
            t.puts += 1;
            this.addEventListener('loadend', () => { t.puts -= 1; });
        }
        return open.call(this, method, url, ...rest);
    };
    new MutationObserver(() => { t.mutations += 1; })
        .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    t.ready = () => t.startedAfter === t.sent && t.finished && t.urlRequests === 0 && t.puts === 0
        && !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]'
                                    + '[data-test-connection-state="CONNECTED"]')
        && !document.querySelector('[data-testid="stSkeleton"]');
    t.settled = () => {  // called once a frame
        if (!t.ready() || t.mutations !== t.lastMutations) {
            t.quietFrames = 0;
            t.lastMutations = t.mutations;
            return false;
        }
        return ++t.quietFrames >= 2;
    };
})();"""


def settle(page) -> None:
    """Wait until Streamlit has finished every run the last actions asked for and the browser has painted
    it: a condition (RUN_TRACKER), never a pause, and right after a click as well (a run not yet begun
    is a run awaited)."""
    assert page.evaluate("() => !!window.__cmeRuns"), "open pages through the browser fixture's new_context"
    page.evaluate("() => { window.__cmeRuns.quietFrames = 0; }")
    page.wait_for_function("() => window.__cmeRuns.settled()", polling="raf")


def login(page, base: str, username: str, password: str = "cme2026demo") -> None:
    """Log in through the login form and wait for the header (shown once the browser has its
    cookie: ui/session.start)."""
    page.goto(base)
    page.get_by_label("用户").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("欢迎").first.wait_for()
