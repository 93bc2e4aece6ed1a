"""/healthz and /metrics (ui/web.py), driven with Starlette's TestClient on the app's own routes;
the metrics fed by real page runs and logins through AppTest."""
from __future__ import annotations

import os

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cme.db import reset_engines, session_scope
from cme.ops.health import head_revisions
from tests.apptest import open_page
from tests.factories import PASSWORD, make_institution, make_person
from ui import web


@pytest.fixture
def client():
    with TestClient(Starlette(routes=web.routes(), middleware=web.middleware())) as c:
        yield c


def test_healthz_is_ok_on_a_migrated_database(db, client):
    r = client.get(web.HEALTH_PATH)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["status"] == "ok" and body["database"] is True
    assert body["migrations"]["current"] == body["migrations"]["head"] == head_revisions() != []


def test_healthz_is_503_when_the_schema_is_behind_the_code(db, client):
    with session_scope() as s:
        (current,) = s.execute(text("SELECT version_num FROM alembic_version")).one()
        s.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        r = client.get(web.HEALTH_PATH)
        assert r.status_code == 503
        assert r.json()["status"] == "unavailable" and "init-db" in r.json()["problem"]
    finally:
        with session_scope() as s:
            s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
    assert client.get(web.HEALTH_PATH).status_code == 200


def test_healthz_is_503_when_the_database_is_unreachable(sqlite_db, client, monkeypatch):
    monkeypatch.setenv("CME_DATABASE_URL", "postgresql+psycopg://cme:secret@127.0.0.1:1/cme?connect_timeout=2")
    reset_engines()
    try:
        r = client.get(web.HEALTH_PATH)
        assert r.status_code == 503
        body = r.json()
        assert body["database"] is False and "unreachable" in body["problem"]
        assert "secret" not in r.text and "127.0.0.1" not in r.text  # no connection details leak
    finally:
        monkeypatch.setenv("CME_DATABASE_URL", sqlite_db)
        reset_engines()


def _samples(client) -> dict[tuple[str, tuple], float]:
    r = client.get(web.METRICS_PATH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def _delta(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def _login(at, login: str, password: str):
    inputs = {t.label: t for t in at.text_input}
    inputs["用户"].input(login)
    inputs["密码"].input(password)
    next(b for b in at.button if b.label == "登录").click()
    return at.run()


def test_metrics_count_page_runs_logins_errors_and_durations(sqlite_db, client):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    before = _samples(client)
    at = open_page("streamlit_app.py")  # the login page, anonymous
    _login(at, person.username, "WrongPass99")
    _login(at, person.username, PASSWORD)
    open_page("app_pages/personal/home.py", username=person.username, password=PASSWORD)
    after = _samples(client)

    assert _delta(before, after, "cme_logins_total", outcome="failed") == 1
    assert _delta(before, after, "cme_logins_total", outcome="ok") == 1
    anonymous = {k: v - before.get(k, 0) for k, v in after.items()
                 if k[0] == "cme_page_requests_total" and ("role", "anonymous") in k[1]}
    assert sum(anonymous.values()) >= 3  # the login page: opened, then two submissions
    person_runs = {dict(k[1])["page"]: v - before.get(k, 0) for k, v in after.items()
                   if k[0] == "cme_page_requests_total" and ("role", "person") in k[1] and v > before.get(k, 0)}
    assert person_runs and sum(person_runs.values()) >= 1
    page = next(iter(person_runs))
    assert _delta(before, after, "cme_page_duration_seconds_count", page=page) == person_runs[page]
    assert _delta(before, after, "cme_page_duration_seconds_sum", page=page) > 0
    assert _delta(before, after, "cme_page_errors_total", page=page) == 0


def _failing_page():
    from ui.page_run import page_run

    with page_run(None, "出错的页面"):
        raise RuntimeError("boom")


def test_metrics_count_an_uncaught_page_error(client):
    from streamlit.testing.v1 import AppTest

    before = _samples(client)
    AppTest.from_function(_failing_page, default_timeout=30).run()
    after = _samples(client)
    assert _delta(before, after, "cme_page_errors_total", page="出错的页面") == 1
    assert _delta(before, after, "cme_page_requests_total", page="出错的页面", role="anonymous") == 1


def test_metrics_hold_no_personal_data(sqlite_db, client):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    _login(open_page("streamlit_app.py"), person.username, PASSWORD)
    body = client.get(web.METRICS_PATH).text
    assert person.username not in body and "cme_logins_total" in body
    assert os.environ.get("CME_SECRET_KEY", "x") not in body
