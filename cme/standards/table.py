"""学分标准管理 (provincial admin): versions of the standards table (SPEC §4).

Rules:
* A standard (code `SCJA` + number) has versions, each effective from a year; the version in force
  in a year is the latest whose effective year ≤ that year (`reference.standards_for_year`).
* Amounts are ≥ 0 with at most one decimal; 合计/年 ≥ 省I/年 + II类/年; 周期 is 1–10 years;
  机构所属区域等级 from the four levels; 职称级别 高级/中级/初级 or 全部 (all levels).
* A version referenced by any 个人学分标准 is never changed or deleted in place
  (`该版本已被个人学分标准引用…`): add a new version effective from a later year instead.
* One version per code and effective year (`该标准在该生效年度已有版本`).
* Every change is audited in the same transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cme import clock
from cme.core import audit, reference
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain.enums import AuditAction
from cme.domain.identity import check_text, normalize
from cme.domain.inputs import FIRST_YEAR, fold_digits, is_ascii_digits, parse_amount, parse_year
from cme.domain.standards import REGION_LEVELS, STANDARD_LEVELS, Standard
from cme.errors import Duplicate, FieldErrors, RecordLocked
from cme.models import CreditStandard, PersonalStandard

ALL_LEVELS = "全部"
MAX_AMOUNT = Decimal("1000")
CODE_RE = re.compile(r"^SCJA[0-9]{1,3}$")
IN_USE = "该版本已被个人学分标准引用，不能修改或删除，请新增一个生效年度的版本"
AMOUNTS = {
    "national_i_per_cycle": "国家级I类/周期",
    "provincial_i_per_year": "省级I类/年",
    "class_ii_per_year": "II类/年",
    "total_per_year": "合计/年",
}


@dataclass
class StandardInput:
    code: str = ""
    name: str = ""
    effective_year: int | None = None
    national_i_per_cycle: str | Decimal | float | None = None
    cycle_years: int | None = None
    provincial_i_per_year: str | Decimal | float | None = None
    class_ii_per_year: str | Decimal | float | None = None
    total_per_year: str | Decimal | float | None = None
    region_level: str | None = None
    title_level: str | None = None  # 高级/中级/初级, or 全部/None for every level


@dataclass(frozen=True)
class StandardVersion(Standard):
    id: int
    effective_year: int
    in_use: int  # 个人学分标准 referencing this version

    @property
    def locked(self) -> bool:
        return self.in_use > 0

    def as_input(self) -> StandardInput:
        return StandardInput(self.code, self.name, self.effective_year, self.national_i_per_cycle, self.cycle_years,
                             self.provincial_i_per_year, self.class_ii_per_year, self.total_per_year,
                             self.region_level, self.title_level or ALL_LEVELS)

    def table_row(self) -> dict[str, object]:
        return {"编码": self.code, "名称": self.name, "生效年度": self.effective_year,
                "国家级I类": f"{self.national_i_per_cycle:.1f}分/{self.cycle_years}年",
                "省级I类/年": f"{self.provincial_i_per_year:.1f}", "II类/年": f"{self.class_ii_per_year:.1f}",
                "合计/年": f"{self.total_per_year:.1f}", "机构所属区域等级": self.region_level,
                "职称级别": self.title_level or ALL_LEVELS, "引用人数": self.in_use}


def _sort_key(v: StandardVersion) -> tuple[int, int]:
    return int(v.code.removeprefix("SCJA") or 0), v.effective_year


def _versions(session: Session, rows: list[CreditStandard]) -> list[StandardVersion]:
    ids = [r.id for r in rows]
    used = dict(session.execute(select(PersonalStandard.standard_id, func.count()).where(
        PersonalStandard.standard_id.in_(ids)).group_by(PersonalStandard.standard_id)).all()) if ids else {}
    return sorted((reference.to_standard(r, StandardVersion, in_use=used.get(r.id, 0)) for r in rows), key=_sort_key)


@use_case
def standards_in_force(session: Session, actor: Actor, year: int) -> list[StandardVersion]:
    """The table as it applies in `year`: for each code the latest version effective ≤ year."""
    rows = session.scalars(select(CreditStandard).where(CreditStandard.effective_year <= int(year))
                           .order_by(CreditStandard.effective_year)).all()
    latest = {r.code: r for r in rows}
    return _versions(session, list(latest.values()))


@use_case
def all_versions(session: Session, actor: Actor) -> list[StandardVersion]:
    """Every version of every standard, by code then effective year."""
    return _versions(session, list(session.scalars(select(CreditStandard))))


def _amount(errors: dict[str, str], label: str, raw) -> Decimal | None:
    try:
        return parse_amount(raw, maximum=MAX_AMOUNT, allow_zero=True)
    except ValueError as e:
        errors[label] = str(e)
        return None


def validate_standard(data: StandardInput) -> dict:
    """The cleaned column values, or ValidationError naming every bad field."""
    errors = FieldErrors()
    out: dict = {}
    code = normalize(data.code).upper()
    if not code:
        errors["编码"] = "不能为空"
    elif not CODE_RE.fullmatch(code):
        errors["编码"] = "格式应为 SCJA 加数字，如 SCJA11"
    out["code"] = code
    out["name"] = errors.check("名称", check_text, data.name, max_len=50)
    last_year = clock.today().year + 5
    try:
        year = parse_year(data.effective_year, last=last_year)
    except ValueError:
        year = None
        errors["生效年度"] = f"应为{FIRST_YEAR}至{last_year}年之间的年份"
    out["effective_year"] = year
    cycle_text = fold_digits(data.cycle_years)
    cycle = int(cycle_text) if is_ascii_digits(cycle_text) and len(cycle_text) <= 2 else None
    if cycle is None or not 1 <= cycle <= 10:
        errors["周期年数"] = "应为1至10年"
    out["cycle_years"] = cycle
    for key, label in AMOUNTS.items():
        out[key] = _amount(errors, label, getattr(data, key))
    parts = (out["provincial_i_per_year"], out["class_ii_per_year"], out["total_per_year"])
    if None not in parts and parts[2] < parts[0] + parts[1]:
        errors["合计/年"] = "不能小于省级I类/年与II类/年之和"
    if not data.region_level:
        errors["机构所属区域等级"] = "请选择机构所属区域等级"
    elif data.region_level not in REGION_LEVELS:
        errors["机构所属区域等级"] = "不在可选范围内"
    out["region_level"] = data.region_level
    level = data.title_level or ALL_LEVELS
    if level != ALL_LEVELS and level not in STANDARD_LEVELS:
        errors["职称级别"] = "不在可选范围内"
    out["title_level"] = None if level == ALL_LEVELS else level
    errors.raise_if_any()
    return out


def _snapshot(r: CreditStandard) -> dict:
    return {"code": r.code, "name": r.name, "effective_year": r.effective_year,
            "national_i_per_cycle": str(r.national_i_per_cycle), "cycle_years": r.cycle_years,
            "provincial_i_per_year": str(r.provincial_i_per_year), "class_ii_per_year": str(r.class_ii_per_year),
            "total_per_year": str(r.total_per_year), "region_level": r.region_level, "title_level": r.title_level}


def _version(session: Session, actor: Actor, standard_id: int, *, unlocked: bool) -> CreditStandard:
    row = get_or_raise(session, CreditStandard, standard_id, "学分标准不存在")
    if unlocked and session.scalars(select(PersonalStandard.id).where(
            PersonalStandard.standard_id == row.id).limit(1)).first() is not None:
        raise RecordLocked(IN_USE)
    return row


def _ensure_unique(session: Session, code: str, year: int, exclude_id: int | None = None) -> None:
    q = select(CreditStandard.id).where(CreditStandard.code == code, CreditStandard.effective_year == year)
    if exclude_id is not None:
        q = q.where(CreditStandard.id != exclude_id)
    if session.scalars(q).first() is not None:
        raise Duplicate("该标准在该生效年度已有版本", "生效年度")


@use_case
def add_standard_version(session: Session, actor: Actor, data: StandardInput) -> int:
    """A new version of a standard (or a new standard), effective from its year onwards."""
    values = validate_standard(data)
    _ensure_unique(session, values["code"], values["effective_year"])
    return audit.record_add(session, actor.id, AuditAction.STANDARD_VERSION_ADD, "credit_standard", CreditStandard(**values),
                            _snapshot)


@use_case
def update_standard_version(session: Session, actor: Actor, standard_id: int, data: StandardInput) -> None:
    """Correct a version nobody's 个人学分标准 references yet; otherwise RecordLocked."""
    row = _version(session, actor, standard_id, unlocked=True)
    values = validate_standard(data)
    _ensure_unique(session, values["code"], values["effective_year"], exclude_id=row.id)
    audit.record_update(session, actor.id, AuditAction.STANDARD_VERSION_UPDATE, "credit_standard", row, values, _snapshot)


@use_case
def delete_standard_version(session: Session, actor: Actor, standard_id: int) -> None:
    """Remove an unreferenced version (e.g. entered by mistake); earlier versions apply again."""
    row = _version(session, actor, standard_id, unlocked=True)
    audit.record(session, actor.id, AuditAction.STANDARD_VERSION_DELETE, "credit_standard", row.id, before=_snapshot(row))
    session.delete(row)
    session.flush()


def in_force_year_options() -> list[int]:
    return list(range(clock.today().year + 5, FIRST_YEAR - 1, -1))


