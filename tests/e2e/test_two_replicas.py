"""The deployment of deploy/README.md, without Docker: PostgreSQL, `init-db` once, two `streamlit run`
replicas and Debian's nginx with the shipped site file in front. Through nginx, in Chromium, a user's
login and data follow them to the other replica, and when their replica stops they carry on on the
other one after a reload."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from cme import clock
from tests.conftest import create_postgres_database, drop_postgres_database, missing_dependency
from tests.e2e.cluster import ROOT, Cluster, Replica, nginx_config, site_config, wait_until
from tests.e2e.conftest import _free_port, login, screenshot
from tests.e2e.steps import approve_credit, file_credit, go, home_metrics, proof_image
from ui.session import COOKIE as SESSION_COOKIE

OWNER, ADMIN = "demo001", "admin_scwc001"
CODE = "E2E-REPLICA-0001"


def _nginx() -> str:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.path.exists(candidate):
            return candidate
    missing_dependency("Debian's nginx is not installed (apt-get install nginx)")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    nginx = _nginx()
    base = os.environ.get("CME_TEST_POSTGRES_URL") or missing_dependency("CME_TEST_POSTGRES_URL is not set")
    url = create_postgres_database(base)
    work = tmp_path_factory.mktemp("cluster")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")}
    env.update(CME_DATABASE_URL=url, CME_DEMO="0", CME_SECRET_KEY=secrets.token_urlsafe(32), CME_PUBLIC_URL="https://cme.test",
               CME_UPLOAD_DIR=str(work / "uploads"),  # the shared volume
               STREAMLIT_SERVER_COOKIE_SECRET=secrets.token_urlsafe(32))  # same on every replica
    for command in (["init-db"], ["seed-demo"]):  # once, before any replica starts
        subprocess.run([sys.executable, "-m", "cme", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    ports = (_free_port(), _free_port())
    replicas = {p: Replica(p, env, work / f"replica-{p}.log") for p in ports}
    listen = _free_port()
    conf = work / "nginx.conf"
    conf.write_text(nginx_config(site_config(ports, listen, work), work))
    proxy = None
    try:
        for r in replicas.values():
            r.start()
        for r in replicas.values():
            r.wait_ready()
        with (work / "nginx.out").open("w") as out:  # the child keeps its own copy of the handle
            proxy = subprocess.Popen([nginx, "-p", str(work), "-c", str(conf), "-e", str(work / "startup-error.log")],
                                     stdout=subprocess.DEVNULL, stderr=out)

        def proxied() -> bool:
            assert proxy.poll() is None, "nginx exited:\n" + (work / "nginx.out").read_text()
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{listen}/_stcore/health", timeout=2).read() == b"ok"
            except OSError:
                return False
        wait_until(proxied, "nginx in front of the replicas")
        yield Cluster(url=f"http://127.0.0.1:{listen}", access_log=work / "cme.access.log", replicas=replicas)
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(10)
        for r in replicas.values():
            r.stop()
        drop_postgres_database(base, url)


def _new_page(browser):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    page.set_default_timeout(90000)  # a ceiling, not a pause: a cold replica's first run on a loaded machine
    return page


def _cookie(page, name: str) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == name), None)


def _route(page) -> str:
    route = _cookie(page, "cme_route")
    assert route, "nginx set no sticky cookie"
    return route


def _set_route(page, cluster: Cluster, route: str) -> None:
    page.context.clear_cookies(name="cme_route")
    page.context.add_cookies([{"name": "cme_route", "value": route, "url": cluster.url}])


def _open_credit(page, code: str) -> None:
    """个人学分登记审核 → pick the record → 查看: the record and its proof image, read from the shared folder."""
    go(page, "个人学分登记审核")
    page.get_by_label("选择一条学分记录").click()
    page.keyboard.type(code)
    page.get_by_role("option").filter(has_text=code).filter(has_text="待审").click()
    page.get_by_role("button", name="查看").click()
    page.get_by_role("heading", name="查看个人学分信息").wait_for()
    page.locator('[data-testid="stImage"] img').first.wait_for()


def test_health_through_nginx_and_metrics_only_from_each_replica(cluster):
    """The shipped site file passes /healthz to a replica and keeps /metrics private; Prometheus scrapes
    each replica on its own port."""
    with urllib.request.urlopen(cluster.url + "/healthz", timeout=30) as r:
        assert r.status == 200 and json.load(r)["status"] == "ok"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(cluster.url + "/metrics", timeout=30)
    assert refused.value.code == 404
    for port in cluster.replicas:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
            assert b"cme_logins_total" in r.read()


def test_login_and_data_follow_the_user_to_the_other_replica(cluster, browser, tmp_path):
    owner = _new_page(browser)
    login(owner, cluster.url, OWNER)
    # The app writes its session cookie from the browser on the run after login (ui/session.py).
    wait_until(lambda: _cookie(owner, SESSION_COOKIE), "the session cookie after login")
    first = cluster.replica_for_route(_route(owner))
    other = next(p for p in cluster.replicas if p != first)
    before = home_metrics(owner)
    file_credit(owner, CODE, proof_image(tmp_path), clock.today())  # the proof is uploaded to `first`

    # Force the other replica: a sticky cookie that nginx hashes to it, and a new page load.
    _set_route(owner, cluster, cluster.route_to(other))
    owner.goto(cluster.url)
    owner.get_by_text("欢迎").first.wait_for()  # still logged in: no login form, the header greets the user
    assert cluster.replica_for_route(_route(owner)) == other
    _open_credit(owner, CODE)  # the record and its proof, saved through the other replica
    screenshot(owner, "replica_switch_credit_view")

    # Midway, the replica serving this browser stops; after a reload the user carries on on the other.
    cluster.replicas[other].stop()
    owner.reload()
    owner.get_by_text("欢迎").first.wait_for()
    _open_credit(owner, CODE)
    assert owner.get_by_role("button", name="登录").count() == 0

    admin = _new_page(browser)  # a second user, served by the one replica left
    login(admin, cluster.url, ADMIN)
    approve_credit(admin, CODE, name="端到端测试学习班")
    assert set(cluster.served(_route(admin))) == {first}

    go(owner, "首页")
    after = home_metrics(owner)
    assert int(after["I类项目"]) == int(before["I类项目"]) + 1
    assert float(after["I类学分"]) == float(before["I类学分"]) + 2
    screenshot(owner, "replica_home_after_approval")
