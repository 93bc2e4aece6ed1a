"""学分证明 (SPEC §6): issue a person's certificate and let anyone verify it.

Rules:

* A person issues a certificate of **their own** approved credits only (status ``approved``); the
  service takes no user id, so nobody can obtain another's. Admins do not issue certificates.
* Kinds: ``class1`` = 国家级I类 + 省级I类 lines, ``class2`` = II类 lines, ``combined`` = all.
* Every year of 起始年度..终止年度 (inclusive) is stated, years without credits included; a year's
  figures are the sums of the lines listed (equal to the approved figures of ``CreditSummary``).
* 起始年度 ≤ 终止年度, 终止年度 not after this year, at most ``MAX_YEARS`` years.
* 提交验证查询 only previews (nothing stored). An explicit 出具 stores a ``Certificate`` with a unique
  serial (``SC`` + YYYYMMDD + 8 random characters) and the SHA-256 of the canonical content *without*
  the issue date and serial. Issuing the same content again (same person, same hash, not voided)
  returns the certificate already issued, with its serial and date: one serial per content, also when
  two requests race (the person's row is write-locked first). The PDF prints serial and hash and a QR
  code of the public 证书验证 page.
* Verification needs no login and shows the name masked; public look-ups are throttled.
  Listing, reprint and voiding of issued certificates: ``cme.certificates.registry``.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import string
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme.certificates.pdf import KINDS, CertificateContent, CertificateLine, CertificateYear, fmt_credits, render_certificate, year_sentence
from cme.clock import fmt_local, today
from cme.config import get_settings
from cme.core import audit, throttle
from cme.core.actors import Actor, actor_from_user
from cme.core.policy import use_case
from cme.credits.summaries import lock_person
from cme.domain.compliance import CLASS_II, NATIONAL_I, PROVINCIAL_I
from cme.domain.enums import AccountStatus, AuditAction, CertificateKind, ReviewStatus, Role
from cme.domain.inputs import FIRST_YEAR, parse_year
from cme.domain.standards import NO_TITLE_LABEL, parse_title_label
from cme.errors import FieldErrors, NotFound, NotPermitted, ValidationError
from cme.labels import CERTIFICATE_KIND
from cme.models import Certificate, CreditRecord, Institution, PersonalStandard, User

MAX_YEARS = 10
KIND_TYPES: dict[str, tuple[str, ...]] = {  # by the stored code
    CertificateKind.COMBINED: (NATIONAL_I, PROVINCIAL_I, CLASS_II),
    CertificateKind.CLASS1: (NATIONAL_I, PROVINCIAL_I),
    CertificateKind.CLASS2: (CLASS_II,),
}
STATUS_LABELS = {"genuine": "真实有效", "not_found": "未找到", "voided": "已作废"}
SERIAL_RE = re.compile(r"^SC[0-9]{8}[0-9A-Z]{8}$")
VERIFY_LIMIT = 30  # public look-ups per minute and serial prefix
VERIFY_WINDOW = timedelta(minutes=1)
_ALPHABET = string.ascii_uppercase + string.digits
ZERO = Decimal("0")


@dataclass(frozen=True)
class IssuedCertificate:
    serial: str
    content_hash: str
    verify_url: str
    content: CertificateContent
    pdf: bytes

    @property
    def filename(self) -> str:
        return f"学分证明_{self.serial}.pdf"


@dataclass(frozen=True)
class VerifiedYear:
    year: int
    projects: int
    national_i: Decimal
    provincial_i: Decimal
    class_ii: Decimal
    sentence: str


@dataclass(frozen=True)
class VerificationResult:
    status: str  # genuine / not_found / voided
    serial: str
    masked_name: str = ""
    institution: str = ""
    title: str = ""
    kind_label: str = ""
    year_from: int | None = None
    year_to: int | None = None
    years: tuple[VerifiedYear, ...] = ()
    issued_on: date | None = None
    content_hash: str = ""
    voided_at: str = ""
    void_reason: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


# --- validation -------------------------------------------------------------------------------

def check_request(kind: str | None, year_from: int | None, year_to: int | None) -> tuple[str, int, int]:
    """The kind and year range, or ValidationError naming each bad field."""
    errors = FieldErrors()
    if kind not in KINDS:
        errors["证明类型"] = "请选择证明类型"
    this_year = today().year
    years = {}
    for label, raw in (("起始年度", year_from), ("终止年度", year_to)):
        if raw is None or raw == "":
            errors[label] = f"请选择{label}"
            continue
        try:
            years[label] = parse_year(raw, first=0, last=9999)
        except ValueError as e:
            errors[label] = str(e)
            continue
        if years[label] > this_year:
            errors[label] = f"不能晚于本年度（{this_year}）"
        elif years[label] < FIRST_YEAR:
            errors[label] = f"不能早于{FIRST_YEAR}年"
    year_from, year_to = years.get("起始年度"), years.get("终止年度")
    if year_from is not None and year_to is not None and "起始年度" not in errors:
        if year_from > year_to:
            errors["起始年度"] = "不能晚于终止年度"
        elif year_to - year_from + 1 > MAX_YEARS:
            errors["终止年度"] = f"起止年度跨度不能超过{MAX_YEARS}年"
    errors.raise_if_any()
    assert kind is not None and year_from is not None and year_to is not None  # each was named in errors otherwise
    return kind, year_from, year_to


# --- content ----------------------------------------------------------------------------------

def _title_for(session: Session, user_id: int, year_to: int) -> str:
    label = session.scalar(
        select(PersonalStandard.title)
        .where(PersonalStandard.user_id == user_id, PersonalStandard.year <= year_to)
        .order_by(PersonalStandard.year.desc())
        .limit(1)
    )
    if not label:
        return NO_TITLE_LABEL
    try:
        return parse_title_label(label)[1]
    except ValueError:
        return label


@use_case
def build_content(session: Session, actor: Actor, kind: str | None, year_from: int | None,
                  year_to: int | None, *, issued_on: date | None = None) -> CertificateContent:
    """What the actor's own certificate states: approved lines of the kind, per year of the range, and each
    year's approved totals of every class (a II类 certificate still states the year's I类 figures, SPEC §6)."""
    kind, year_from, year_to = check_request(kind, year_from, year_to)
    user = session.get_one(User, actor.id)
    institution = session.get(Institution, user.institution_id) if user.institution_id else None
    records = session.scalars(
        select(CreditRecord)
        .where(
            CreditRecord.user_id == user.id,
            CreditRecord.status == ReviewStatus.APPROVED,
            CreditRecord.year.between(year_from, year_to),
        )
        .order_by(CreditRecord.year, CreditRecord.date_from, CreditRecord.project_code, CreditRecord.id)
    ).all()
    by_year: dict[int, list[CertificateLine]] = {y: [] for y in range(year_from, year_to + 1)}
    for r in records:
        by_year[r.year].append(CertificateLine(r.project_code, r.project_name, Decimal(str(r.credits)),
                                               r.credit_type, r.date_from, r.date_to))

    def total(lines: list[CertificateLine], credit_type: str) -> Decimal:
        return sum((ln.credits for ln in lines if ln.credit_type == credit_type), ZERO)

    shown = KIND_TYPES[kind]
    years = [  # a I类 certificate states no II类 figure (kept 0, so what it hashes is what it says)
        CertificateYear(y, [ln for ln in lines if ln.credit_type in shown], total(lines, NATIONAL_I),
                        total(lines, PROVINCIAL_I), total(lines, CLASS_II) if CLASS_II in shown else ZERO)
        for y, lines in by_year.items()
    ]
    return CertificateContent(
        kind=kind, institution=institution.name if institution else "", title=_title_for(session, user.id, year_to),
        name=user.name, year_from=year_from, year_to=year_to, years=years, issued_on=issued_on or today(),
    )


def content_to_json(content: CertificateContent) -> dict:
    """Plain JSON of everything the certificate states (decimals as one-decimal strings)."""
    return {
        "kind": content.kind,
        "institution": content.institution,
        "title": content.title,
        "name": content.name,
        "year_from": content.year_from,
        "year_to": content.year_to,
        "issued_on": content.issued_on.isoformat(),
        "years": [
            {
                "year": y.year,
                "national_i": fmt_credits(y.national_i),
                "provincial_i": fmt_credits(y.provincial_i),
                "class_ii": fmt_credits(y.class_ii),
                "lines": [
                    {"project_code": ln.project_code, "project_name": ln.project_name,
                     "credits": fmt_credits(ln.credits), "credit_type": ln.credit_type,
                     "date_from": ln.date_from.isoformat(), "date_to": ln.date_to.isoformat()}
                    for ln in y.lines
                ],
            }
            for y in content.years
        ],
    }


def content_from_json(data: dict) -> CertificateContent:
    years = [
        CertificateYear(
            y["year"],
            [CertificateLine(ln["project_code"], ln["project_name"], Decimal(ln["credits"]), ln["credit_type"],
                             date.fromisoformat(ln["date_from"]), date.fromisoformat(ln["date_to"]))
             for ln in y["lines"]],
            Decimal(y["national_i"]), Decimal(y["provincial_i"]), Decimal(y["class_ii"]),
        )
        for y in data["years"]
    ]
    return CertificateContent(
        kind=data["kind"], institution=data["institution"], title=data["title"], name=data["name"],
        year_from=data["year_from"], year_to=data["year_to"], years=years,
        issued_on=date.fromisoformat(data["issued_on"]),
    )


def content_hash(content: CertificateContent) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no issue date): same content, same hash."""
    data = content_to_json(content)
    del data["issued_on"]
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_url(serial: str) -> str:
    return f"{get_settings().require_public_url()}/verify_certificate?serial={serial}"


def _new_serial(session: Session) -> str:
    stamp = today().strftime("%Y%m%d")
    while True:
        serial = "SC" + stamp + "".join(secrets.choice(_ALPHABET) for _ in range(8))
        if session.scalar(select(Certificate.id).where(Certificate.serial == serial)) is None:
            return serial


# --- use cases --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificatePreview:
    content: CertificateContent
    content_hash: str


@use_case
def preview_certificate(session: Session, actor: Actor, kind: str | None, year_from: int | None,
                        year_to: int | None) -> CertificatePreview:
    """提交验证查询: what a certificate of the actor would state; nothing is stored or audited."""
    content = build_content(session, actor, kind, year_from, year_to)
    return CertificatePreview(content, content_hash(content))


def issued_from_record(cert: Certificate) -> IssuedCertificate:
    """The stored certificate as issued (its own serial, date and content), PDF rendered again."""
    content = content_from_json(cert.content)
    url = verify_url(cert.serial)
    pdf = render_certificate(content, serial=cert.serial, content_hash=cert.content_hash, verify_url=url)
    return IssuedCertificate(cert.serial, cert.content_hash, url, content, pdf)


@use_case
def issue_certificate(session: Session, actor: Actor, kind: str | None, year_from: int | None,
                      year_to: int | None) -> IssuedCertificate:
    """出具 the actor's own certificate: the one already issued for this content, else a new serial + hash +
    content stored, audited, and the PDF."""
    lock_person(session, actor.id)  # two parallel 出具 of the same content cannot both miss the first one
    content = build_content(session, actor, kind, year_from, year_to)
    digest = content_hash(content)
    existing = session.scalars(
        select(Certificate).where(Certificate.user_id == actor.id, Certificate.content_hash == digest,
                                  Certificate.voided_at.is_(None)).order_by(Certificate.id)
    ).first()
    if existing is not None:
        return issued_from_record(existing)
    serial = _new_serial(session)
    cert = Certificate(serial=serial, user_id=actor.id, kind=content.kind, year_from=content.year_from,
                       year_to=content.year_to, content_hash=digest, content=content_to_json(content))
    session.add(cert)
    session.flush()
    audit.record(session, actor.id, AuditAction.CERTIFICATE_ISSUE, "certificate", serial, institution_id=actor.institution_id,
                 after={"kind": content.kind, "year_from": content.year_from, "year_to": content.year_to,
                        "content_hash": digest})
    url = verify_url(serial)
    pdf = render_certificate(content, serial=serial, content_hash=digest, verify_url=url)
    return IssuedCertificate(serial, digest, url, content, pdf)


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def normalize_serial(serial: str | None) -> str:
    return re.sub(r"\s+", "", serial or "").upper()


def verify_certificate(session: Session, serial: str | None, *, client: str | None = None) -> VerificationResult:
    """Public check (no login): what the certificate with this serial states, name masked. Audited
    with the client's address."""
    serial = normalize_serial(serial)
    if not serial:
        raise ValidationError({"证书编号": "请输入证书编号"})
    throttle.hit(session, f"cert_verify:{serial[:10]}", limit=VERIFY_LIMIT, window=VERIFY_WINDOW,
                 message="查询过于频繁，请1分钟后再试", field="证书编号")
    cert = session.scalar(select(Certificate).where(Certificate.serial == serial)) if SERIAL_RE.match(serial) else None
    audit.record(session, None, AuditAction.CERTIFICATE_VERIFY, "certificate", serial[:40],
                 after={"found": cert is not None}, client=client)
    if cert is None:
        return VerificationResult("not_found", serial)
    content = content_from_json(cert.content)
    years = tuple(
        VerifiedYear(y.year, len(y.lines), y.national_i, y.provincial_i, y.class_ii, year_sentence(content.kind, y))
        for y in content.years
    )
    return VerificationResult(
        status="voided" if cert.voided_at else "genuine",
        serial=cert.serial,
        masked_name=mask_name(content.name),
        institution=content.institution,
        title=content.title,
        kind_label=CERTIFICATE_KIND[cert.kind],
        year_from=cert.year_from,
        year_to=cert.year_to,
        years=years,
        issued_on=content.issued_on,
        content_hash=cert.content_hash,
        voided_at=fmt_local(cert.voided_at),
        void_reason=cert.void_reason or "",
    )


def person_by_username(session: Session, username: str) -> Actor:
    """The approved person an operator issues a certificate for (CLI); admins have none."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or user.status != AccountStatus.APPROVED:
        raise NotFound(f"没有已审核通过的用户：{username}")
    if user.role != Role.PERSON:
        raise NotPermitted("只能为个人用户出具学分证明")
    return actor_from_user(user)
