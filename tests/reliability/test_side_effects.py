"""Side effects after the commit: eight people-clicks submitting the same project code at once
store one row and one file; the seven refusals are DuplicateCredit and leave no file behind."""
from __future__ import annotations

from sqlalchemy import select

from cme.credits import entry
from cme.db import session_scope
from cme.errors import DuplicateCredit
from cme.models import CreditRecord
from cme.storage import Upload, get_storage
from tests.factories import make_institution, make_person
from tests.integration.test_credits import form, png_bytes
from tests.parallel import run_together


def stored_files() -> tuple[set[str], set[str]]:
    return get_storage().keys()


def test_eight_parallel_submissions_of_one_project_code(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))

    def submit():
        with session_scope() as s:
            return entry.submit_credit(s, person, form(proof=Upload(png_bytes(), "证明.png")))

    results = run_together(*(submit for _ in range(8)))
    refused = [r for r in results if isinstance(r, DuplicateCredit)]
    with session_scope() as s:
        keys = set(s.scalars(select(CreditRecord.proof_key).where(CreditRecord.user_id == person.id)))
    final, staged = stored_files()
    orphans = (final - keys) | staged
    print(f"\n[{db}] 8 parallel submissions: {len(keys)} row(s), {len(orphans)} orphan file(s), {len(refused)} refusals")
    assert len(keys) == 1 and final == keys and not staged
    assert len(refused) == 7 and all(str(r) == "该项目学分已登记" for r in refused)


def test_a_replaced_proof_is_deleted_only_after_the_commit(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        cid = entry.submit_credit(s, person, form(proof=Upload(png_bytes(), "a.png")))
    with session_scope() as s:
        old_key = s.get(CreditRecord, cid).proof_key
    try:
        with session_scope() as s:
            entry.update_credit(s, person, cid, form(proof=Upload(png_bytes(), "b.png")))
            raise RuntimeError("the request dies before its commit")
    except RuntimeError:
        pass
    assert stored_files() == ({old_key}, set())  # the old proof is still there, the new one never appeared
    with session_scope() as s:
        entry.update_credit(s, person, cid, form(proof=Upload(png_bytes(), "b.png")))
    with session_scope() as s:
        new_key = s.get(CreditRecord, cid).proof_key
    assert new_key != old_key and stored_files() == ({new_key}, set())
