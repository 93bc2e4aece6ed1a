"""Time whole Streamlit pages through AppTest, for `python -m cme bench` (which never imports Streamlit itself).

Usage: python scripts/time_pages.py REPEAT PASSWORD PAGE=USERNAME … (CME_DATABASE_URL names the bench database).
Prints {page: median ms} as JSON; a page that fails prints {page: "error: …"}.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def time_page(path: str, username: str, password: str, repeat: int) -> float:
    from streamlit.testing.v1 import AppTest

    from cme.accounts import auth
    from cme.db import session_scope

    with session_scope() as s:  # log in and redeem the ticket, as /session/start does for a browser
        token = auth.redeem_ticket(s, auth.login(s, username, password).ticket)
    samples = []
    for n in range(repeat + 1):  # the first run warms imports and caches
        # As in the app: the entry script registers the user's pages, then the page opens through them.
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
        at.session_state["session_token"] = token
        at.run().switch_page(path)
        start = time.perf_counter()
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        if n:
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main(argv: list[str]) -> None:
    repeat, password, pairs = int(argv[0]), argv[1], [a.split("=", 1) for a in argv[2:]]
    out = {}
    for path, username in pairs:
        try:
            out[path] = time_page(path, username, password, repeat)
        except Exception as e:  # reported beside the row, never hidden
            out[path] = f"error: {e}"
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
