"""Append-only audit log: services call `record` in the same transaction as the change."""
from __future__ import annotations

from dataclasses import dataclass
from sqlalchemy import select
from sqlalchemy.orm import Session

from cme.clock import fmt_local
from cme.models import AuditLog, User
from cme.services.actors import Actor, require_role


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
) -> None:
    """Never log raw 身份证号/手机号: callers pass masked values only."""
    session.add(
        AuditLog(
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            institution_id=institution_id,
            before=before,
            after=after,
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


def list_audit(session: Session, actor: Actor, *, limit: int = 200, action: str | None = None) -> list[AuditRow]:
    """Admins see the trail: the provincial admin everything, an institution admin their own."""
    require_role(actor, "unit", "province")
    q = select(AuditLog, User.name).outerjoin(User, User.id == AuditLog.actor_id)
    if actor.is_unit_admin:
        q = q.where(AuditLog.institution_id == actor.institution_id)
    if action:
        q = q.where(AuditLog.action == action)
    rows = session.execute(q.order_by(AuditLog.id.desc()).limit(limit)).all()
    return [
        AuditRow(fmt_local(a.at), name or "系统", a.action, a.entity, a.entity_id, a.before, a.after)
        for a, name in rows
    ]
