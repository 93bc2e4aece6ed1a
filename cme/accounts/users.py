"""Creating accounts for operations (CLI, demo seed). Registration proper is in registration.py."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme import crypto
from cme.clock import utcnow
from cme.core import audit
from cme.domain.enums import AccountStatus, AuditAction, Role
from cme.domain.identity import check_phone, check_username, normalize, parse_id_number
from cme.domain.inputs import clean_text
from cme.domain.passwords import hash_password, password_problem
from cme.errors import Duplicate, FieldErrors, NotFound, ValidationError
from cme.models import Department, Institution, User
from cme.reports.glyphs import check_person_name


def institution_by_code(session: Session, code: str) -> Institution:
    inst = session.scalars(select(Institution).where(Institution.code == normalize(code))).first()
    if inst is None:
        raise NotFound(f"机构编码 {code} 不存在")
    return inst


def set_identity(user: User, id_number: str | None, phone: str | None) -> None:
    """Store 身份证号/手机号 encrypted with their lookup hash and masked form."""
    if id_number:
        user.id_number_enc = crypto.encrypt(id_number)
        user.id_number_hash = crypto.lookup_hash(id_number)
        user.id_number_masked = crypto.mask_id_number(id_number)
    if phone:
        user.phone_enc = crypto.encrypt(phone)
        user.phone_hash = crypto.lookup_hash(phone)
        user.phone_masked = crypto.mask_phone(phone)


def ensure_unique(session: Session, *, username: str | None = None, id_number: str | None = None,
                  phone: str | None = None, exclude_user_id: int | None = None) -> dict[str, str]:
    """Field → message for every value already taken by another account."""
    errors = FieldErrors()
    checks = [
        ("用户名", User.username, username, "已被使用"),
        ("身份证号", User.id_number_hash, id_number and crypto.lookup_hash(id_number), "已注册，请使用原账号登录或找回密码"),
        ("手机号码", User.phone_hash, phone and crypto.lookup_hash(phone), "已绑定其他账号"),
    ]
    for label, column, value, message in checks:
        if not value:
            continue
        q = select(User.id).where(column == value)
        if exclude_user_id:
            q = q.where(User.id != exclude_user_id)
        if session.scalars(q).first() is not None:
            errors[label] = message
    return errors


def create_admin(session: Session, *, username: str, password: str, name: str, role: str,
                 institution_code: str | None = None, password_hash: str | None = None) -> User:
    """An approved 单位管理员 (role unit, needs an institution) or 省级管理员 (role province)."""
    errors = FieldErrors()
    username = errors.check("用户名", check_username, username)
    if role not in (Role.UNIT, Role.PROVINCE):
        errors["角色"] = "应为 unit 或 province"
    if role == Role.UNIT and not institution_code:
        errors["机构"] = "单位管理员必须指定机构编码"
    name = errors.check("姓名", check_person_name, name, max_len=50)
    if password_hash is None and (problem := password_problem(password, personal=(username,))):
        errors["密码"] = problem
    errors.raise_if_any()
    if ensure_unique(session, username=username):
        raise Duplicate(f"用户名 {username} 已被使用", "用户名")
    inst = institution_by_code(session, institution_code) if institution_code else None
    user = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        name=name,
        role=role,
        institution_id=inst.id if inst and role == Role.UNIT else None,
        status=AccountStatus.APPROVED,
        profile_completed=True,
        reviewed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(session, None, AuditAction.ADMIN_CREATE, "user", user.id, institution_id=user.institution_id,
                 after={"username": username, "role": role})
    return user


def create_person(session: Session, *, username: str, password: str, name: str, id_number: str, phone: str,
                  institution_code: str, department: str | None = None, password_hash: str | None = None,
                  profile_completed: bool = False) -> User:
    """An approved 个人用户, for operations and scripted tests (`create-user`)."""
    errors = FieldErrors()
    username = errors.check("用户名", check_username, username)
    card = errors.check("身份证号", parse_id_number, id_number)
    phone = errors.check("手机号码", check_phone, phone)
    name = errors.check("真实姓名", check_person_name, name, max_len=50)
    if not errors and password_hash is None and (problem := password_problem(password, personal=(username, card.number, phone))):
        errors["密码"] = problem
    errors.raise_if_any()
    if taken := ensure_unique(session, username=username, id_number=card.number, phone=phone):
        raise ValidationError(taken)
    inst = institution_by_code(session, institution_code)
    dept_id = None
    if department:
        dept_id = session.scalars(
            select(Department.id).where(Department.institution_id == inst.id, Department.name == clean_text(department))
        ).first()
        if dept_id is None:
            raise NotFound(f"科室 {department} 不在 {inst.name}")
    user = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        name=name,
        role=Role.PERSON,
        institution_id=inst.id,
        department_id=dept_id,
        sex=card.sex,
        birth_date=card.birth_date,
        status=AccountStatus.APPROVED,
        reviewed_at=utcnow(),
        consent_at=utcnow(),
        profile_completed=profile_completed,
    )
    set_identity(user, card.number, phone)
    session.add(user)
    session.flush()
    audit.record(session, None, AuditAction.USER_CREATE, "user", user.id, institution_id=inst.id,
                 after={"username": username, "id_number": user.id_number_masked})
    return user
