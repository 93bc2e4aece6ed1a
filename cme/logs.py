"""Operational logs: one JSON object per line on stderr, set up with stdlib `logging.config.dictConfig`.

No personal data in a log line: callers log ids, roles, page names and durations, never names or
text a user typed, and the formatter masks anything shaped like a 身份证号 or 手机号 in the message,
the fields and tracebacks, whatever a caller passed. Only the `cme` logger tree is configured;
Streamlit keeps its own. Level from CME_LOG_LEVEL (default INFO).
"""
from __future__ import annotations

import json
import logging
import logging.config
import os
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

# the context a log call may attach with `extra=`; anything else stays out of the line
FIELDS = ("event", "actor_id", "role", "page", "duration_ms", "error_id", "count")
_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
_configured = False


def redact(text: str) -> str:
    """`510104198506151234` → `510104********1234`, `13800138000` → `138****8000`."""
    return _PHONE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", text))


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record is emitted, not the stream of the moment the
    handler was made (a captured stderr that was closed since would raise "I/O operation on closed file")."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging() -> None:
    """JSON lines on stderr for the `cme` loggers; once per process (the app's entry and the CLI call it)."""
    global _configured
    if _configured:
        return
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {"stderr": {"()": StderrHandler, "formatter": "json"}},
        "loggers": {"cme": {"level": os.environ.get("CME_LOG_LEVEL", "INFO").upper(), "handlers": ["stderr"],
                            "propagate": False}},
    })
    _configured = True
