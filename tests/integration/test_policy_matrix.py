"""The authorisation matrix, generated: every actor-taking function in cme/ (found in the source, so
a new function cannot ship unguarded) is called as every role x own/other record and as a disabled
account, and the outcome must be the one cme/core/policy.py's table predicts. Each refusal is in the
audit log although the call's unit of work rolled back.

The expected outcomes come from SPEC below, written apart from the policy table on purpose: a
changed POLICY row (or a removed @use_case) that lets the wrong role in or drops a scope check
fails here. A new function needs a row in both.

"own" for a person is their own record and "other" a colleague's in the same institution; for an
institution admin "own" is a record of their institution and "other" one of another institution.
An allowed call may still fail for its own reasons (dummy arguments, a state rule): it only must not
be refused as NotPermitted.
"""
from __future__ import annotations

import ast
import importlib
import inspect
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cme.core import policy
from cme.core.actors import Actor, actor_from_user
from cme.db import session_factory, session_scope
from cme.errors import NotPermitted
from cme.models import AuditLog, CreditStandard, Department, Notice, PersonalStandard, ProfileChangeRequest, Transfer, User
from tests.factories import add_credit, make_admin, make_institution, make_person

CME = Path(__file__).resolve().parents[2] / "cme"
NOT_USE_CASES = {  # the checks themselves
    "core.actors.require_role", "core.actors.get_user_in_scope", "core.actors.require_unit_admin_of",
    "core.policy.authorize", "core.policy.in_scope", "analytics.scope.scope",
}


def _names(text: str) -> list[str]:
    return text.split()


# who may act -> use cases; "scoped": on records of their own scope only (person: own; unit admin:
# own institution; province: all); "listing": no record named, the query itself is scoped or the
# use case acts on the actor's own data
SPEC: dict[tuple[str, str], list[str]] = {
    ("anyone", "scoped"): _names("""
        credits.details.get_credit credits.details.load_proof credits.progress.home_progress
        profile.change_review.change_detail profile.changes.load_photo profile.changes.profile_state
        profile.resume.resume_content profile.resume.resume_pdf standards.personal.list_personal_standards
        standards.personal.query_personal_standards credits.progress.standard_history"""),
    ("anyone", "listing"): _names("""
        administration.notices.recent_notice_count
        administration.notices.list_notices core.actors.account_state core.audit.record_export
        credits.search.search_credits
        profile.change_review.list_changes"""),
    ("person", "scoped"): _names("""
        credits.entry.delete_credit credits.entry.update_credit profile.transfers.withdraw_transfer
        standards.personal.delete_personal_standard"""),
    ("person", "listing"): _names("""
        certificates.service.build_content certificates.service.issue_certificate credits.entry.submit_credit
        profile.changes.delete_entry profile.changes.first_profile_defaults profile.changes.save_basic
        profile.changes.save_entry profile.changes.submit_first_profile profile.changes.upload_photo
        profile.transfers.my_transfers profile.transfers.request_transfer
        standards.personal.add_personal_standard standards.personal.institution_level
        certificates.service.preview_certificate certificates.registry.list_own_certificates
        certificates.registry.reprint_certificate attendance.checkin.my_attendance attendance.checkin.sign_in
        attendance.checkin.sign_out attendance.plan.credit_plan attendance.plan.enrol
        attendance.reminders.unread_reminders attendance.reminders.mark_read credits.attention.recent_reviews
        credits.attention.rejected_to_resubmit credits.drafts.save_draft credits.drafts.load_draft
        credits.drafts.discard_draft"""),
    ("admins", "scoped"): _names("""
        accounts.registration_review.approve_registration accounts.registration_review.approve_registrations
        accounts.registration_review.get_registration accounts.registration_review.reject_registration
        accounts.staff_accounts.reset_staff_password accounts.staff_accounts.set_account_active
        administration.departments.add_department administration.departments.delete_department
        administration.departments.list_departments administration.departments.rename_department
        administration.departments.set_department_active administration.notices.withdraw_notice
        analytics.service.department_options analytics.service.staff_compliance analytics.rates.trend
        analytics.rates.year_overview attendance.reminders.preview_reminders attendance.reminders.send_reminders
        credits.review.approve_credit credits.review.approve_credits
        credits.review.reject_credit profile.change_review.approve_change profile.change_review.reject_change
        profile.transfers.approve_transfer profile.transfers.reject_transfer"""),
    ("admins", "listing"): _names("""
        accounts.registration_review.list_registrations administration.notices.create_notice
        administration.notices.manageable_notices analytics.service.queue_ages core.audit.audit_actions
        core.audit.count_audit core.audit.list_audit credits.imports.import_credits credits.progress.unit_queues
        credits.review.review_queue profile.transfers.incoming_transfers attendance.confirm.confirm_session
        attendance.qr.live_qr attendance.sessions.organisable_projects attendance.sessions.open_session
        attendance.sessions.managed_session attendance.sessions.close_session attendance.sessions.session_view
        attendance.sessions.project_sessions attendance.sessions.attendance_list
        attendance.sessions.expected_attendees attendance.sessions.remove_attendee attendance.sessions.add_walk_in"""),
    ("unit", "listing"): _names("accounts.staff_accounts.list_staff_accounts standards.personal.standards_below_institution"),
    ("province", "listing"): _names("""
        accounts.staff_accounts.list_unit_admins
        administration.dictionaries.add_item administration.dictionaries.add_title
        administration.dictionaries.list_items administration.dictionaries.list_kinds
        administration.dictionaries.move_item administration.dictionaries.rename_item
        administration.dictionaries.rename_title administration.dictionaries.set_item_active
        administration.institutions.add_department administration.institutions.add_institution
        administration.institutions.create_unit_admin administration.institutions.list_institutions
        administration.institutions.set_institution_active administration.institutions.update_institution
        analytics.service.cities analytics.rates.province_headline certificates.registry.void_certificate
        certificates.registry.list_certificates
        credits.projects.add_project credits.projects.delete_project credits.projects.get_project
        credits.projects.list_projects credits.projects.update_project standards.table.add_standard_version
        standards.table.all_versions standards.table.delete_standard_version standards.table.standards_in_force
        standards.table.update_standard_version"""),
}
ROLES_OF = {"anyone": {"person", "unit", "province"}, "admins": {"unit", "province"}, "person": {"person"},
            "unit": {"unit"}, "province": {"province"}}
EXPECTED = {name: (ROLES_OF[who], kind == "scoped") for (who, kind), names in SPEC.items() for name in names}


def actor_taking_functions() -> set[str]:
    """module.function of every public top-level function in cme/ with an `actor` parameter."""
    found = set()
    for path in CME.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(CME).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
                    and "actor" in [a.arg for a in node.args.args + node.args.kwonlyargs]):
                found.add(f"{module}.{node.name}")
    return found - NOT_USE_CASES


def _load_all() -> None:
    for name in actor_taking_functions():
        importlib.import_module("cme." + name.rsplit(".", 1)[0])


def test_every_actor_taking_function_has_a_policy_row_and_is_guarded():
    _load_all()
    functions = actor_taking_functions()
    assert sorted(functions - set(EXPECTED)) == [], "state who may call these in SPEC above"
    assert sorted(functions - set(policy.POLICY)) == [], "add a row to cme/core/policy.py POLICY"
    assert sorted(set(policy.POLICY) - functions) == [], "POLICY rows for functions that no longer exist"
    assert sorted(functions - set(policy.GUARDED)) == [], "decorate these with @use_case"
    for name in functions:
        module, fn = name.rsplit(".", 1)
        assert getattr(importlib.import_module("cme." + module), fn).rule is policy.POLICY[name]


@dataclass
class World:
    person: Actor  # pA
    colleague: Actor  # cA, same institution
    stranger: Actor  # pB, other institution
    unit: Actor  # admin of A
    province: Actor
    disabled: dict[str, Actor]
    targets: dict[str, dict[str, object]]  # kind -> {"mine", "colleague", "stranger"} -> id


def _entities(s, owner: Actor, other_inst_id: int, standard_id: int) -> dict[str, int]:
    credit = add_credit(s, owner, year=2026, credit_type="II类", credits="2", status="pending")
    std = PersonalStandard(user_id=owner.id, year=2026, region_level="县级", title="无职称", standard_id=standard_id)
    change = ProfileChangeRequest(user_id=owner.id, institution_id=owner.institution_id, before={}, after={})
    transfer = Transfer(user_id=owner.id, from_institution_id=owner.institution_id, to_institution_id=other_inst_id)
    s.add_all([std, change, transfer])
    s.flush()
    return {"credit": credit.id, "personal_standard": std.id, "profile_change": change.id, "transfer": transfer.id}


@pytest.fixture
def world(sqlite_db) -> World:
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        pa, ca, pb = make_person(s, a), make_person(s, a), make_person(s, b)
        ua, ub, prov = make_admin(s, a), make_admin(s, b), make_admin(s)
        disabled = {"person": make_person(s, a), "unit": make_admin(s, a), "province": make_admin(s)}
        for d in disabled.values():
            s.get(User, d.id).status = "disabled"
        standard_id = s.scalars(select(CreditStandard.id)).first()
        own, col, other = (_entities(s, p, b.id if p is not pb else a.id, standard_id) for p in (pa, ca, pb))
        dept = {i.id: s.scalars(select(Department.id).where(Department.institution_id == i.id)).first() for i in (a, b)}
        notices = {}
        for inst, admin in ((a, ua), (b, ub)):
            n = Notice(title="通知", sender_id=admin.id, institution_id=inst.id, level="单位")
            s.add(n)
            s.flush()
            notices[inst.id] = n.id
        targets = {
            "user": {"mine": pa.id, "colleague": ca.id, "stranger": pb.id},
            "institution": {"mine": a.id, "colleague": a.id, "stranger": b.id},
            "department": {"mine": dept[a.id], "colleague": dept[a.id], "stranger": dept[b.id]},
            "notice": {"mine": notices[a.id], "colleague": notices[a.id], "stranger": notices[b.id]},
            # pA and cA ask to move to B, pB to A: A's admin decides pB's request
            "own_transfer": {"mine": own["transfer"], "colleague": col["transfer"], "stranger": other["transfer"]},
            "incoming_transfer": {"mine": other["transfer"], "colleague": other["transfer"], "stranger": own["transfer"]},
        }
        for kind in ("credit", "personal_standard", "profile_change"):
            targets[kind] = {"mine": own[kind], "colleague": col[kind], "stranger": other[kind]}
        users = {u.id: actor_from_user(s.get(User, u.id)) for u in (pa, ca, pb, ua, prov)}
    return World(users[pa.id], users[ca.id], users[pb.id], users[ua.id], users[prov.id], disabled, targets)


def _dummy(param: inspect.Parameter):
    ann = str(param.annotation)
    if "bool" in ann:
        return True
    if ann.startswith("int") or "year" in param.name:
        return 2026
    if "list" in ann:
        return []
    if "dict" in ann:
        return {}
    if "bytes" in ann:
        return b""
    if "date" in ann:
        return date(2026, 1, 1)
    if "str" in ann:
        return "政策矩阵"
    return None


def _call(name: str, actor: Actor, target) -> Exception | None:
    """Call the guarded function in a unit of work that is always rolled back; the exception or None."""
    module, fn = name.rsplit(".", 1)
    func = getattr(importlib.import_module("cme." + module), fn)
    rule = policy.POLICY[name]
    kwargs = {}
    for p in list(inspect.signature(func).parameters.values())[2:]:
        if p.name == rule.target:
            kwargs[p.name] = [target] if p.name.endswith("_ids") else target
        elif p.default is inspect.Parameter.empty:
            kwargs[p.name] = _dummy(p)
    session = session_factory()()
    try:
        func(session, actor, **kwargs)
    except Exception as e:  # noqa: BLE001 - the outcome is what we look at
        return e
    finally:
        session.rollback()
        session.close()
    return None


def _denials() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "access.deny"))


CASES = [  # role, which record ("mine": own; the other one per role), expected scope verdict
    ("person", "mine", True), ("person", "colleague", False),
    ("unit", "mine", True), ("unit", "stranger", False),
    ("province", "mine", True), ("province", "stranger", True),
]


def test_every_use_case_as_every_role_on_own_and_others_records(world):
    _load_all()
    actors = {"person": world.person, "unit": world.unit, "province": world.province}
    wrong = []
    calls = 0
    for name in sorted(actor_taking_functions()):
        rule = policy.POLICY[name]
        who, scoped = EXPECTED[name]
        if scoped and rule.target is None:
            wrong.append(f"{name}: acts on a record but its policy row names no target to check")
            continue
        for role, record, in_scope in CASES:
            target = world.targets[rule.kind][record] if rule.target else None
            expected = role in who and (not scoped or in_scope)
            before = _denials()
            outcome = _call(name, actors[role], target)
            calls += 1
            denied = isinstance(outcome, NotPermitted)
            if denied == expected:
                wrong.append(f"{name} as {role} on {record}: expected {'allowed' if expected else 'denied'}, got {outcome!r}")
            elif denied and _denials() != before + 1:
                wrong.append(f"{name} as {role} on {record}: refused but not audited")
        for role, actor in world.disabled.items():  # disabled: nobody, even for their own records
            if role in who:
                outcome = _call(name, actor, world.targets[rule.kind]["mine"] if rule.target else None)
                calls += 1
                if not isinstance(outcome, NotPermitted):
                    wrong.append(f"{name} as disabled {role}: expected denied, got {outcome!r}")
    assert wrong == [], "\n".join(wrong)
    assert calls >= len(policy.POLICY) * len(CASES)


def test_a_denial_names_who_tried_what(world):
    outcome = _call("profile.transfers.reject_transfer", world.unit, world.targets["incoming_transfer"]["stranger"])
    assert isinstance(outcome, NotPermitted)
    with session_scope() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "access.deny")).one()
    assert row.actor_id == world.unit.id and row.after["use_case"] == "profile.transfers.reject_transfer"
    assert row.after["target"] == world.targets["incoming_transfer"]["stranger"]
