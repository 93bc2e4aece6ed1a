"""Which characters the shipped fonts can draw, for refusing an unprintable name at entry.

The certificate and résumé PDFs draw with Noto Sans SC (a GB 2312+ subset, Regular and Bold) and
fall back to Noto Sans SC Ext (every other hanzi of Noto Sans CJK SC: the rest of the unified
ideographs, Extension A, and the Extension B–H characters it has, e.g. 燚 䶮 𠈌). A character in
neither prints as nothing, so a 姓名 holding one is refused where it is typed or imported, with the
characters named, instead of a certificate with a blank in the name.

Only the fonts' cmap tables are read (fontTools, lazily, once per process); no PDF library is
imported, so account services can use this cheaply.
"""
from __future__ import annotations

import threading
from pathlib import Path

from cme.domain.identity import check_text

FONT_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
FONT_PATH = FONT_DIR / "NotoSansSC-Regular.ttf"
FONT_BOLD_PATH = FONT_DIR / "NotoSansSC-Bold.ttf"
FALLBACK_PATH = FONT_DIR / "NotoSansSC-Ext.ttf"

_lock = threading.Lock()
_covered: frozenset[int] | None = None


def covered_codepoints() -> frozenset[int]:
    """Code points the regular text of a PDF can draw (main font or its fallback)."""
    global _covered
    if _covered is None:
        from fontTools.ttLib import TTFont

        with _lock:
            if _covered is None:
                cps: set[int] = set()
                for path in (FONT_PATH, FALLBACK_PATH):
                    if path.exists():
                        cps.update(TTFont(str(path), lazy=True).getBestCmap())
                _covered = frozenset(cps)
    return _covered


def undrawable(text: str) -> str:
    """The distinct characters of `text` no shipped font can draw, in order; spaces ignored."""
    covered = covered_codepoints()
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in seen and not ch.isspace() and ord(ch) not in covered:
            seen[ch] = None
    return "".join(seen)


def check_printable(text: str) -> str:
    """`text` unchanged, or ValueError naming what the certificate could not print."""
    if missing := undrawable(text):
        shown = "、".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in missing[:5]) + ("等" if len(missing) > 5 else "")
        raise ValueError(f"含有证书和简历无法打印的字符（{shown}），请核对；生僻字无法录入时请联系管理员")
    return text


def check_person_name(raw: str | None, *, max_len: int) -> str:
    """姓名 / 真实姓名: free text as typed (cme.domain.inputs rules), required, and printable."""
    return check_printable(check_text(raw, max_len=max_len))
