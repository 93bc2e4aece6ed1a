"""Pure rules for what people type or import: free text, digit strings, years and amounts.

Rules (one place for page, import and CLI):
* Free text is kept as typed — no NFKC folding, so full-width punctuation （，。） stays — minus
  control characters: C0/C1 controls (NUL, ESC, …), bidirectional overrides/isolates (U+202A–E,
  U+2066–9, the "Trojan Source" characters that make a name read backwards) and lone surrogates
  are stripped, because they are invisible, break the XLSX export and cannot be stored on
  PostgreSQL (NUL). Multi-line fields keep line breaks; tabs become spaces.
* Digit fields (身份证号, 手机号, 年份, 学分, 邮编) accept ASCII and full-width digits only: NFKC
  folds full-width ０-９ to 0-9, then only `[0-9]` counts. Other scripts' digits (Arabic-Indic ٥,
  Devanagari ५ …), which Python's `\\d`, `int()` and `Decimal()` would silently accept, are refused.
* Numbers are parsed by pattern before any arithmetic: `1e30`, `NaN`, `Infinity` never reach
  `Decimal` operations (a quantize of 1e30 raises InvalidOperation).
* Years are four digits between FIRST_YEAR and a caller-given last year.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

FIRST_YEAR = 2000  # no CME record, standard or project of this platform predates it

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_AMOUNT_RE = re.compile(r"([0-9]{1,6})(?:\.([0-9]{1,6}))?")
_YEAR_RE = re.compile(r"[0-9]{4}")


def strip_controls(text: str, *, multiline: bool = False) -> str:
    """`text` without control characters (see the module rules); `\\r\\n` → `\\n` when multi-line."""
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in text:
        if ch == "\n" and multiline:
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def clean_text(raw: object, *, multiline: bool = False) -> str:
    """Free text as typed: controls stripped, surrounding whitespace trimmed, never NFKC-folded."""
    if raw is None:
        return ""
    return strip_controls(str(raw), multiline=multiline).strip()


def fold_digits(raw: object) -> str:
    """A digit-field value: NFKC (full-width ０-９ and Ｘ → ASCII) and trimmed. Callers then match
    `[0-9]` explicitly, so digits of other scripts stay and are refused."""
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", strip_controls(str(raw))).strip()


def is_ascii_digits(text: str) -> bool:
    return bool(_ASCII_DIGITS.fullmatch(text))


def parse_year(raw: object, *, last: int, first: int = FIRST_YEAR) -> int:
    """A four-digit year in [first, last]; ValueError in Chinese. Accepts int or digit text."""
    if isinstance(raw, bool):
        raise ValueError("应为四位年份")
    text = str(raw) if isinstance(raw, int) else fold_digits(raw)
    if not text:
        raise ValueError("不能为空")
    if not _YEAR_RE.fullmatch(text):
        raise ValueError("应为四位年份")
    year = int(text)
    if not first <= year <= last:
        raise ValueError(f"应在{first}至{last}年之间")
    return year


def parse_amount(raw: object, *, maximum: Decimal, allow_zero: bool = False) -> Decimal:
    """A credit amount with at most one decimal place in (0 or >0, maximum]; ValueError in Chinese.

    The text is matched against `digits[.digits]` before Decimal sees it, so exponents, NaN and
    Infinity are refused as "not a number" and no Decimal operation can overflow.
    """
    if isinstance(raw, bool):
        raise ValueError("应为数字")
    if isinstance(raw, Decimal):
        raw = format(raw, "f") if raw.is_finite() else str(raw)
    elif isinstance(raw, float):
        raw = repr(raw)  # 1e+30 stays an exponent and is refused below
    text = fold_digits(raw)
    if not text:
        raise ValueError("不能为空")
    if text.startswith("-") and _AMOUNT_RE.fullmatch(text[1:]):
        raise ValueError("不能小于0" if allow_zero else "应大于0")
    m = _AMOUNT_RE.fullmatch(text)
    if not m:
        if re.fullmatch(r"[0-9]{7,}(\.[0-9]*)?", text):
            raise ValueError(f"不能超过{maximum}分")
        raise ValueError("应为数字")
    whole, frac = m.group(1), (m.group(2) or "").rstrip("0")
    if len(frac) > 1:
        raise ValueError("最多保留一位小数")
    value = Decimal(f"{int(whole)}.{frac or '0'}")
    if value == 0 and not allow_zero:
        raise ValueError("应大于0")
    if value > maximum:
        raise ValueError(f"不能超过{maximum}分")
    return value
