"""The technical profile's fields (manual §7.1, fig. 29–32) and pure rules over them.

A profile *snapshot* is a plain dict::

    {"basic": {label: value, …}, "education": [row, …], "training": […], "publication": […],
     "work": […], "award": […]}

Basic keys are the Chinese labels of fig. 30 plus 技术职称 (the demo seed uses the same keys).
Dates are ISO strings (``2013-07-11``). A sensitive value (联系电话) is stored as a dict
``{"enc", "hash", "masked"}`` by the service; this module compares such values by ``hash`` and
shows them by ``masked`` — it never sees a readable number it did not get from its caller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from cme.domain.identity import EMAIL_RE, check_text, normalize
from cme.domain.inputs import fold_digits
from cme.errors import FieldErrors, ValidationError

PARTS = ("education", "training", "publication", "work", "award")
PART_LABELS = {
    "education": "个人教育经历",
    "training": "个人培训经历",
    "publication": "个人论文论著",
    "work": "个人工作经历",
    "award": "个人获奖情况",
}
TABS = ("个人基本信息",) + tuple(PART_LABELS[p] for p in PARTS)

# option sources: a dictionary kind in DictionaryItem, or one of these special sources
TITLES = "@技术职称"  # reference.titles()
CITIES = "@市州"  # the 市州 of Sichuan, reference.regions()


@dataclass(frozen=True)
class Field:
    label: str  # also the key in the snapshot
    kind: str = "text"  # text / select / date / email / phone / postcode
    source: str | None = None  # for selects: dictionary kind or TITLES / CITIES
    max_len: int = 50
    wide: bool = False  # takes a whole row in forms and the resume


def _sel(label: str, source: str | None = None) -> Field:
    return Field(label, "select", source or label)


#: 个人基本信息, in the order of fig. 30, plus 技术职称. 证件类型/证件号码 come from the account
#: (the 身份证号 given at registration, shown masked) and are not edited here.
BASIC_FIELDS: tuple[Field, ...] = (
    Field("姓名", max_len=30),
    _sel("性别"),
    Field("出生日期", "date"),
    Field("出生地", max_len=100),
    _sel("民族"),
    Field("籍贯", max_len=50),
    _sel("政治面貌"),
    _sel("婚姻状况"),
    Field("通讯地址", max_len=200, wide=True),
    Field("邮政编码", "postcode", max_len=6),
    Field("联系电话", "phone", max_len=20),
    Field("电子邮箱", "email", max_len=100),
    Field("家庭住址", max_len=200, wide=True),
    Field("毕业学校", max_len=100),
    Field("毕业时间", "date"),
    _sel("所学专业"),
    _sel("最高学历", "学历"),
    _sel("最高学位", "学位"),
    _sel("外语语种"),
    _sel("外语等级"),
    Field("工作单位", max_len=100),
    _sel("工作性质"),
    Field("参加工作时间", "date"),
    _sel("所属市州", CITIES),
    _sel("行政职务"),
    _sel("执业科目"),
    _sel("是否执业医师", "是否"),
    Field("执业医师证号", max_len=40),
    _sel("是否参加继续教育", "是否"),
    _sel("技术职称", TITLES),
)
BASIC_BY_LABEL = {f.label: f for f in BASIC_FIELDS}
PHOTO = "照片"  # basic[PHOTO] holds the storage key of the uploaded photo
SENSITIVE = frozenset({"联系电话"})

#: 用户个人基本信息填写 (first login, fig. 29): all required.
FIRST_LOGIN_FIELDS = (
    "姓名", "性别", "出生日期", "民族", "政治面貌", "毕业学校", "所学专业", "通讯地址", "联系电话",
    "最高学历", "最高学位", "行政职务", "是否参加继续教育",
)
#: Always required when saving 个人基本信息.
BASIC_REQUIRED = frozenset({"姓名", "性别", "出生日期"})


@dataclass(frozen=True)
class EntryPart:
    part: str
    fields: tuple[Field, ...]
    required: frozenset[str]
    start: str | None  # the date that must not be after `end`
    end: str | None
    end_optional_label: str = ""  # shown when `end` is empty (e.g. 至今)


ROLE_OPTIONS = "@作者排名"
AUTHOR_ROLES = ["第一作者", "通讯作者", "第二作者", "其他作者", "主编", "副主编", "编委"]
PUBLICATION_KINDS = ["期刊论文", "会议论文", "专著", "教材", "其他"]
AWARD_LEVELS = ["国家级", "省部级", "市厅级", "院级", "其他"]
SPECIAL_OPTIONS = {
    ROLE_OPTIONS: AUTHOR_ROLES,
    "@论著类别": PUBLICATION_KINDS,
    "@获奖级别": AWARD_LEVELS,
}

ENTRY_PARTS: dict[str, EntryPart] = {
    "education": EntryPart(
        "education",
        (Field("开始日期", "date"), Field("结束日期", "date"), Field("学校名称", max_len=100),
         _sel("所学专业"), _sel("学历"), _sel("学位")),
        frozenset({"开始日期", "结束日期", "学校名称", "学历"}), "开始日期", "结束日期",
    ),
    "training": EntryPart(
        "training",
        (Field("开始日期", "date"), Field("结束日期", "date"), Field("培训机构", max_len=100),
         Field("培训内容", max_len=200, wide=True), Field("获得证书", max_len=100)),
        frozenset({"开始日期", "结束日期", "培训机构", "培训内容"}), "开始日期", "结束日期",
    ),
    "publication": EntryPart(
        "publication",
        (Field("发表日期", "date"), Field("题目", max_len=200, wide=True), Field("刊物或出版社", max_len=100),
         Field("类别", "select", "@论著类别"), Field("本人排名", "select", ROLE_OPTIONS)),
        frozenset({"发表日期", "题目", "刊物或出版社", "类别"}), None, "发表日期",
    ),
    "work": EntryPart(
        "work",
        (Field("开始日期", "date"), Field("结束日期", "date"), Field("工作单位", max_len=100),
         Field("科室", max_len=50), Field("职务或职称", max_len=50)),
        frozenset({"开始日期", "工作单位"}), "开始日期", "结束日期", "至今",
    ),
    "award": EntryPart(
        "award",
        (Field("获奖日期", "date"), Field("奖项名称", max_len=200, wide=True), Field("授奖单位", max_len=100),
         Field("获奖级别", "select", "@获奖级别"), Field("本人排名", max_len=20)),
        frozenset({"获奖日期", "奖项名称", "授奖单位"}), None, "获奖日期",
    ),
}


def empty_snapshot() -> dict:
    return {"basic": {}, **{p: [] for p in PARTS}}


def normalize_snapshot(snapshot: dict | None) -> dict:
    """A snapshot with every part present (old rows may lack some)."""
    out = empty_snapshot()
    for key, value in (snapshot or {}).items():
        out[key] = dict(value) if key == "basic" else [dict(r) for r in value]
    return out


# ---- validation -----------------------------------------------------------------------------


def parse_date(value) -> date | None:
    """A date from a date, a datetime or an ISO/`2013/07/11` string; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = fold_digits(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        m = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
    raise ValueError("日期格式不正确，应为 年-月-日")


def _clean_value(f: Field, raw, options: dict[str, list[str]], today: date, required: bool):
    """One field's cleaned value ('' when empty and optional); raises ValueError in Chinese."""
    if f.kind == "date":
        d = parse_date(raw)
        if d is None:
            if required:
                raise ValueError("不能为空")
            return ""
        if d > today:
            raise ValueError("不能晚于今天")
        if d.year < 1900:
            raise ValueError("日期无效")
        return d.isoformat()
    text = check_text(None if raw is None else str(raw), max_len=f.max_len, required=required)
    if not text:
        return ""
    if f.kind == "select":
        allowed = options.get(f.source or f.label, SPECIAL_OPTIONS.get(f.source or ""))
        if allowed is not None and text not in allowed:
            raise ValueError("请从列表中选择")
    elif f.kind == "email":
        text = normalize(text)  # an address is an identifier: full-width ＠ folds
        if not EMAIL_RE.fullmatch(text):
            raise ValueError("格式不正确")
    elif f.kind in ("postcode", "phone"):
        text = fold_digits(text)  # full-width ０-９ welcome; other scripts' digits refused by [0-9]
        if f.kind == "postcode" and not re.fullmatch(r"[0-9]{6}", text):
            raise ValueError("应为6位数字")
        if f.kind == "phone" and not re.fullmatch(r"(1[3-9][0-9]{9})|(0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)", text):
            raise ValueError("请输入11位手机号或带区号的固定电话")
    return text


def validate_basic(
    fields: dict, options: dict[str, list[str]], today: date, required: frozenset[str] | tuple = BASIC_REQUIRED
) -> dict[str, str]:
    """Cleaned 个人基本信息 (only known labels kept) or ValidationError naming every bad field.

    Date rules: no date after today; 毕业时间 and 参加工作时间 not before 出生日期.
    """
    errors = FieldErrors()
    clean: dict[str, str] = {}
    for f in BASIC_FIELDS:
        if f.label not in fields and f.label not in required:
            continue
        clean[f.label] = errors.check(f.label, _clean_value, f, fields.get(f.label), options, today, f.label in required)
    born = clean.get("出生日期")
    for later in ("毕业时间", "参加工作时间"):
        if born and clean.get(later) and clean[later] < born:
            errors[later] = "不能早于出生日期"
    if born and born > date(today.year - 14, today.month, min(today.day, 28)).isoformat():
        errors["出生日期"] = "出生日期不合理"
    errors.raise_if_any()
    return clean


def validate_entry(part: str, data: dict, options: dict[str, list[str]], today: date) -> dict[str, str]:
    """One cleaned list row of `part`, or ValidationError. Start date must not be after end date."""
    spec = ENTRY_PARTS.get(part)
    if spec is None:
        raise ValidationError("档案模块不存在")
    errors = FieldErrors()
    clean: dict[str, str] = {}
    for f in spec.fields:
        clean[f.label] = errors.check(f.label, _clean_value, f, data.get(f.label), options, today, f.label in spec.required)
    if spec.start and spec.end and clean.get(spec.start) and clean.get(spec.end) and clean[spec.start] > clean[spec.end]:
        errors[spec.end] = f"不能早于{spec.start}"
    errors.raise_if_any()
    return clean


def sort_rows(part: str, rows: list[dict]) -> list[dict]:
    """Newest first by the start (or only) date, as a résumé reads."""
    spec = ENTRY_PARTS[part]
    key = spec.start or spec.end
    return sorted(rows, key=lambda r: r.get(key) or "", reverse=True)


# ---- diff (变更详情) --------------------------------------------------------------------------


def shown(value) -> str:
    """What a screen shows for a stored value (a protected value by its mask)."""
    if isinstance(value, dict):
        return value.get("masked", "")
    if value is None:
        return ""
    return str(value)


def _comparable(value):
    if isinstance(value, dict):
        return ("hash", value.get("hash"))
    return "" if value is None else str(value)


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str
    changed: bool


@dataclass(frozen=True)
class PartChange:
    part: str
    label: str
    headers: list[str]
    before: list[list[str]]
    after: list[list[str]]
    changed: bool
    added: int  # rows only in after
    removed: int  # rows only in before


@dataclass(frozen=True)
class SnapshotDiff:
    basic: list[FieldChange]
    parts: list[PartChange]

    @property
    def changed_labels(self) -> list[str]:
        return [c.label for c in self.basic if c.changed] + [p.label for p in self.parts if p.changed]


def diff_snapshots(before: dict | None, after: dict | None) -> SnapshotDiff:
    """Every basic field side by side with a changed flag; each list part compared as rows."""
    b, a = normalize_snapshot(before), normalize_snapshot(after)
    labels = [f.label for f in BASIC_FIELDS] + [PHOTO]
    basic = []
    for label in labels:
        bv, av = b["basic"].get(label), a["basic"].get(label)
        if label == PHOTO:
            changed = (bv or None) != (av or None)
            photo_after = ("已上传" if av else "") + ("（新）" if changed and av else "")
            basic.append(FieldChange(label, "已上传" if bv else "", photo_after, changed))
            continue
        basic.append(FieldChange(label, shown(bv), shown(av), _comparable(bv) != _comparable(av)))
    parts = []
    for p in PARTS:
        headers = [f.label for f in ENTRY_PARTS[p].fields]
        rb = [[shown(r.get(h)) for h in headers] for r in b[p]]
        ra = [[shown(r.get(h)) for h in headers] for r in a[p]]
        added = sum(1 for r in ra if r not in rb)
        removed = sum(1 for r in rb if r not in ra)
        parts.append(PartChange(p, PART_LABELS[p], headers, rb, ra, bool(added or removed) or rb != ra, added, removed))
    return SnapshotDiff(basic, parts)
