"""A page run is logged with who, which page and how long; an uncaught page error shows the user an
error number (not a traceback) and the log line carries the same number."""
from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from cme.db import session_scope
from cme.logs import configure_logging
from tests.apptest import open_page
from tests.factories import PASSWORD, make_institution, make_person


@pytest.fixture
def page_log():
    """The records of the `cme.page` logger (the app's JSON set-up stops them at `cme`, before pytest's caplog)."""
    configure_logging()  # first: dictConfig resets the handlers of the `cme` loggers it finds
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append
    logger = logging.getLogger("cme.page")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def _failing_page():
    from ui.page_run import page_run

    with page_run(None, "测试页"):
        raise RuntimeError("身份证号 510104198506151234 重复")


def test_an_uncaught_page_error_shows_an_error_number_that_the_log_has(page_log):
    at = AppTest.from_function(_failing_page, default_timeout=30).run()
    assert not at.exception
    shown = at.error[0].value
    assert shown.startswith("系统繁忙，请稍后再试（错误编号 ") and "510104" not in shown
    error_id = shown.removeprefix("系统繁忙，请稍后再试（错误编号 ").removesuffix("）")
    errors = [r for r in page_log if getattr(r, "event", None) == "page_error"]
    assert [(r.error_id, r.page, r.role) for r in errors] == [(error_id, "测试页", "anonymous")]
    assert [r.page for r in page_log if getattr(r, "event", None) == "page_run"] == ["测试页"]


def test_the_app_logs_each_page_run_with_actor_role_page_and_duration(sqlite_db, page_log):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    open_page("streamlit_app.py", username=person.username, password=PASSWORD)
    runs = [r for r in page_log if getattr(r, "event", None) == "page_run"]
    assert runs and {(r.actor_id, r.role, r.page) for r in runs} == {(person.id, "person", "首页")}
    assert all(r.duration_ms > 0 for r in runs)
