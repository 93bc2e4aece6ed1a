"""`python -m cme check` on the object-store backend (moto's S3 server, as in
tests/integration/test_object_storage.py): an object no row names and a named object that is gone
are both found, in-process and by the command (both database backends)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cme.credits import entry
from cme.db import session_scope
from cme.models import CreditRecord
from cme.ops.check import check
from cme.storage import Upload, get_storage
from cme.storage_s3 import S3Storage
from tests.factories import make_institution, make_person
from tests.integration.test_credits import form, png_bytes
from tests.integration.test_object_storage import bucket, s3_endpoint  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]


def test_check_finds_orphan_and_missing_objects_in_the_bucket(db, bucket):  # noqa: F811
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        kept = entry.submit_credit(s, person, form(project_code="S3-1", proof=Upload(png_bytes(), "a.png")))
        lost = entry.submit_credit(s, person, form(project_code="S3-2", proof=Upload(png_bytes(), "b.png")))
    with session_scope() as s:
        assert check(s).clean
        missing = s.get(CreditRecord, lost).proof_key
        assert s.get(CreditRecord, kept).proof_key != missing
    storage.delete(missing)  # an object removed behind the application's back
    orphan = storage.save(png_bytes(), "image/png")  # an object no row names
    with session_scope() as s:
        report = check(s)
    assert (report.orphan_files, report.missing_files, report.staged_files) == ([orphan], [missing], [])

    cli = subprocess.run([sys.executable, "-m", "cme", "check"], check=False, cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ), timeout=300)
    print(f"\n[{db}] cme check on S3: exit {cli.returncode}; " + "; ".join(cli.stdout.splitlines()))
    assert cli.returncode == 1
    assert "无记录引用的文件：1" in cli.stdout and "记录引用但缺失的文件：1" in cli.stdout
