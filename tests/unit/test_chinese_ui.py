"""Conventions that keep Streamlit's English defaults off the screens (issue #13): every date field
shows YYYY-MM-DD, every file uploader goes through ui/page_style.file_uploader (Chinese drop zone, the
field's own limit enforced by the browser), and the server's upload cap is the largest of those limits."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from cme.credits import import_file
from cme.profile.changes import MAX_PHOTO_BYTES
from cme.storage import MAX_PROOF_BYTES

ROOT = Path(__file__).resolve().parents[2]
SCREENS = sorted([*ROOT.glob("app_pages/**/*.py"), *ROOT.glob("ui/*.py"), ROOT / "streamlit_app.py"])


def _calls(name: str):
    """(file, call) for every call of `<anything>.name(...)` or `name(...)` in the screens."""
    for path in SCREENS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == name:
                yield path.relative_to(ROOT), node


def _keyword(call: ast.Call, name: str):
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def test_every_date_field_shows_yyyy_mm_dd():
    calls = list(_calls("date_input"))
    assert len(calls) >= 8  # the scan sees the forms
    wrong = [f"{p}:{c.lineno}" for p, c in calls
             if not isinstance(f := _keyword(c, "format"), ast.Constant) or f.value != "YYYY-MM-DD"]
    assert wrong == []


def test_uploaders_go_through_the_chinese_helper_with_the_services_limit():
    direct = [f"{p}:{c.lineno}" for p, c in _calls("file_uploader")
              if str(p) != "ui/page_style.py" and isinstance(c.func, ast.Attribute)]
    assert direct == []  # st.file_uploader would show "Upload" and "NMB per file"
    helped = list(_calls("file_uploader"))
    assert len(helped) >= 3 and all(_keyword(c, "max_bytes") is not None for p, c in helped if str(p) != "ui/page_style.py")


def test_the_servers_upload_cap_is_the_largest_field_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    cap_mb = config["server"]["maxUploadSize"]
    limits = [MAX_PROOF_BYTES, MAX_PHOTO_BYTES, import_file.MAX_BYTES]
    assert cap_mb * 1024 * 1024 == max(limits)  # a larger cap would let a file through that no field takes


def test_every_text_field_has_max_chars():
    """ui/page_style puts Chinese over Streamlit's "Press Enter to apply" by its place among the field's
    instructions. A field with max_chars shows [hint, counter] or the counter alone, never the hint alone,
    so the hint is always the first of two parts; a field without max_chars would leave it in English."""
    calls = [*_calls("text_input"), *_calls("text_area")]
    assert len(calls) >= 30  # the scan sees the forms
    wrong = [f"{p}:{c.lineno}" for p, c in calls if _keyword(c, "max_chars") is None
             and not (isinstance(d := _keyword(c, "disabled"), ast.Constant) and d.value is True)]  # never focused
    assert wrong == []
