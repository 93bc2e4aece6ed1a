"""AppTest helpers: open a page script by its repo path, optionally logged in."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from cme.db import session_scope
from cme.accounts import auth

ROOT = Path(__file__).resolve().parent.parent


def open_page(path: str, *, username: str | None = None, password: str | None = None, run: bool = True) -> AppTest:
    """`open_page("pages/personal/home.py", username=u, password=PASSWORD)` → a run AppTest."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    if username:
        with session_scope() as s:
            at.session_state["session_token"] = auth.login(s, username, password).token
    if run:
        at.run()
    return at
