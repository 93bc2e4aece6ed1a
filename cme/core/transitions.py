"""Exactly-once decisions: one record leaves its pending state once, whoever races for it.

Two admins may open the same queue and press 通过 / 不通过 at the same moment. A status read followed
by a write lets both succeed (two review rows, two audit rows, the last one wins). `decide` instead
moves the record with ONE conditional statement, `UPDATE … SET … WHERE id = :id AND status = :expected`,
and counts the rows it changed: the database lets exactly one transaction match, the other one
changes nothing and gets `RecordLocked(ALREADY_DECIDED)`; its unit of work rolls back, so it leaves
no review row and no audit row either. Callers write their trail only after `decide` returned.

The refusal of a rejection without a reason has one wording everywhere (`reject_reason`).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from cme.db import rows_changed
from cme.domain.enums import ReviewStatus
from cme.domain.identity import check_text
from cme.errors import RecordLocked, ValidationError

ALREADY_DECIDED = "该记录已被其他管理员处理"
REASON_REQUIRED = "审核不通过时必须填写原因"
REASON_MAX = 500


def decide(session: Session, model: type[Any], record_id: int, *, expected: str = ReviewStatus.PENDING, **values: Any) -> None:
    """Set `values` (including the new `status`) on the record only if it is still `expected`."""
    changed = rows_changed(
        session,
        update(model).where(model.id == record_id, model.status == expected).values(**values)
        .execution_options(synchronize_session="fetch")
    )
    if changed != 1:
        raise RecordLocked(ALREADY_DECIDED)


def reject_reason(raw: str | None, *, field: str = "审核意见") -> str:
    """The reason every 审核不通过 needs: required, at most 500 characters, shown literally."""
    try:
        return check_text(raw, max_len=REASON_MAX, multiline=True)
    except ValueError as e:
        raise ValidationError({field: REASON_REQUIRED if str(e) == "不能为空" else str(e)}) from None
