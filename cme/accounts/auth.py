"""Login, lockout, server-side sessions and password changes (SPEC §3)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from cme import crypto
from cme.clock import utcnow
from cme.config import get_settings
from cme.core import audit
from cme.db import keep_on_refusal, rows_changed
from cme.domain.enums import AccountStatus, AuditAction
from cme.domain.identity import normalize
from cme.domain.passwords import hash_password, password_problem, verify_password
from cme.errors import AccountLocked, AuthError, ValidationError
from cme.labels import REGISTRATION_STATUS
from cme.models import LoginAttempt, LoginSession, User

BAD_CREDENTIALS = "用户名或密码不正确!"
MAX_FAILURES = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class LoginResult:
    user_id: int
    ticket: str  # one-time, short-lived: swapped for the session cookie by redeem_ticket
    session_id: int  # the server-side session; the tab that logged in holds it (ui/session.py)
    must_change_password: bool
    profile_completed: bool


def _find_user(session: Session, login: str) -> User | None:
    login = normalize(login)
    if not login:
        return None
    conditions = [User.username == login]
    if login.isdigit() and len(login) == 11:
        conditions.append(User.phone_hash == crypto.lookup_hash(login))
    return session.scalars(select(User).where(or_(*conditions))).first()


def login(session: Session, login: str, password: str, *, client: str | None = None) -> LoginResult:
    """Username or phone + password. Five failures in a row lock the account for 15 minutes.

    The state of an unapproved account is named only after its password checked, so the
    message never tells a stranger which usernames exist.
    """
    user = _find_user(session, login)
    now = utcnow()
    if user is None:
        verify_password(password or "", _DUMMY_HASH)  # same cost either way: no timing oracle
        session.add(LoginAttempt(login=normalize(login)[:100], success=False))
        audit.record(session, None, AuditAction.LOGIN_FAIL, "user", None, after={"login": normalize(login)[:40]}, client=client)
        _keep_and_refuse(session, AuthError(BAD_CREDENTIALS))
    if user.locked_until and user.locked_until > now:
        audit.record(session, user.id, AuditAction.LOGIN_FAIL, "user", user.id, institution_id=user.institution_id,
                     after={"login": user.username, "locked": True}, client=client)
        _keep_and_refuse(session, _locked(user.locked_until, now))
    if not check_password(user, password or ""):
        session.add(LoginAttempt(login=user.username, user_id=user.id, success=False))
        audit.record(session, user.id, AuditAction.LOGIN_FAIL, "user", user.id, institution_id=user.institution_id,
                     after={"login": user.username}, client=client)
        failures = _count_failure(session, user.id, now)
        if failures is None:  # a parallel attempt locked the account meanwhile
            _keep_and_refuse(session, _locked(now + timedelta(minutes=LOCK_MINUTES), now))
        if failures >= MAX_FAILURES:
            session.execute(update(User).where(User.id == user.id)
                            .values(locked_until=now + timedelta(minutes=LOCK_MINUTES), failed_logins=0))
            audit.record(session, user.id, AuditAction.ACCOUNT_LOCK, "user", user.id, institution_id=user.institution_id,
                         client=client)
            _keep_and_refuse(session, AccountLocked(f"连续{MAX_FAILURES}次密码错误，账号已锁定{LOCK_MINUTES}分钟，请稍后再试"))
        # the same words as for an unknown account: no hint that this one exists
        _keep_and_refuse(session, AuthError(BAD_CREDENTIALS))
    user.failed_logins = 0
    user.locked_until = None
    if user.status != AccountStatus.APPROVED:
        state = REGISTRATION_STATUS[user.status]
        hint = f"：{user.reject_reason}" if user.status == AccountStatus.REJECTED and user.reject_reason else ""
        raise AuthError(f"账号状态为【{state}】{hint}，审核通过后方能登录。可在【注册状态查询】中查看或修改。")
    user.last_login_at = now
    session.add(LoginAttempt(login=user.username, user_id=user.id, success=True))
    audit.record(session, user.id, AuditAction.LOGIN_SUCCEED, "user", user.id, institution_id=user.institution_id, client=client)
    ticket, pending = _pending_session(session, user.id)
    session.flush()  # its id
    return LoginResult(user.id, ticket, pending.id, user.must_change_password, user.profile_completed)


def check_password(user: User, password: str) -> bool:
    """bcrypt; a legacy hash (SPEC §3 legacy users) is verified with its scheme and, on a match,
    replaced by bcrypt at once. A legacy password below today's policy must be changed next."""
    if user.password_scheme in (None, "", "bcrypt"):
        return verify_password(password, user.password_hash)
    from cme.accounts.legacy import verify_legacy

    if not verify_legacy(user.password_scheme, password, user.password_hash):
        return False
    user.password_hash = hash_password(password)
    user.password_scheme = "bcrypt"
    if password_problem(password, personal=personal_tokens(user)):
        user.must_change_password = True
    return True


def _locked(until, now) -> AccountLocked:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return AccountLocked(f"连续{MAX_FAILURES}次密码错误，账号已锁定，请{minutes}分钟后再试")


def _count_failure(session: Session, user_id: int, now) -> int | None:
    """One statement adds the failure and returns the new count, so parallel wrong passwords can't
    each read 0 and write 1; None when the account got locked by a parallel attempt meanwhile."""
    return session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def _keep_and_refuse(session: Session, error: AuthError) -> NoReturn:
    """A failed attempt is a fact to keep: the unit of work commits the counter although it
    refuses (cme.db.keep_on_refusal), which would otherwise undo the lockout."""
    keep_on_refusal(session)
    raise error


_DUMMY_HASH = hash_password("dummy-password-for-timing-1")


TICKET_SECONDS = 120


def _token_hash(token: str) -> str:
    # keyed, so a stolen database alone cannot forge a cookie
    return crypto.lookup_hash("session:" + token)


def _ticket_hash(ticket: str) -> str:
    return crypto.lookup_hash("ticket:" + ticket)


def open_session(session: Session, user_id: int) -> str:
    """A pending server-side session and its one-time login ticket (valid two minutes).

    The ticket may travel in a URL: it is useless once swapped, and useless after it expires. The
    long-lived token is made only when the ticket is redeemed, and goes straight into a cookie.
    """
    return _pending_session(session, user_id)[0]


def _pending_session(session: Session, user_id: int) -> tuple[str, LoginSession]:
    ticket = secrets.token_urlsafe(32)
    settings = get_settings()
    now = utcnow()
    row = LoginSession(
        ticket_hash=_ticket_hash(ticket),
        ticket_expires_at=now + timedelta(seconds=TICKET_SECONDS),
        user_id=user_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_max_hours),
    )
    session.add(row)
    return ticket, row


def redeem_ticket(session: Session, ticket: str | None) -> str | None:
    """The session token for a login ticket, once: a conditional update, so two requests racing
    with the same ticket cannot both get a token. None when unknown, used, expired or revoked."""
    if not ticket:
        return None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    swapped = rows_changed(
        session,
        update(LoginSession)
        .where(
            LoginSession.ticket_hash == _ticket_hash(ticket),
            LoginSession.ticket_expires_at > now,
            LoginSession.token_hash.is_(None),
            LoginSession.revoked_at.is_(None),
        )
        .values(token_hash=_token_hash(token), ticket_hash=None, ticket_expires_at=None, last_seen_at=now)
    )
    return token if swapped == 1 else None


def _named(token: str | None, session_id: int | None) -> ColumnElement[bool] | None:
    """The session a browser names: by its cookie token, or by id for the tab that logged in (that
    tab's websocket was opened before the cookie existed, so the tab holds the id in server memory)."""
    if session_id is not None:
        return LoginSession.id == session_id
    if token:
        return LoginSession.token_hash == _token_hash(token)
    return None


def resume_session(session: Session, token: str | None = None, *, session_id: int | None = None) -> int | None:
    """The user id behind a cookie token (or a held session id), or None when it is unknown,
    revoked, expired or idle.

    Each use slides the idle window (30 minutes by default); a disabled account's sessions end.
    """
    named = _named(token, session_id)
    if named is None:
        return None
    # the session row and its user's status in one round trip (this runs on every page view)
    found = session.execute(select(LoginSession, User.status).join(User, User.id == LoginSession.user_id)
                            .where(named)).first()
    now = utcnow()
    if found is None:
        return None
    row, status = found
    if row.revoked_at is not None or row.expires_at <= now:
        return None
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if now - row.last_seen_at > idle:
        row.revoked_at = now
        return None
    if status != AccountStatus.APPROVED:
        row.revoked_at = now
        return None
    if now - row.last_seen_at > timedelta(seconds=30):  # avoid a write on every rerun
        row.last_seen_at = now
    return row.user_id


def end_session(session: Session, token: str | None = None, *, session_id: int | None = None) -> None:
    named = _named(token, session_id)
    if named is not None:
        session.execute(update(LoginSession).where(named).values(revoked_at=utcnow()))


def set_password(session: Session, user: User, password: str, *, must_change: bool, clear_lock: bool = False,
                 keep_token: str | None = None, keep_session_id: int | None = None) -> None:
    """A new bcrypt password ends every other session of the user (a reset also lifts the lock-out)."""
    user.password_hash = hash_password(password)
    user.password_scheme = "bcrypt"
    user.must_change_password = must_change
    if clear_lock:
        user.failed_logins, user.locked_until = 0, None
    end_all_sessions(session, user.id, keep_token=keep_token, keep_session_id=keep_session_id)


def end_all_sessions(session: Session, user_id: int, *, keep_token: str | None = None,
                     keep_session_id: int | None = None) -> None:
    """Revoke every session of the user (all but the one named by `keep_token` / `keep_session_id`)."""
    query = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
    if keep_session_id is not None:
        query = query.where(LoginSession.id != keep_session_id)
    elif keep_token:
        query = query.where(or_(LoginSession.token_hash.is_(None), LoginSession.token_hash != _token_hash(keep_token)))
    session.execute(query.values(revoked_at=utcnow()))


def personal_tokens(user: User) -> tuple[str, ...]:
    """Values a password may not contain: username, ID number, phone."""
    return tuple(v for v in (user.username, crypto.decrypt(user.id_number_enc), crypto.decrypt(user.phone_enc)) if v)


def change_password(
    session: Session, user_id: int, old: str, new: str, repeat: str, *, current_token: str | None = None,
    current_session_id: int | None = None,
) -> None:
    """修改密码: 原密码 must match; 新密码 follows the policy and equals 重复密码. Every other
    session of the user ends (a thief holding an old session loses it); `current_token`'s stays."""
    user = session.get_one(User, user_id)
    errors: dict[str, str] = {}
    if not old:
        errors["原密码"] = "不能为空"
    elif not verify_password(old, user.password_hash):
        errors["原密码"] = "不正确"
    problem = password_problem(new, personal=personal_tokens(user))
    if problem:
        errors["新密码"] = problem
    elif new == old:
        errors["新密码"] = "不能与原密码相同"
    if not errors.get("新密码") and new != repeat:
        errors["重复密码"] = "两次输入的密码不一致"
    if errors:
        raise ValidationError(errors)
    set_password(session, user, new, must_change=False, keep_token=current_token, keep_session_id=current_session_id)
    audit.record(session, user.id, AuditAction.PASSWORD_CHANGE, "user", user.id, institution_id=user.institution_id)
