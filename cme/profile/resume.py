"""简历: the 个人简历表 (一 基本信息 … 七 调动记录) from the approved profile, on screen and as PDF.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme.clock import fmt_local
from cme.core.actors import Actor, get_user_in_scope
from cme.core.policy import use_case
from cme.domain import profile_fields as pf
from cme.domain.enums import ReviewStatus
from cme.domain.standards import parse_title_label
from cme.models import Institution, PersonalStandard, Region, Transfer, User
from cme.profile.change_review import RESUME_SECTIONS, TRANSFER_HEADERS
from cme.profile.changes import approved_snapshot


@use_case
def resume_content(session: Session, actor: Actor, user_id: int | None = None):
    """个人简历表 from the APPROVED profile (pending edits are not shown), 身份证号 and phone masked."""
    from cme.profile.resume_pdf import BASIC_LABELS, ResumeContent, ResumeSection

    user = get_user_in_scope(session, actor, user_id or actor.id)
    snap = approved_snapshot(session, user.id)
    values = {k: pf.shown(v) for k, v in snap["basic"].items()}
    values.setdefault("姓名", user.name)
    for label, known in known_facts(session, user).items():  # what the profile leaves empty, the system knows
        if not values.get(label):
            values[label] = known
    values["证件类型"] = "居民身份证" if user.id_number_masked else ""
    values["证件号码"] = user.id_number_masked or ""
    basic = [(label, values.get(label, "")) for label in BASIC_LABELS]
    sections = []
    for title, part in RESUME_SECTIONS:
        spec = pf.ENTRY_PARTS[part]
        headers = [f.label for f in spec.fields]
        rows = []
        for r in pf.sort_rows(part, snap[part]):
            row = [pf.shown(r.get(h)) for h in headers]
            if spec.end_optional_label and spec.end and not r.get(spec.end):
                row[headers.index(spec.end)] = spec.end_optional_label
            rows.append(row)
        sections.append(ResumeSection(title, headers, rows))
    sections.append(ResumeSection("调动记录", TRANSFER_HEADERS, transfer_rows(session, user.id)))
    return ResumeContent(basic=basic, sections=sections)


def known_facts(session: Session, user: User) -> dict[str, str]:
    """工作单位 and 所属市州 (where the person works now), 电子邮箱 (given at registration) and 技术职称 (of the
    latest personal standard): the system knows them even when the profile does not repeat them."""
    facts = {"电子邮箱": user.email or ""}
    inst = session.get(Institution, user.institution_id) if user.institution_id else None
    if inst is not None:
        facts["工作单位"] = inst.name
        region = session.get(Region, inst.region_code) if inst.region_code else None
        city = session.get(Region, region.parent_code) if region is not None and region.level == "district" else region
        facts["所属市州"] = city.name if city is not None else ""
    label = session.scalar(select(PersonalStandard.title).where(PersonalStandard.user_id == user.id)
                           .order_by(PersonalStandard.year.desc()).limit(1))
    if label:
        try:
            facts["技术职称"] = parse_title_label(label)[1]
        except ValueError:  # a legacy label: shown as stored
            facts["技术职称"] = label
    return facts


def transfer_rows(session: Session, user_id: int) -> list[list[str]]:
    """Approved moves of one person, oldest first: date, from, to, department."""
    from cme.models import Department

    rows = []
    for t in session.scalars(
        select(Transfer).where(Transfer.user_id == user_id, Transfer.status == ReviewStatus.APPROVED).order_by(Transfer.decided_at)
    ):
        src, dst = session.get(Institution, t.from_institution_id), session.get(Institution, t.to_institution_id)
        dept = session.get(Department, t.to_department_id) if t.to_department_id else None
        rows.append([fmt_local(t.decided_at)[:10], src.name if src else "", dst.name if dst else "", dept.name if dept else ""])
    return rows


@use_case
def resume_pdf(session: Session, actor: Actor, user_id: int | None = None) -> bytes:
    from cme.profile.resume_pdf import render_resume

    return render_resume(resume_content(session, actor, user_id))
