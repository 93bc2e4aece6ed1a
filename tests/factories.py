"""Quick builders for test data. One bcrypt hash is computed once and reused."""
from __future__ import annotations

import io
import itertools
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from cme.accounts.users import create_admin, create_person
from cme.core.actors import Actor, actor_from_user
from cme.credits.summaries import refresh_summary
from cme.domain.identity import check_digit
from cme.domain.passwords import hash_password
from cme.models import CreditRecord, Department, Institution, Region

PASSWORD = "Passw0rd2026"
PASSWORD_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


def valid_id_number(n: int, born: date = date(1985, 6, 15)) -> str:
    """A valid ID number, distinct for every n: the sequence code holds n % 1000 and the birth date
    moves one day per thousand (a shared sequence code made tests collide with 已注册 by run order)."""
    first17 = f"510104{born + timedelta(days=n // 1000):%Y%m%d}{n % 1000:03d}"
    return first17 + check_digit(first17)


def make_institution(s, code: str | None = None, level: str = "市州级/二级及以下医院", departments=("内科", "外科")) -> Institution:
    code = code or f"T{next(_seq):05d}"
    region = s.scalars(select(Region.code).where(Region.level == "district")).first()
    inst = Institution(code=code, name=f"测试医院{code}", region_code=region, region_level=level)
    s.add(inst)
    s.flush()
    for d in departments:
        s.add(Department(institution_id=inst.id, name=d))
    s.flush()
    return inst


def make_person(s, inst: Institution, username: str | None = None, *, profile_completed: bool = True) -> Actor:
    n = next(_seq)
    user = create_person(
        s, username=username or f"user{n:05d}", password="", password_hash=PASSWORD_HASH, name=f"测试{n}",
        id_number=valid_id_number(n), phone=f"139{n:08d}", institution_code=inst.code, department="内科",
        profile_completed=profile_completed,
    )
    return actor_from_user(user)


def make_admin(s, inst: Institution | None = None, username: str | None = None) -> Actor:
    n = next(_seq)
    user = create_admin(
        s, username=username or f"admin{n:05d}", password="", password_hash=PASSWORD_HASH, name=f"管理员{n}",
        role="unit" if inst else "province", institution_code=inst.code if inst else None,
    )
    return actor_from_user(user)


def make_cast(s) -> dict[str, Actor]:
    """The cast of a scope test over two institutions A and B: person_a, colleague_a and admin_a (A's unit
    admin); person_b and admin_b; and province, a provincial admin."""
    a, b = make_institution(s), make_institution(s)
    return dict(person_a=make_person(s, a), colleague_a=make_person(s, a), admin_a=make_admin(s, a),
                person_b=make_person(s, b), admin_b=make_admin(s, b), province=make_admin(s))

def add_credit(s, actor: Actor, *, year: int, credit_type: str, credits: str, status: str = "approved",
               code: str | None = None, name: str = "测试项目") -> CreditRecord:
    rec = CreditRecord(
        user_id=actor.id, project_code=code or f"P{next(_seq):07d}", project_name=name, organizer="测试主办单位",
        year=year, credits=Decimal(credits), credit_type=credit_type, form="学术会议", subject_parent="药学",
        subject_child="药理学", date_from=date(year, 3, 1), date_to=date(year, 3, 2), status=status,
    )
    s.add(rec)
    s.flush()
    refresh_summary(s, actor.id, year)
    return rec


def login_token(s, login: str, password: str = PASSWORD) -> str:
    """Log in and redeem the ticket as the browser's /session/start would: the session token."""
    from cme.accounts import auth

    return auth.redeem_ticket(s, auth.login(s, login, password).ticket)
def same_picture(stored: bytes, original: bytes) -> bool:
    """Uploads are re-encoded (cme.uploads): the stored file shows the same pixels, not the same bytes."""
    from PIL import Image, ImageChops

    with Image.open(io.BytesIO(stored)) as a, Image.open(io.BytesIO(original)) as b:
        return a.size == b.size and ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


def minimal_pdf(catalog_extra: str = "", extra_objects: tuple[str, ...] = (), page_extra: str = "") -> bytes:
    """A one-page PDF with a correct xref table; `catalog_extra`/`page_extra` go into those dictionaries."""
    objects = [f"<< /Type /Catalog /Pages 2 0 R {catalog_extra}>>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] {page_extra}>>", *extra_objects]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
