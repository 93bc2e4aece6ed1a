#!/usr/bin/env python3
"""Rebuild the CJK fonts the project ships: ``data/fonts/NotoSansSC-{Regular,Bold}.ttf`` and the
fallback ``NotoSansSC-Ext.ttf`` (every other hanzi of the source: Extension A, the Extension B–H it has).

Source: Noto Sans CJK SC Regular and Bold (SIL Open Font License 1.1), as packaged by Debian's
``fonts-noto-cjk`` (``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`` and
``NotoSansCJK-Bold.ttc``, collection font number 2 = "Noto Sans CJK SC"; upstream
https://github.com/notofonts/noto-cjk).

What it does:

1. subsets the font with fontTools to ASCII, Latin-1, general punctuation, letter-like symbols,
   number forms (Ⅰ Ⅱ …), enclosed numbers, CJK symbols and punctuation, full-width forms, the whole
   GB 2312 character set (6763 hanzi + its symbols), a short list of name/place hanzi outside
   GB 2312, and every character found in the user manual (``--text-file``, default
   ``/work/shared/seed/*.txt`` when present) and in ``data/reference/*.csv``;
2. drops hinting, layout and vertical tables (the PDFs are laid out horizontally by fpdf2);
3. converts the CFF (cubic) outlines to TrueType (quadratic) outlines with fontTools' cu2qu,
   because fpdf2's long-standing embedding path is the TrueType one (CIDFontType2);
4. renames the family to "Noto Sans SC" and writes the result.

Usage (from the repository root)::

    python scripts/build_font_subset.py            # rebuild both weights with defaults
    python scripts/build_font_subset.py --weight Regular \
        --source /path/NotoSansCJK-Regular.ttc --font-number 2 --output data/fonts/x.ttf

Only fontTools is needed. The run time is about a minute.
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

from fontTools import subset as ftsubset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = {
    "Regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "Bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
DEFAULT_FONT_NUMBER = 2  # "Noto Sans CJK SC" inside the Debian/upstream .ttc
FONT_DIR = ROOT / "data" / "fonts"
DEFAULT_TEXT_FILES = ["/work/shared/seed/*.txt", str(ROOT / "data" / "reference" / "*.csv")]

# Unicode blocks kept whole.
RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (punctuation, ×, ÷, ·, accented letters)
    (0x2000, 0x206F),  # general punctuation (— – … ‘ ’ “ ” ‰ ※)
    (0x2100, 0x214F),  # letter-like symbols (℃ № ™)
    (0x2150, 0x218F),  # number forms (Ⅰ Ⅱ Ⅲ … used by "Ⅰ类、Ⅱ类")
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics (① …)
    (0x25A0, 0x25FF),  # geometric shapes (□ ■ ○ ● ◆ △)
    (0x2713, 0x2714),  # check marks (✓ used in the manual)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # half-width and full-width forms
]

# Hanzi outside GB 2312 that turn up in personal names, institution names and place names.
EXTRA_HANZI = (
    "堃喆玥珺昇彧晞祎禕玙璟瑄翀镕燊锃赟珩玹铖勐芃祐曌堉垚珈琇晗玓淏湉浠濛锘钖"
    "琛瑀瑛琨瑢璐瑒璠玘珅珣琤琭瑱璘旸昀昉晔暻曈炘炜烨焜煊熠焓铄钰锴镛铉钧鑫淇溥"
    "滢潆澍渼颢骐骥犇龑䶮彤昊睿喆晟嵘崧嵩岍岑峤崑昆钊钦锦铭锋镔锟锬铧锜喾婧婕"
    "姮娅嫚媖妤婳娴婠姝妍蕊蕤芮苒茜荨菡萏蓁薏莜萱蘅蘩莳蔺邛崃郫犍珙阆荥邡蓥汶"
)

GLYF_MAX_ERR = 1.0  # font units; outline approximation error for cubic -> quadratic


def gb2312_chars() -> set[int]:
    """Every character of GB 2312 (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    out: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            out.update(ord(c) for c in ch)
    return out


def wanted_codepoints(text_globs: list[str]) -> tuple[set[int], set[int]]:
    """(everything to keep, the part that must be present: GB 2312, extras, text files)."""
    required: set[int] = gb2312_chars()
    required.update(ord(c) for c in EXTRA_HANZI)
    for pattern in text_globs:
        for name in sorted(glob.glob(pattern)):
            text = Path(name).read_text(encoding="utf-8", errors="ignore")
            required.update(ord(c) for c in text if ord(c) >= 0x20)
    cps = set(required)
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    return cps, required


# Hanzi blocks the fallback font ("Noto Sans SC Ext") takes from the source: everything of them that
# the source has and the main subset lacks (rare name hanzi such as 燚 䶮 𠈌).
HANZI_BLOCKS = [
    (0x2E80, 0x2FDF),  # CJK radicals supplement, Kangxi radicals
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x2FA1F),  # Extensions B–F and compatibility supplement
    (0x30000, 0x323AF),  # Extensions G–H
]


def fallback_codepoints(source: str, font_number: int, main: set[int]) -> set[int]:
    cmap = TTFont(source, fontNumber=font_number, lazy=True).getBestCmap()
    return {cp for cp in cmap if cp not in main and any(lo <= cp <= hi for lo, hi in HANZI_BLOCKS)}


def subset_font(source: str, font_number: int, codepoints: set[int]) -> TTFont:
    font = TTFont(source, fontNumber=font_number, lazy=False)
    options = ftsubset.Options()
    options.layout_features = []  # fpdf2 does not shape CJK text: no GSUB/GPOS needed
    options.hinting = False
    options.desubroutinize = True  # better compression in the PDF, simpler conversion
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_bounds = True
    options.drop_tables += ["BASE", "GDEF", "GPOS", "GSUB", "VORG", "vhea", "vmtx", "DSIG"]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    return font


def cff_to_truetype(font: TTFont) -> None:
    """Replace CFF outlines with quadratic glyf outlines (fontTools' otf2ttf recipe)."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        tt_pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(tt_pen, GLYF_MAX_ERR, reverse_direction=True))
        glyphs[name] = tt_pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = 0
    post = font["post"]
    post.formatType = 3.0  # no glyph names stored: smaller file
    # one Windows BMP cmap is enough (every kept character is in the BMP); a second, identical
    # Unicode-platform subtable would only double the parsing work of every PDF export
    # the fallback holds Extension B–H hanzi outside the BMP: it keeps the full-Unicode (3, 10) table
    cmap = font["cmap"]
    full = [t for t in cmap.tables if (t.platformID, t.platEncID) == (3, 10)]
    cmap.tables = full or [t for t in cmap.tables if (t.platformID, t.platEncID) == (3, 1)] or cmap.tables
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont, weight: str) -> None:
    name = font["name"]
    values = {
        1: "Noto Sans SC" if weight in ("Regular", "Bold") else f"Noto Sans SC {weight}",  # Ext: own family
        2: weight if weight in ("Regular", "Bold") else "Regular",
        3: f"2.004;NotoSansSC-{weight};subset for CME platform",
        4: f"Noto Sans SC {weight}",
        6: f"NotoSansSC-{weight}",
        16: "Noto Sans SC",
        17: weight,
    }
    for rec in list(name.names):
        if rec.nameID in values or rec.nameID in (18, 19, 21, 22):
            name.removeNames(nameID=rec.nameID)
    for name_id, value in values.items():
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)


def build(source: str, font_number: int, weight: str, output: Path,
          codepoints: set[int], required: set[int]) -> None:
    font = subset_font(source, font_number, codepoints)
    font.recalcTimestamp = False  # keep the source's head.modified: reproducible output
    cff_to_truetype(font)
    rename(font, weight)
    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(output))

    check = TTFont(str(output))
    cmap = check.getBestCmap()
    missing = sorted(cp for cp in required if cp not in cmap and chr(cp).isprintable()
                     and not chr(cp).isspace())
    print(f"wrote {output} ({output.stat().st_size / 1e6:.2f} MB, {len(check.getGlyphOrder())}"
          f" glyphs, {len(cmap)} code points)")
    if missing:
        shown = "".join(chr(cp) for cp in missing[:200])
        print(f"  {len(missing)} requested characters not in the source font: {shown}",
              file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weight", choices=sorted(DEFAULT_SOURCES), action="append",
                        help="weight(s) to build (default: all)")
    parser.add_argument("--source", help="source .ttc/.otf (only with a single --weight)")
    parser.add_argument("--font-number", type=int, default=DEFAULT_FONT_NUMBER)
    parser.add_argument("--output", help="output path (only with a single --weight)")
    parser.add_argument(
        "--text-file", action="append", default=None,
        help="glob of UTF-8 files whose characters must be covered (repeatable)",
    )
    parser.add_argument("--fallback", action="store_true",
                        help="also build NotoSansSC-Ext.ttf (rare hanzi; built by default when no --weight)")
    parser.add_argument("--fallback-only", action="store_true", help="build only NotoSansSC-Ext.ttf")
    args = parser.parse_args(argv)
    weights = args.weight or list(DEFAULT_SOURCES)
    if (args.source or args.output) and len(weights) != 1:
        parser.error("--source/--output need exactly one --weight")
    text_globs = args.text_file if args.text_file is not None else DEFAULT_TEXT_FILES
    codepoints, required = wanted_codepoints(text_globs)
    for weight in [] if args.fallback_only else weights:
        source = args.source or DEFAULT_SOURCES[weight]
        output = Path(args.output) if args.output else FONT_DIR / f"NotoSansSC-{weight}.ttf"
        build(source, args.font_number, weight, output, codepoints, required)
    if args.weight is None or args.fallback or args.fallback_only:
        source = args.source or DEFAULT_SOURCES["Regular"]
        extra = fallback_codepoints(source, args.font_number, codepoints)
        build(source, args.font_number, "Ext", FONT_DIR / "NotoSansSC-Ext.ttf", extra, extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
