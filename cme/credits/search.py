"""学分综合查询: filters, the result table and its CSV/XLSX export.

A person searches their own records, an institution admin their staff's, the province everyone's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cme import clock
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.domain.compliance import CLASS_II
from cme.domain.enums import ReviewStatus
from cme.labels import REVIEW_STATUS
from cme.models import CreditRecord, User
from cme.reports.tables import csv_bytes, number, xlsx_bytes

STATUS_BY_LABEL = {v: k for k, v in REVIEW_STATUS.items()}


@dataclass
class CreditFilter:
    year_from: int | None = None
    year_to: int | None = None
    credit_type: str | None = None
    status: str | None = None  # pending / approved / rejected
    project: str = ""  # code or name, contains
    form: str | None = None
    subject_parent: str | None = None
    subject_child: str | None = None
    user_id: int | None = None  # admins: one person


@dataclass(frozen=True)
class CreditLine:
    """A credit record as lists show it (学分查询, 学分审核)."""

    id: int
    owner: str
    project_code: str
    project_name: str
    credits: Decimal
    credit_type: str
    year: int
    date_from: date
    date_to: date


@dataclass(frozen=True)
class CreditRow(CreditLine):
    form: str
    subject: str
    organizer: str
    status: str
    status_label: str
    reject_reason: str
    created_at: str


COLUMNS = {
    "owner": "学分获取人", "project_code": "项目编号", "project_name": "项目名称", "credits": "获取学分",
    "credit_type": "学分类型", "year": "举办年度", "date_from": "获取时间从", "date_to": "获取时间至",
    "form": "学分获取形式", "subject": "学科分类", "organizer": "主办单位", "status_label": "状态",
    "reject_reason": "审核意见", "created_at": "登记时间",
}


@use_case
def search_credits(session: Session, actor: Actor, flt: CreditFilter | None = None, *, limit: int = 5000) -> list[CreditRow]:
    """学分综合查询: a person searches their own; an institution admin their staff; the province all."""
    flt = flt or CreditFilter()
    q = select(CreditRecord, User.name).join(User, User.id == CreditRecord.user_id)
    if actor.is_person:
        q = q.where(CreditRecord.user_id == actor.id)
    elif actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    if flt.user_id and not actor.is_person:
        q = q.where(CreditRecord.user_id == flt.user_id)
    if flt.year_from:
        q = q.where(CreditRecord.year >= flt.year_from)
    if flt.year_to:
        q = q.where(CreditRecord.year <= flt.year_to)
    if flt.credit_type:
        q = q.where(CreditRecord.credit_type == flt.credit_type)
    if flt.status:
        q = q.where(CreditRecord.status == STATUS_BY_LABEL.get(flt.status, flt.status))
    if flt.project.strip():
        like = f"%{flt.project.strip()}%"
        q = q.where(or_(CreditRecord.project_code.like(like), CreditRecord.project_name.like(like)))
    if flt.form:
        q = q.where(CreditRecord.form == flt.form)
    if flt.subject_parent:
        q = q.where(CreditRecord.subject_parent == flt.subject_parent)
    if flt.subject_child:
        q = q.where(CreditRecord.subject_child == flt.subject_child)
    rows = session.execute(q.order_by(CreditRecord.year.desc(), CreditRecord.date_from.desc(), CreditRecord.id.desc()).limit(limit))
    return [
        CreditRow(r.id, name, r.project_code, r.project_name, r.credits, r.credit_type, r.year, r.date_from, r.date_to,
                  r.form, f"{r.subject_parent} › {r.subject_child}", r.organizer, r.status, REVIEW_STATUS[r.status],
                  r.reject_reason or "", clock.fmt_local(r.created_at))
        for r, name in rows
    ]


@dataclass(frozen=True)
class SearchTotals:
    """The line under the result table: how many rows, how many approved, and their I/II sums."""

    rows: int
    approved: int
    class_i: Decimal
    class_ii: Decimal


def search_totals(rows: list[CreditRow]) -> SearchTotals:
    approved = [r for r in rows if r.status == ReviewStatus.APPROVED]
    class_ii = sum((r.credits for r in approved if r.credit_type == CLASS_II), Decimal(0))
    class_i = sum((r.credits for r in approved if r.credit_type != CLASS_II), Decimal(0))
    return SearchTotals(len(rows), len(approved), class_i, class_ii)


def _table(rows: list[CreditRow]) -> list[list]:
    out: list[list] = [list(COLUMNS.values())]
    for r in rows:
        out.append([number(r.credits) if k == "credits" else (str(v) if isinstance(v, date) else v)
                    for k in COLUMNS for v in [getattr(r, k)]])
    return out


def export_csv(rows: list[CreditRow]) -> bytes:
    return csv_bytes(_table(rows))


def export_xlsx(rows: list[CreditRow]) -> bytes:
    return xlsx_bytes(_table(rows), title="学分信息", widths=(10, 18, 30, 9, 10, 9, 12, 12, 12, 20, 24, 9, 20, 20))
