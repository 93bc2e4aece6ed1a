"""审计日志 in words an administrator reads: the Chinese name of what an entry is about (对象) and its
before/after as one row per field (字段 / 修改前 / 修改后) instead of JSON.

Services record before/after with their own keys (Chinese already, or the column names of the
tables); the names below cover every key they record, and a key not listed is shown as stored."""
from __future__ import annotations

from dataclasses import dataclass

from cme.labels import CERTIFICATE_KIND, REGISTRATION_STATUS, REVIEW_STATUS, ROLE

NONE = "（无）"

ENTITY_LABELS = {
    "user": "用户账号", "credit": "学分记录", "certificate": "学分证明", "attendance": "签到", "project": "项目",
    "reminder": "达标提醒", "notice": "通知公告", "dictionary_item": "字典项", "institution": "机构",
    "department": "科室", "profile_change": "档案变更", "transfer": "调动", "personal_standard": "个人学分标准",
    "credit_standard": "学分标准版本", "import": "批量导入", "export": "数据导出",
}

FIELD_LABELS = {
    "username": "用户名", "name": "名称", "role": "角色", "status": "状态", "reason": "原因", "note": "说明",
    "id_number": "身份证号", "phone": "手机号", "institution": "机构", "login": "登录名", "locked": "已锁定",
    "matched": "查到注册信息", "must_change_password": "须修改密码", "found": "查到证书", "active": "启用",
    "kind": "证明类型", "year_from": "起始年度", "year_to": "终止年度", "content_hash": "内容校验码",
    "code": "编码", "region": "所属地区", "region_level": "区域等级", "title_level": "职称级别",
    "effective_year": "执行年度", "national_i_per_cycle": "国家级I类（每周期）", "cycle_years": "周期年数",
    "provincial_i_per_year": "省级I类（每年）", "class_ii_per_year": "II类（每年）", "total_per_year": "总学分（每年）",
    "organizer": "主办单位", "year": "举办年度", "credit_type": "学分类型", "credits": "学分", "form": "学分获取形式",
    "subject": "学科分类", "date_from": "开始日期", "date_to": "结束日期", "from": "调出机构", "to": "调入机构",
    "department": "调入科室", "institution_id": "机构", "department_id": "科室", "changed": "变更项目",
    "lists": "变更的列表", "what": "导出内容", "rows": "行数",
}
# where one key means something narrower for one kind of entry
_FIELD_LABELS_OF = {"user": {"name": "姓名"}, "project": {"code": "项目编号", "name": "项目名称"},
                    "credit_standard": {"code": "标准代码", "name": "标准名称"}, "institution": {"code": "机构编码", "name": "机构名称"},
                    "department": {"name": "科室名称"}}

_CERTIFICATE_STATUS = {"genuine": "有效", "voided": "已作废"}
_NOTICE_STATUS = {"published": "已发布", "withdrawn": "已撤回"}
# stored codes shown by their Chinese names, per field (and per kind of entry where they differ)
_VALUE_LABELS = {
    "role": ROLE, "kind": CERTIFICATE_KIND,
    "status": {**REVIEW_STATUS, **_CERTIFICATE_STATUS, **_NOTICE_STATUS},
}
_VALUE_LABELS_OF = {"user": {"status": REGISTRATION_STATUS}}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity)


def field_label(entity: str, key: str) -> str:
    return _FIELD_LABELS_OF.get(entity, {}).get(key) or FIELD_LABELS.get(key, key)


def show_value(entity: str, key: str, value) -> str:
    """A recorded value as text: codes by their Chinese names, 是/否, lists joined, nothing as （无）."""
    if value is None or value == "" or value == []:
        return NONE
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(show_value(entity, key, v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(entity, k)}：{show_value(entity, k, v)}" for k, v in value.items())
    labels = _VALUE_LABELS_OF.get(entity, {}).get(key) or _VALUE_LABELS.get(key, {})
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


def field_changes(entity: str, before: dict | None, after: dict | None) -> list[FieldChange]:
    """One row per recorded field, in the order recorded (before's fields first, then the new ones)."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [FieldChange(field_label(entity, k), show_value(entity, k, before.get(k)), show_value(entity, k, after.get(k)))
            for k in keys]
