"""Log lines are JSON with the request context, and never carry a 身份证号 or 手机号 in clear."""
from __future__ import annotations

import json
import logging
import sys

from cme.logs import JsonLines, redact

ID_NUMBER, PHONE = "510104198506151234", "13800138000"


def _line(message: str, *args, exc_info=None, **extra) -> dict:
    record = logging.LogRecord("cme.test", logging.ERROR, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    return json.loads(JsonLines().format(record))


def test_a_line_is_json_with_the_request_context_and_only_that():
    entry = _line("page run %s", "首页", actor_id=7, role="person", page="首页", duration_ms=12.5, password="secret")
    assert entry["message"] == "page run 首页" and entry["level"] == "ERROR" and entry["logger"] == "cme.test"
    assert (entry["actor_id"], entry["role"], entry["page"], entry["duration_ms"]) == (7, "person", "首页", 12.5)
    assert "password" not in entry and "secret" not in json.dumps(entry)
    assert entry["time"].endswith("+00:00")


def test_id_numbers_and_phones_are_masked_in_messages_fields_and_tracebacks():
    try:
        raise ValueError(f"重复的身份证号 {ID_NUMBER}")
    except ValueError:
        entry = _line("refused %s / %s", ID_NUMBER, PHONE, exc_info=sys.exc_info(), page=f"x{PHONE}")
    text = json.dumps(entry, ensure_ascii=False)
    assert ID_NUMBER not in text and PHONE not in text
    assert "510104********1234" in entry["message"] and "138****8000" in entry["message"]
    assert "510104********1234" in entry["exception"] and entry["page"] == "x138****8000"


def test_redact_leaves_other_numbers_alone():
    assert redact("学分 2.5，年度 2026，编号 E2E-2026-0001，记录 12345678901234567890") == \
        "学分 2.5，年度 2026，编号 E2E-2026-0001，记录 12345678901234567890"
    assert redact(f"{ID_NUMBER[:-1]}X") == "510104********123X"
