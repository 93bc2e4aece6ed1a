"""AppTest helpers: open a page by its repo path through the app's own navigation, optionally logged in."""
from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from cme.db import session_scope
from tests.factories import login_token

ROOT = Path(__file__).resolve().parent.parent
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: object) -> str:
    """What a reader sees of markdown produced with ui.forms.literal: escapes and joiners removed."""
    return _ESCAPE.sub(r"\1", str(markdown)).replace("\u2060", "").replace("  \n", "\n")


def page_text(at: AppTest) -> str:
    """Every message, caption and markdown block of the page, as a reader sees them."""
    return shown(" ".join(str(e.value) for e in [*at.markdown, *at.info, *at.success, *at.warning, *at.error, *at.caption]))


def _app(script: Path, token: str | None) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=60)
    if token:
        at.session_state["session_token"] = token
    return at


def open_page(path: str, *, username: str | None = None, password: str | None = None, run: bool = True) -> AppTest:
    """`open_page("app_pages/personal/home.py", username=u, password=PASSWORD)` → a run AppTest.

    The entry script runs first and registers the user's pages, as in the app; then the page is
    opened through that navigation. A page outside the user's navigation cannot be reached in the
    app at all; it is run alone so that a test can check the page refuses the user by itself too.
    """
    token = None
    if username:
        with session_scope() as s:
            token = login_token(s, username, password)
    at = _app(ROOT / "streamlit_app.py", token).run()
    try:
        at.switch_page(path)
    except ValueError:
        at = _app(ROOT / path, token)
    if run:
        at.run()
    return at
