"""The CJK font shipped with the project, registered on fresh A4 :class:`fpdf.FPDF` documents.

The fonts live in ``data/fonts`` (Noto Sans SC Regular and Bold, a GB 2312 + punctuation subset of
Noto Sans CJK SC under the SIL Open Font License, rebuilt by ``scripts/build_font_subset.py``).
No system font is ever used at run time.

``fpdf.FPDF.add_font`` parses the font file (cmap, metrics of every glyph) each time it is called.
Here that happens once per process: the parsed :class:`fpdf.fonts.TTFFont` objects are kept as
templates and every new document gets a shallow copy with its own per-document state (the map of
used glyphs, the font descriptor and a lazily-loaded ``TTFont`` read from bytes already in memory,
because fpdf2 subsets that object in place when it writes the PDF). Subset embedding - fpdf2's
default - is kept: each PDF embeds only the glyphs it uses.
"""

from __future__ import annotations

import copy
import threading
from io import BytesIO
from pathlib import Path
from typing import TypeVar

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
FONT_PATH = FONT_DIR / "NotoSansSC-Regular.ttf"
FONT_BOLD_PATH = FONT_DIR / "NotoSansSC-Bold.ttf"
FONT_FAMILY = "NotoSansSC"

_STYLES = {"": FONT_PATH, "B": FONT_BOLD_PATH}

_lock = threading.Lock()
_templates: dict[str, tuple[TTFFont, bytes]] | None = None
_parse_count = 0


def font_parse_count() -> int:
    """How many times this process has parsed the font files (1 after the first document)."""
    return _parse_count


def _load_templates() -> dict[str, tuple[TTFFont, bytes]]:
    global _templates, _parse_count
    if _templates is not None:
        return _templates
    with _lock:
        if _templates is None:
            scratch = FPDF()
            loaded: dict[str, tuple[TTFFont, bytes]] = {}
            for style, path in _STYLES.items():
                if not path.exists():
                    if style == "":
                        raise FileNotFoundError(
                            f"CJK font missing: {path} (run scripts/build_font_subset.py)"
                        )
                    continue
                scratch.add_font(FONT_FAMILY, style, str(path))
                font = scratch.fonts[f"{FONT_FAMILY.lower()}{style}"]
                assert isinstance(font, TTFFont)
                loaded[style] = (font, path.read_bytes())
            _parse_count += 1
            _templates = loaded
    return _templates


def _register(pdf: FPDF, style: str, template: TTFFont, raw: bytes) -> None:
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    # fpdf2 subsets ``ttfont`` in place in output(): each document needs its own object. Lazy
    # loading from memory reads only the tables the subsetter touches.
    font.ttfont = TTFont(BytesIO(raw), recalcTimestamp=False, lazy=True)
    font.desc = copy.copy(template.desc)  # output() sets its object id and font name
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None  # pylint: disable=protected-access
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font


class PagedPDF(FPDF):
    """FPDF printing ``第 N 页 / 共 M 页`` centred at the foot of every page."""

    def footer(self) -> None:
        self.set_y(-12)
        family, style, size = self.font_family, self.font_style, self.font_size_pt
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(90)
        self.cell(0, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0)
        self.set_font(family, style, size)


_F = TypeVar("_F", bound=FPDF)


def new_pdf(cls: type[_F] = FPDF) -> _F:  # type: ignore[assignment]
    """A4 portrait document (mm units) of class ``cls`` (default :class:`fpdf.FPDF`) with
    ``NotoSansSC`` (regular, and bold when shipped) registered and selected at 10.5 pt."""
    templates = _load_templates()
    pdf = cls(orientation="P", unit="mm", format="A4")
    for style, (template, raw) in templates.items():
        _register(pdf, style, template, raw)
    pdf.set_font(FONT_FAMILY, size=10.5)
    return pdf


def has_bold() -> bool:
    """True when the bold weight is shipped (it is; the renderers fall back to regular)."""
    return "B" in _load_templates()


def unsupported_chars(text: str) -> str:
    """The distinct characters of ``text`` the shipped font cannot draw (they would print as
    nothing), in order of appearance; whitespace and control characters are ignored."""
    template, _ = _load_templates()[""]
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in seen and ord(ch) not in template.cmap and ch.isprintable() and not ch.isspace():
            seen[ch] = None
    return "".join(seen)
