"""CME_SECRET_KEY and the database: the check at start, and `python -m cme rotate-key`.

The check: set-up (init-db, the app's first start) stores a keyed fingerprint of the secret in
app_settings (cme.crypto.Keyring.fingerprint: it identifies the key, reveals nothing of it). Set-up,
the app and every CLI command compare the running key with it and stop with one clear message,
instead of "wrong password" at phone login, "未注册" at 忘记密码 and a second account for one ID
number. A database set up before the fingerprint existed is judged by decrypting one stored value.

Rotation, in ONE transaction under the set-up lock: every encrypted ID number and phone (users,
protected 联系电话 in profiles and change requests, the SMS outbox) is re-encrypted with the new key
through a MultiFernet reader (old and new key), every keyed lookup hash is recomputed from the
decrypted value, and the fingerprint is replaced. It commits entirely or not at all, so no reader
ever sees a database half in one key. What cannot be recomputed is ended: live SMS codes and
tickets (only their hash is stored; the person asks for a new code) and login sessions (the
browser's token is hashed with the old key; everyone logs in again). Throttle rows keyed by an old
hash stop matching and go with `purge`.
"""
from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from sqlalchemy import Row, Text, cast, inspect, or_, select, text, update
from sqlalchemy.orm import Session

from cme import crypto
from cme.clock import utcnow
from cme.db import get_engine, rows_changed, session_scope
from cme.errors import DomainError, ValidationError
from cme.models import AppSetting, LoginSession, Profile, ProfileChangeRequest, SmsCode, SmsOutbox, User
from cme.ops.migrate import SETUP_LOCK

FINGERPRINT = "secret_key_fingerprint"
MISMATCH = ("CME_SECRET_KEY 与数据库不符：数据库中的身份证号、手机号是用另一个密钥加密的，"
            "用当前密钥将无法按手机号登录、找回密码或识别重复身份证号。请改回原密钥启动；"
            "更换密钥须用 python -m cme rotate-key。")
BATCH = 1000
NEW_KEY_FIELD = "新密钥（CME_NEW_SECRET_KEY）"


class KeyMismatch(DomainError):
    def __init__(self) -> None:
        super().__init__(MISMATCH, "CME_SECRET_KEY")


def _sample_token(session: Session) -> str | None:
    return session.scalar(select(User.phone_enc).where(User.phone_enc.is_not(None)).limit(1)) or session.scalar(
        select(User.id_number_enc).where(User.id_number_enc.is_not(None)).limit(1))


def verify_key(session: Session, ring: crypto.Keyring | None = None, *, record: bool = True) -> None:
    """Raise KeyMismatch unless `ring` (default: the running key) is the database's key; with `record`,
    store the fingerprint where none is yet (set-up does, under its lock)."""
    ring = ring or crypto.keyring()
    stored = session.get(AppSetting, FINGERPRINT)
    if stored is not None:
        if not hmac.compare_digest(stored.value, ring.fingerprint()):
            raise KeyMismatch()
        return
    sample = _sample_token(session)  # a database from before the fingerprint: does the key read its data?
    if sample is not None and not ring.can_decrypt(sample):
        raise KeyMismatch()
    if record:
        session.add(AppSetting(key=FINGERPRINT, value=ring.fingerprint()))
        session.flush()


def require_matching_key() -> None:
    """For commands that do not run set-up: stop when the running key is not the database's.
    A database without tables yet holds nothing encrypted (init-db will record the key)."""
    if not inspect(get_engine()).has_table(AppSetting.__tablename__):
        return
    with session_scope(read_only=True) as s:
        verify_key(s, record=False)


# ---- rotation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationReport:
    users: int
    protected_values: int
    outbox: int
    codes_voided: int
    sessions_ended: int

    def summary(self) -> str:
        return (f"密钥已更换：人员 {self.users} 名的身份证号/手机号、档案中的联系电话 {self.protected_values} 处、"
                f"短信发件箱 {self.outbox} 条已用新密钥重新加密；作废未使用的短信验证码 {self.codes_voided} 条，"
                f"结束登录会话 {self.sessions_ended} 个")


def _batches(session: Session, query) -> Iterator[Sequence[Row]]:
    """Rows of `query` (first column the id) in id order, BATCH at a time (keyset: constant memory)."""
    last = 0
    while rows := session.execute(query.where(query.selected_columns[0] > last)
                                  .order_by(query.selected_columns[0]).limit(BATCH)).all():
        yield rows
        last = rows[-1][0]


def _rekey(ring: crypto.Keyring, token: str, where: str) -> tuple[str, str]:
    """(the token under the new key, its plain value); a token neither key reads stops the rotation."""
    try:
        return ring.rotate(token), ring.decrypt(token)
    except InvalidToken:
        raise DomainError(f"{where}无法用当前密钥解密，密钥未更换，数据未做任何改动") from None


def _rotate_users(session: Session, ring: crypto.Keyring) -> tuple[int, dict[str, str]]:
    """Re-encrypt and re-hash every user's ID number and phone; returns (count, old phone hash → new)."""
    users, phone_hashes = 0, {}
    query = select(User.id, User.id_number_enc, User.phone_enc, User.phone_hash).where(
        or_(User.id_number_enc.is_not(None), User.phone_enc.is_not(None)))
    for rows in _batches(session, query):
        changes = []
        for user_id, id_enc, phone_enc, old_phone_hash in rows:
            change = {"id": user_id}
            if id_enc is not None:
                token, plain = _rekey(ring, id_enc, f"人员（id {user_id}）的身份证号")
                change |= {"id_number_enc": token, "id_number_hash": ring.lookup_hash(plain)}
            if phone_enc is not None:
                token, plain = _rekey(ring, phone_enc, f"人员（id {user_id}）的手机号")
                change |= {"phone_enc": token, "phone_hash": ring.lookup_hash(plain)}
                phone_hashes[old_phone_hash] = change["phone_hash"]
            changes.append(change)
        session.execute(update(User), changes)  # ORM bulk UPDATE by primary key
        users += len(changes)
    return users, phone_hashes


def _rotate_protected(value, ring: crypto.Keyring, where: str) -> tuple[object, int]:
    """A snapshot's protected values ({"enc", "hash", "masked"}, cme.profile.changes) re-keyed."""
    if isinstance(value, dict) and isinstance(value.get("enc"), str) and "hash" in value:
        token, plain = _rekey(ring, value["enc"], where)
        return value | {"enc": token, "hash": ring.lookup_hash(plain)}, 1
    if isinstance(value, dict):
        out, n = {}, 0
        for k, v in value.items():
            out[k], m = _rotate_protected(v, ring, where)
            n += m
        return out, n
    if isinstance(value, list):
        pairs = [_rotate_protected(v, ring, where) for v in value]
        return [v for v, _ in pairs], sum(m for _, m in pairs)
    return value, 0


def _rotate_documents(session: Session, ring: crypto.Keyring) -> int:
    count = 0
    for model, key, columns in ((Profile, Profile.user_id, ("basic",)),
                                (ProfileChangeRequest, ProfileChangeRequest.id, ("before", "after"))):
        holds_secret = or_(*(cast(getattr(model, c), Text).like('%"enc"%') for c in columns))
        for rows in _batches(session, select(key, *(getattr(model, c) for c in columns)).where(holds_secret)):
            changes = []
            for pk, *docs in rows:
                change = {key.key: pk}
                for column, doc in zip(columns, docs, strict=True):
                    change[column], n = _rotate_protected(doc, ring, f"{model.__tablename__}（{pk}）的{column}")
                    count += n
                changes.append(change)
            session.execute(update(model), changes)
    return count


def _rotate_outbox(session: Session, ring: crypto.Keyring) -> int:
    changes = [{"id": i, "phone_enc": _rekey(ring, p, f"短信发件箱（{i}）")[0],
                "body_enc": b and _rekey(ring, b, f"短信发件箱（{i}）")[0]}
               for i, p, b in session.execute(select(SmsOutbox.id, SmsOutbox.phone_enc, SmsOutbox.body_enc))]
    if changes:
        session.execute(update(SmsOutbox), changes)
    return len(changes)


def _end_what_cannot_be_rehashed(session: Session, phone_hashes: dict[str, str]) -> tuple[int, int]:
    now = utcnow()
    known = [{"id": i, "phone_hash": phone_hashes[h]} for i, h in session.execute(
        select(SmsCode.id, SmsCode.phone_hash)) if h in phone_hashes]  # keeps today's count per number
    if known:
        session.execute(update(SmsCode), known)
    voided = rows_changed(session, update(SmsCode).where(SmsCode.expires_at > now).values(expires_at=now)
                          .execution_options(synchronize_session=False))
    ended = rows_changed(session, update(LoginSession).where(LoginSession.revoked_at.is_(None)).values(revoked_at=now)
                         .execution_options(synchronize_session=False))
    return voided, ended


def rotate_key(session: Session, old_secret: str, new_secret: str) -> RotationReport:
    """Re-key the database from `old_secret` (the running key, checked) to `new_secret`, in the caller's
    one transaction."""
    new_secret = (new_secret or "").strip()
    if not new_secret:
        raise ValidationError({NEW_KEY_FIELD: "不能为空"})
    if new_secret == old_secret:
        raise ValidationError({NEW_KEY_FIELD: "与当前密钥相同"})
    if len(new_secret) < 32:
        raise ValidationError({NEW_KEY_FIELD: "至少32个字符（如32个随机字节的 base64，见 deploy/env.example）"})
    if session.get_bind().dialect.name == "postgresql":  # no set-up or second rotation meanwhile
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})
    verify_key(session, crypto.keyring(old_secret), record=False)
    ring = crypto.Keyring(new_secret, old_secret)
    users, phone_hashes = _rotate_users(session, ring)
    protected = _rotate_documents(session, ring)
    outbox = _rotate_outbox(session, ring)
    voided, ended = _end_what_cannot_be_rehashed(session, phone_hashes)
    setting = session.get(AppSetting, FINGERPRINT)
    if setting is None:
        session.add(AppSetting(key=FINGERPRINT, value=ring.fingerprint()))
    else:
        setting.value = ring.fingerprint()
    session.flush()
    return RotationReport(users, protected, outbox, voided, ended)
