"""`python -m cme check`: is what the database and the file store say consistent?

* every person-year summary equals the totals of its raw credit rows (and none is missing);
* every stored file belongs to a row (no orphans, no leftover staged `.part` files) and every
  file a row names exists (none missing);
* the decision trail: no credit and no transfer decided more than once.
`--repair` recomputes the differing summaries (under the person's lock) and removes leftover staged
files; orphans and missing files are only reported (a person must look at them).
The exit code is non-zero when anything differs, so it can run after a restore or in monitoring.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cme.credits.summaries import TOTAL_FIELDS, as_totals, refresh_summaries, totals_columns
from cme.domain.enums import AuditAction
from cme.domain.profile_fields import PHOTO
from cme.models import AuditLog, CreditRecord, CreditReview, CreditSummary, Profile, ProfileChangeRequest
from cme.storage import get_storage


@dataclass
class CheckReport:
    drifted_summaries: list[tuple[int, int]] = field(default_factory=list)  # (user_id, year)
    orphan_files: list[str] = field(default_factory=list)
    staged_files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    double_decisions: list[str] = field(default_factory=list)  # "credit 12", "transfer 3"
    repaired: int = 0

    @property
    def clean(self) -> bool:
        return not (self.drifted_summaries or self.orphan_files or self.staged_files or self.missing_files
                    or self.double_decisions)

    def lines(self) -> list[str]:
        return [
            f"学分汇总与原始记录不一致：{len(self.drifted_summaries)}",
            f"无记录引用的文件：{len(self.orphan_files)}",
            f"未完成的暂存文件：{len(self.staged_files)}",
            f"记录引用但缺失的文件：{len(self.missing_files)}",
            f"重复审核：{len(self.double_decisions)}",
        ] + ([f"已修复学分汇总：{self.repaired}"] if self.repaired else [])


def _drifted_summaries(session: Session) -> list[tuple[int, int]]:
    raw = {(u, y): as_totals(rest) for u, y, *rest in session.execute(
        select(CreditRecord.user_id, CreditRecord.year, *totals_columns())
        .group_by(CreditRecord.user_id, CreditRecord.year))}
    stored = {(s.user_id, s.year): tuple(getattr(s, f) for f in TOTAL_FIELDS) for s in session.scalars(select(CreditSummary))}
    zero = as_totals([0] * len(TOTAL_FIELDS))
    return sorted(k for k in raw.keys() | stored.keys() if raw.get(k, zero) != stored.get(k, zero))


def _referenced_files(session: Session) -> set[str]:
    keys: set[str] = set()
    for column in (CreditRecord.proof_key, Profile.photo_key):
        keys.update(k for k in session.scalars(select(column).where(column.is_not(None))) if k is not None)
    for before, after in session.execute(select(ProfileChangeRequest.before, ProfileChangeRequest.after)):
        for snapshot in (before, after):
            key = ((snapshot or {}).get("basic") or {}).get(PHOTO)
            if isinstance(key, str) and key:
                keys.add(key)
    return keys


def _double_decisions(session: Session) -> list[str]:
    credits = session.execute(
        select(CreditReview.credit_id).where(CreditReview.action.in_(("approve", "reject")))
        .group_by(CreditReview.credit_id).having(func.count() > 1))
    transfers = session.execute(  # an approval writes one row per institution: count deciders
        select(AuditLog.entity_id).where(AuditLog.action.in_((AuditAction.TRANSFER_APPROVE, AuditAction.TRANSFER_REJECT)))
        .group_by(AuditLog.entity_id).having(func.count(AuditLog.actor_id.distinct()) > 1))
    return [f"credit {c}" for (c,) in credits] + [f"transfer {t}" for (t,) in transfers]


def check(session: Session, *, repair: bool = False) -> CheckReport:
    report = CheckReport(drifted_summaries=_drifted_summaries(session))
    final, staged = get_storage().keys()
    referenced = _referenced_files(session)
    report.orphan_files = sorted(final - referenced)
    report.staged_files = sorted(staged - referenced)
    report.missing_files = sorted(referenced - final - staged)
    report.double_decisions = _double_decisions(session)
    if repair:
        refresh_summaries(session, report.drifted_summaries)
        storage = get_storage()
        for key in report.staged_files:
            storage.discard(key)
        report.repaired = len(report.drifted_summaries)
    return report
