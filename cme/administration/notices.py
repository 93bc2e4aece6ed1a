"""通知公告 (SPEC §8, manual fig. 15).

Rules:
* Everyone logged in sees province-wide notices (通知级别 省级) and those of their own institution
  (单位); another institution's notices stay hidden. Withdrawn notices leave the home table.
* The provincial admin publishes province-wide notices; an institution admin publishes for their
  own institution only. Each withdraws only what their scope covers (the province: any notice).
* 状态 is derived: 已撤回, or by the activity dates 未开始 / 进行中 / 已结束 (已发布 without dates).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cme import clock
from cme.core import audit
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain.enums import AuditAction, NoticeStatus
from cme.domain.identity import check_text
from cme.errors import FieldErrors, RecordLocked
from cme.models import Notice, User

LEVEL_PROVINCE = "省级"
LEVEL_UNIT = "单位"


@dataclass(frozen=True)
class NoticeRow:
    id: int
    title: str
    sender: str
    published_at: str
    level: str
    theme: str
    start_date: date | None
    end_date: date | None
    status: str
    body: str
    withdrawn: bool

    def table_row(self) -> dict[str, object]:
        """The fig. 15 columns."""
        return {"通知标题": self.title, "发送者": self.sender, "发布时间": self.published_at, "通知级别": self.level,
                "活动主题": self.theme, "举办开始日期": self.start_date, "举办结束日期": self.end_date, "状态": self.status}


def status_label(n: Notice, today: date) -> str:
    if n.status == NoticeStatus.WITHDRAWN:
        return "已撤回"
    if n.start_date and today < n.start_date:
        return "未开始"
    if n.end_date and today > n.end_date:
        return "已结束"
    if n.start_date or n.end_date:
        return "进行中"
    return "已发布"


def _rows(session: Session, q) -> list[NoticeRow]:
    today = clock.today()
    rows = session.execute(q.order_by(Notice.published_at.desc(), Notice.id.desc())).all()
    return [NoticeRow(n.id, n.title, sender, clock.fmt_local(n.published_at), n.level, n.theme or "", n.start_date,
                      n.end_date, status_label(n, today), n.body or "", n.status == NoticeStatus.WITHDRAWN) for n, sender in rows]


def _visible_to(actor: Actor):
    return (or_(Notice.institution_id.is_(None), Notice.institution_id == actor.institution_id)
            if actor.institution_id is not None else Notice.institution_id.is_(None))


@use_case
def list_notices(session: Session, actor: Actor, *, limit: int = 50) -> list[NoticeRow]:
    """首页 table: published province-wide notices and those of the actor's institution."""
    q = (
        select(Notice, User.name).join(User, User.id == Notice.sender_id)
        .where(Notice.status == NoticeStatus.PUBLISHED).where(_visible_to(actor))
        .limit(limit)
    )
    return _rows(session, q)


@use_case
def recent_notice_count(session: Session, actor: Actor, days: int = 30) -> int:
    """Published notices the actor sees that came out in the last `days` days (the 首页 badge)."""
    since = clock.utcnow() - timedelta(days=days)
    return int(session.execute(select(func.count()).select_from(Notice).where(
        Notice.status == NoticeStatus.PUBLISHED, _visible_to(actor), Notice.published_at >= since)).scalar_one())


@use_case
def manageable_notices(session: Session, actor: Actor) -> list[NoticeRow]:
    """What the admin may withdraw: their institution's notices, or (province) the province-wide ones."""
    q = select(Notice, User.name).join(User, User.id == Notice.sender_id)
    q = q.where(Notice.institution_id.is_(None)) if actor.is_province_admin else q.where(Notice.institution_id == actor.institution_id)
    return _rows(session, q)


@use_case
def create_notice(session: Session, actor: Actor, *, title: str, body: str = "", theme: str = "",
                  start_date: date | None = None, end_date: date | None = None) -> int:
    """Publish: the province → 省级 for everyone; an institution admin → 单位 for own staff."""
    errors = FieldErrors()
    clean = {}
    for label, key, raw, max_len, required in (("通知标题", "title", title, 200, True), ("活动主题", "theme", theme, 200, False),
                                               ("通知内容", "body", body, 5000, False)):
        clean[key] = errors.check(label, check_text, raw, max_len=max_len, required=required, multiline=key == "body") or None
    if start_date and end_date and start_date > end_date:
        errors["举办结束日期"] = "不能早于举办开始日期"
    errors.raise_if_any()
    notice = Notice(sender_id=actor.id, institution_id=None if actor.is_province_admin else actor.institution_id,
                    level=LEVEL_PROVINCE if actor.is_province_admin else LEVEL_UNIT, start_date=start_date,
                    end_date=end_date, status=NoticeStatus.PUBLISHED, **clean)
    session.add(notice)
    session.flush()
    audit.record(session, actor.id, AuditAction.NOTICE_PUBLISH, "notice", notice.id, institution_id=notice.institution_id,
                 after={"通知标题": notice.title, "通知级别": notice.level})
    return notice.id


@use_case
def withdraw_notice(session: Session, actor: Actor, notice_id: int) -> None:
    """撤回: an institution admin only their institution's notices; the province any."""
    notice = get_or_raise(session, Notice, notice_id, "通知不存在")
    if notice.status == NoticeStatus.WITHDRAWN:
        raise RecordLocked("该通知已撤回")
    notice.status = NoticeStatus.WITHDRAWN
    audit.record(session, actor.id, AuditAction.NOTICE_WITHDRAW, "notice", notice.id, institution_id=notice.institution_id,
                 before={"状态": NoticeStatus.PUBLISHED}, after={"状态": NoticeStatus.WITHDRAWN})
