"""Legacy users (SPEC §3): `系统更新前使用过继教平台的个人用户，请直接使用原用户名和密码登录`.

`import-legacy` loads people from the old platform keeping their username and password. Supported
legacy password schemes in the users file (column `password_scheme`):

* `md5`        — hex MD5 of the UTF-8 password (32 hex digits), unsalted
* `sha1`       — hex SHA-1 (40 hex digits), unsalted
* `sha256`     — hex SHA-256 (64 hex digits), unsalted
* `bcrypt_raw` — a plain bcrypt hash (`$2a$`/`$2b$`/`$2y$`) of the password without this platform's
                 SHA-256 pre-hash

An unsalted digest is never stored: a stolen table would give up every common password at once
(one lookup per digest). The import stores bcrypt(digest) instead, with scheme `bcrypt_md5`,
`bcrypt_sha1` or `bcrypt_sha256`, and login checks bcrypt(md5(password)) — the same secret, now
salted and slow. `python -m cme init-db` wraps any bare digest an earlier version stored.

At the first successful login `auth.login` verifies with the legacy scheme and replaces the hash
with this platform's bcrypt (`password_scheme` becomes `bcrypt`); a password that fails today's
policy (e.g. the old default 111111) must then be changed before anything else.

Users CSV (UTF-8, header row): username, password_hash, password_scheme, name, id_number, phone
(may be empty), institution_code, department (may be empty; created in the institution when
missing). A row whose username or 身份证号 is already here is counted as already present; a bad row
is reported with its line number and nothing of it is saved.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass, field

import bcrypt
from sqlalchemy import select
from sqlalchemy.orm import Session

from cme import crypto
from cme.accounts.users import ensure_unique, set_identity
from cme.clock import utcnow
from cme.config import get_settings
from cme.core import audit
from cme.domain.enums import AccountStatus, AuditAction, Role
from cme.domain.identity import check_phone, check_username, parse_id_number
from cme.domain.inputs import clean_text
from cme.errors import FieldErrors, NotFound, ValidationError
from cme.models import Department, Institution, User
from cme.reports.glyphs import check_person_name

_HEX = {"md5": (hashlib.md5, 32), "sha1": (hashlib.sha1, 40), "sha256": (hashlib.sha256, 64)}
SCHEMES = (*_HEX, "bcrypt_raw")  # as written in the users file
WRAPPED = "bcrypt_"  # + a _HEX scheme: bcrypt of the legacy hex digest, as stored here
USER_COLUMNS = ["username", "password_hash", "password_scheme", "name", "id_number", "phone", "institution_code",
                "department"]


def hash_problem(scheme: str, stored: str) -> str | None:
    """Why a legacy hash cannot be kept, or None."""
    if scheme in _HEX:
        _, length = _HEX[scheme]
        if not re.fullmatch(rf"[0-9a-fA-F]{{{length}}}", stored or ""):
            return f"应为{length}位十六进制的{scheme}摘要"
        return None
    if scheme == "bcrypt_raw":
        return None if re.fullmatch(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}", stored or "") else "不是有效的bcrypt哈希"
    return "不支持的密码格式（支持：" + "、".join(SCHEMES) + "）"


def _digest(scheme: str, password: str) -> str:
    return _HEX[scheme][0](password.encode()).hexdigest()


def _bcrypt_matches(secret: str, stored: str) -> bool:
    try:
        return bcrypt.checkpw(secret.encode(), (stored or "").encode())
    except ValueError:
        return False


def wrap_digest(hex_digest: str) -> str:
    """What is stored for an unsalted legacy digest: bcrypt of its lower-case hex (at most 64 bytes,
    inside bcrypt's 72), at the configured cost."""
    return bcrypt.hashpw(hex_digest.lower().encode(), bcrypt.gensalt(get_settings().bcrypt_rounds)).decode()


def stored_form(scheme: str, legacy_hash: str) -> tuple[str, str]:
    """(password_scheme, password_hash) to store for a hash from the users file: never a bare digest."""
    if scheme in _HEX:
        return WRAPPED + scheme, wrap_digest(legacy_hash)
    return scheme, legacy_hash


def verify_legacy(scheme: str, password: str, stored: str) -> bool:
    """True when `password` matches `stored` under the legacy `scheme`; False for unknown schemes.
    Bare digests (`md5`…) are still read for rows an earlier version stored, until init-db wraps them."""
    if scheme.startswith(WRAPPED) and scheme[len(WRAPPED):] in _HEX:
        return _bcrypt_matches(_digest(scheme[len(WRAPPED):], password), stored)
    if scheme in _HEX:
        return hmac.compare_digest(_digest(scheme, password), (stored or "").lower())
    if scheme == "bcrypt_raw":
        return _bcrypt_matches(password, stored)
    return False


def wrap_unsalted_hashes(session: Session) -> int:
    """Replace every bare legacy digest still stored by its bcrypt wrapping; returns how many."""
    users = session.scalars(select(User).where(User.password_scheme.in_(tuple(_HEX)))).all()
    for user in users:
        user.password_scheme, user.password_hash = stored_form(user.password_scheme, user.password_hash)
    if users:
        audit.record(session, None, AuditAction.LEGACY_WRAP_HASHES, "user", None, after={"账号数": len(users)})
    return len(users)


@dataclass(frozen=True)
class LegacyRefused:
    line: int
    username: str
    reason: str


@dataclass
class LegacyReport:
    rows: int = 0
    created: int = 0
    existing: int = 0
    departments_created: int = 0
    refused: list[LegacyRefused] = field(default_factory=list)

    def summary(self) -> str:
        extra = f"，新建科室 {self.departments_created} 个" if self.departments_created else ""
        return (f"共 {self.rows} 行：新建用户 {self.created} 个，已存在 {self.existing} 个，"
                f"拒绝 {len(self.refused)} 个{extra}")


def read_users_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"用户文件": "不是 UTF-8 编码的 CSV 文件"}) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in USER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError({"用户文件": "缺少列：" + "、".join(missing) + "；表头应为：" + ",".join(USER_COLUMNS)})
    return [(n, {k: clean_text(v) for k, v in r.items() if k}) for n, r in enumerate(reader, start=2)]


def import_legacy_users(session: Session, data: bytes) -> LegacyReport:
    """Operations only (CLI): create approved persons keeping their legacy username and hash."""
    rows = read_users_csv(data)
    report = LegacyReport(rows=len(rows))
    institutions: dict[str, Institution | None] = {}
    for line, r in rows:
        errors = FieldErrors()
        username = errors.check("username", check_username, r["username"]) or r["username"]
        scheme = r["password_scheme"].lower()
        if problem := hash_problem(scheme, r["password_hash"]):
            errors["password_hash" if scheme in SCHEMES else "password_scheme"] = problem
        card = None
        card = errors.check("id_number", parse_id_number, r["id_number"])
        phone = None
        if r["phone"]:
            phone = errors.check("phone", check_phone, r["phone"])
        r["name"] = errors.check("name", check_person_name, r["name"], max_len=50) or r["name"]
        code = r["institution_code"].upper()
        if code not in institutions:
            institutions[code] = session.scalars(select(Institution).where(Institution.code == code)).first()
        inst = institutions[code]
        if inst is None:
            errors["institution_code"] = f"机构编码 {code or '（空）'} 不存在"
        if errors or inst is None:
            report.refused.append(LegacyRefused(line, username, "；".join(f"{k}：{v}" for k, v in errors.items())))
            continue
        same = session.scalars(select(User).where(User.username == username)).first()
        if same is not None:
            if same.id_number_hash == crypto.lookup_hash(card.number):
                report.existing += 1
            else:
                report.refused.append(LegacyRefused(line, username, "username：已被其他身份证号的账号使用"))
            continue
        if taken := ensure_unique(session, id_number=card.number, phone=phone):
            if list(taken) == ["身份证号"]:
                report.existing += 1  # already here under another username
            else:
                report.refused.append(LegacyRefused(line, username, "；".join(f"{k}：{v}" for k, v in taken.items())))
            continue
        dept_id = None
        if r["department"]:
            dept = session.scalars(select(Department).where(Department.institution_id == inst.id,
                                                            Department.name == r["department"])).first()
            if dept is None:
                dept = Department(institution_id=inst.id, name=r["department"][:50])
                session.add(dept)
                session.flush()
                report.departments_created += 1
            dept_id = dept.id
        stored_scheme, stored_hash = stored_form(scheme, r["password_hash"])
        user = User(
            username=username, password_hash=stored_hash, password_scheme=stored_scheme, name=r["name"], role=Role.PERSON,
            institution_id=inst.id, department_id=dept_id,
            sex=card.sex, birth_date=card.birth_date, status=AccountStatus.APPROVED, reviewed_at=utcnow(), consent_at=None,
            profile_completed=False,
        )
        set_identity(user, card.number, phone)
        session.add(user)
        session.flush()
        report.created += 1
    audit.record(session, None, AuditAction.LEGACY_IMPORT_USERS, "user", None,
                 after={"行数": report.rows, "新建": report.created, "已存在": report.existing,
                        "拒绝": len(report.refused)})
    return report


def default_import_actor(session: Session) -> str:
    """The provincial admin who signs legacy credit imports when none is named."""
    name = session.scalars(select(User.username).where(User.role == Role.PROVINCE, User.status == AccountStatus.APPROVED)
                           .order_by(User.id)).first()
    if name is None:
        raise NotFound("导入学分需要一名省级管理员：请先用 create-admin --role province 创建，或用 --actor 指定")
    return name
