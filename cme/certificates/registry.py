"""Issued certificates after 出具: 我的证明 (a person's own, with reprint) and the provincial admin's
证书管理 (find by serial or name, void with a reason).

Rules:
* A person lists and reprints only their own certificates; a reprint is the stored certificate (same
  serial, date and content), never a new issue. A voided certificate cannot be reprinted.
* Only the provincial admin lists every certificate and voids one; the reason is required, shown on
  the public 证书验证 page (已作废) and audited.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cme.certificates.service import STATUS_LABELS, IssuedCertificate, issued_from_record, normalize_serial
from cme.clock import fmt_local, utcnow
from cme.core import audit
from cme.core.actors import Actor, require_role
from cme.core.policy import use_case
from cme.domain.enums import AuditAction, Role
from cme.domain.identity import check_text
from cme.errors import FieldErrors, NotFound, NotPermitted, RecordLocked
from cme.labels import CERTIFICATE_KIND
from cme.models import Certificate, User

LIST_LIMIT = 200


@dataclass(frozen=True)
class CertificateRow:
    serial: str
    kind_label: str
    years: str
    issued_at: str
    status_label: str
    void_reason: str
    name: str = ""
    username: str = ""

    def table_row(self) -> dict:
        return {"状态": self.status_label, "证书编号": self.serial, "证明类型": self.kind_label, "起止年度": self.years,
                "出具时间": self.issued_at, "作废原因": self.void_reason}


def _row(cert: Certificate, name: str = "", username: str = "") -> CertificateRow:
    return CertificateRow(
        cert.serial, CERTIFICATE_KIND[cert.kind], f"{cert.year_from} 至 {cert.year_to}", fmt_local(cert.issued_at),
        STATUS_LABELS["voided" if cert.voided_at else "genuine"], cert.void_reason or "", name, username,
    )


@use_case
def list_own_certificates(session: Session, actor: Actor) -> list[CertificateRow]:
    """我的证明: the actor's issued certificates, newest first."""
    require_role(actor, Role.PERSON)
    certs = session.scalars(
        select(Certificate).where(Certificate.user_id == actor.id).order_by(Certificate.id.desc()).limit(LIST_LIMIT)
    )
    return [_row(c) for c in certs]


@use_case
def reprint_certificate(session: Session, actor: Actor, serial: str | None) -> IssuedCertificate:
    """补打: the actor's own stored certificate, as issued."""
    require_role(actor, Role.PERSON)
    cert = session.scalar(select(Certificate).where(Certificate.serial == normalize_serial(serial)))
    if cert is None or cert.user_id != actor.id:
        raise NotFound("证书不存在")
    if cert.voided_at is not None:
        raise RecordLocked(f"该证书已作废，不能补打（作废原因：{cert.void_reason}）")
    return issued_from_record(cert)


@use_case
def list_certificates(session: Session, actor: Actor, keyword: str = "") -> list[CertificateRow]:
    """证书管理 (province): certificates whose serial, name or username contains `keyword`, newest first."""
    if not actor.is_province_admin:
        raise NotPermitted("只有省级管理员可以管理证书")
    q = select(Certificate, User.name, User.username).join(User, User.id == Certificate.user_id)
    if keyword.strip():
        like = f"%{keyword.strip()}%"
        q = q.where(or_(Certificate.serial.like(normalize_serial(like)), User.name.like(like), User.username.like(like)))
    rows = session.execute(q.order_by(Certificate.id.desc()).limit(LIST_LIMIT)).all()
    return [_row(c, name, username) for c, name, username in rows]


@use_case
def void_certificate(session: Session, actor: Actor, serial: str | None, reason: str | None) -> None:
    """The provincial admin voids an issued certificate; the reason is required and shown."""
    if not actor.is_province_admin:
        raise NotPermitted("只有省级管理员可以作废证书")
    serial = normalize_serial(serial)
    errors = FieldErrors()
    if not serial:
        errors["证书编号"] = "请输入证书编号"
    reason = errors.check("作废原因", check_text, reason, max_len=200, required=True)
    errors.raise_if_any()
    cert = session.scalar(select(Certificate).where(Certificate.serial == serial))
    if cert is None:
        raise NotFound("证书不存在")
    if cert.voided_at is not None:
        raise RecordLocked("该证书已作废")
    cert.voided_at = utcnow()
    cert.void_reason = reason
    owner = session.get_one(User, cert.user_id)
    audit.record(session, actor.id, AuditAction.CERTIFICATE_VOID, "certificate", serial, institution_id=owner.institution_id,
                 before={"status": "genuine"}, after={"status": "voided", "reason": cert.void_reason})
