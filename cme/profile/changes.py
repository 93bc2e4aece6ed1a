"""技术档案管理 (SPEC §7): the six-part profile, reviewed changes, 变更详情 and 简历.

Rules:
* The approved profile (Profile + ProfileEntry) stays in force until the institution admin approves.
* Every save by the person makes or updates the ONE pending ProfileChangeRequest of that person:
  `before` = the approved snapshot, `after` = the edited snapshot. The person keeps editing `after`.
* Only the admin of the person's (current) institution, or the provincial admin, sees and decides.
  Approval applies `after` to Profile/ProfileEntry; rejection needs a reason and leaves the approved
  profile as it was; the person may then edit again (a new request).
* 联系电话 is stored encrypted inside snapshots ({"enc","hash","masked"}); screens other than the
  owner's own edit form show the mask. 证件号码 is the account's 身份证号, always shown masked.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cme import crypto
from cme.clock import fmt_local, today, utcnow
from cme.domain import profile_fields as pf
from cme.errors import NotFound, NotPermitted, RecordLocked, ValidationError
from cme.models import Institution, Profile, ProfileChangeRequest, ProfileEntry, Transfer, User
from cme.core import audit
from cme.core import reference
from cme.core.actors import Actor, get_user_in_scope, require_role, require_unit_admin_of

WAIT_MESSAGE = "请等待审核"
MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}


# ---- options and snapshots ------------------------------------------------------------------


def field_options(session: Session) -> dict[str, list[str]]:
    """Every select's options, keyed by the field's source (dictionary kind or special source)."""
    sources = {f.source for f in pf.BASIC_FIELDS if f.kind == "select"}
    sources |= {f.source for p in pf.ENTRY_PARTS.values() for f in p.fields if f.kind == "select"}
    options: dict[str, list[str]] = {}
    for source in sources:
        if source == pf.TITLES:
            options[source] = list(reference.titles(session))
        elif source == pf.CITIES:
            province = reference.regions(session, None)
            options[source] = [r.name for r in reference.regions(session, province[0].code)] if province else []
        elif source in pf.SPECIAL_OPTIONS:
            options[source] = list(pf.SPECIAL_OPTIONS[source])
        else:
            options[source] = reference.dictionary(session, source)
    return options


def approved_snapshot(session: Session, user_id: int) -> dict:
    """The profile in force, as a snapshot."""
    snap = pf.empty_snapshot()
    profile = session.get(Profile, user_id)
    if profile is not None:
        snap["basic"] = dict(profile.basic or {})
        if profile.photo_key:
            snap["basic"][pf.PHOTO] = profile.photo_key
    # what the account already knows is part of the profile in force (imported and demo users
    # have no profile yet), so confirming it is not reported as a change
    user = session.get(User, user_id)
    if user is not None:
        for label, known in (("姓名", user.name), ("性别", user.sex), ("出生日期", user.birth_date and user.birth_date.isoformat())):
            if known and not snap["basic"].get(label):
                snap["basic"][label] = known
    entries = session.scalars(
        select(ProfileEntry).where(ProfileEntry.user_id == user_id).order_by(ProfileEntry.part, ProfileEntry.sort_order, ProfileEntry.id)
    )
    for e in entries:
        snap[e.part].append(dict(e.data or {}))
    return snap


def _pending(session: Session, user_id: int, *, lock: bool = False) -> ProfileChangeRequest | None:
    q = select(ProfileChangeRequest).where(ProfileChangeRequest.user_id == user_id, ProfileChangeRequest.status == "pending")
    if lock:
        q = q.with_for_update()
    return session.scalars(q).first()


def _protect(value: str) -> dict | str:
    if not value:
        return ""
    return {"enc": crypto.encrypt(value), "hash": crypto.lookup_hash(value), "masked": crypto.mask_phone(value) if len(value) == 11 else value[:3] + "****" + value[-2:]}


def _reveal(value) -> str:
    """The readable value, for the owner's own edit form only."""
    if isinstance(value, dict):
        return crypto.decrypt(value.get("enc")) or ""
    return value or ""


def _masked_snapshot(snap: dict) -> dict:
    """A snapshot fit for an audit log: protected values replaced by their mask."""
    out = pf.normalize_snapshot(snap)
    out["basic"] = {k: pf.shown(v) for k, v in out["basic"].items()}
    return out


def _save_working_copy(session: Session, actor: Actor, user: User, after: dict, action: str) -> int:
    """Create or update the one pending change request with `after`. Returns its id."""
    request = _pending(session, user.id, lock=True)
    if request is None:
        request = ProfileChangeRequest(
            user_id=user.id, institution_id=user.institution_id, status="pending",
            before=approved_snapshot(session, user.id), after=after,
        )
        session.add(request)
    else:
        request.after = after
        request.institution_id = user.institution_id
        request.updated_at = utcnow()
    session.flush()
    audit.record(session, actor.id, action, "profile_change", request.id, institution_id=user.institution_id,
                 after={"changed": pf.diff_snapshots(request.before, after).changed_labels})
    return request.id


def _require_person(session: Session, actor: Actor) -> User:
    require_role(actor, "person")
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound("用户不存在")
    return user


def _working_snapshot(session: Session, user_id: int) -> dict:
    pending = _pending(session, user_id)
    return pf.normalize_snapshot(pending.after if pending else approved_snapshot(session, user_id))


# ---- first login ----------------------------------------------------------------------------


def first_profile_defaults(session: Session, actor: Actor) -> dict[str, object]:
    """What the first-login form can prefill: name, sex and birth date from the account."""
    user = _require_person(session, actor)
    return {"姓名": user.name, "性别": user.sex, "出生日期": user.birth_date}


def submit_first_profile(session: Session, actor: Actor, fields: dict) -> int:
    """用户个人基本信息填写 (fig. 29): all 13 fields required; makes the pending change request
    (the admin reviews it like any other change) and marks the first-login form done."""
    user = _require_person(session, actor)
    if user.profile_completed:
        raise RecordLocked("个人基本信息已填写，请在用户档案管理中修改")
    clean = pf.validate_basic(fields, field_options(session), today(), required=pf.FIRST_LOGIN_FIELDS)
    after = _working_snapshot(session, user.id)
    after["basic"].update(_protected(clean))
    request_id = _save_working_copy(session, actor, user, after, "profile_first_submit")
    user.profile_completed = True
    return request_id


def _protected(clean: dict[str, str]) -> dict:
    return {k: (_protect(v) if k in pf.SENSITIVE else v) for k, v in clean.items()}


# ---- the person's edits ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileState:
    """What 用户档案管理 shows: the working copy (pending `after` or approved) and the status."""

    user_id: int
    name: str
    institution: str
    id_type: str
    id_number_masked: str
    basic: dict[str, str]  # working copy; the owner sees own 联系电话, others the mask
    parts: dict[str, list[dict]]
    has_photo: bool
    pending_id: int | None
    pending_since: str
    last_rejection: str | None  # reason of the latest rejected request, if no pending one
    options: dict[str, list[str]] = field(default_factory=dict)


def profile_state(session: Session, actor: Actor, user_id: int | None = None) -> ProfileState:
    """The profile of oneself (or, for an admin, of a person in scope) as it is being edited."""
    user = get_user_in_scope(session, actor, user_id or actor.id)
    snap = _working_snapshot(session, user.id)
    own = actor.id == user.id
    basic = {k: (_reveal(v) if own else pf.shown(v)) for k, v in snap["basic"].items() if k != pf.PHOTO}
    pending = _pending(session, user.id)
    last_rejection = None
    if pending is None:
        last = session.scalars(
            select(ProfileChangeRequest).where(ProfileChangeRequest.user_id == user.id)
            .order_by(ProfileChangeRequest.id.desc()).limit(1)
        ).first()
        if last is not None and last.status == "rejected":
            last_rejection = last.reason
    inst = session.get(Institution, user.institution_id) if user.institution_id else None
    return ProfileState(
        user_id=user.id, name=user.name, institution=inst.name if inst else "",
        id_type="居民身份证" if user.id_number_masked else "", id_number_masked=user.id_number_masked or "",
        basic=basic, parts={p: snap[p] for p in pf.PARTS}, has_photo=bool(snap["basic"].get(pf.PHOTO)),
        pending_id=pending.id if pending else None, pending_since=fmt_local(pending.updated_at) if pending else "",
        last_rejection=last_rejection, options=field_options(session),
    )


def save_basic(session: Session, actor: Actor, fields: dict) -> int:
    """保存 个人基本信息: validated, then into the pending change request (姓名/性别/出生日期 required)."""
    user = _require_person(session, actor)
    clean = pf.validate_basic(fields, field_options(session), today())
    after = _working_snapshot(session, user.id)
    photo = after["basic"].get(pf.PHOTO)
    old = after["basic"]
    after["basic"] = {}
    for k, v in _protected(clean).items():
        # an unchanged protected value keeps its stored form, so the diff does not flag it
        if k in pf.SENSITIVE and isinstance(old.get(k), dict) and isinstance(v, dict) and old[k].get("hash") == v["hash"]:
            v = old[k]
        after["basic"][k] = v
    for k, v in old.items():  # fields not on the form (none today) survive
        after["basic"].setdefault(k, v)
    if photo:
        after["basic"][pf.PHOTO] = photo
    return _save_working_copy(session, actor, user, after, "profile_save_basic")


def save_entry(session: Session, actor: Actor, part: str, data: dict, index: int | None = None) -> int:
    """Add (index None) or replace row `index` of a list part; date order checked."""
    user = _require_person(session, actor)
    clean = pf.validate_entry(part, data, field_options(session), today())
    after = _working_snapshot(session, user.id)
    rows = after[part]
    if index is None:
        rows.append(clean)
    else:
        if not 0 <= index < len(rows):
            raise NotFound("该条记录不存在，请刷新后重试")
        rows[index] = clean
    after[part] = pf.sort_rows(part, rows)
    return _save_working_copy(session, actor, user, after, "profile_save_entry")


def delete_entry(session: Session, actor: Actor, part: str, index: int) -> int:
    user = _require_person(session, actor)
    if part not in pf.PARTS:
        raise ValidationError("档案模块不存在")
    after = _working_snapshot(session, user.id)
    if not 0 <= index < len(after[part]):
        raise NotFound("该条记录不存在，请刷新后重试")
    del after[part][index]
    return _save_working_copy(session, actor, user, after, "profile_delete_entry")


def photo_mime(data: bytes) -> str:
    """A photo is accepted by its content: a JPEG or PNG Pillow can open, at most 2 MB."""
    if not data:
        raise ValidationError({"上传照片": "文件为空"})
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"上传照片": "照片不能超过2MB"})
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({"上传照片": "只能上传JPEG或PNG格式的图片"}) from None
    if fmt not in PHOTO_MIME:
        raise ValidationError({"上传照片": "只能上传JPEG或PNG格式的图片"})
    return PHOTO_MIME[fmt]


def upload_photo(session: Session, actor: Actor, data: bytes) -> int:
    """上传照片: checked by content, stored under a generated key, reviewed like any change."""
    user = _require_person(session, actor)
    mime = photo_mime(data)
    from cme.storage import get_storage

    key = get_storage().save(data, mime)
    after = _working_snapshot(session, user.id)
    after["basic"][pf.PHOTO] = key
    return _save_working_copy(session, actor, user, after, "profile_upload_photo")


def load_photo(session: Session, actor: Actor, user_id: int | None = None, *, approved: bool = False) -> bytes | None:
    """The photo of the working copy (or the approved one), for oneself or a person in scope."""
    user = get_user_in_scope(session, actor, user_id or actor.id)
    snap = approved_snapshot(session, user.id) if approved else _working_snapshot(session, user.id)
    key = snap["basic"].get(pf.PHOTO)
    if not key:
        return None
    from cme.storage import get_storage

    try:
        return get_storage().load(key)
    except NotFound:
        return None


# ---- review (档案审核) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    id: int
    user_id: int
    username: str
    name: str
    status: str  # pending / approved / rejected
    submitted_at: str
    decided_at: str
    reason: str
    changed: list[str]


def _request_in_scope(session: Session, actor: Actor, request_id: int) -> tuple[ProfileChangeRequest, User]:
    request = session.get(ProfileChangeRequest, request_id)
    if request is None:
        raise NotFound("档案变更记录不存在")
    user = get_user_in_scope(session, actor, request.user_id)  # own, own institution's staff, province
    return request, user


def list_changes(session: Session, actor: Actor, *, status: str | None = "pending", user_id: int | None = None,
                 keyword: str = "", limit: int = 200) -> list[ChangeRow]:
    """档案审核 queue (admin: staff of the own institution now; province: all) or one person's history.

    A person sees only their own requests."""
    q = select(ProfileChangeRequest, User).join(User, User.id == ProfileChangeRequest.user_id)
    if actor.is_person:
        q = q.where(ProfileChangeRequest.user_id == actor.id)
    elif actor.is_unit_admin:
        q = q.where(User.institution_id == actor.institution_id)
    elif not actor.is_province_admin:
        raise NotPermitted()
    if user_id is not None:
        q = q.where(ProfileChangeRequest.user_id == user_id)
    if status:
        q = q.where(ProfileChangeRequest.status == status)
    if keyword.strip():
        kw = keyword.strip()
        q = q.where(User.name.contains(kw) | User.username.contains(kw))
    rows = session.execute(q.order_by(ProfileChangeRequest.updated_at.desc(), ProfileChangeRequest.id.desc()).limit(limit)).all()
    return [
        ChangeRow(r.id, u.id, u.username, u.name, r.status, fmt_local(r.updated_at), fmt_local(r.decided_at),
                  r.reason or "", pf.diff_snapshots(r.before, r.after).changed_labels)
        for r, u in rows
    ]


@dataclass(frozen=True)
class ChangeDetail:
    id: int
    user_id: int
    name: str
    status: str
    submitted_at: str
    decided_at: str
    reason: str
    id_type: str
    id_number_masked: str
    diff: pf.SnapshotDiff


def change_detail(session: Session, actor: Actor, request_id: int) -> ChangeDetail:
    """变更详情 (fig. 32): before and after of one request, changed fields marked. Values masked."""
    request, user = _request_in_scope(session, actor, request_id)
    return ChangeDetail(
        request.id, user.id, user.name, request.status, fmt_local(request.updated_at), fmt_local(request.decided_at),
        request.reason or "", "居民身份证" if user.id_number_masked else "", user.id_number_masked or "",
        pf.diff_snapshots(request.before, request.after),
    )


def _decidable(session: Session, actor: Actor, request_id: int) -> tuple[ProfileChangeRequest, User]:
    require_role(actor, "unit", "province")
    request, user = _request_in_scope(session, actor, request_id)
    require_unit_admin_of(actor, user.institution_id)
    if request.status != "pending":
        raise RecordLocked("该档案变更已审核，不能重复审核")
    return request, user


def approve_change(session: Session, actor: Actor, request_id: int) -> None:
    """Approve: `after` becomes the profile in force (basic, photo and the five lists)."""
    request, user = _decidable(session, actor, request_id)
    after = pf.normalize_snapshot(request.after)
    profile = session.get(Profile, user.id)
    if profile is None:
        profile = Profile(user_id=user.id)
        session.add(profile)
    basic = dict(after["basic"])
    profile.photo_key = basic.pop(pf.PHOTO, None) or None
    profile.basic = basic
    profile.updated_at = utcnow()
    session.execute(delete(ProfileEntry).where(ProfileEntry.user_id == user.id))
    for part in pf.PARTS:
        for n, row in enumerate(after[part]):
            session.add(ProfileEntry(user_id=user.id, part=part, data=row, sort_order=n))
    if basic.get("是否参加继续教育") in ("是", "否"):
        user.joins_cme = basic["是否参加继续教育"] == "是"
    request.status, request.decided_at, request.decided_by = "approved", utcnow(), actor.id
    diff = pf.diff_snapshots(request.before, after)
    audit.record(session, actor.id, "profile_approve", "profile_change", request.id, institution_id=user.institution_id,
                 before={c.label: c.before for c in diff.basic if c.changed},
                 after={c.label: c.after for c in diff.basic if c.changed} | {"lists": [p.label for p in diff.parts if p.changed]})


def reject_change(session: Session, actor: Actor, request_id: int, reason: str) -> None:
    """Reject with a required reason; the approved profile stays; the person may edit again."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"审核意见": "审核不通过时必须填写原因"})
    if len(text) > 500:
        raise ValidationError({"审核意见": "不能超过500个字符"})
    request, user = _decidable(session, actor, request_id)
    request.status, request.decided_at, request.decided_by, request.reason = "rejected", utcnow(), actor.id, text
    audit.record(session, actor.id, "profile_reject", "profile_change", request.id, institution_id=user.institution_id,
                 after={"reason": text})


# ---- 简历 -------------------------------------------------------------------------------------

#: fig. 31: section title → (part, columns); 七 调动记录 comes from transfers.
RESUME_SECTIONS = (
    ("教育经历", "education"),
    ("培训经历", "training"),
    ("工作经历", "work"),
    ("获奖情况", "award"),
    ("论文论著信息", "publication"),
)
TRANSFER_HEADERS = ["调动日期", "调出单位", "调入单位", "调入科室"]


def resume_content(session: Session, actor: Actor, user_id: int | None = None):
    """个人简历表 from the APPROVED profile (pending edits are not shown), 身份证号 and phone masked."""
    from cme.profile.resume_pdf import BASIC_LABELS, ResumeContent, ResumeSection

    user = get_user_in_scope(session, actor, user_id or actor.id)
    snap = approved_snapshot(session, user.id)
    values = {k: pf.shown(v) for k, v in snap["basic"].items()}
    values.setdefault("姓名", user.name)
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


def transfer_rows(session: Session, user_id: int) -> list[list[str]]:
    """Approved moves of one person, oldest first: date, from, to, department."""
    from cme.models import Department

    rows = []
    for t in session.scalars(
        select(Transfer).where(Transfer.user_id == user_id, Transfer.status == "approved").order_by(Transfer.decided_at)
    ):
        src, dst = session.get(Institution, t.from_institution_id), session.get(Institution, t.to_institution_id)
        dept = session.get(Department, t.to_department_id) if t.to_department_id else None
        rows.append([fmt_local(t.decided_at)[:10], src.name if src else "", dst.name if dst else "", dept.name if dept else ""])
    return rows


def resume_pdf(session: Session, actor: Actor, user_id: int | None = None) -> bytes:
    from cme.profile.resume_pdf import render_resume

    return render_resume(resume_content(session, actor, user_id))
