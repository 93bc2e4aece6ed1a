"""The one authorisation policy: who may act, on whose data, for every service use case.

Every service function that takes the acting user is decorated with `@use_case`; the decorator
finds the function's row in POLICY (a function without a row fails at import) and, before the body
runs:

1. refuses a disabled or otherwise inactive account (re-read once per unit of work: cheap, and an
   account disabled a second ago can do nothing more);
2. refuses a role the row does not list;
3. when the row names a target (a parameter holding the id of the record acted on), resolves
   whose record it is and applies the scope rule:
       person       own records only
       unit admin   records of their own institution
       province     every record
   A target parameter left None means "my own" (the body defaults it), so nothing to check.

Each refusal raises NotPermitted and is written to the audit log (action "access.deny"), even
though the caller's unit of work rolls back (see _remember_denial).

tests/integration/test_policy_matrix.py lists every actor-taking function in cme/ from the source,
fails when one has no row here, and calls each as every role x own/other record, asserting the
outcome this table predicts. Bodies keep checks that are about state, not about who (已审核 records
cannot be decided again, only 待审 credits can be edited…).
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn, ParamSpec, TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from cme.domain.enums import AccountStatus, AuditAction, Role
from cme.errors import NotPermitted
from cme.models import AuditLog, CreditRecord, Department, Notice, PersonalStandard, ProfileChangeRequest, Transfer, User

if TYPE_CHECKING:  # actors.py is itself guarded by this module
    from cme.core.actors import Actor

PERSON, UNIT, PROVINCE = Role.PERSON, Role.UNIT, Role.PROVINCE
ANYONE = frozenset({PERSON, UNIT, PROVINCE})
ADMINS = frozenset({UNIT, PROVINCE})
PERSONS = frozenset({PERSON})
PROVINCE_ONLY = frozenset({PROVINCE})
UNIT_ONLY = frozenset({UNIT})


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    target: str | None = None  # the parameter naming the record acted on
    kind: str | None = None  # how to find whose record it is (RESOLVERS)


def R(who: frozenset[str], target: str | None = None, kind: str | None = None) -> Rule:
    return Rule(who, target, kind)


# use case (module.function under cme/)            who may act      on whose record
POLICY: dict[str, Rule] = {
    # accounts
    "accounts.registration_review.list_registrations": R(ADMINS),  # query: own institution
    "accounts.registration_review.get_registration": R(ADMINS, "user_id", "user"),
    "accounts.registration_review.approve_registration": R(ADMINS, "user_id", "user"),
    "accounts.registration_review.reject_registration": R(ADMINS, "user_id", "user"),
    "accounts.registration_review.approve_registrations": R(ADMINS, "user_ids", "user"),
    "accounts.staff_accounts.list_staff_accounts": R(UNIT_ONLY),  # query: own institution
    "accounts.staff_accounts.list_unit_admins": R(PROVINCE_ONLY),
    "accounts.staff_accounts.reset_staff_password": R(ADMINS, "user_id", "user"),
    "accounts.staff_accounts.set_account_active": R(ADMINS, "user_id", "user"),
    # administration
    "administration.departments.list_departments": R(ADMINS, "institution_id", "institution"),
    "administration.departments.add_department": R(ADMINS, "institution_id", "institution"),
    "administration.departments.rename_department": R(ADMINS, "department_id", "department"),
    "administration.departments.set_department_active": R(ADMINS, "department_id", "department"),
    "administration.departments.delete_department": R(ADMINS, "department_id", "department"),
    "administration.dictionaries.list_kinds": R(PROVINCE_ONLY),
    "administration.dictionaries.list_items": R(PROVINCE_ONLY),
    "administration.dictionaries.add_item": R(PROVINCE_ONLY),
    "administration.dictionaries.add_title": R(PROVINCE_ONLY),
    "administration.dictionaries.rename_item": R(PROVINCE_ONLY),
    "administration.dictionaries.rename_title": R(PROVINCE_ONLY),
    "administration.dictionaries.set_item_active": R(PROVINCE_ONLY),
    "administration.dictionaries.move_item": R(PROVINCE_ONLY),
    "administration.institutions.list_institutions": R(PROVINCE_ONLY),
    "administration.institutions.add_institution": R(PROVINCE_ONLY),
    "administration.institutions.update_institution": R(PROVINCE_ONLY),
    "administration.institutions.set_institution_active": R(PROVINCE_ONLY),
    "administration.institutions.add_department": R(PROVINCE_ONLY),
    "administration.institutions.create_unit_admin": R(PROVINCE_ONLY),
    "administration.notices.list_notices": R(ANYONE),  # query: province-wide and own institution's
    "administration.notices.manageable_notices": R(ADMINS),  # query: own institution's
    "administration.notices.recent_notice_count": R(ANYONE),  # query: the notices the actor sees
    "administration.notices.create_notice": R(ADMINS),  # made for the own institution
    "administration.notices.withdraw_notice": R(ADMINS, "notice_id", "notice"),
    # attendance (签到管理: bodies check that the actor runs the project's institution or is the province)
    "attendance.checkin.my_attendance": R(PERSONS),  # the actor's own attendance
    "attendance.checkin.sign_in": R(PERSONS),
    "attendance.checkin.sign_out": R(PERSONS),
    "attendance.confirm.confirm_session": R(ADMINS),
    "attendance.plan.credit_plan": R(PERSONS),
    "attendance.plan.enrol": R(PERSONS),
    "attendance.qr.live_qr": R(ADMINS),
    "attendance.reminders.preview_reminders": R(ADMINS, "institution_id", "institution"),
    "attendance.reminders.send_reminders": R(ADMINS, "institution_id", "institution"),
    "attendance.reminders.unread_reminders": R(PERSONS),
    "attendance.reminders.mark_read": R(PERSONS),  # body: one's own reminder only
    "attendance.sessions.organisable_projects": R(ADMINS),
    "attendance.sessions.open_session": R(ADMINS),
    "attendance.sessions.managed_session": R(ADMINS),
    "attendance.sessions.close_session": R(ADMINS),
    "attendance.sessions.session_view": R(ADMINS),
    "attendance.sessions.project_sessions": R(ADMINS),
    "attendance.sessions.attendance_list": R(ADMINS),
    "attendance.sessions.expected_attendees": R(ADMINS),
    "attendance.sessions.remove_attendee": R(ADMINS),
    "attendance.sessions.add_walk_in": R(ADMINS),
    # analytics
    "analytics.service.staff_compliance": R(ADMINS, "institution_id", "institution"),
    "analytics.rates.year_overview": R(ADMINS, "institution_id", "institution"),
    "analytics.rates.trend": R(ADMINS, "institution_id", "institution"),
    "analytics.service.queue_ages": R(ADMINS),
    "analytics.rates.province_headline": R(PROVINCE_ONLY),
    "analytics.service.cities": R(PROVINCE_ONLY),
    "analytics.service.department_options": R(ADMINS, "institution_id", "institution"),
    # certificates
    "certificates.service.build_content": R(PERSONS),  # always the actor's own credits
    "certificates.service.issue_certificate": R(PERSONS),
    "certificates.service.preview_certificate": R(PERSONS),  # always the actor's own credits
    "certificates.registry.list_own_certificates": R(PERSONS),  # query: the actor's own
    "certificates.registry.reprint_certificate": R(PERSONS),  # body: the actor's own certificate only
    "certificates.registry.list_certificates": R(PROVINCE_ONLY),
    "certificates.registry.void_certificate": R(PROVINCE_ONLY),
    # core
    "core.actors.account_state": R(ANYONE),  # the actor's own header
    "core.audit.list_audit": R(ADMINS),  # query: own institution's entries
    "core.audit.count_audit": R(ADMINS),
    "core.audit.audit_actions": R(ADMINS),
    "core.audit.record_export": R(ANYONE),  # the actor's own download
    # credits
    "credits.attention.recent_reviews": R(PERSONS),  # the actor's own credits
    "credits.attention.rejected_to_resubmit": R(PERSONS),
    "credits.progress.standard_history": R(ANYONE, "user_id", "user"),
    "credits.details.get_credit": R(ANYONE, "credit_id", "credit"),
    "credits.details.load_proof": R(ANYONE, "credit_id", "credit"),
    "credits.entry.submit_credit": R(PERSONS),  # always for the actor
    "credits.drafts.save_draft": R(PERSONS),  # the actor's own draft, nobody else's
    "credits.drafts.load_draft": R(PERSONS),
    "credits.drafts.discard_draft": R(PERSONS),
    "credits.entry.update_credit": R(PERSONS, "credit_id", "credit"),
    "credits.entry.delete_credit": R(PERSONS, "credit_id", "credit"),
    "credits.imports.import_credits": R(ADMINS),  # rows: own institution's staff only
    "credits.progress.home_progress": R(ANYONE, "user_id", "user"),
    "credits.progress.unit_queues": R(ADMINS),
    "credits.projects.list_projects": R(PROVINCE_ONLY),
    "credits.projects.get_project": R(PROVINCE_ONLY),
    "credits.projects.add_project": R(PROVINCE_ONLY),
    "credits.projects.update_project": R(PROVINCE_ONLY),
    "credits.projects.delete_project": R(PROVINCE_ONLY),
    "credits.review.review_queue": R(ADMINS),  # query: own institution's
    "credits.review.approve_credit": R(ADMINS, "credit_id", "credit"),
    "credits.review.reject_credit": R(ADMINS, "credit_id", "credit"),
    "credits.review.approve_credits": R(ADMINS, "credit_ids", "credit"),
    "credits.search.search_credits": R(ANYONE),  # query: own / own institution / all
    # profile
    "profile.change_review.list_changes": R(ANYONE),  # query: own / own institution / all
    "profile.change_review.change_detail": R(ANYONE, "request_id", "profile_change"),
    "profile.change_review.approve_change": R(ADMINS, "request_id", "profile_change"),
    "profile.change_review.reject_change": R(ADMINS, "request_id", "profile_change"),
    "profile.changes.first_profile_defaults": R(PERSONS),
    "profile.changes.submit_first_profile": R(PERSONS),
    "profile.changes.profile_state": R(ANYONE, "user_id", "user"),
    "profile.changes.save_basic": R(PERSONS),
    "profile.changes.save_entry": R(PERSONS),
    "profile.changes.delete_entry": R(PERSONS),
    "profile.changes.upload_photo": R(PERSONS),
    "profile.changes.load_photo": R(ANYONE, "user_id", "user"),
    "profile.resume.resume_content": R(ANYONE, "user_id", "user"),
    "profile.resume.resume_pdf": R(ANYONE, "user_id", "user"),
    "profile.transfers.request_transfer": R(PERSONS),
    "profile.transfers.withdraw_transfer": R(PERSONS, "transfer_id", "own_transfer"),
    "profile.transfers.my_transfers": R(PERSONS),
    "profile.transfers.incoming_transfers": R(ADMINS),  # query: to the own institution
    "profile.transfers.approve_transfer": R(ADMINS, "transfer_id", "incoming_transfer"),
    "profile.transfers.reject_transfer": R(ADMINS, "transfer_id", "incoming_transfer"),
    # standards
    "standards.personal.institution_level": R(PERSONS),  # the actor's own institution
    "standards.personal.add_personal_standard": R(PERSONS),
    "standards.personal.standards_below_institution": R(UNIT_ONLY),  # query: own institution's staff
    "standards.personal.delete_personal_standard": R(PERSONS, "standard_id", "personal_standard"),
    "standards.personal.list_personal_standards": R(ANYONE, "user_id", "user"),
    "standards.personal.query_personal_standards": R(ANYONE, "user_id", "user"),
    "standards.table.standards_in_force": R(PROVINCE_ONLY),
    "standards.table.all_versions": R(PROVINCE_ONLY),
    "standards.table.add_standard_version": R(PROVINCE_ONLY),
    "standards.table.update_standard_version": R(PROVINCE_ONLY),
    "standards.table.delete_standard_version": R(PROVINCE_ONLY),
}


def _owner(session: Session, user_id: int | None) -> tuple[int, int | None] | None:
    if user_id is None:
        return None
    inst = session.scalar(select(User.institution_id).where(User.id == user_id))
    return user_id, inst


def _by_owner(model) -> Callable[[Session, int], tuple[int | None, int | None] | None]:
    return lambda s, key: _owner(s, s.scalar(select(model.user_id).where(model.id == key)))


def _by_institution(model, column) -> Callable[[Session, int], tuple[int | None, int | None] | None]:
    def resolve(s: Session, key: int):
        row = s.execute(select(column).where(model.id == key)).first()
        return None if row is None else (None, row[0])
    return resolve


# kind -> (session, id) -> (owner user id, institution id) of the record, or None when it does not
# exist (the body then answers 不存在)
RESOLVERS: dict[str, Callable[[Session, int], tuple[int | None, int | None] | None]] = {
    "user": lambda s, key: _owner(s, s.scalar(select(User.id).where(User.id == key))),
    "credit": _by_owner(CreditRecord),
    "personal_standard": _by_owner(PersonalStandard),
    "profile_change": _by_owner(ProfileChangeRequest),
    "own_transfer": _by_owner(Transfer),
    "incoming_transfer": _by_institution(Transfer, Transfer.to_institution_id),
    "department": _by_institution(Department, Department.institution_id),
    "notice": _by_institution(Notice, Notice.institution_id),
    "institution": lambda s, key: (None, key),
}


def in_scope(actor: Actor, owner_id: int | None, institution_id: int | None) -> bool:
    """person: own; unit admin: own institution; province: all."""
    if actor.is_province_admin:
        return True
    if actor.is_unit_admin:
        return institution_id is not None and institution_id == actor.institution_id
    return owner_id is not None and owner_id == actor.id


def use_case_name(func: Callable) -> str:
    return func.__module__.removeprefix("cme.") + "." + func.__name__


GUARDED: dict[str, Callable] = {}  # use case name -> the undecorated function (for the matrix test)
_P = ParamSpec("_P")
_T = TypeVar("_T")


def use_case(func: Callable[_P, _T]) -> Callable[_P, _T]:
    """Guard a service function with its POLICY row (see the module docstring)."""
    name = use_case_name(func)
    rule = POLICY.get(name)
    if rule is None:
        raise LookupError(f"{name} has no row in cme/core/policy.py POLICY")
    signature = inspect.signature(func)
    GUARDED[name] = func

    @functools.wraps(func)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        bound = signature.bind(*args, **kwargs)
        session: Session = bound.arguments["session"]
        actor: Actor = bound.arguments["actor"]
        authorize(session, actor, name, rule, bound.arguments.get(rule.target) if rule.target else None)
        return func(*args, **kwargs)

    guarded.rule = rule  # type: ignore[attr-defined]  # mypy types no attributes on functions; the matrix test reads it
    return guarded


def authorize(session: Session, actor: Actor, name: str, rule: Rule, target_value=None) -> None:
    from cme.core.actors import OPERATOR

    if actor is OPERATOR:  # the operator's own scheduled job, started from the server's shell
        return
    if not _active(session, actor):
        _deny(session, actor, name, "账号已停用或不可用，请联系管理员", None)
    if actor.role not in rule.who:
        _deny(session, actor, name, "无权执行该操作", None)
    if rule.target is None or target_value is None:
        return
    assert rule.kind is not None, f"{name}: a rule with a target names how to resolve it"
    resolve = RESOLVERS[rule.kind]
    for key in target_value if isinstance(target_value, (list, tuple, set, frozenset)) else [target_value]:
        found = resolve(session, key)
        if found is not None and not in_scope(actor, *found):
            _deny(session, actor, name, "无权操作其他人员或其他机构的数据", key)


def _active(session: Session, actor: Actor) -> bool:
    """Whether the acting account is still approved (read once per unit of work)."""
    checked: set[int] = session.info.setdefault("policy_active", set())
    if actor.id in checked:
        return True
    if session.scalar(select(User.status).where(User.id == actor.id)) != AccountStatus.APPROVED:
        return False
    checked.add(actor.id)
    return True


def _deny(session: Session, actor: Actor, name: str, message: str, key) -> NoReturn:
    _remember_denial(session, AuditLog(
        actor_id=actor.id, action=AuditAction.ACCESS_DENY, entity="use_case", entity_id=None,
        institution_id=actor.institution_id, after={"use_case": name, "target": key, "role": actor.role},
    ))
    raise NotPermitted(message)


# A refusal must stay on record although the caller's unit of work rolls back on the exception
# (and must not be committed half-way through someone else's transaction): it waits in
# session.info, joins the transaction if the caller commits anyway, and is written in a transaction
# of its own right after a rollback (locks released by then, so SQLite cannot deadlock on it).
def _remember_denial(session: Session, entry: AuditLog) -> None:
    session.info.setdefault("policy_denials", []).append(entry)


@event.listens_for(Session, "before_commit")
def _commit_denials(session: Session) -> None:
    pending = session.info.pop("policy_denials", None)
    if pending:
        session.add_all(pending)


@event.listens_for(Session, "after_soft_rollback")
def _write_denials_after_rollback(session: Session, previous_transaction) -> None:
    pending = session.info.pop("policy_denials", None)
    if not pending:
        return
    with Session(bind=session.get_bind()) as separate:
        separate.add_all(pending)
        separate.commit()
