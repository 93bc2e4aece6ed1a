"""Prometheus metrics of this process, served as text at /metrics (ui/web.py).

Fed where the events already happen: every page run (ui/page_run.py: requests, duration, errors)
and the login form (ui/login_form.py: logins ok/failed). Each replica counts its own; Prometheus
scrapes each replica and sums. Labels hold page titles and roles only, never a user or an id.
The process_* and python_* series come from prometheus_client's default collectors.
"""
from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

PAGE_REQUESTS = Counter("cme_page_requests", "Page runs, by page and role", ["page", "role"])
PAGE_ERRORS = Counter("cme_page_errors", "Page runs that ended in an uncaught error", ["page"])
PAGE_DURATION = Histogram("cme_page_duration_seconds", "Server time of one page run", ["page"],
                          buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30))
LOGINS = Counter("cme_logins", "Login attempts by outcome", ["outcome"])
for outcome in ("ok", "failed"):
    LOGINS.labels(outcome)  # both series exist from the start: a rate of failures needs its zero

CONTENT_TYPE = CONTENT_TYPE_LATEST


def page_run(page: str, role: str, seconds: float, failed: bool) -> None:
    PAGE_REQUESTS.labels(page, role).inc()
    PAGE_DURATION.labels(page).observe(seconds)
    if failed:
        PAGE_ERRORS.labels(page).inc()


def login(ok: bool) -> None:
    LOGINS.labels("ok" if ok else "failed").inc()


def exposition() -> bytes:
    return generate_latest(REGISTRY)
