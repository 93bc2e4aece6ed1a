"""字典管理 (provincial admin): the dictionaries every form chooses from.

Rules:
* Only the provincial admin reads or changes dictionaries here (`无权执行该操作` for anyone else).
* Kinds are those present in the dictionary table. 学科分类 has two levels (一级, then the 二级 items
  of a chosen 一级). 技术职称 items are labels `系列 - 职称(级别)` built by `title_label`; the level
  (one of TITLE_LEVELS) is kept in `extra` and decides the credit standard.
* Read-only kinds (READ_ONLY): 机构所属区域等级 (the credit standards are defined on these four
  values), 性别 (derived from the 身份证号), 是否 and 通知级别 (fixed by the program). Any change is
  refused with a message saying why.
* 新增: the name is trimmed, required, ≤ 50 characters (学分获取形式 ≤ 20, the width of the credit
  record column; a 技术职称 label ≤ 100) and unique within kind + parent, active or not
  (`该项目已存在`; a deactivated one is to be re-activated instead). It is added at the end.
* 改名: only items an admin added. Seeded items — those `init-db` loads from data/reference
  (computed from `reference._dictionary_rows()`) — can only be deactivated, because `init-db`
  inserts every missing (kind, parent, name) and would bring a renamed item back under its old
  name. An added item that records already use keeps its name too: 学分获取形式 in
  credit_records.form / projects.form, 学科分类 in credit_records/projects subject_parent/child,
  技术职称 in personal_standards.title, 学分达标遵照 in users.standard_basis. Profile values are
  free text copies and do not block a rename (they keep the old text).
* 停用/启用: a deactivated item disappears from every form (reference.dictionary, subjects and
  titles read active items only); records already using it keep their value. `init-db` never
  re-activates it.
* 上移/下移: swaps the item with its neighbour among its siblings (same kind and parent).
* Every change is audited in the same transaction (action `dictionary.*`, entity `dictionary_item`).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.core.reference import SUBJECT_KIND, TITLE_KIND, _dictionary_rows
from cme.db import get_or_raise
from cme.domain.enums import AuditAction
from cme.domain.identity import check_text
from cme.domain.standards import NO_TITLE_SERIES, TITLE_LEVELS, title_label
from cme.errors import Duplicate, FieldErrors, NotFound, RecordLocked, ValidationError
from cme.models import CreditRecord, DictionaryItem, PersonalStandard, Project, User

FORM_KIND = "学分获取形式"
BASIS_KIND = "学分达标遵照"
READ_ONLY = {
    "机构所属区域等级": "机构所属区域等级决定适用的学分标准，不能在此修改",
    "性别": "性别由身份证号确定，不能在此修改",
    "是否": "“是/否”由系统使用，不能在此修改",
    "通知级别": "通知级别由发布者的身份决定，不能在此修改",
}
MAX_LEN = {FORM_KIND: 20, TITLE_KIND: 100}
DEFAULT_MAX_LEN = 50
NAME_LABEL = "名称"
DUPLICATE = "该项目已存在"
DUPLICATE_INACTIVE = "该项目已存在（已停用），请选择它并启用"
SEEDED = "系统预置的项目不能改名，只能停用；如需新名称请新增"
IN_USE = "该项目已被{what}使用，不能改名；可停用后新增新名称"
UNKNOWN_KIND = "没有该字典"
# characters that would make a 技术职称 label ambiguous (see parse_title_label)
TITLE_FORBIDDEN = "-()（）"


@dataclass(frozen=True)
class KindRow:
    kind: str
    items: int
    active: int
    read_only: bool
    two_level: bool


@dataclass(frozen=True)
class ItemRow:
    id: int
    name: str
    extra: str | None
    active: bool
    seeded: bool
    position: int  # 1-based among its siblings

    @property
    def status(self) -> str:
        return "启用" if self.active else "已停用"

    @property
    def source(self) -> str:
        return "系统预置" if self.seeded else "管理员新增"

    def table_row(self, kind: str) -> dict[str, object]:
        row: dict[str, object] = {"序号": self.position, "名称": self.name}
        if kind == TITLE_KIND:
            row["级别"] = self.extra or ""
        row.update({"状态": self.status, "来源": self.source})
        return row


def _seeded_keys() -> set[tuple[str, str | None, str]]:
    """(kind, parent name, name) of every item `init-db` loads."""
    return {(kind, parent, name) for kind, name, parent, _ in _dictionary_rows()}


def _siblings(session: Session, kind: str, parent_id: int | None) -> list[DictionaryItem]:
    q = select(DictionaryItem).where(DictionaryItem.kind == kind)
    q = q.where(DictionaryItem.parent_id.is_(None) if parent_id is None else DictionaryItem.parent_id == parent_id)
    return list(session.scalars(q.order_by(DictionaryItem.sort_order, DictionaryItem.id)))


def _known_kind(session: Session, kind: str | None) -> str:
    if not kind or session.scalars(select(DictionaryItem.id).where(DictionaryItem.kind == kind).limit(1)).first() is None:
        raise NotFound(UNKNOWN_KIND)
    return kind


def _writable(kind: str) -> None:
    if kind in READ_ONLY:
        raise RecordLocked(READ_ONLY[kind])


def _item(session: Session, actor: Actor, item_id: int) -> DictionaryItem:
    item = get_or_raise(session, DictionaryItem, item_id, "字典项不存在")
    _writable(item.kind)
    return item


def _parent_name(session: Session, item: DictionaryItem) -> str | None:
    return None if item.parent_id is None else session.get_one(DictionaryItem, item.parent_id).name


def _snapshot(session: Session, item: DictionaryItem) -> dict:
    snap: dict[str, str | None] = {"字典": item.kind, "名称": item.name}
    if item.parent_id is not None:
        snap["上级"] = _parent_name(session, item)
    if item.kind == TITLE_KIND:
        snap["级别"] = item.extra
    return snap


def _clean_name(kind: str, raw: str | None, label: str = NAME_LABEL) -> str:
    try:
        return check_text(raw, max_len=MAX_LEN.get(kind, DEFAULT_MAX_LEN))
    except ValueError as e:
        raise ValidationError({label: str(e)}) from None


def _ensure_unique(session: Session, kind: str, parent_id: int | None, name: str, exclude_id: int | None = None) -> None:
    for other in _siblings(session, kind, parent_id):
        if other.name == name and other.id != exclude_id:
            raise Duplicate(DUPLICATE if other.active else DUPLICATE_INACTIVE, NAME_LABEL)


def _parent(session: Session, kind: str, parent_id: int | None) -> int | None:
    """学科分类 二级 items hang under an existing 一级 item; every other kind is flat."""
    if parent_id is None:
        return None
    parent = session.get(DictionaryItem, parent_id)
    if kind != SUBJECT_KIND or parent is None or parent.kind != SUBJECT_KIND or parent.parent_id is not None:
        raise ValidationError({"一级分类": "不在可选范围内"})
    return parent.id


# ---- reading ----------------------------------------------------------------------------------


@use_case
def list_kinds(session: Session, actor: Actor) -> list[KindRow]:
    """Every dictionary kind in the table (in load order) with its number of items and active items."""
    q = (
        select(DictionaryItem.kind, func.count(DictionaryItem.id), func.sum(case((DictionaryItem.active, 1), else_=0)),
               func.min(DictionaryItem.id))
        .group_by(DictionaryItem.kind)
        .order_by(func.min(DictionaryItem.id))
    )
    return [KindRow(kind, int(n), int(on or 0), kind in READ_ONLY, kind == SUBJECT_KIND)
            for kind, n, on, _ in session.execute(q)]


@use_case
def list_items(session: Session, actor: Actor, kind: str, parent_id: int | None = None) -> list[ItemRow]:
    """The items of a kind (学科分类: the 一级 items, or the 二级 items of `parent_id`), in display order,
    active and deactivated alike."""
    kind = _known_kind(session, kind)
    parent_id = _parent(session, kind, parent_id)
    parent = None if parent_id is None else session.get_one(DictionaryItem, parent_id).name
    seeded = _seeded_keys()
    return [ItemRow(i.id, i.name, i.extra, i.active, (kind, parent, i.name) in seeded, n)
            for n, i in enumerate(_siblings(session, kind, parent_id), start=1)]


# ---- changes ----------------------------------------------------------------------------------


def _append(session: Session, actor: Actor, kind: str, parent_id: int | None, name: str, extra: str | None) -> int:
    _ensure_unique(session, kind, parent_id, name)
    last = session.scalar(select(func.max(DictionaryItem.sort_order)).where(DictionaryItem.kind == kind)) or 0
    item = DictionaryItem(kind=kind, name=name, parent_id=parent_id, extra=extra, sort_order=last + 1, active=True)
    session.add(item)
    session.flush()
    audit.record(session, actor.id, AuditAction.DICTIONARY_ADD, "dictionary_item", item.id, after=_snapshot(session, item))
    return item.id


@use_case
def add_item(session: Session, actor: Actor, kind: str, name: str | None, parent_id: int | None = None) -> int:
    """新增 an item at the end of its kind (学科分类 二级: under `parent_id`). 技术职称 → add_title."""
    kind = _known_kind(session, kind)
    _writable(kind)
    if kind == TITLE_KIND:
        raise ValidationError({"职称名称": "技术职称请按 系列、职称、级别 新增"})
    parent_id = _parent(session, kind, parent_id)
    return _append(session, actor, kind, parent_id, _clean_name(kind, name), None)


def _title_parts(series: str | None, title: str | None, level: str | None) -> tuple[str, str, str]:
    """(系列, 职称名称, 级别) checked, or ValidationError naming each bad one."""
    errors = FieldErrors()
    clean: dict[str, str] = {}
    for label, raw, max_len in (("职称系列", series, 30), ("职称名称", title, 30)):
        value = errors.check(label, check_text, raw, max_len=max_len)
        if value is None:
            continue
        if any(c in value for c in TITLE_FORBIDDEN):
            errors[label] = "不能包含“-”或括号"
        elif label == "职称系列" and value == NO_TITLE_SERIES:
            errors[label] = "“无职称”已存在，不能新增"
        clean[label] = value
    if not level:
        errors["职称级别"] = "请选择职称级别"
    elif level not in TITLE_LEVELS:
        errors["职称级别"] = "不在可选范围内"
    errors.raise_if_any()
    assert level is not None  # named under 职称级别 otherwise
    return clean["职称系列"], clean["职称名称"], level


@use_case
def add_title(session: Session, actor: Actor, series: str | None, title: str | None, level: str | None) -> int:
    """新增 a 技术职称: label `系列 - 职称(级别)`, level kept for choosing the credit standard."""
    series_, title_, level_ = _title_parts(series, title, level)
    label = _clean_name(TITLE_KIND, title_label(series_, title_, level_), "职称名称")
    return _append(session, actor, TITLE_KIND, None, label, level_)


def _in_use(session: Session, item: DictionaryItem) -> str | None:
    """What uses the item's current name, or None."""
    def used(q) -> bool:
        return session.scalars(q.limit(1)).first() is not None

    name = item.name
    if item.kind == FORM_KIND:
        if used(select(CreditRecord.id).where(CreditRecord.form == name)):
            return "学分记录"
        if used(select(Project.id).where(Project.form == name)):
            return "项目库"
    elif item.kind == SUBJECT_KIND and item.parent_id is None:
        if used(select(CreditRecord.id).where(CreditRecord.subject_parent == name)):
            return "学分记录"
        if used(select(Project.id).where(Project.subject_parent == name)):
            return "项目库"
    elif item.kind == SUBJECT_KIND:
        parent = _parent_name(session, item)
        if used(select(CreditRecord.id).where(CreditRecord.subject_parent == parent, CreditRecord.subject_child == name)):
            return "学分记录"
        if used(select(Project.id).where(Project.subject_parent == parent, Project.subject_child == name)):
            return "项目库"
    elif item.kind == TITLE_KIND:
        if used(select(PersonalStandard.id).where(PersonalStandard.title == name)):
            return "个人学分标准"
    elif item.kind == BASIS_KIND and used(select(User.id).where(User.standard_basis == name)):
        return "用户注册信息"
    return None


def _check_renamable(session: Session, item: DictionaryItem) -> None:
    if (item.kind, _parent_name(session, item), item.name) in _seeded_keys():
        raise RecordLocked(SEEDED)
    if what := _in_use(session, item):
        raise RecordLocked(IN_USE.format(what=what))


def _rename(session: Session, actor: Actor, item: DictionaryItem, name: str, extra: str | None) -> None:
    if name == item.name and extra == item.extra:
        return
    _check_renamable(session, item)
    _ensure_unique(session, item.kind, item.parent_id, name, exclude_id=item.id)
    before = _snapshot(session, item)
    item.name, item.extra = name, extra
    session.flush()
    audit.record(session, actor.id, AuditAction.DICTIONARY_RENAME, "dictionary_item", item.id, before=before,
                 after=_snapshot(session, item))


@use_case
def rename_item(session: Session, actor: Actor, item_id: int, name: str | None) -> None:
    """改名: only an item an admin added and no record uses yet (see the module rules)."""
    item = _item(session, actor, item_id)
    if item.kind == TITLE_KIND:
        raise ValidationError({"职称名称": "技术职称请按 系列、职称、级别 修改"})
    _rename(session, actor, item, _clean_name(item.kind, name), item.extra)


@use_case
def rename_title(session: Session, actor: Actor, item_id: int, series: str | None, title: str | None,
                 level: str | None) -> None:
    """改名 of an admin-added 技术职称 (series, title and level rebuilt into the label)."""
    item = _item(session, actor, item_id)
    if item.kind != TITLE_KIND:
        raise NotFound("字典项不存在")
    series_, title_, level_ = _title_parts(series, title, level)
    _rename(session, actor, item, _clean_name(TITLE_KIND, title_label(series_, title_, level_), "职称名称"), level_)


@use_case
def set_item_active(session: Session, actor: Actor, item_id: int, active: bool) -> None:
    """停用 (hidden from every form; records keep their value) or 启用."""
    item = _item(session, actor, item_id)
    audit.record_switch(session, actor.id, item, active, (AuditAction.DICTIONARY_ACTIVATE, AuditAction.DICTIONARY_DEACTIVATE),
                        "dictionary_item", key="启用", shown=lambda: _snapshot(session, item))


@use_case
def move_item(session: Session, actor: Actor, item_id: int, step: int) -> None:
    """上移 (step -1) or 下移 (+1) among its siblings; at either end nothing changes."""
    if step not in (-1, 1):
        raise ValidationError({"顺序": "只能上移或下移一位"})
    item = _item(session, actor, item_id)
    siblings = _siblings(session, item.kind, item.parent_id)
    pos = next(n for n, s in enumerate(siblings) if s.id == item.id)
    target = pos + step
    if not 0 <= target < len(siblings):
        return
    orders = sorted(s.sort_order for s in siblings)
    if len(set(orders)) < len(orders):  # duplicates (e.g. from an old load): number them in turn
        orders = list(range(orders[0], orders[0] + len(orders)))
    siblings[pos], siblings[target] = siblings[target], siblings[pos]
    for sibling, order in zip(siblings, orders, strict=True):
        sibling.sort_order = order
    session.flush()
    audit.record(session, actor.id, AuditAction.DICTIONARY_MOVE, "dictionary_item", item.id,
                 before={**_snapshot(session, item), "位置": pos + 1}, after={**_snapshot(session, item), "位置": target + 1})
