"""Security events in the 审计日志 with actor, time and client address: logins (success, failure,
lock), 注册状态查询, public certificate checks and exports. On PostgreSQL the audit table refuses
UPDATE and DELETE (a trigger), so the trail is append-only by construction, not by convention."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from cme.accounts import auth, registration
from cme.certificates import service as certificates
from cme.core import audit
from cme.db import session_scope
from cme.errors import AccountLocked, AuthError, DomainError
from cme.models import AuditLog
from tests.factories import PASSWORD, make_institution, make_person, valid_id_number

CLIENT = "203.0.113.7"


def _trail(action: str) -> list[AuditLog]:
    with session_scope() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_logins_are_audited_with_the_client_address(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    with session_scope() as s:
        auth.login(s, person.username, PASSWORD, client=CLIENT)
    for login in ("nobody99", person.username, person.username, person.username, person.username):
        with pytest.raises(AuthError), session_scope() as s:
            auth.login(s, login, "Wrong0password", client=CLIENT)
    with pytest.raises(AccountLocked), session_scope() as s:
        auth.login(s, person.username, "Wrong0password", client=CLIENT)
    with pytest.raises(AccountLocked), session_scope() as s:  # while locked, even the right password
        auth.login(s, person.username, PASSWORD, client=CLIENT)
    ok, failed, locked = _trail("login.succeed"), _trail("login.fail"), _trail("account.lock")
    assert [(r.actor_id, r.client) for r in ok] == [(person.id, CLIENT)]
    assert len(failed) == 7 and all(r.client == CLIENT and r.at for r in failed)
    assert failed[0].actor_id is None and failed[0].after == {"login": "nobody99"}
    assert failed[-1].after["locked"] is True
    assert [(r.actor_id, r.client) for r in locked] == [(person.id, CLIENT)]


def test_status_queries_and_certificate_checks_are_audited(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        number = valid_id_number(int(person.username[-5:]))
    with session_scope() as s:
        registration.query_status(s, person.username, number, client=CLIENT)
    with pytest.raises(DomainError), session_scope() as s:
        registration.query_status(s, person.username, valid_id_number(999), client=CLIENT)
    with session_scope() as s:
        certificates.verify_certificate(s, "SC-2026-000000-XXXX", client=CLIENT)
    queries = _trail("registration.query_status")
    assert [(r.entity_id, r.after["matched"], r.client) for r in queries] == [
        (str(person.id), True, CLIENT), (None, False, CLIENT)]
    assert [(r.after, r.client) for r in _trail("certificate.verify")] == [({"found": False}, CLIENT)]


def test_exports_are_audited(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    with session_scope() as s:
        audit.record_export(s, person, "学分信息 XLSX", 12, client=CLIENT)
    [row] = _trail("data.export")
    assert (row.actor_id, row.after, row.client) == (person.id, {"what": "学分信息 XLSX", "rows": 12}, CLIENT)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # the production database's trigger
def test_audit_rows_cannot_be_changed_or_deleted_on_postgresql(db):
    with session_scope() as s:
        audit.record(s, None, "login.fail", "user", None, after={"login": "x"}, client=CLIENT)
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), session_scope() as s:
            s.execute(text(statement))
    assert len(_trail("login.fail")) == 1
