"""提醒未达标人员 and 学分计划 on both databases: who is reminded, the 7-day rule, SMS limits, the plan's
还差 against 首页, suggested projects and 预报名."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cme import clock
from cme.accounts import sms
from cme.analytics import service as analytics
from cme.attendance import plan, reminders, sessions
from cme.core.actors import OPERATOR
from cme.credits import progress
from cme.db import session_scope
from cme.domain.compliance import CLASS_II, NATIONAL_I, PROVINCIAL_I, STATUS_NOT_MET, TOTAL
from cme.errors import Duplicate, NotPermitted, RecordLocked, Throttled
from cme.models import AuditLog, Institution, Reminder
from cme.standards import personal as standards
from tests.attendance_world import FakeClock, make_project
from tests.factories import add_credit, make_admin, make_institution, make_person

Y = clock.today().year
CITY_MID = ("市州级/二级及以下医院", "药学系列 - 主管药师(中级)")  # SCJA5: 省I 5, II 20, total 25


@pytest.fixture
def staff(db):
    """Institution A: met, behind (two ways), unset; institution B: one behind."""
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        met, behind, behind_ii, unset = (make_person(s, a) for _ in range(4))
        other = make_person(s, b)
        for who in (met, behind, behind_ii, other):
            standards.add_personal_standard(s, who, Y, *CITY_MID)
        add_credit(s, met, year=Y, credit_type="省级I类", credits="5")
        add_credit(s, met, year=Y, credit_type="II类", credits="20")
        add_credit(s, behind, year=Y, credit_type="省级I类", credits="2")
        add_credit(s, behind, year=Y, credit_type="II类", credits="5")
        add_credit(s, behind_ii, year=Y, credit_type="省级I类", credits="10")
        add_credit(s, behind_ii, year=Y, credit_type="II类", credits="15")
        return dict(admin=make_admin(s, a), admin_b=make_admin(s, b), province=make_admin(s), a=a.id, b=b.id,
                    met=met, behind=behind, behind_ii=behind_ii, unset=unset, other=other)


def reminded_ids() -> set[int]:
    with session_scope() as s:
        return set(s.scalars(select(Reminder.user_id)))


def test_a_run_reaches_exactly_whom_the_staff_list_marks_behind(staff):
    with session_scope() as s:
        marked = {r.user_id for r in analytics.staff_compliance(s, staff["admin"], Y) if r.status == STATUS_NOT_MET}
        preview = reminders.preview_reminders(s, staff["admin"], Y)
    assert marked == {staff["behind"].id, staff["behind_ii"].id}
    assert {t.user_id for t in preview} == marked and all(t.due for t in preview)
    row = {t.user_id: t for t in preview}[staff["behind"].id].table_row()
    assert (row["省级I类还差"], row["II类还差"], row["总学分还差"], row["国家级I类(周期)还差"]) == ("3", "15", "18", "")
    with session_scope() as s:
        run = reminders.send_reminders(s, staff["admin"], Y)
    assert (run.behind, run.sent, run.skipped_recent) == (2, 2, 0)
    assert reminded_ids() == marked
    with session_scope() as s:
        notes = reminders.unread_reminders(s, staff["behind"])
        assert len(notes) == 1 and "省级I类还差 3 分，II类还差 15 分，总学分还差 18 分" in notes[0].message
        assert reminders.unread_reminders(s, staff["met"]) == []
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "reminder.send")) == 1
        reminders.mark_read(s, staff["behind"], notes[0].id)
    with session_scope() as s:
        assert reminders.unread_reminders(s, staff["behind"]) == []
        with pytest.raises(NotPermitted):
            reminders.send_reminders(s, staff["admin"], Y, institution_id=staff["b"])
        with pytest.raises(NotPermitted):
            reminders.preview_reminders(s, staff["behind"], Y)


def test_the_scheduled_job_covers_every_institution_or_one(staff):
    with session_scope() as s:
        run = reminders.send_reminders(s, OPERATOR, Y, institution_id=staff["b"])
    assert run.sent == 1 and reminded_ids() == {staff["other"].id}
    with session_scope() as s:
        assert reminders.send_reminders(s, OPERATOR, Y).sent == 2  # B's person was reminded moments ago
    assert reminded_ids() == {staff["behind"].id, staff["behind_ii"].id, staff["other"].id}


def test_at_most_one_reminder_per_person_per_seven_days(staff, monkeypatch):
    fake = FakeClock(clock.to_local(clock.utcnow()))
    monkeypatch.setattr(clock, "utcnow", fake.utcnow)
    with session_scope() as s:
        assert reminders.send_reminders(s, staff["admin"], Y).sent == 2
    fake.advance(days=6, hours=23)
    with session_scope() as s:
        assert [t.due for t in reminders.preview_reminders(s, staff["admin"], Y)] == [False, False]
        run = reminders.send_reminders(s, staff["province"], Y, institution_id=staff["a"])
    assert (run.sent, run.skipped_recent) == (0, 2)
    fake.advance(hours=1)
    with session_scope() as s:
        assert reminders.send_reminders(s, staff["admin"], Y).sent == 2
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == 4


def test_parallel_senders_remind_each_person_once(staff):
    barrier, runs, crashed = threading.Barrier(3), [], []

    def worker(actor):
        barrier.wait()
        try:
            with session_scope() as s:
                runs.append(reminders.send_reminders(s, actor, Y, institution_id=staff["a"]).sent)
        except Exception as e:  # a crash must fail the test, not vanish with its thread
            crashed.append(e)

    # the unit admin, the province admin and the scheduled `python -m cme remind` job at once
    threads = [threading.Thread(target=worker, args=(a,)) for a in (staff["admin"], staff["province"], OPERATOR)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not crashed and len(runs) == 3 and sum(runs) == 2
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == 2


def test_sms_goes_after_commit_and_counts_in_the_daily_limit(staff):
    with session_scope() as s:
        from cme.crypto import decrypt
        from cme.models import User
        phone = decrypt(s.get(User, staff["behind_ii"].id).phone_enc)
        for _ in range(sms.DAILY_LIMIT):
            assert sms.reserve_notice(s, phone)
    with session_scope() as s:
        run = reminders.send_reminders(s, staff["admin"], Y, sms_too=True)
    assert (run.sent, run.sms_queued, run.sms_over_limit) == (2, 1, 1)
    sent = []

    class Recorder:
        def send(self, phone, text):
            sent.append((phone, text))

    assert reminders.deliver_sms(run, Recorder()) == 1
    assert sent[0][1].startswith("【省卫计信息中心】") and "尚未达标" in sent[0][1]
    with session_scope() as s, pytest.raises(Throttled, match="今日获取验证码已达"):
        sms.send_code(s, phone, "reset")  # the reminders used this number's budget


# ---- 学分计划 ------------------------------------------------------------------------------------


@pytest.fixture
def planner(db):
    """A person who meets 省I and the total but misses II类 by 5 (SCJA5), and the 项目库."""
    today = clock.today()
    with session_scope() as s:
        host = make_institution(s)
        me = make_person(s, host)
        standards.add_personal_standard(s, me, Y, *CITY_MID)
        add_credit(s, me, year=Y, credit_type="省级I类", credits="10")  # 药学 › 药理学
        add_credit(s, me, year=Y, credit_type="II类", credits="15")
        soon, later = today + timedelta(days=3), today + timedelta(days=20)
        ids = dict(
            nursing_soon=make_project(s, host.name, code="P-II-NURSE", credit_type="II类", date_from=soon,
                                      subject=("护理学", "护理学")),
            pharmacy_later=make_project(s, host.name, code="P-II-PHARM", credit_type="II类", date_from=later),
            national=make_project(s, host.name, code="P-NAT", credit_type="国家级I类", date_from=soon),
            past=make_project(s, host.name, code="P-II-PAST", credit_type="II类", date_from=today - timedelta(days=1)),
        )
        return dict(me=me, organiser=make_admin(s, host), **ids)


def test_plan_shows_the_home_shortfall_and_projects_of_the_missing_class_my_subject_first(planner):
    with session_scope() as s:
        home = progress.home_progress(s, planner["me"])
        p = plan.credit_plan(s, planner["me"])
    assert p.missing == home.current.verdict.missing == {CLASS_II: Decimal("5.0")}
    assert home.missing_text == "II类还差 5 分" and p.gaps() == [(f"{Y}年II类", "还差 5 分")]
    assert [x.code for x in p.projects] == ["P-II-PHARM", "P-II-NURSE"]  # 药学 first, then the sooner one
    assert p.projects[0].in_my_subject and not p.projects[1].in_my_subject


def test_plan_of_a_person_without_any_subject_lists_the_projects_by_date(planner):
    """No profile and no approved credit: no subject to put first, the upcoming projects come by date."""
    with session_scope() as s:
        newcomer = make_person(s, make_institution(s))
        standards.add_personal_standard(s, newcomer, Y, *CITY_MID)
        p = plan.credit_plan(s, newcomer)
    assert p.status == STATUS_NOT_MET and p.missing[CLASS_II] == Decimal(20)
    assert [x.code for x in p.projects if x.credit_type == CLASS_II] == ["P-II-NURSE", "P-II-PHARM"]  # sooner first
    assert [(x.date_from, x.code) for x in p.projects] == sorted((x.date_from, x.code) for x in p.projects)
    assert not any(x.in_my_subject for x in p.projects)


def test_plan_is_empty_when_met_or_unset_and_total_opens_every_class(planner):
    with session_scope() as s:
        add_credit(s, planner["me"], year=Y, credit_type="II类", credits="5")
    with session_scope() as s:
        assert plan.credit_plan(s, planner["me"]).status == "达标"
        assert plan.credit_plan(s, planner["me"]).projects == []
    assert plan.helpful_classes({TOTAL: Decimal(1)}) == {NATIONAL_I, PROVINCIAL_I, CLASS_II}
    assert plan.helpful_classes({PROVINCIAL_I: Decimal(1)}) == {PROVINCIAL_I}


def test_enrolment_is_once_before_the_start_and_the_organiser_sees_it(planner):
    with session_scope() as s:
        plan.enrol(s, planner["me"], planner["pharmacy_later"])
    with session_scope() as s, pytest.raises(Duplicate, match="您已预报名该项目"):
        plan.enrol(s, planner["me"], planner["pharmacy_later"])
    with session_scope() as s, pytest.raises(RecordLocked, match="已开始或已结束"):
        plan.enrol(s, planner["me"], planner["past"])
    with session_scope() as s:
        [row] = sessions.expected_attendees(s, planner["organiser"], planner["pharmacy_later"])
        assert (row.username, row.signed_in) == (planner["me"].username, False)
        choices = {c.code: c.expected for c in sessions.organisable_projects(s, planner["organiser"])}
        assert choices["P-II-PHARM"] == 1 and choices["P-II-NURSE"] == 0
        assert plan.credit_plan(s, planner["me"]).projects[0].enrolled


def test_cli_remind_for_one_institution_with_sms(staff, capsys):
    from cme.accounts.sms import ConsoleGateway
    from cme.cli import main

    with session_scope() as s:
        code = s.get(Institution, staff["a"]).code
    ConsoleGateway.outbox.clear()
    assert main(["remind", "--year", str(Y), "--institution", code, "--sms"]) == 0
    assert "未达标 2 人：已提醒 2 人；短信 2 条；短信网关已接收 2 条" in capsys.readouterr().out
    assert len(ConsoleGateway.outbox) == 2 and reminded_ids() == {staff["behind"].id, staff["behind_ii"].id}
    assert main(["remind", "--year", str(Y), "--institution", code]) == 0
    assert "已提醒 0 人，2 人7天内已提醒过" in capsys.readouterr().out
    assert main(["remind", "--year", str(Y), "--institution", "NOPE"]) == 2
