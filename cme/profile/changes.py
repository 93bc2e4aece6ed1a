"""技术档案管理 (SPEC §7): the person edits the six-part profile through one reviewed change request.

Rules:
* The approved profile (Profile + ProfileEntry) stays in force until the institution admin approves.
* Every save by the person makes or updates the ONE pending ProfileChangeRequest of that person:
  `before` = the approved snapshot, `after` = the edited snapshot. The person keeps editing `after`.
* 联系电话 is stored encrypted inside snapshots ({"enc","hash","masked"}); screens other than the
  owner's own edit form show the mask. 证件号码 is the account's 身份证号, always shown masked.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme import crypto
from cme.clock import fmt_local, today, utcnow
from cme.core import audit, reference
from cme.core.actors import Actor, get_user_in_scope
from cme.core.policy import use_case
from cme.db import get_or_raise
from cme.domain import profile_fields as pf
from cme.domain.enums import AuditAction, ReviewStatus
from cme.errors import NotFound, RecordLocked, ValidationError
from cme.models import Institution, Profile, ProfileChangeRequest, ProfileEntry, User
from cme.reports.glyphs import check_printable
from cme.uploads import CheckedFile, check_upload

WAIT_MESSAGE = "请等待审核"


MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_MAX_SIDE = 800  # px: the résumé prints it at 25 × 35 mm


def field_options(session: Session) -> dict[str, list[str]]:
    """Every select's options, keyed by the field's source (dictionary kind or special source)."""
    sources = {f.source for f in pf.BASIC_FIELDS if f.kind == "select" and f.source is not None}
    sources |= {f.source for p in pf.ENTRY_PARTS.values() for f in p.fields if f.kind == "select" and f.source is not None}
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
    q = select(ProfileChangeRequest).where(ProfileChangeRequest.user_id == user_id, ProfileChangeRequest.status == ReviewStatus.PENDING)
    if lock:
        q = q.with_for_update()
    return session.scalars(q).first()


def _protect(value: str) -> dict | str:
    if not value:
        return ""
    masked = crypto.mask_phone(value) if len(value) == 11 else value[:3] + "****" + value[-2:]
    return {"enc": crypto.encrypt(value), "hash": crypto.lookup_hash(value), "masked": masked}


def _reveal(value) -> str:
    """The readable value, for the owner's own edit form only."""
    if isinstance(value, dict):
        return crypto.decrypt(value.get("enc")) or ""
    return value or ""


def _save_working_copy(session: Session, actor: Actor, user: User, after: dict, action: AuditAction) -> int:
    """Create or update the one pending change request with `after`. Returns its id."""
    request = _pending(session, user.id, lock=True)
    assert user.institution_id is not None  # only a person of an institution keeps a profile
    if request is None:
        request = ProfileChangeRequest(
            user_id=user.id, institution_id=user.institution_id, status=ReviewStatus.PENDING,
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
    user = get_or_raise(session, User, actor.id, "用户不存在")
    return user


def _working_snapshot(session: Session, user_id: int) -> dict:
    pending = _pending(session, user_id)
    return pf.normalize_snapshot(pending.after if pending else approved_snapshot(session, user_id))


@use_case
def first_profile_defaults(session: Session, actor: Actor) -> dict[str, object]:
    """What the first-login form can prefill: name, sex and birth date from the account."""
    user = _require_person(session, actor)
    return {"姓名": user.name, "性别": user.sex, "出生日期": user.birth_date}


@use_case
def submit_first_profile(session: Session, actor: Actor, fields: dict) -> int:
    """用户个人基本信息填写 (fig. 29): all 13 fields required; makes the pending change request
    (the admin reviews it like any other change) and marks the first-login form done."""
    user = _require_person(session, actor)
    if user.profile_completed:
        raise RecordLocked("个人基本信息已填写，请在用户档案管理中修改")
    clean = pf.validate_basic(fields, field_options(session), today(), required=pf.FIRST_LOGIN_FIELDS)
    after = _working_snapshot(session, user.id)
    after["basic"].update(_protected(clean))
    request_id = _save_working_copy(session, actor, user, after, AuditAction.PROFILE_SUBMIT_FIRST)
    user.profile_completed = True
    return request_id


def _protected(clean: dict[str, str]) -> dict:
    return {k: (_protect(v) if k in pf.SENSITIVE else v) for k, v in clean.items()}


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


@use_case
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
        if last is not None and last.status == ReviewStatus.REJECTED:
            last_rejection = last.reason
    inst = session.get(Institution, user.institution_id) if user.institution_id else None
    return ProfileState(
        user_id=user.id, name=user.name, institution=inst.name if inst else "",
        id_type="居民身份证" if user.id_number_masked else "", id_number_masked=user.id_number_masked or "",
        basic=basic, parts={p: snap[p] for p in pf.PARTS}, has_photo=bool(snap["basic"].get(pf.PHOTO)),
        pending_id=pending.id if pending else None, pending_since=fmt_local(pending.updated_at) if pending else "",
        last_rejection=last_rejection, options=field_options(session),
    )


@use_case
def save_basic(session: Session, actor: Actor, fields: dict) -> int:
    """保存 个人基本信息: validated, then into the pending change request (姓名/性别/出生日期 required)."""
    user = _require_person(session, actor)
    clean = pf.validate_basic(fields, field_options(session), today())
    if clean.get("姓名"):  # printed on the résumé and certificates
        try:
            check_printable(clean["姓名"])
        except ValueError as e:
            raise ValidationError({"姓名": str(e)}) from None
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
    return _save_working_copy(session, actor, user, after, AuditAction.PROFILE_SAVE_BASIC)


@use_case
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
    return _save_working_copy(session, actor, user, after, AuditAction.PROFILE_SAVE_ENTRY)


@use_case
def delete_entry(session: Session, actor: Actor, part: str, index: int) -> int:
    user = _require_person(session, actor)
    if part not in pf.PARTS:
        raise ValidationError("档案模块不存在")
    after = _working_snapshot(session, user.id)
    if not 0 <= index < len(after[part]):
        raise NotFound("该条记录不存在，请刷新后重试")
    del after[part][index]
    return _save_working_copy(session, actor, user, after, AuditAction.PROFILE_DELETE_ENTRY)


def check_photo(data: bytes) -> CheckedFile:
    """上传照片: a JPEG or PNG (not PDF), at most 2 MB, re-encoded at most PHOTO_MAX_SIDE px."""
    return check_upload(data, field="上传照片", max_bytes=MAX_PHOTO_BYTES, max_side=PHOTO_MAX_SIDE, allow_pdf=False)


@use_case
def upload_photo(session: Session, actor: Actor, data: bytes) -> int:
    """上传照片: checked by content, stored under a generated key, reviewed like any change."""
    user = _require_person(session, actor)
    photo = check_photo(data)
    from cme.storage import store_file

    key = store_file(session, photo.data, photo.mime)
    after = _working_snapshot(session, user.id)
    after["basic"][pf.PHOTO] = key
    return _save_working_copy(session, actor, user, after, AuditAction.PROFILE_UPLOAD_PHOTO)


@use_case
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
