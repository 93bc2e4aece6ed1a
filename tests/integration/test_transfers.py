"""调动: request, decision by the receiving admin, scope follows the person, credits stay."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cme.clock import today
from cme.core.actors import get_user_in_scope
from cme.db import session_scope
from cme.errors import Duplicate, NotPermitted, RecordLocked, ValidationError
from cme.models import CreditRecord, CreditSummary, Department, Institution, User
from cme.profile import change_review, changes, resume, transfers
from tests.factories import add_credit, make_admin, make_institution, make_person


@pytest.fixture
def world(db):
    with session_scope() as s:
        a, b, c = make_institution(s), make_institution(s), make_institution(s)
        person = make_person(s, a)
        add_credit(s, person, year=today().year, credit_type="II类", credits="5")
        add_credit(s, person, year=today().year - 1, credit_type="II类", credits="3")
        dept_b = s.scalars(select(Department.id).where(Department.institution_id == b.id, Department.name == "外科")).one()
        dept_a = s.scalars(select(Department.id).where(Department.institution_id == a.id)).first()
        return {
            "a": a.id, "b": b.id, "c": c.id, "dept_b": dept_b, "dept_a": dept_a, "person": person,
            "admin_a": make_admin(s, a), "admin_b": make_admin(s, b), "admin_c": make_admin(s, c),
        }


def test_receiving_admin_approves_and_scope_follows(world):
    p = world["person"]
    with session_scope() as s:
        tid = transfers.request_transfer(s, p, world["b"], world["dept_b"], "家庭原因")
        rid = changes.save_basic(s, p, {"姓名": p.name, "性别": "男", "出生日期": "1985-06-15", "籍贯": "成都市"})
    with session_scope() as s:
        assert transfers.incoming_transfers(s, world["admin_a"]) == []  # the sending admin decides nothing
        rows = transfers.incoming_transfers(s, world["admin_b"])
        assert [(r.id, r.name, r.to_department) for r in rows] == [(tid, p.name, "外科")]
        with pytest.raises(NotPermitted):
            transfers.approve_transfer(s, world["admin_a"], tid)
        with pytest.raises(NotPermitted):
            transfers.approve_transfer(s, world["admin_c"], tid)
        transfers.approve_transfer(s, world["admin_b"], tid)
    with session_scope() as s:
        user = s.get(User, p.id)
        assert (user.institution_id, user.department_id) == (world["b"], world["dept_b"])
        # credits stay with the person; this year's summary follows, last year's stays where earned
        assert len(s.scalars(select(CreditRecord).where(CreditRecord.user_id == p.id)).all()) == 2
        assert s.get(CreditSummary, (p.id, today().year)).institution_id == world["b"]
        assert s.get(CreditSummary, (p.id, today().year - 1)).institution_id == world["a"]
        # the old admin no longer sees the person nor their pending profile change; the new one does
        with pytest.raises(NotPermitted):
            get_user_in_scope(s, world["admin_a"], p.id)
        assert change_review.list_changes(s, world["admin_a"]) == []
        with pytest.raises(NotPermitted):
            change_review.change_detail(s, world["admin_a"], rid)
        assert [r.id for r in change_review.list_changes(s, world["admin_b"])] == [rid]
        with pytest.raises(RecordLocked):
            transfers.approve_transfer(s, world["admin_b"], tid)
        # the move shows in 简历 七、调动记录
        moves = resume.resume_content(s, p).sections[-1]
        names = {i: s.get(Institution, i).name for i in (world["a"], world["b"])}
        assert moves.title == "调动记录"
        assert moves.rows == [[today().isoformat(), names[world["a"]], names[world["b"]], "外科"]]


def test_reject_needs_reason_and_keeps_person(world):
    p = world["person"]
    with session_scope() as s:
        tid = transfers.request_transfer(s, p, world["b"])
    with session_scope() as s, pytest.raises(ValidationError):
        transfers.reject_transfer(s, world["admin_b"], tid, "")
    with session_scope() as s:
        transfers.reject_transfer(s, world["admin_b"], tid, "编制已满")
    with session_scope() as s, pytest.raises(RecordLocked):  # decided once: not again, either way
        transfers.reject_transfer(s, world["admin_b"], tid, "再次审核")
    with session_scope() as s, pytest.raises(RecordLocked):
        transfers.approve_transfer(s, world["admin_b"], tid)
    with session_scope() as s:
        assert s.get(User, p.id).institution_id == world["a"]
        mine = transfers.my_transfers(s, p)
        assert [(m.status, m.reason) for m in mine] == [("rejected", "编制已满")]
        assert resume.resume_content(s, p).sections[-1].rows == []
        # a new request is allowed after a rejection
        transfers.request_transfer(s, p, world["c"])


def test_request_rules(world):
    p = world["person"]
    with session_scope() as s:
        with pytest.raises(ValidationError) as e:
            transfers.request_transfer(s, p, world["a"])
        assert e.value.errors == {"调入机构": "不能调动到当前所在机构"}
        with pytest.raises(ValidationError) as e:
            transfers.request_transfer(s, p, world["b"], world["dept_a"])
        assert e.value.errors == {"调入科室": "科室不属于所选机构"}
        with pytest.raises(NotPermitted):
            transfers.request_transfer(s, world["admin_a"], world["b"])
        tid = transfers.request_transfer(s, p, world["b"])
        with pytest.raises(Duplicate):
            transfers.request_transfer(s, p, world["c"])
        with pytest.raises(NotPermitted):
            transfers.incoming_transfers(s, p)
    with session_scope() as s:
        other = make_person(s, s.get(Institution, world["a"]))
        with pytest.raises(NotPermitted):
            transfers.withdraw_transfer(s, other, tid)
        transfers.withdraw_transfer(s, p, tid)
        assert transfers.my_transfers(s, p) == []
