"""A replica started on an empty database prepares it at server start (st.App's lifespan), so its
health check turns green without anyone opening a page and the first visitor does not wait for it."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from cme.ops.server_probe import Server, app_env


def _health(base: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def test_a_fresh_replica_is_healthy_before_any_page_is_opened(tmp_path):
    server = Server(app_env(tmp_path), log_path=tmp_path / "server.log").start()
    try:
        deadline = time.monotonic() + 120  # schema, reference data and demo data, on a busy machine
        status, body = _health(server.base)
        while status != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            status, body = _health(server.base)
        assert status == 200, body
        assert body["migrations"]["current"] == body["migrations"]["head"]
    finally:
        server.stop()
    assert not server.log_errors()
