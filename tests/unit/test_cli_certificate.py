"""`python -m cme certificate --username U --from Y1 --to Y2 --kind K --out FILE.pdf`."""
from __future__ import annotations

import re
from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import select

from cme.cli import main
from cme.clock import today
from cme.db import session_scope
from cme.models import Certificate
from tests.factories import add_credit, make_admin, make_institution, make_person

Y = today().year


def test_cli_writes_the_pdf_and_stores_the_certificate(sqlite_db, tmp_path, capsys):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        add_credit(s, person, year=Y - 1, credit_type="II类", credits="6", code="CLI-II")
        add_credit(s, person, year=Y - 1, credit_type="省级I类", credits="2", code="CLI-I")
    out = tmp_path / "cert.pdf"
    assert main(["certificate", "--username", person.username, "--from", str(Y - 1), "--to", str(Y),
                 "--kind", "class2", "--out", str(out)]) == 0
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(BytesIO(out.read_bytes())).pages))
    assert "CLI-II" in text and "CLI-I" not in text.replace("CLI-II", "")
    assert f"该同志{Y - 1}年度,共计完成:国家级I类学分0分,省I类学分2.0分,II类学分6.0分。" in text  # I类 figures kept
    assert f"该同志{Y}年度,共计完成:国家级I类学分0分,省I类学分0分,II类学分0分。" in text
    with session_scope() as s:
        serial = s.scalar(select(Certificate.serial).where(Certificate.user_id == person.id))
    assert serial in capsys.readouterr().out and serial in text


def test_cli_refuses_bad_years_unknown_users_and_admins(sqlite_db, tmp_path, capsys):
    with session_scope() as s:
        inst = make_institution(s)
        person = make_person(s, inst)
        admin = make_admin(s, inst)
    out = tmp_path / "x.pdf"
    assert main(["certificate", "--username", person.username, "--from", str(Y), "--to", str(Y - 1),
                 "--kind", "combined", "--out", str(out)]) == 2
    assert "起始年度" in capsys.readouterr().err
    assert main(["certificate", "--username", "nobody", "--from", str(Y), "--to", str(Y),
                 "--kind", "combined", "--out", str(out)]) == 2
    assert "nobody" in capsys.readouterr().err
    assert main(["certificate", "--username", admin.username, "--from", str(Y), "--to", str(Y),
                 "--kind", "combined", "--out", str(out)]) == 2
    assert "个人用户" in capsys.readouterr().err
    assert not out.exists()
    with session_scope() as s:
        assert s.scalar(select(Certificate.id)) is None
