"""Every page run is logged (actor id, role, page, duration) and counted for /metrics (ui/metrics.py),
and an uncaught error in a page is logged with an error number that the user sees instead of a
traceback."""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from cme.core.actors import Actor
from ui import metrics

log = logging.getLogger("cme.page")
BUSY = "系统繁忙，请稍后再试（错误编号 {}）"


@contextmanager
def page_run(actor: Actor | None, page: str) -> Iterator[None]:
    role = actor.role if actor else "anonymous"
    context = {"actor_id": actor.id if actor else None, "role": role, "page": page}
    started = time.perf_counter()
    failed = False
    try:
        yield
    except Exception:  # st.stop/st.rerun are BaseExceptions: they pass through untouched
        failed = True
        error_id = secrets.token_hex(4)
        log.exception("page error", extra={**context, "event": "page_error", "error_id": error_id})
        st.error(BUSY.format(error_id))
    finally:
        seconds = time.perf_counter() - started
        log.info("page run", extra={**context, "event": "page_run", "duration_ms": round(seconds * 1000, 1)})
        metrics.page_run(page, role, seconds, failed)
