"""Append-only audit log: services call `record` in the same transaction as the change.

Reading (审计日志): the provincial admin sees every entry, an institution admin only the entries
of their institution; persons see none. Newest first, filtered by action, date range (China dates)
and actor (username or name), paged. As a second line of defence, any 18-digit ID number or
mobile number that slipped into before/after is masked on the way out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cme.clock import CHINA, fmt_local
from cme.crypto import mask_id_number, mask_phone
from cme.models import AuditLog, User
from cme.core.actors import Actor
from cme.core.policy import use_case

SECRET_KEYS = {"password", "password_hash", "token", "id_number_enc", "phone_enc"}
_ID_RE = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")
_PHONE_RE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")

# Chinese names of the actions services record; an unknown action is shown as it is stored
ACTION_LABELS = {
    "account.locked": "账号锁定", "login.success": "登录成功", "login.failure": "登录失败",
    "registration.status_query": "注册状态查询", "certificate.verify": "证书验证", "export": "导出数据", "account.disabled": "停用账号", "account.enabled": "启用账号",
    "access.denied": "越权操作被拒绝", "admin.created": "创建管理员", "user.created": "创建用户",
    "credit.submit": "学分登记", "credit.update": "学分修改", "credit.delete": "学分删除",
    "credit.approve": "学分审核通过", "credit.reject": "学分审核不过", "issue_certificate": "出具学分证明",
    "void_certificate": "作废学分证明", "notice.publish": "发布通知", "notice.withdraw": "撤回通知",
    "password.admin_reset": "管理员重置密码", "password.changed": "修改密码", "password.reset_by_sms": "短信找回密码",
    "profile_change": "档案变更申请", "profile_approve": "档案审核通过", "profile_reject": "档案审核不过",
    "registration.submitted": "个人注册", "registration.resubmitted": "注册信息修改",
    "registration.approved": "注册审核通过", "registration.rejected": "注册审核不过",
    "standard.add": "个人学分标准新增", "standard.delete": "个人学分标准删除",
    "transfer_request": "调动申请", "transfer_approve": "调动审核通过", "transfer_reject": "调动审核不过",
    "transfer_withdraw": "调动申请撤回",
    "department.add": "新增科室", "department.rename": "科室改名", "department.deactivate": "停用科室",
    "department.activate": "启用科室", "department.delete": "删除科室",
    "institution.add": "新增机构", "institution.update": "修改机构", "institution.deactivate": "停用机构",
    "institution.activate": "启用机构", "institution.admin_add": "创建单位管理员",
    "project.add": "新增项目", "project.update": "修改项目", "project.delete": "删除项目",
    "standard_version.add": "新增学分标准版本", "standard_version.update": "修改学分标准版本",
    "standard_version.delete": "删除学分标准版本",
    "credit.import": "批量导入学分", "legacy.import_users": "导入原平台用户", "legacy.wrap_hashes": "加固原平台密码哈希",
    "dictionary.add": "新增字典项", "dictionary.rename": "字典项改名", "dictionary.deactivate": "停用字典项",
    "dictionary.activate": "启用字典项", "dictionary.move": "字典项排序",
    "attendance.open": "开始签到", "attendance.close": "结束签到", "attendance.remove": "移出签到名单",
    "attendance.walk_in": "现场补录签到", "attendance.confirm": "签到确认授予学分",
    "enrolment.add": "预报名", "reminder.send": "提醒未达标人员",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def record(
    session: Session,
    actor_id: int | None,
    action: str,
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
    return datetime.combine(d, time(), tzinfo=CHINA).astimezone(timezone.utc).replace(tzinfo=None)


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
    record(session, actor.id, "export", "export", None, institution_id=actor.institution_id,
           after={"what": what[:60], "rows": int(rows)}, client=client)
