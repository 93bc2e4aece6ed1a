"""签到管理 and the attendee's 签到/签退 on both databases: tokens, windows, review, confirmation."""
from __future__ import annotations

import threading
from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cme.attendance import checkin, confirm, sessions, tokens
from cme.db import session_scope
from cme.errors import DomainError, NotPermitted, RecordLocked, ValidationError
from cme.models import AuditLog, CreditRecord, CreditSummary
from tests.attendance_world import DAY, make_world, morning
from tests.factories import add_credit, valid_id_number


@pytest.fixture
def world(db, fake_clock):
    with session_scope() as s:
        return make_world(s)


def opened(world, **overrides) -> int:
    with session_scope() as s:
        return sessions.open_session(s, world.organiser, world.project_id, morning(**overrides))


def scan(session_id: int) -> str:
    with session_scope() as s:
        return checkin.open_scan(s, tokens.qr_token(session_id)).ticket


def do(fn, actor, ticket):
    with session_scope() as s:
        return fn(s, actor, ticket)


# ---- tokens ------------------------------------------------------------------------------------


def test_qr_token_lives_one_step_after_its_own_and_then_expires(fake_clock):
    fake_clock.at(8, 0, 5)
    token = tokens.qr_token(7)
    assert tokens.check_qr_token(token) == 7
    fake_clock.advance(seconds=30)  # the next step: a phone that scanned late still gets in
    assert tokens.check_qr_token(token) == 7
    fake_clock.advance(seconds=30)
    with pytest.raises(tokens.TokenExpired, match="二维码已过期，请重新扫描"):
        tokens.check_qr_token(token)
    assert tokens.qr_token(7) != token  # the code on screen has changed twice by now


def test_qr_token_cannot_be_forged_or_moved_to_another_session(fake_clock):
    token = tokens.qr_token(7)
    sid, step, mac = token.split(".")
    for forged in (f"8.{step}.{mac}", f"{sid}.{int(step) + 5}.{mac}", f"{sid}.{step}.{'0' * 32}", "", "garbage"):
        with pytest.raises(tokens.TokenExpired):
            tokens.check_qr_token(forged)
    with pytest.raises(tokens.TokenExpired):  # a scan ticket is not a QR token, nor the reverse
        tokens.check_qr_token(tokens.scan_ticket(7).value)
    with pytest.raises(tokens.TokenExpired):
        tokens.check_scan_ticket(token)


def test_scan_ticket_gives_fifteen_minutes_to_log_in(fake_clock):
    ticket = tokens.scan_ticket(3).value
    fake_clock.advance(minutes=14, seconds=59)
    assert tokens.check_scan_ticket(ticket) == 3
    fake_clock.advance(seconds=2)
    with pytest.raises(tokens.TokenExpired):
        tokens.check_scan_ticket(ticket)


# ---- opening -----------------------------------------------------------------------------------


def test_only_the_organising_institution_or_the_province_runs_the_sign_in(world):
    with session_scope() as s:
        assert [p.code for p in sessions.organisable_projects(s, world.organiser)] == [world.code]
        assert sessions.organisable_projects(s, world.other_admin) == []
        assert [p.code for p in sessions.organisable_projects(s, world.province)] == [world.code]
        with pytest.raises(NotPermitted):
            sessions.open_session(s, world.other_admin, world.project_id, morning())
        with pytest.raises(NotPermitted):
            sessions.open_session(s, world.people[0], world.project_id, morning())
    sid = opened(world)
    with session_scope() as s:
        with pytest.raises(NotPermitted):
            sessions.session_view(s, world.other_admin, sid)
        assert sessions.session_view(s, world.province, sid).status_label == "签到中"


def test_opening_names_every_bad_field(world):
    with session_scope() as s, pytest.raises(ValidationError) as e:
        sessions.open_session(s, world.organiser, world.project_id, morning(
            held_on=date(2026, 6, 2), place="", sign_in_start=time(9), sign_in_end=time(8), min_minutes="abc"))
    assert set(e.value.errors) == {"签到日期", "签到地点", "签到时段", "最短在场时间"}
    assert "项目举办时间内" in e.value.errors["签到日期"]


# ---- signing in and out --------------------------------------------------------------------------


def test_sign_in_and_out_inside_the_windows_and_second_scans_change_nothing(world, fake_clock):
    sid = opened(world)
    a = world.people[0]
    fake_clock.at(7, 59)
    with pytest.raises(DomainError, match="不在签到时间内（签到时间 08:00–09:00）"):
        do(checkin.sign_in, a, scan(sid))
    fake_clock.at(8, 5)
    ticket = scan(sid)
    first = do(checkin.sign_in, a, ticket)
    assert first.changed and first.signed_in_at.endswith("08:05:00")
    fake_clock.at(8, 20)
    again = do(checkin.sign_in, a, scan(sid))
    assert not again.changed and again.signed_in_at == first.signed_in_at and "已于 08:05 签到" in again.message
    fake_clock.at(9, 30)
    with pytest.raises(DomainError, match="不在签退时间内"):
        do(checkin.sign_out, a, scan(sid))
    fake_clock.at(11, 0)
    with pytest.raises(DomainError, match="您尚未签到"):
        do(checkin.sign_out, world.people[1], scan(sid))
    out = do(checkin.sign_out, a, scan(sid))
    assert out.changed and out.signed_out_at.endswith("11:00:00")
    fake_clock.at(11, 30)
    assert not do(checkin.sign_out, a, scan(sid)).changed
    with session_scope() as s:
        assert checkin.my_attendance(s, a, scan(sid)).signed_out_at.endswith("11:00:00")
        view = sessions.session_view(s, world.organiser, sid)
    assert (view.signed_in, view.signed_out) == (1, 1)


def test_sign_out_waits_for_the_minimum_time(world, fake_clock):
    sid = opened(world, sign_out_start=time(8, 30))
    fake_clock.at(8, 50)
    do(checkin.sign_in, world.people[0], scan(sid))
    fake_clock.at(10, 0)
    with pytest.raises(DomainError, match="签到后须满120分钟才能签退，还需约50分钟"):
        do(checkin.sign_out, world.people[0], scan(sid))


def test_an_expired_qr_is_refused_and_a_closed_session_takes_no_scans(world, fake_clock):
    sid = opened(world)
    fake_clock.at(8, 0)
    old = tokens.qr_token(sid)
    fake_clock.at(8, 2)
    with session_scope() as s, pytest.raises(DomainError, match="二维码已过期，请重新扫描"):
        checkin.open_scan(s, old)
    ticket = scan(sid)
    with session_scope() as s:
        sessions.close_session(s, world.organiser, sid)
    with pytest.raises(RecordLocked, match="本场签到已结束"):
        do(checkin.sign_in, world.people[0], ticket)


def test_admins_cannot_sign_in_but_people_of_any_institution_can(world, fake_clock):
    sid = opened(world)
    fake_clock.at(8, 10)
    with pytest.raises(NotPermitted):
        do(checkin.sign_in, world.organiser, scan(sid))
    assert do(checkin.sign_in, world.people[2], scan(sid)).changed  # another institution's doctor


# ---- review and confirmation ----------------------------------------------------------------------


def run_morning(world, fake_clock) -> int:
    """people[0] stays the whole morning, people[1] leaves early (never signs out), people[2] stays."""
    sid = opened(world)
    fake_clock.at(8, 10)
    for p in world.people:
        do(checkin.sign_in, p, scan(sid))
    fake_clock.at(11, 15)
    for p in (world.people[0], world.people[2]):
        do(checkin.sign_out, p, scan(sid))
    return sid


def credits_of(user_id: int, code: str) -> list[CreditRecord]:
    with session_scope() as s:
        return list(s.scalars(select(CreditRecord).where(CreditRecord.user_id == user_id, CreditRecord.project_code == code)))


def test_confirm_grants_one_approved_credit_per_eligible_attendee(world, fake_clock):
    sid = run_morning(world, fake_clock)
    with session_scope() as s, pytest.raises(RecordLocked, match="请先结束签到"):
        confirm.confirm_session(s, world.organiser, sid)
    with session_scope() as s:
        sessions.close_session(s, world.organiser, sid)
        rows = {r.user_id: r for r in sessions.attendance_list(s, world.organiser, sid)}
    assert rows[world.people[1].id].result == "未签退" and rows[world.people[0].id].result == "符合"
    with session_scope() as s:
        result = confirm.confirm_session(s, world.organiser, sid)
    assert (result.granted, result.already_filed, result.not_eligible) == (2, 0, 1)
    for p in (world.people[0], world.people[2]):
        [rec] = credits_of(p.id, world.code)
        assert (rec.status, rec.source, rec.reviewed_by, rec.credit_type, rec.credits, rec.year, rec.date_from) == (
            "approved", "扫码签到", world.organiser.id, "省级I类", Decimal("2.0"), 2026, DAY)
        with session_scope() as s:
            assert s.get(CreditSummary, (p.id, 2026)).provincial_i == Decimal("2.0")
    assert credits_of(world.people[1].id, world.code) == []
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "attendance.confirm")) == 1
        with pytest.raises(RecordLocked, match="不能重复确认"):
            confirm.confirm_session(s, world.organiser, sid)
        assert {r.result for r in sessions.attendance_list(s, world.organiser, sid)} == {"已授予学分", "未签退"}


def test_no_duplicate_for_someone_who_already_filed_the_project(world, fake_clock):
    sid = run_morning(world, fake_clock)
    with session_scope() as s:
        add_credit(s, world.people[0], year=2026, credit_type="省级I类", credits="2", status="pending", code=world.code)
        sessions.close_session(s, world.organiser, sid)
    with session_scope() as s:
        result = confirm.confirm_session(s, world.organiser, sid)
    assert (result.granted, result.already_filed) == (1, 1)
    assert [r.status for r in credits_of(world.people[0].id, world.code)] == ["pending"]


def test_review_removes_with_a_reason_and_adds_a_walk_in_by_id_number(world, fake_clock):
    sid = run_morning(world, fake_clock)
    with session_scope() as s:
        with pytest.raises(RecordLocked, match="请先结束签到"):
            sessions.add_walk_in(s, world.organiser, sid, valid_id_number(1))
        sessions.close_session(s, world.organiser, sid)
    with session_scope() as s:
        entry = {r.user_id: r for r in sessions.attendance_list(s, world.organiser, sid)}[world.people[2].id]
        with pytest.raises(ValidationError, match="请填写移除原因"):
            sessions.remove_attendee(s, world.organiser, sid, entry.entry_id, " ")
        sessions.remove_attendee(s, world.organiser, sid, entry.entry_id, "代签")
        # people[1] never signed out but the organiser saw them: vouched for as a walk-in
        with pytest.raises(ValidationError, match="身份证号"):
            sessions.add_walk_in(s, world.organiser, sid, "123")
    with session_scope() as s:
        from cme.models import User
        number = valid_id_number(int(s.get(User, world.people[1].id).username[4:]))
    with session_scope() as s, pytest.raises(DomainError, match="已在签到名单中"):
        sessions.add_walk_in(s, world.organiser, sid, number)
    newcomer_number = None
    with session_scope() as s:
        from tests.factories import make_institution, make_person
        newcomer = make_person(s, make_institution(s))
        newcomer_number = valid_id_number(int(newcomer.username[4:]))
    with session_scope() as s:
        assert sessions.add_walk_in(s, world.organiser, sid, newcomer_number) == newcomer.name
        rows = {r.user_id: r for r in sessions.attendance_list(s, world.organiser, sid)}
    assert rows[world.people[2].id].result == "已移除：代签"
    assert rows[newcomer.id].source == "现场补录" and rows[newcomer.id].eligible
    assert rows[newcomer.id].id_number_masked.count("*") == 8
    with session_scope() as s:
        result = confirm.confirm_session(s, world.organiser, sid)
    assert result.granted == 2  # people[0] and the walk-in
    assert len(credits_of(newcomer.id, world.code)) == 1 and credits_of(world.people[2].id, world.code) == []


def test_parallel_confirmations_grant_once(world, fake_clock):
    sid = run_morning(world, fake_clock)
    with session_scope() as s:
        sessions.close_session(s, world.organiser, sid)
    barrier, outcomes = threading.Barrier(4), []

    def worker():
        barrier.wait()
        try:
            with session_scope() as s:
                outcomes.append(confirm.confirm_session(s, world.organiser, sid).granted)
        except RecordLocked:
            outcomes.append("refused")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [2, "refused", "refused", "refused"]
    for p in (world.people[0], world.people[2]):
        assert len(credits_of(p.id, world.code)) == 1


def test_parallel_double_taps_sign_in_once(world, fake_clock):
    sid = opened(world)
    fake_clock.at(8, 1)
    ticket = scan(sid)
    barrier, changed = threading.Barrier(4), []

    def worker():
        barrier.wait()
        changed.append(do(checkin.sign_in, world.people[0], ticket).changed)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(changed) == [False, False, False, True]
