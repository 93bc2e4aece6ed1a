"""The credit form's draft on the server: one per person, only the form's fields, gone once the credit is
saved (both backends)."""
from __future__ import annotations

from datetime import date

import pytest

from cme import clock
from cme.credits import drafts, entry
from cme.credits.entry import CreditInput
from cme.db import session_scope
from cme.errors import ValidationError
from cme.models import CreditDraft
from tests.factories import make_institution, make_person
from tests.parallel import run_together

Y = clock.today().year


def test_a_draft_comes_back_to_its_owner_only_and_is_replaced(db):
    with session_scope() as s:
        inst = make_institution(s)
        me, colleague = make_person(s, inst), make_person(s, inst)
    with session_scope() as s:
        drafts.save_draft(s, me, {"project_code": "D-1", "credits": "2", "date_from": date(Y, 3, 1), "year": Y,
                                  "project_name": "心电图学习班（第二期）", "remark": "", "proof": b"not kept"})
    with session_scope() as s:
        mine = drafts.load_draft(s, me)
        assert drafts.load_draft(s, colleague) is None
    assert (mine["project_code"], mine["credits"], mine["date_from"], mine["year"]) == ("D-1", "2", date(Y, 3, 1), Y)
    assert mine["project_name"] == "心电图学习班（第二期）" and mine["remark"] is None and "proof" not in mine
    with session_scope() as s:
        drafts.save_draft(s, me, {"project_code": "D-2"})
    with session_scope() as s:
        assert drafts.load_draft(s, me)["project_code"] == "D-2" and s.query(CreditDraft).count() == 1
        drafts.save_draft(s, me, {"project_code": "", "year": None})  # everything erased: no draft
    with session_scope() as s:
        assert drafts.load_draft(s, me) is None


def test_saving_the_credit_ends_the_draft_and_a_refused_save_keeps_it(db):
    with session_scope() as s:
        me = make_person(s, make_institution(s))
        drafts.save_draft(s, me, {"project_code": "D-3", "credits": "2"})
    data = CreditInput("D-3", "2", "II类", date(Y, 2, 1), date(Y, 2, 1), "学习班", "草稿项目", "主办", Y, "药学", "药理学")
    with pytest.raises(ValidationError), session_scope() as s:  # refused: the draft must survive it
        entry.submit_credit(s, me, CreditInput("D-3", "abc"))
    with session_scope() as s:
        assert drafts.load_draft(s, me)["project_code"] == "D-3"
    with session_scope() as s:
        entry.submit_credit(s, me, data)
    with session_scope() as s:
        assert drafts.load_draft(s, me) is None


def test_texts_are_bounded_and_only_form_fields_kept(db):
    with session_scope() as s:
        me = make_person(s, make_institution(s))
        drafts.save_draft(s, me, {"remark": "长" * 5000, "role": "province", "year": "20x6"})
    with session_scope() as s:
        row = s.get(CreditDraft, me.id)
    assert set(row.data) == {"remark"} and len(row.data["remark"]) == drafts.MAX_TEXT


def test_two_tabs_saving_their_first_draft_at_once_leave_one_draft(db):
    """F5 in two tabs of one login: both save at the same moment; neither fails, one draft remains."""
    with session_scope() as s:
        me = make_person(s, make_institution(s))

    def tab(code: str):
        def save():
            with session_scope() as s:
                drafts.save_draft(s, me, {"project_code": code})
        return save

    for round_ in range(3):
        with session_scope() as s:
            drafts.discard_draft(s, me)
        outcomes = run_together(tab(f"A{round_}"), tab(f"B{round_}"))
        assert outcomes == [None, None], outcomes
        with session_scope() as s:
            assert s.query(CreditDraft).filter_by(user_id=me.id).count() == 1
            assert drafts.load_draft(s, me)["project_code"] in {f"A{round_}", f"B{round_}"}
