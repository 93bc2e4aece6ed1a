"""Counters that attackers race: failed logins, SMS code tries and look-up throttles, hit by real
parallel threads on both backends. A refused attempt still counts, and no increment is lost."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cme.accounts import auth, registration, sms
from cme.db import session_scope
from cme.domain.passwords import hash_password
from cme.errors import AccountLocked, AuthError, DomainError, Throttled, ValidationError
from cme.models import AuditLog, SmsCode, User
from tests.factories import PASSWORD, make_institution, make_person, valid_id_number
from tests.integration.test_sms import last_code
from tests.parallel import run_together


def _login(username, password):
    def work():
        with session_scope() as s:
            return auth.login(s, username, password)
    return work


def test_twenty_parallel_wrong_passwords_lock_the_account(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        s.get(User, person.id).password_hash = hash_password(PASSWORD, rounds=4)  # the race, not bcrypt, is tested
    results = run_together(*(_login(person.username, f"Wrong{n:04d}pass") for n in range(20)))
    assert all(isinstance(r, AuthError) for r in results), results
    locked = [r for r in results if isinstance(r, AccountLocked)]
    with session_scope() as s:
        user = s.get(User, person.id)
        lock_events = s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "account.lock", AuditLog.entity_id == str(person.id)))
    print(f"\n[{db}] 20 parallel wrong passwords: {len(locked)} told locked, {lock_events} lock event(s)")
    assert user.locked_until is not None and lock_events == 1 and len(locked) >= 20 - auth.MAX_FAILURES
    with pytest.raises(AccountLocked):  # even the right password waits out the lock
        _login(person.username, PASSWORD)()


def test_forty_parallel_sms_guesses_judge_at_most_five_and_spend_the_code(db):
    phone = "13955550000"
    with session_scope() as s:
        sms.send_code(s, phone, "register")
    right = last_code(phone)
    wrong = [f"{(int(right) + n) % 10**6:06d}" for n in range(1, 41)]

    def guess(code):
        def work():
            with session_scope() as s:
                return sms.verify_code(s, phone, "register", code)
        return work

    results = run_together(*(guess(c) for c in wrong))
    assert all(isinstance(r, ValidationError) for r in results), results
    judged = [r for r in results if "已失效或未获取" not in str(r)]
    with session_scope() as s:
        attempts = s.scalar(select(SmsCode.attempts))
    print(f"\n[{db}] 40 parallel SMS guesses: {len(judged)} judged, attempts counter {attempts}")
    assert len(judged) == sms.MAX_TRIES and attempts == sms.MAX_TRIES
    with pytest.raises(ValidationError, match="已失效"):  # the right code no longer opens anything
        guess(right)()


def test_parallel_status_queries_are_throttled_at_the_limit(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))

    def query():
        with session_scope() as s:
            return registration.query_status(s, person.username, valid_id_number(999))  # a wrong ID number

    results = run_together(*(query for _ in range(2 * registration.STATUS_QUERY_LIMIT)))
    mismatches = [r for r in results if type(r) is DomainError]
    throttled = [r for r in results if isinstance(r, Throttled)]
    print(f"\n[{db}] {len(results)} parallel status queries: {len(mismatches)} answered, {len(throttled)} throttled")
    assert (len(mismatches), len(throttled)) == (registration.STATUS_QUERY_LIMIT, registration.STATUS_QUERY_LIMIT)
