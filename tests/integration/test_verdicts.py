"""Stored verdicts equal a judgement from scratch, and the delta-kept rollups equal a rebuild, after every kind
of change that moves them (both backends)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cme import clock
from cme.accounts import registration_review
from cme.core import rollups, verdicts
from cme.credits import entry, review
from cme.credits.entry import CreditInput
from cme.db import session_scope
from cme.models import CreditSummary, Department, Institution, User
from cme.profile import transfers
from cme.standards import personal as standards
from tests.factories import add_credit, make_admin, make_institution, make_person

Y = clock.today().year
CITY_HIGH = ("市州级/二级及以下医院", "技师系列 - 副主任技师(副高)")  # SCJA4: 省I 10, II 15, total 25
PROV_TOP = ("省级/三级医院", "医师系列 - 主任医师(正高)")  # SCJA1: 国I 10 / 6 years


def _credit(year: int, code: str, credit_type: str, credits: str) -> CreditInput:
    return CreditInput(project_code=code, credits=credits, credit_type=credit_type, date_from=date(year, 1, 2),
                       date_to=date(year, 1, 3), form="学术会议", project_name="项目", organizer="主办", year=year,
                       subject_parent="药学", subject_child="药理学", remark="")


def assert_exact() -> None:
    """No stored verdict differs from scratch, and the rollups equal a rebuild from the rows."""
    with session_scope() as s:
        assert verdicts.differences(s) == []
        kept = rollups.snapshot(s)
        rollups.rebuild_all(s)
        assert rollups.snapshot(s) == kept
        s.rollback()


@pytest.fixture
def world(db):
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        people = [make_person(s, a, f"v_a{i}") for i in range(3)] + [make_person(s, b, "v_b0")]
        return dict(a=a.id, b=b.id, people=people, admin_a=make_admin(s, a), admin_b=make_admin(s, b),
                    province=make_admin(s))


def test_every_change_keeps_verdicts_and_rollups_exact(world):
    p0, p1, p2, q0 = world["people"]
    with session_scope() as s:  # a standard with no credit yet: a zero row, 未达标
        standards.add_personal_standard(s, p0, Y, *CITY_HIGH)
        assert s.get(CreditSummary, (p0.id, Y)).verdict == "not_met"
    assert_exact()
    with session_scope() as s:  # credits spread over the national cycle of a later standard
        standards.add_personal_standard(s, p1, Y, *PROV_TOP)
        standards.add_personal_standard(s, p1, Y - 2, *CITY_HIGH)
        add_credit(s, p1, year=Y - 3, credit_type="国家级I类", credits="6")
        add_credit(s, p1, year=Y, credit_type="国家级I类", credits="4")
        add_credit(s, p1, year=Y, credit_type="省级I类", credits="10")
        add_credit(s, p1, year=Y, credit_type="II类", credits="15")
        add_credit(s, p0, year=Y, credit_type="省级I类", credits="10")
        add_credit(s, p0, year=Y, credit_type="II类", credits="15")
        add_credit(s, q0, year=Y - 1, credit_type="II类", credits="2")  # no standard: 未设置 row
    assert_exact()
    with session_scope() as s:
        assert s.get(CreditSummary, (p1.id, Y)).verdict == "met"  # 6 + 4 national in the cycle
        assert s.get(CreditSummary, (p0.id, Y)).verdict == "met"
    with session_scope() as s:  # a person submits; the admin approves one and rejects another
        first = entry.submit_credit(s, p2, _credit(Y, "V-1", "II类", "25"))
        second = entry.submit_credit(s, p2, _credit(Y, "V-2", "省级I类", "3"))
        third = entry.submit_credit(s, p2, _credit(Y - 1, "V-3", "II类", "1"))
        standards.add_personal_standard(s, p2, Y, *CITY_HIGH)
    assert_exact()
    with session_scope() as s:
        review.approve_credit(s, world["admin_a"], first)
        review.reject_credit(s, world["admin_a"], second, "证明不清")
        entry.delete_credit(s, p2, third)
    assert_exact()
    with session_scope() as s:  # the earlier national credit leaves the cycle's sum: later verdicts move
        standards.delete_personal_standard(s, p1, next(r.id for r in standards.list_personal_standards(s, p1)
                                                          if r.year == Y))
        standards.add_personal_standard(s, p1, Y, *CITY_HIGH)
    assert_exact()
    with session_scope() as s:  # a transfer, a department move, a new colleague approved
        t = transfers.request_transfer(s, p0, world["b"])
        transfers.approve_transfer(s, world["admin_b"], t)
        user = s.get(User, p1.id)
        user.department_id = s.scalars(select(Department.id).where(Department.institution_id == world["a"],
                                                                  Department.name == "外科")).one()
        newcomer = make_person(s, s.get(Institution, world["a"]))
        s.get(User, newcomer.id).status = "pending"
        s.flush()
        registration_review.approve_registration(s, world["admin_a"], newcomer.id)
    assert_exact()
    with session_scope() as s:
        staff: dict[int, int] = {}
        for inst, _dept, n in rollups.snapshot(s)["staff"]:
            staff[inst] = staff.get(inst, 0) + n
    assert staff == {world["a"]: 3, world["b"]: 2}  # p0 moved to B; the newcomer counts once approved


def test_changed_setting_rejudges_everything_once(world, monkeypatch):
    p0 = world["people"][0]
    with session_scope() as s:
        standards.add_personal_standard(s, p0, Y, *CITY_HIGH)
        add_credit(s, p0, year=Y, credit_type="国家级I类", credits="10")
        add_credit(s, p0, year=Y, credit_type="II类", credits="15")
        verdicts.ensure_current(s)
        assert s.get(CreditSummary, (p0.id, Y)).verdict == "not_met"  # 省I 0 / 10
    monkeypatch.setenv("CME_NATIONAL_COUNTS_AS_PROVINCIAL_I", "1")
    from cme.config import get_settings

    get_settings.cache_clear()
    try:
        with session_scope() as s:
            assert verdicts.ensure_current(s) is True
            assert verdicts.ensure_current(s) is False  # recorded: once
            assert s.get(CreditSummary, (p0.id, Y)).verdict == "met"
        assert_exact()
    finally:
        monkeypatch.delenv("CME_NATIONAL_COUNTS_AS_PROVINCIAL_I")
        get_settings.cache_clear()
        with session_scope() as s:
            verdicts.ensure_current(s)


def test_parallel_decisions_in_one_institution_keep_rollups_exact(world):
    """Eight sessions approve at once (real threads), one person each, all in one institution: every increment of
    the shared rollup rows lands. (Two decisions on one person-year are the summaries' own lock's business.)"""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    with session_scope() as s:
        crowd = [make_person(s, s.get(Institution, world["a"])) for _ in range(8)]
        credits = []
        for k, p in enumerate(crowd):
            standards.add_personal_standard(s, p, Y - k % 2, *CITY_HIGH)
            credits.append(entry.submit_credit(s, p, _credit(Y - k % 2, f"PAR-{k}", "II类", "5")))
    gate = Barrier(len(credits))

    def approve(credit_id: int) -> None:
        gate.wait()
        with session_scope() as s:
            review.approve_credit(s, world["admin_a"], credit_id)

    with ThreadPoolExecutor(len(credits)) as pool:
        list(pool.map(approve, credits))
    assert_exact()
    with session_scope() as s:
        assert sum(row[4] for row in rollups.snapshot(s)["coarse"]) == 0  # no pending left counted
