"""The CJK font shipped with the project, registered on fresh A4 :class:`fpdf.FPDF` documents.

The fonts live in ``data/fonts`` (Noto Sans SC Regular and Bold, a GB 2312 + punctuation subset of
Noto Sans CJK SC under the SIL Open Font License, rebuilt by ``scripts/build_font_subset.py``), with
Noto Sans SC Ext - every other hanzi of Noto Sans CJK SC, Extension A and the Extension B-H ones it
has - set as fpdf2's fallback font, so a rare name hanzi (燚 䶮 𠈌) prints instead of a blank; a
character no font has is refused at entry (``cme.reports.glyphs``). No system font is ever used at
run time.

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from io import BytesIO
from typing import Any, TypeVar

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import VAlign
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from cme.reports.glyphs import FALLBACK_PATH, FONT_BOLD_PATH, FONT_DIR, FONT_PATH, undrawable  # noqa: F401 (re-exported)

FONT_FAMILY = "NotoSansSC"
FALLBACK_FAMILY = "NotoSansSCExt"

# (family, style) → file; the fallback has one weight, used for bold text too (exact_match=False)
_FILES = {(FONT_FAMILY, ""): FONT_PATH, (FONT_FAMILY, "B"): FONT_BOLD_PATH, (FALLBACK_FAMILY, ""): FALLBACK_PATH}

_lock = threading.Lock()
_templates: dict[tuple[str, str], tuple[TTFFont, bytes]] | None = None
_parse_count = 0


def font_parse_count() -> int:
    """How many times this process has parsed the font files (1 after the first document)."""
    return _parse_count


def _load_templates() -> dict[tuple[str, str], tuple[TTFFont, bytes]]:
    global _templates, _parse_count
    if _templates is not None:
        return _templates
    with _lock:
        if _templates is None:
            scratch = FPDF()
            loaded: dict[tuple[str, str], tuple[TTFFont, bytes]] = {}
            for (family, style), path in _FILES.items():
                if not path.exists():
                    if (family, style) == (FONT_FAMILY, ""):
                        raise FileNotFoundError(
                            f"CJK font missing: {path} (run scripts/build_font_subset.py)"
                        )
                    continue
                scratch.add_font(family, style, str(path))
                font = scratch.fonts[f"{family.lower()}{style}"]
                assert isinstance(font, TTFFont)
                loaded[(family, style)] = (font, path.read_bytes())
            _parse_count += 1
            _templates = loaded
    return _templates


def _register(pdf: FPDF, template: TTFFont, raw: bytes) -> None:
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
    """FPDF printing ``第 N 页 / 共 M 页`` centred at the foot of every page; the fallback font is
    embedded only when a character of the document needed it (most names never do)."""

    def output(self, *args, **kwargs):
        for key in [k for k, f in self.fonts.items() if k.startswith(FALLBACK_FAMILY.lower()) and not _used(f)]:
            del self.fonts[key]
        return super().output(*args, **kwargs)

    def footer(self) -> None:
        self.set_y(-12)
        family, style, size = self.font_family, self.font_style, self.font_size_pt
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(90)
        self.cell(0, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0)
        self.set_font(family, style, size)


def _used(font) -> bool:
    """Whether any glyph beyond fpdf2's reserved .notdef and space was drawn with `font`."""
    return any(code not in (0x00, 0x20) for code in font.subset._char_id_per_glyph.values())  # pylint: disable=protected-access


_F = TypeVar("_F", bound=FPDF)


def new_pdf(cls: type[_F] = FPDF) -> _F:  # type: ignore[assignment]  # mypy cannot tie a TypeVar's default to its bound
    """A4 portrait document (mm units) of class ``cls`` (default :class:`fpdf.FPDF`) with
    ``NotoSansSC`` (regular, and bold when shipped) registered and selected at 10.5 pt."""
    templates = _load_templates()
    pdf = cls(orientation="P", unit="mm", format="A4")
    for template, raw in templates.values():
        _register(pdf, template, raw)
    if (FALLBACK_FAMILY, "") in templates:
        pdf.set_fallback_fonts([FALLBACK_FAMILY], exact_match=False)
    pdf.set_font(FONT_FAMILY, size=10.5)
    return pdf


def has_bold() -> bool:
    """True when the bold weight is shipped (it is; the renderers fall back to regular)."""
    return (FONT_FAMILY, "B") in _load_templates()


def unsupported_chars(text: str) -> str:
    """The distinct characters of ``text`` no shipped font can draw (they would print as nothing),
    in order of appearance; whitespace and control characters are ignored."""
    return "".join(c for c in undrawable(text) if c.isprintable())


@contextmanager
def listing_table(pdf: FPDF, headers: Sequence[str], *, heading_fill: tuple[int, int, int], **layout: Any) -> Iterator[Any]:
    """A table of rows under a bold, centred header row repeated on every page (the certificate's and the
    résumé's lists); `layout` holds the fpdf2 table options that differ (widths, alignment, line height,
    wrapping). Yields the table for the caller's rows."""
    style = FontFace(emphasis="BOLD" if has_bold() else None, fill_color=heading_fill)
    with pdf.table(align="LEFT", v_align=VAlign.M, padding=(1.2, 1.5), headings_style=style, repeat_headings=1,
                   **layout) as table:
        header = table.row()
        for text in headers:
            header.cell(text, align="CENTER")
        yield table
