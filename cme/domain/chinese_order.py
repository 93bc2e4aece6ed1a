"""Chinese lists in the order a reader looks for them: by pinyin (安 … 中), not by code point.

Code-point order scatters names (心内科 after 骨科 but before 儿科); a dictionary sorts by the
reading. pypinyin gives each character its reading; ties (same reading) fall back to the name itself,
so the order is total and stable.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")


@lru_cache(maxsize=20_000)
def pinyin_key(text: str) -> tuple[tuple[str, ...], str]:
    """Sort key of one name: its syllables without tones (letters and digits kept as written, lower-cased)."""
    return tuple(s.lower() for s in lazy_pinyin(text, style=Style.TONE3)), text


def by_pinyin(items: Iterable[T], name: Callable[[T], str] = str) -> list[T]:
    """`items` sorted by the pinyin of `name(item)`."""
    return sorted(items, key=lambda item: pinyin_key(name(item) or ""))
