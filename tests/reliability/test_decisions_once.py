"""Every decision exactly once: two admins deciding the same record at the same moment (real
threads, both backends) leave one decision, one audit row, and the loser is told
该记录已被其他管理员处理 — for credits, registrations, profile changes and transfers."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from cme import clock
from cme.accounts import registration_review
from cme.core.transitions import ALREADY_DECIDED
from cme.credits import review
from cme.db import session_scope
from cme.errors import RecordLocked
from cme.models import AuditLog, CreditRecord, CreditReview, ProfileChangeRequest, Transfer, User
from cme.profile import change_review, changes, transfers
from tests.factories import add_credit, make_admin, make_institution, make_person
from tests.parallel import run_together

TRIALS = 3


@dataclass
class Kind:
    model: type
    entity: str  # AuditLog.entity of its decisions
    decision_actions: tuple[str, ...]
    make: Callable  # (session, institution, target_institution) -> record id
    approve: Callable
    reject: Callable


def _credit(s, inst, _target):
    return add_credit(s, make_person(s, inst), year=clock.today().year, credit_type="II类", credits="2",
                      status="pending").id


def _registration(s, inst, _target):
    person = make_person(s, inst)
    s.get(User, person.id).status = "pending"
    return person.id


def _profile_change(s, inst, _target):
    person = make_person(s, inst)
    return changes.save_basic(s, person, {"姓名": person.name, "性别": "男", "出生日期": "1985-06-15", "籍贯": "成都市"})


def _transfer(s, inst, target):
    return transfers.request_transfer(s, make_person(s, target), inst.id)  # INTO the admins' institution


KINDS = {
    "credit": Kind(CreditRecord, "credit", ("credit.approve", "credit.reject"), _credit,
                   review.approve_credit, lambda s, a, i: review.reject_credit(s, a, i, "证明不清晰")),
    "registration": Kind(User, "user", ("registration.approve", "registration.reject"), _registration,
                         registration_review.approve_registration,
                         lambda s, a, i: registration_review.reject_registration(s, a, i, "科室填写错误")),
    "profile_change": Kind(ProfileChangeRequest, "profile_change", ("profile.approve", "profile.reject"),
                           _profile_change, change_review.approve_change,
                           lambda s, a, i: change_review.reject_change(s, a, i, "籍贯有误")),
    "transfer": Kind(Transfer, "transfer", ("transfer.approve", "transfer.reject"), _transfer,
                     transfers.approve_transfer, lambda s, a, i: transfers.reject_transfer(s, a, i, "编制已满")),
}


def _in_own_session(fn, admin, record_id):
    def work():
        with session_scope() as s:
            fn(s, admin, record_id)
    return work


@pytest.mark.parametrize("race", ["approve+approve", "approve+reject"])
@pytest.mark.parametrize("kind_name", list(KINDS))
def test_two_admins_deciding_one_record_decide_it_once(db, kind_name, race):
    kind = KINDS[kind_name]
    with session_scope() as s:
        inst, elsewhere = make_institution(s), make_institution(s)
        admins = [make_admin(s, inst), make_admin(s)]  # the institution admin and the province
    double_decisions = 0
    for _ in range(TRIALS):
        with session_scope() as s:
            record_id = kind.make(s, inst, elsewhere)
        second = kind.approve if race == "approve+approve" else kind.reject
        results = run_together(_in_own_session(kind.approve, admins[0], record_id),
                               _in_own_session(second, admins[1], record_id))
        winners = [r for r in results if r is None]
        losers = [r for r in results if r is not None]
        assert len(winners) == 1, results
        assert isinstance(losers[0], RecordLocked) and str(losers[0]) == ALREADY_DECIDED
        with session_scope() as s:
            # deciders in the trail (a transfer writes one row per institution for one decision)
            decisions = s.scalar(select(func.count(AuditLog.actor_id.distinct())).where(
                AuditLog.entity == kind.entity, AuditLog.entity_id == str(record_id),
                AuditLog.action.in_(kind.decision_actions)))
            status = s.scalar(select(kind.model.status).where(kind.model.id == record_id))
            if kind_name == "credit":
                decisions = max(decisions, s.scalar(select(func.count()).select_from(CreditReview).where(
                    CreditReview.credit_id == record_id, CreditReview.action.in_(("approve", "reject")))))
        winner = 0 if results[0] is None else 1
        assert status == ("approved" if race == "approve+approve" or winner == 0 else "rejected")
        double_decisions += decisions - 1
    print(f"\n[{db}] {kind_name} {race}: double decisions {double_decisions} in {TRIALS} trials")
    assert double_decisions == 0
