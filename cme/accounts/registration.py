"""个人注册 and 注册状态查询 (SPEC §3, manual §2).

Rules:
- step 1 proves the phone by SMS (`register` purpose); a number already bound to an account is refused;
- step 2 validates every field (message names the field), refuses a taken username, ID number or phone,
  records consent and creates a 个人用户 in state 单位待审 (pending);
- the status query (username + ID number) is throttled: at most 10 per username and per ID number an hour;
- while 单位待审 or 单位审核不过 the registration may be edited and resubmitted (back to 单位待审) by whoever
  knows username, ID number and the registration password; a new phone number is verified by SMS.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme import crypto
from cme.accounts import sms
from cme.accounts.users import ensure_unique, set_identity
from cme.clock import fmt_local, utcnow
from cme.core import audit, reference, throttle
from cme.db import keep_on_refusal
from cme.domain.enums import AccountStatus, AuditAction, Role
from cme.domain.identity import check_email, check_phone, check_username, normalize, parse_id_number
from cme.domain.passwords import hash_password, password_problem, verify_password
from cme.errors import DomainError, FieldErrors, RecordLocked, ValidationError
from cme.labels import REGISTRATION_STATUS
from cme.models import Institution, User
from cme.reports.glyphs import check_person_name

SUCCESS = "用户注册成功!请等待单位审核,审核通过后方能登录。"


MISMATCH = "用户名和身份证号码不匹配"


CONSENT_TEXT = (
    "我已阅读并同意：本平台为继续医学教育学分管理之目的，收集和处理本人的姓名、身份证号、手机号码、"
    "所在单位等个人信息；身份证号和手机号码加密存储，仅本人、所在单位管理员和省级管理员可见其脱敏形式。"
)


JOINS = ("是", "否")


STATUS_QUERY_LIMIT = 10  # per username and per ID number, per hour


THROTTLE_WINDOW = timedelta(hours=1)


NAME_MAX = 50


def _place(session: Session, errors: dict[str, str], institution_id: int | None,
           department_id: int | None) -> tuple[Institution | None, int | None]:
    """机构单位 must be an active institution; 科室 one of its departments (required when it has any)."""
    inst = session.get(Institution, institution_id) if institution_id else None
    if inst is None or not inst.active:
        errors["机构单位"] = "请选择机构"
        return None, None
    depts = reference.departments(session, inst.id)
    if department_id is None:
        if depts:
            errors["科室"] = "请选择科室"
        return inst, None
    if department_id not in {d for d, _ in depts}:
        errors["科室"] = "不属于所选机构"
        return inst, None
    return inst, department_id


def _joins(errors: dict[str, str], value: str | None) -> bool:
    if value not in JOINS:
        errors["参加继教"] = "请选择"
        return True
    return value == "是"


def _free_phone(session: Session, raw: str, taken_message: str) -> str:
    """A valid mainland number not bound to any account, or a ValidationError naming 手机号码."""
    phone = _valid_phone(raw)
    if ensure_unique(session, phone=phone):
        raise ValidationError({"手机号码": taken_message})
    return phone


def _valid_phone(raw: str) -> str:
    try:
        return check_phone(raw)
    except ValueError as e:
        raise ValidationError({"手机号码": str(e)}) from None


PHONE_TAKEN = "已绑定其他账号，请直接登录或找回密码"
REGISTER_TRIES = 10  # 完成 attempts per verified phone and per client, per hour


def send_register_code(session: Session, phone: str) -> sms.IssuedCode:
    """获取验证码: any mainland mobile number gets the same answer and a code, bound to an account or
    not, so this step tells a stranger nothing; a bound number is refused at 下一步, once its code
    proved the asker holds the phone."""
    return sms.send_code(session, _valid_phone(phone), "register")


@dataclass(frozen=True)
class PhoneVerified:
    phone: str  # normalised (full-width digits folded)
    masked: str
    ticket: str  # presented by the action the verification guards


def _verify(session: Session, raw: str, code: str, purpose: str) -> PhoneVerified:
    phone = _valid_phone(raw)
    return PhoneVerified(phone, crypto.mask_phone(phone), sms.verify_code(session, phone, purpose, normalize(code)))


def verify_register_phone(session: Session, phone: str, code: str) -> PhoneVerified:
    """下一步: the code sent to `phone`; returns the ticket step 2 presents. Only now, to the phone's
    holder, is a number already bound to an account refused."""
    verified = _verify(session, phone, code, "register")
    _free_phone(session, verified.phone, PHONE_TAKEN)
    return verified


def send_change_phone_code(session: Session, phone: str) -> sms.IssuedCode:
    """A new phone number given while editing a registration (purpose change_phone)."""
    phone = _free_phone(session, phone, "已绑定其他账号")
    return sms.send_code(session, phone, "change_phone")


def verify_change_phone(session: Session, phone: str, code: str) -> PhoneVerified:
    """The code sent to the new number; its ticket is redeemed by 保存."""
    return _verify(session, phone, code, "change_phone")


@dataclass
class RegistrationFields:
    """What registering and editing a registration both ask for (fig. 3)."""

    institution_id: int | None
    department_id: int | None
    username: str
    name: str
    id_number: str
    email: str


@dataclass
class RegistrationForm(RegistrationFields):
    password: str
    confirm: str
    joins_cme: str | None  # 是 / 否
    standard_basis: str | None  # 学分达标遵照
    consent: bool


def register(session: Session, phone: str, phone_ticket: str, form: RegistrationForm, *,
             client: str | None = None) -> int:
    """完成: validate every field, redeem the phone verification, create the pending 个人用户.

    Whether a username or ID number is taken is answered only to a verified phone, and at most
    REGISTER_TRIES times an hour per phone and per client address (the answers confirm accounts)."""
    errors = FieldErrors()
    phone = errors.check("手机号码", check_phone, phone)
    inst, dept_id = _place(session, errors, form.institution_id, form.department_id)
    username = errors.check("用户名", check_username, form.username)
    name = errors.check("真实姓名", check_person_name, form.name, max_len=NAME_MAX)  # printed on certificates
    card = errors.check("身份证号", parse_id_number, form.id_number)
    email = errors.check("电子邮箱", check_email, form.email)
    personal = tuple(v for v in (username, card.number if card else "", phone) if v)
    if problem := password_problem(form.password, personal=personal):
        errors["密码"] = problem
    elif form.password != form.confirm:
        errors["确认密码"] = "两次输入的密码不一致"
    joins = _joins(errors, form.joins_cme)
    if form.standard_basis not in reference.dictionary(session, "学分达标遵照"):
        errors["学分达标遵照"] = "请选择"
    if not form.consent:
        errors["个人信息处理"] = "请阅读并同意个人信息处理说明"
    errors.raise_if_any()
    assert inst is not None  # _place named 机构单位 otherwise
    if not sms.ticket_valid(session, phone, "register", phone_ticket):  # only a verified phone gets answers
        raise ValidationError({"手机号码": "手机验证已失效，请重新获取验证码"})
    keys = [f"register:{crypto.lookup_hash(phone)}"] + ([f"register-client:{client}"] if client else [])
    for key in sorted(keys):
        throttle.hit(session, key, limit=REGISTER_TRIES, window=THROTTLE_WINDOW, message="查询过于频繁，请1小时后再试")
    if taken := ensure_unique(session, username=username, id_number=card.number, phone=phone):
        keep_on_refusal(session)  # the attempt counts although it is refused
        raise ValidationError(taken)
    sms.redeem_ticket(session, phone, "register", phone_ticket)
    now = utcnow()
    user = User(
        username=username, password_hash=hash_password(form.password), name=name, role=Role.PERSON,
        institution_id=inst.id, department_id=dept_id, email=email, sex=card.sex, birth_date=card.birth_date,
        joins_cme=joins, standard_basis=form.standard_basis, status=AccountStatus.PENDING, registered_at=now, consent_at=now,
    )
    set_identity(user, card.number, phone)
    session.add(user)
    session.flush()
    audit.record(session, user.id, AuditAction.REGISTRATION_SUBMIT, "user", user.id, institution_id=inst.id,
                 after={"username": username, "name": name, "id_number": user.id_number_masked,
                        "phone": user.phone_masked, "institution": inst.name})
    return user.id


@dataclass(frozen=True)
class RegistrationStatus:
    username: str
    institution: str
    registered_at: str
    status: str  # code
    status_label: str
    reject_reason: str | None
    can_edit: bool


@dataclass(frozen=True)
class RegistrationDraft:
    """What 用户注册信息修改 starts from (no ID number or phone in clear: they are re-entered)."""

    institution_id: int
    institution: str
    region_code: str
    department_id: int | None
    username: str
    name: str
    email: str
    phone_masked: str
    joins_cme: str


def _find_by_pair(session: Session, username: str, id_number: str) -> User:
    """The person registered with this username and ID number; every look-up counts toward the limit."""
    username, number = normalize(username), normalize(id_number).upper()
    errors = FieldErrors()
    if not username:
        errors["用户账号"] = "不能为空"
    if not number:
        errors["身份证号码"] = "不能为空"
    errors.raise_if_any()
    for key in sorted((f"status:user:{username.lower()}", f"status:id:{crypto.lookup_hash(number)}")):
        throttle.hit(session, key, limit=STATUS_QUERY_LIMIT, window=THROTTLE_WINDOW, message="查询过于频繁，请1小时后再试")
    user = session.scalars(select(User).where(User.username == username, User.role == Role.PERSON)).first()
    if user is None or user.id_number_hash != crypto.lookup_hash(number):
        keep_on_refusal(session)  # the failed look-up must count although it is refused
        raise DomainError(MISMATCH)
    return user


def query_status(session: Session, username: str, id_number: str, *, client: str | None = None) -> RegistrationStatus:
    """注册状态查询: 注册单位, 注册时间, 注册状态 (with the reviewer's reason when rejected).
    Every query is audited with the client's address, answered or not."""
    try:
        user = _find_by_pair(session, username, id_number)
    except DomainError:
        audit.record(session, None, AuditAction.REGISTRATION_QUERY_STATUS, "user", None,
                     after={"username": normalize(username)[:40], "matched": False}, client=client)
        session.commit()  # kept although the query is refused
        raise
    audit.record(session, None, AuditAction.REGISTRATION_QUERY_STATUS, "user", user.id, institution_id=user.institution_id,
                 after={"username": user.username, "matched": True}, client=client)
    inst = session.get_one(Institution, user.institution_id)
    return RegistrationStatus(
        username=user.username, institution=inst.name if inst else "", registered_at=fmt_local(user.registered_at),
        status=user.status, status_label=REGISTRATION_STATUS[user.status],
        reject_reason=user.reject_reason if user.status == AccountStatus.REJECTED else None,
        can_edit=user.status in (AccountStatus.PENDING, AccountStatus.REJECTED),
    )


def registration_draft(session: Session, username: str, id_number: str) -> RegistrationDraft:
    """The current values for 修改 (same throttled check as the query)."""
    user = _find_by_pair(session, username, id_number)
    if user.status not in (AccountStatus.PENDING, AccountStatus.REJECTED):
        raise RecordLocked("注册已审核通过，不能再修改，请直接登录")
    inst = session.get_one(Institution, user.institution_id)
    return RegistrationDraft(inst.id, inst.name, inst.region_code, user.department_id, user.username, user.name,
                             user.email or "", user.phone_masked or "", "是" if user.joins_cme else "否")


@dataclass
class RegistrationEdit(RegistrationFields):
    phone: str  # empty: keep the verified number on file
    phone_ticket: str | None  # required when `phone` is a new number
    current_password: str  # proves the registration is the editor's own
    password: str  # empty: keep
    confirm: str
    joins_cme: str | None


def resubmit_registration(session: Session, username: str, id_number: str, edit: RegistrationEdit) -> None:
    """保存: change a 单位待审/单位审核不过 registration and send it back to 单位待审."""
    user = _find_by_pair(session, username, id_number)
    if user.status not in (AccountStatus.PENDING, AccountStatus.REJECTED):
        raise RecordLocked("注册已审核通过，不能再修改，请直接登录")
    if not edit.current_password or not verify_password(edit.current_password, user.password_hash):
        keep_on_refusal(session)  # counts toward the look-up limit
        raise ValidationError({"原密码": "不正确" if edit.current_password else "不能为空"})
    errors = FieldErrors()
    inst, dept_id = _place(session, errors, edit.institution_id, edit.department_id)
    new_username = errors.check("用户名", check_username, edit.username)
    name = errors.check("真实姓名", check_person_name, edit.name, max_len=NAME_MAX)
    card = errors.check("身份证号", parse_id_number, edit.id_number)
    email = errors.check("电子邮箱", check_email, edit.email)
    new_phone = None
    if normalize(edit.phone):
        new_phone = errors.check("手机号码", check_phone, edit.phone)
        if new_phone and crypto.lookup_hash(new_phone) == user.phone_hash:
            new_phone = None  # the same number: nothing to verify
    joins = _joins(errors, edit.joins_cme)
    if edit.password or edit.confirm:
        current_phone = crypto.decrypt(user.phone_enc) or ""
        personal = tuple(v for v in (new_username, card.number if card else "", new_phone or current_phone) if v)
        if problem := password_problem(edit.password, personal=personal):
            errors["密码"] = problem
        elif edit.password != edit.confirm:
            errors["确认密码"] = "两次输入的密码不一致"
    errors.raise_if_any()
    assert inst is not None  # _place named 机构单位 otherwise
    if taken := ensure_unique(session, username=new_username, id_number=card.number, phone=new_phone,
                              exclude_user_id=user.id):
        raise ValidationError(taken)
    if new_phone:
        sms.redeem_ticket(session, new_phone, "change_phone", edit.phone_ticket)
    before = _snapshot(session, user)
    user.institution_id, user.department_id = inst.id, dept_id
    user.username, user.name, user.email, user.joins_cme = new_username, name, email, joins
    user.sex, user.birth_date = card.sex, card.birth_date
    set_identity(user, card.number, new_phone)
    if edit.password:
        user.password_hash = hash_password(edit.password)
    user.status, user.reject_reason, user.reviewed_at, user.reviewed_by = AccountStatus.PENDING, None, None, None
    session.flush()
    audit.record(session, user.id, AuditAction.REGISTRATION_RESUBMIT, "user", user.id, institution_id=inst.id,
                 before=before, after=_snapshot(session, user))


def _snapshot(session: Session, user: User) -> dict:
    inst = session.get_one(Institution, user.institution_id)
    return {"username": user.username, "name": user.name, "institution": inst.name if inst else None,
            "id_number": user.id_number_masked, "phone": user.phone_masked, "status": user.status}
