"""忘记密码 (SPEC §3, deliberately better than the manual's reset to 111111).

身份证号 + an SMS code sent to the phone registered with that ID number (purpose `reset`) → new
password twice, under the password policy. No default password exists anywhere. A successful reset
clears a login lock and ends every open session of the account. Look-ups are throttled (10 per ID
number an hour) so the form cannot be used to probe ID numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme import crypto
from cme.accounts import auth, sms
from cme.core import audit, throttle
from cme.db import keep_on_refusal
from cme.domain.enums import AccountStatus, AuditAction
from cme.domain.identity import normalize, parse_id_number
from cme.domain.passwords import password_problem
from cme.errors import DomainError, ValidationError
from cme.models import User

LOOKUP_LIMIT = 10
WINDOW = timedelta(hours=1)
UNKNOWN = "该身份证号未注册或账号不可用"
SUCCESS = "密码重置成功，请使用新密码登录"


@dataclass(frozen=True)
class ResetCodeSent:
    masked_phone: str
    demo_code: str | None


def _account(session: Session, id_number: str) -> tuple[User, str]:
    try:
        number = parse_id_number(id_number).number
    except ValueError as e:
        raise ValidationError({"身份证号": str(e)}) from None
    throttle.hit(session, f"reset:{crypto.lookup_hash(number)}", limit=LOOKUP_LIMIT, window=WINDOW,
                 message="操作过于频繁，请1小时后再试")
    user = session.scalars(select(User).where(User.id_number_hash == crypto.lookup_hash(number))).first()
    if user is None or user.status == AccountStatus.DISABLED or not user.phone_enc:
        keep_on_refusal(session)  # the failed look-up counts
        raise DomainError(UNKNOWN, "身份证号")
    return user, crypto.decrypt(user.phone_enc)


def send_reset_code(session: Session, id_number: str) -> ResetCodeSent:
    """找回密码 step 1: send a code to the phone registered with this ID number."""
    _, phone = _account(session, id_number)
    issued = sms.send_code(session, phone, "reset")
    return ResetCodeSent(issued.masked_phone, issued.demo_code)


def reset_password(session: Session, id_number: str, code: str, new: str, repeat: str) -> None:
    """找回密码 step 2: the code proves the phone; the new password follows the policy."""
    user, phone = _account(session, id_number)
    errors: dict[str, str] = {}
    if not normalize(code):
        errors["验证码"] = "不能为空"
    if problem := password_problem(new, personal=auth.personal_tokens(user)):
        errors["新密码"] = problem
    elif new != repeat:
        errors["重复密码"] = "两次输入的密码不一致"
    if errors:
        raise ValidationError(errors)
    ticket = sms.verify_code(session, phone, "reset", normalize(code))
    sms.redeem_ticket(session, phone, "reset", ticket)
    auth.set_password(session, user, new, must_change=False, clear_lock=True)
    audit.record(session, user.id, AuditAction.PASSWORD_RESET_BY_SMS, "user", user.id, institution_id=user.institution_id,
                 after={"phone": user.phone_masked})
