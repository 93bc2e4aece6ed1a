"""Showing domain errors and small widget conventions shared by every page."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from cme.errors import DomainError, ValidationError


def show_error(error: DomainError) -> None:
    """One line per field: `身份证号：校验位不正确，请核对`."""
    if isinstance(error, ValidationError) and len(error.errors) > 1:
        st.error("请更正以下内容：\n" + "\n".join(f"- **{literal(k)}**：{literal(v)}" if k else f"- {literal(v)}"
                                             for k, v in error.errors.items()))
    else:
        st.error(literal(str(error)))  # messages echo what was typed (names, codes): never markdown


def choose(label: str, options: list[str], *, key: str, placeholder: str = "请选择", **kwargs) -> str | None:
    """A select box that starts empty (`请选择`) like the manual's forms."""
    return st.selectbox(label, options, index=None, placeholder=placeholder, key=key, **kwargs)


FLASH_KEY = "_flash"
RESET_KEY = "_reset_selects"


def show_flash() -> None:
    """Call at the top of a page: the success message an action left for this run, and the select
    boxes or page modes it asked to empty (set to None before they are drawn or read, so the
    browser shows an emptied select box, not the stale choice)."""
    for key in st.session_state.pop(RESET_KEY, ()):
        st.session_state[key] = None
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(literal(message))  # flash messages name people, projects, institutions


@dataclass(frozen=True)
class Attempt:
    ok: bool
    value: Any = None  # what the service returned


def attempt(fn: Callable[[Any], Any]) -> Attempt:
    """Run one service call `fn(session)` in its own unit of work and return what it returned; on a domain
    error show it (nothing was saved) and return a failed Attempt."""
    from cme.db import session_scope

    try:
        with session_scope() as s:
            return Attempt(True, fn(s))
    except DomainError as e:
        show_error(e)
        return Attempt(False)


def act(message: str, fn, *, clear: tuple[str, ...] = ()) -> None:
    """`attempt` an action; on success keep `message` for the next run, empty the select boxes / page modes
    named in `clear` and rerun (so lists refresh)."""
    if attempt(fn).ok:
        flash_and_rerun(message, clear=clear)


def flash_and_rerun(message: str, *, clear: tuple[str, ...] = ()) -> None:
    """After a successful action: keep `message` for the next run's show_flash(), empty `clear`, rerun."""
    st.session_state[FLASH_KEY] = message
    st.session_state[RESET_KEY] = clear
    st.rerun()


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$&=^\"'"})
# Streamlit turns :smile: into an emoji and :material/home: into an icon, and GFM makes bare
# http://…, www.… and a@b.cn clickable, even when the punctuation is escaped: an invisible word joiner
# (U+2060) inside each such pattern breaks it and changes nothing a reader sees.
_AUTO_MARKUP = re.compile(r"(:)(?=[A-Za-z0-9_+-]+:|[a-z]+/|//)|(?i:(www))(?=\.)|(?<=\w)(@)(?=\w)")
_WORD_JOINER = "\u2060"


def literal(text: object) -> str:
    """User-entered text for st.markdown (and st.success/error/caption/subheader, table cells, labels),
    shown exactly as typed: markdown and HTML syntax escaped, line breaks kept."""
    joined = _AUTO_MARKUP.sub(lambda m: m.group(0) + _WORD_JOINER if m.group(1) or m.group(2) else _WORD_JOINER + "@", str(text))
    return joined.translate(_MARKDOWN_SPECIAL).replace("\n", "  \n")
