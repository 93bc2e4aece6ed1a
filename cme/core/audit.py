"""Append-only audit log: services call `record` in the same transaction as the change.

Reading (审计日志): the provincial admin sees every entry, an institution admin only the entries
of their institution; persons see none. Newest first, filtered by action, date range (China dates)
and actor (username or name), paged. As a second line of defence, any 18-digit ID number or
mobile number that slipped into before/after is masked on the way out.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cme.clock import CHINA, fmt_local
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.crypto import mask_id_number, mask_phone
from cme.domain.enums import AuditAction
from cme.models import AuditLog, User

SECRET_KEYS = {"password", "password_hash", "token", "id_number_enc", "phone_enc"}
_ID_RE = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")
_PHONE_RE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")

# Chinese names of the actions services record: one for every AuditAction (tests/unit/test_audit_actions.py);
# an action not named here (a row older than its code) is shown as it is stored
A = AuditAction
ACTION_LABELS: dict[str, str] = {
    A.ACCESS_DENY: "越权操作被拒绝", A.ACCOUNT_DISABLE: "停用账号", A.ACCOUNT_ENABLE: "启用账号", A.ACCOUNT_LOCK: "账号锁定",
    A.ADMIN_CREATE: "创建管理员", A.USER_CREATE: "创建用户", A.LEGACY_IMPORT_USERS: "导入原平台用户",
    A.LEGACY_WRAP_HASHES: "加固原平台密码哈希",
    A.LOGIN_SUCCEED: "登录成功", A.LOGIN_FAIL: "登录失败", A.PASSWORD_CHANGE: "修改密码",
    A.PASSWORD_RESET_BY_ADMIN: "管理员重置密码", A.PASSWORD_RESET_BY_SMS: "短信找回密码",
    A.REGISTRATION_SUBMIT: "个人注册", A.REGISTRATION_RESUBMIT: "注册信息修改", A.REGISTRATION_APPROVE: "注册审核通过",
    A.REGISTRATION_REJECT: "注册审核不过", A.REGISTRATION_QUERY_STATUS: "注册状态查询",
    A.CREDIT_SUBMIT: "学分登记", A.CREDIT_UPDATE: "学分修改", A.CREDIT_DELETE: "学分删除", A.CREDIT_APPROVE: "学分审核通过",
    A.CREDIT_REJECT: "学分审核不过", A.CREDIT_IMPORT: "批量导入学分", A.DATA_EXPORT: "导出数据",
    A.CERTIFICATE_ISSUE: "出具学分证明", A.CERTIFICATE_VOID: "作废学分证明", A.CERTIFICATE_VERIFY: "证书验证",
    A.NOTICE_PUBLISH: "发布通知", A.NOTICE_WITHDRAW: "撤回通知",
    A.PROFILE_SUBMIT_FIRST: "首次填写档案", A.PROFILE_SAVE_BASIC: "修改基本信息", A.PROFILE_SAVE_ENTRY: "修改档案条目",
    A.PROFILE_DELETE_ENTRY: "删除档案条目", A.PROFILE_UPLOAD_PHOTO: "上传照片",
    A.PROFILE_APPROVE: "档案审核通过", A.PROFILE_REJECT: "档案审核不过",
    A.STANDARD_ADD: "个人学分标准新增", A.STANDARD_DELETE: "个人学分标准删除",
    A.TRANSFER_REQUEST: "调动申请", A.TRANSFER_APPROVE: "调动审核通过", A.TRANSFER_REJECT: "调动审核不过",
    A.TRANSFER_WITHDRAW: "调动申请撤回",
    A.DEPARTMENT_ADD: "新增科室", A.DEPARTMENT_RENAME: "科室改名", A.DEPARTMENT_DEACTIVATE: "停用科室",
    A.DEPARTMENT_ACTIVATE: "启用科室", A.DEPARTMENT_DELETE: "删除科室",
    A.INSTITUTION_ADD: "新增机构", A.INSTITUTION_UPDATE: "修改机构", A.INSTITUTION_DEACTIVATE: "停用机构",
    A.INSTITUTION_ACTIVATE: "启用机构", A.INSTITUTION_ADD_ADMIN: "创建单位管理员",
    A.PROJECT_ADD: "新增项目", A.PROJECT_UPDATE: "修改项目", A.PROJECT_DELETE: "删除项目",
    A.STANDARD_VERSION_ADD: "新增学分标准版本", A.STANDARD_VERSION_UPDATE: "修改学分标准版本",
    A.STANDARD_VERSION_DELETE: "删除学分标准版本",
    A.DICTIONARY_ADD: "新增字典项", A.DICTIONARY_RENAME: "字典项改名", A.DICTIONARY_DEACTIVATE: "停用字典项",
    A.DICTIONARY_ACTIVATE: "启用字典项", A.DICTIONARY_MOVE: "字典项排序",
    A.ATTENDANCE_OPEN: "开始签到", A.ATTENDANCE_CLOSE: "结束签到", A.ATTENDANCE_REMOVE: "移出签到名单",
    A.ATTENDANCE_ADD_WALK_IN: "现场补录签到", A.ATTENDANCE_CONFIRM: "签到确认授予学分",
    A.ENROLMENT_ADD: "预报名", A.REMINDER_SEND: "提醒未达标人员",
}
del A


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def record(
    session: Session,
    actor_id: int | None,
    action: AuditAction,
    entity: str,
    entity_id: object = None,
    *,
    institution_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    client: str | None = None,
) -> None:
    """Never log raw 身份证号/手机号: callers pass masked values only. `client`: the browser's
    address, for logins, public queries and exports."""
    session.add(
        AuditLog(
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            institution_id=institution_id,
            before=before,
            after=after,
            client=(client or None) and client[:64],
        )
    )


def record_add(session: Session, actor_id: int | None, action: AuditAction, entity: str, row: Any,
               snapshot: Callable[[Any], dict], **where: Any) -> int:
    """Insert `row` and record its snapshot; returns its new id."""
    session.add(row)
    session.flush()
    record(session, actor_id, action, entity, row.id, after=snapshot(row), **where)
    return row.id


def record_update(session: Session, actor_id: int | None, action: AuditAction, entity: str, row: Any,
                  values: dict[str, Any], snapshot: Callable[[Any], dict], **where: Any) -> None:
    """Set `values` on `row` and record its snapshot before and after, when anything changed."""
    before = snapshot(row)
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    if (after := snapshot(row)) != before:
        record(session, actor_id, action, entity, row.id, before=before, after=after, **where)


def record_switch(session: Session, actor_id: int | None, row: Any, active: bool, actions: tuple[AuditAction, AuditAction],
                  entity: str, *, key: str = "active", shown: Callable[[], dict] = dict, **where: Any) -> None:
    """停用/启用: set `row.active` and record the first action (on) or the second (off), with what `shown`
    returns beside the flag under `key`. Nothing happens when the row already is so."""
    if row.active == active:
        return
    row.active = active
    session.flush()
    same = shown()
    record(session, actor_id, actions[0] if active else actions[1], entity, row.id,
           before={**same, key: not active}, after={**same, key: active}, **where)


@dataclass(frozen=True)
class AuditRow:
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict | None
    after: dict | None
    id: int = 0
    actor_username: str = ""

    @property
    def action_label(self) -> str:
        return action_label(self.action)


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    date_from: date | None = None  # China dates, inclusive
    date_to: date | None = None
    actor: str = ""  # part of the actor's username or name


def _scrub(value):
    """Mask any raw ID/phone number and drop secrets (defence in depth for the reader)."""
    if isinstance(value, dict):
        return {k: ("******" if k in SECRET_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        value = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), value)
        return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), value)
    return value


def _utc(d: date) -> datetime:
    """Midnight of a China date as naive UTC (how `at` is stored)."""
    return datetime.combine(d, time(), tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


def _query(actor: Actor, flt: AuditFilter):
    q = select(AuditLog, User.name, User.username).outerjoin(User, User.id == AuditLog.actor_id)
    if actor.is_unit_admin:
        q = q.where(AuditLog.institution_id == actor.institution_id)
    if flt.action:
        q = q.where(AuditLog.action == flt.action)
    if flt.date_from:
        q = q.where(AuditLog.at >= _utc(flt.date_from))
    if flt.date_to:
        q = q.where(AuditLog.at < _utc(flt.date_to + timedelta(days=1)))
    if who := (flt.actor or "").strip():
        q = q.where(or_(User.username.contains(who), User.name.contains(who)))
    return q


@use_case
def list_audit(session: Session, actor: Actor, *, limit: int = 200, action: str | None = None,
               flt: AuditFilter | None = None, offset: int = 0) -> list[AuditRow]:
    """Admins see the trail: the provincial admin everything, an institution admin their own. Newest first."""
    flt = flt or AuditFilter()
    if action:
        flt = AuditFilter(action, flt.date_from, flt.date_to, flt.actor)
    q = _query(actor, flt).order_by(AuditLog.id.desc()).offset(max(offset, 0)).limit(limit)
    return [
        AuditRow(fmt_local(a.at), name or "系统", a.action, a.entity, a.entity_id, _scrub(a.before), _scrub(a.after),
                 a.id, username or "")
        for a, name, username in session.execute(q).all()
    ]


@use_case
def count_audit(session: Session, actor: Actor, flt: AuditFilter | None = None) -> int:
    """How many entries match (for paging)."""
    sub = _query(actor, flt or AuditFilter()).with_only_columns(AuditLog.id).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


@use_case
def audit_actions(session: Session, actor: Actor) -> list[str]:
    """The actions present in the actor's scope (the filter's options)."""
    q = select(AuditLog.action).distinct()
    if actor.is_unit_admin:
        q = q.where(AuditLog.institution_id == actor.institution_id)
    return sorted(session.scalars(q), key=action_label)


@use_case
def record_export(session: Session, actor: Actor, what: str, rows: int, *, client: str | None = None) -> None:
    """A download of personal data (学分信息, 本机构人员…) goes on record: who, what, how many rows, from where."""
    record(session, actor.id, AuditAction.DATA_EXPORT, "export", None, institution_id=actor.institution_id,
           after={"what": what[:60], "rows": int(rows)}, client=client)
