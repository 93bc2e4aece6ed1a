"""查看 a credit record: every field, the proof and the review trail.

The owner, the admin of the owner's institution and the provincial admin may see a record; another
institution's admin can see neither the record nor its proof.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme import clock
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain.compliance import format_credit
from cme.domain.enums import ReviewStatus
from cme.errors import NotFound
from cme.labels import REVIEW_STATUS
from cme.models import CreditRecord, CreditReview, User
from cme.storage import get_storage

ACTION_LABELS = {"submit": "提交", "update": "修改", "approve": "审核通过", "reject": "审核不过", "import": "批量导入"}


def _visible(session: Session, actor: Actor, credit_id: int) -> tuple[CreditRecord, User]:
    """The record and its owner (who may see it: policy row of get_credit/load_proof)."""
    rec = get_or_raise(session, CreditRecord, credit_id, "学分记录不存在")
    return rec, session.get_one(User, rec.user_id)


@dataclass(frozen=True)
class ReviewEntry:
    at: str
    actor: str
    action: str
    reason: str


@dataclass(frozen=True)
class CreditDetail:
    id: int
    owner: str
    project_code: str
    credits: str
    credit_type: str
    date_from: date
    date_to: date
    form: str
    project_name: str
    organizer: str
    year: int
    subject_parent: str
    subject_child: str
    remark: str
    status: str  # code
    status_label: str
    reject_reason: str
    source: str
    has_proof: bool
    proof_mime: str | None
    proof_name: str | None
    created_at: str
    editable: bool
    trail: list[ReviewEntry] = field(default_factory=list)

    def fields(self) -> dict[str, str]:
        """Every field with its Chinese label, for 查看."""
        return {
            "学分获取人": self.owner, "项目编号": self.project_code, "获取学分": self.credits, "学分类型": self.credit_type,
            "获取时间": f"{self.date_from} 至 {self.date_to}", "学分获取形式": self.form, "项目名称": self.project_name,
            "主办单位": self.organizer, "举办年度": str(self.year), "学科分类": f"{self.subject_parent} › {self.subject_child}",
            "备注说明": self.remark, "来源": self.source, "登记时间": self.created_at, "状态": self.status_label,
            "审核意见": self.reject_reason,
        }


@use_case
def get_credit(session: Session, actor: Actor, credit_id: int) -> CreditDetail:
    """查看: every field and the review trail."""
    rec, owner = _visible(session, actor, credit_id)
    trail = session.execute(
        select(CreditReview, User.name).join(User, User.id == CreditReview.actor_id)
        .where(CreditReview.credit_id == rec.id).order_by(CreditReview.at, CreditReview.id)
    ).all()
    return CreditDetail(
        rec.id, owner.name, rec.project_code, format_credit(rec.credits), rec.credit_type, rec.date_from, rec.date_to,
        rec.form, rec.project_name, rec.organizer, rec.year, rec.subject_parent, rec.subject_child, rec.remark or "",
        rec.status, REVIEW_STATUS[rec.status], rec.reject_reason or "", rec.source, bool(rec.proof_key), rec.proof_mime,
        rec.proof_name, clock.fmt_local(rec.created_at), rec.status == ReviewStatus.PENDING and rec.user_id == actor.id,
        [ReviewEntry(clock.fmt_local(r.at), name, ACTION_LABELS.get(r.action, r.action), r.reason or "") for r, name in trail],
    )


@use_case
def load_proof(session: Session, actor: Actor, credit_id: int) -> tuple[bytes, str | None, str]:
    """(content, mime, file name) of the proof, for those who may see the record."""
    rec, _ = _visible(session, actor, credit_id)
    if not rec.proof_key:
        raise NotFound("该学分记录没有上传证明材料")
    name = rec.proof_name or f"proof-{rec.id}.{rec.proof_key.rsplit('.', 1)[-1]}"
    return get_storage().load(rec.proof_key), rec.proof_mime, name
