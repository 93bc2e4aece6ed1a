"""Credit standards (学分标准): which standard applies to a person in a year.

Rules (SPEC §4, manual §6.1):

* A standard is chosen by the institution's region level (机构所属区域等级) and the
  person's title level (技术职称的级别).
* Title levels map to standard levels: 正高/副高 → 高级, 中级 → 中级, 初级/无职称 → 初级.
* A standard with ``title_level=None`` applies to every level of its region
  (SCJA10 乡镇卫生院).
* The national Class I requirement is per cycle of ``cycle_years`` years; the
  provincial Class I, Class II and total requirements are per year.

Pure Python: no database, no UI.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

REGION_LEVELS = ("省级/三级医院", "市州级/二级及以下医院", "县级", "乡镇卫生院")
TITLE_LEVELS = ("正高", "副高", "中级", "初级", "无职称")
STANDARD_LEVELS = ("高级", "中级", "初级")

NO_TITLE_SERIES = "无"
NO_TITLE_LABEL = "无职称"

_LEVEL_MAP = {"正高": "高级", "副高": "高级", "中级": "中级", "初级": "初级", "无职称": "初级"}


def is_below(region_level: str, reference_level: str) -> bool:
    """True when ``region_level`` ranks under ``reference_level`` in REGION_LEVELS (省级/三级医院 highest,
    乡镇卫生院 lowest); unknown levels are never below."""
    if region_level not in REGION_LEVELS or reference_level not in REGION_LEVELS:
        return False
    return REGION_LEVELS.index(region_level) > REGION_LEVELS.index(reference_level)


def levels_at_or_above(reference_level: str | None) -> tuple[str, ...]:
    """The region levels a person of an institution at ``reference_level`` may choose (all if unknown)."""
    if reference_level not in REGION_LEVELS:
        return REGION_LEVELS
    return REGION_LEVELS[: REGION_LEVELS.index(reference_level) + 1]


def standard_level(title_level: str) -> str:
    """Map a title level (正高/副高/中级/初级/无职称) to a standard level (高级/中级/初级).

    正高 and 副高 → 高级; 中级 → 中级; 初级 and 无职称 → 初级.
    Raises ``ValueError`` for anything else.
    """
    try:
        return _LEVEL_MAP[title_level]
    except KeyError:
        raise ValueError(f"未知的职称级别：{title_level!r}（应为 {'、'.join(TITLE_LEVELS)} 之一）") from None


@dataclass(frozen=True)
class StandardFigures:
    """What a standard requires: ``national_i_per_cycle`` over ``cycle_years`` years, the other amounts
    per year. Rows that show a standard (versions, previews, a person's standards) build on it."""

    code: str
    name: str
    national_i_per_cycle: Decimal
    cycle_years: int
    provincial_i_per_year: Decimal
    class_ii_per_year: Decimal
    total_per_year: Decimal


@dataclass(frozen=True)
class Standard(StandardFigures):
    """One row of the standards table (manual fig. 23).

    ``national_i_per_cycle`` is required over ``cycle_years`` years; the other
    amounts are per year. ``title_level`` is 高级/中级/初级, or ``None`` when the
    standard applies to every level of its region.
    """

    region_level: str
    title_level: str | None


def pick_standard(standards: Iterable[Standard], region_level: str, title_level: str) -> Standard:
    """Return the standard for a region level and a title level (正高…无职称).

    A standard matches when its region level equals ``region_level`` and its
    title level equals ``standard_level(title_level)`` or is ``None`` (all levels).
    An exact level match wins over an all-levels standard. Raises ``ValueError``
    for an unknown title level and ``LookupError`` when nothing matches.
    """
    level = standard_level(title_level)
    fallback = None
    for s in standards:
        if s.region_level != region_level:
            continue
        if s.title_level == level:
            return s
        if s.title_level is None and fallback is None:
            fallback = s
    if fallback is not None:
        return fallback
    raise LookupError(f"没有适用的学分标准：机构所属区域等级“{region_level}”，职称级别“{title_level}”")


def title_label(series: str, title: str, level: str) -> str:
    """Display label of a title: ``"技师系列 - 副主任技师(副高)"``; series "无" → "无职称"."""
    if series == NO_TITLE_SERIES:
        return NO_TITLE_LABEL
    return f"{series} - {title}({level})"


_LABEL_RE = re.compile(r"^\s*(?P<series>.+?)\s+-\s+(?P<title>.+?)\s*[(（](?P<level>[^()（）]+)[)）]\s*$")


def parse_title_label(label: str) -> tuple[str, str, str]:
    """Inverse of :func:`title_label`: ``(series, title, level)``.

    "无职称" → ``("无", "无职称", "无职称")``. Full-width brackets are accepted.
    Raises ``ValueError`` if the label is malformed or its level is unknown.
    """
    if label.strip() == NO_TITLE_LABEL:
        return NO_TITLE_SERIES, NO_TITLE_LABEL, NO_TITLE_LABEL
    m = _LABEL_RE.match(label)
    if not m or m["level"] not in TITLE_LEVELS:
        raise ValueError(f"无法识别的技术职称：{label!r}（格式应为“系列 - 职称(级别)”）")
    return m["series"], m["title"], m["level"]
