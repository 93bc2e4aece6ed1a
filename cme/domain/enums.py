"""The closed sets of codes the platform stores: roles, statuses, credit classes, audit actions.

Each is a `StrEnum`, so a member *is* its stored string (`Role.PERSON == "person"`): columns, JSON and
URLs keep their values, and code names a member instead of retyping a literal. `cme.labels` and
`cme.core.audit.ACTION_LABELS` give the Chinese a user sees. They live in the pure domain so that
every layer (domain rules, models, services, pages) can use them.
"""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PERSON = "person"
    UNIT = "unit"  # 单位管理员
    PROVINCE = "province"  # 省级管理员


class AccountStatus(StrEnum):
    """A user's registration: 单位待审 → 审核通过/不过; an approved account can be disabled."""

    PENDING = "pending"
    REJECTED = "rejected"
    APPROVED = "approved"
    DISABLED = "disabled"


class ReviewStatus(StrEnum):
    """A reviewed request: credit records, profile change requests, transfers (调动)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CreditClass(StrEnum):
    NATIONAL_I = "国家级I类"
    PROVINCIAL_I = "省级I类"
    CLASS_II = "II类"


class CreditSource(StrEnum):
    """Where a credit record came from."""

    ENTRY = "个人登记"
    IMPORT = "批量导入"
    ATTENDANCE = "扫码签到"


class CreditReviewAction(StrEnum):
    """A step of a credit record's review trail (credit_reviews.action)."""

    SUBMIT = "submit"
    UPDATE = "update"
    APPROVE = "approve"
    REJECT = "reject"
    IMPORT = "import"


class Verdict(StrEnum):
    """The stored verdict of a person-year (credit_summaries.verdict): 达标 / 未达标 / 未设置."""

    MET = "met"
    NOT_MET = "not_met"
    UNSET = "unset"


class CertificateKind(StrEnum):
    COMBINED = "combined"  # 合成I类II类综合学分证明
    CLASS1 = "class1"
    CLASS2 = "class2"


class AttendanceStatus(StrEnum):
    OPEN = "open"  # 签到中
    CLOSED = "closed"
    CONFIRMED = "confirmed"  # credits granted


class AttendanceSource(StrEnum):
    SCAN = "scan"
    WALK_IN = "walk_in"  # 现场补录


class OutboxStatus(StrEnum):
    """A queued text message (sms_outbox.status)."""

    PENDING = "pending"
    SENT = "sent"
    EXPIRED = "expired"


class SmsKind(StrEnum):
    CODE = "code"  # a verification code
    NOTICE = "notice"  # a reminder


class NoticeStatus(StrEnum):
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class AuditAction(StrEnum):
    """Every action the audit log records, named `<subject>.<verb>` (verb in its base form).

    Each has its Chinese label in `cme.core.audit.ACTION_LABELS` (tests/unit/test_audit_actions.py).
    """

    ACCESS_DENY = "access.deny"
    ACCOUNT_DISABLE = "account.disable"
    ACCOUNT_ENABLE = "account.enable"
    ACCOUNT_LOCK = "account.lock"
    ADMIN_CREATE = "admin.create"
    ATTENDANCE_ADD_WALK_IN = "attendance.add_walk_in"
    ATTENDANCE_CLOSE = "attendance.close"
    ATTENDANCE_CONFIRM = "attendance.confirm"
    ATTENDANCE_OPEN = "attendance.open"
    ATTENDANCE_REMOVE = "attendance.remove"
    CERTIFICATE_ISSUE = "certificate.issue"
    CERTIFICATE_VERIFY = "certificate.verify"
    CERTIFICATE_VOID = "certificate.void"
    CREDIT_APPROVE = "credit.approve"
    CREDIT_DELETE = "credit.delete"
    CREDIT_IMPORT = "credit.import"
    CREDIT_REJECT = "credit.reject"
    CREDIT_SUBMIT = "credit.submit"
    CREDIT_UPDATE = "credit.update"
    DATA_EXPORT = "data.export"
    DEPARTMENT_ACTIVATE = "department.activate"
    DEPARTMENT_ADD = "department.add"
    DEPARTMENT_DEACTIVATE = "department.deactivate"
    DEPARTMENT_DELETE = "department.delete"
    DEPARTMENT_RENAME = "department.rename"
    DICTIONARY_ACTIVATE = "dictionary.activate"
    DICTIONARY_ADD = "dictionary.add"
    DICTIONARY_DEACTIVATE = "dictionary.deactivate"
    DICTIONARY_MOVE = "dictionary.move"
    DICTIONARY_RENAME = "dictionary.rename"
    ENROLMENT_ADD = "enrolment.add"
    INSTITUTION_ACTIVATE = "institution.activate"
    INSTITUTION_ADD = "institution.add"
    INSTITUTION_ADD_ADMIN = "institution.add_admin"
    INSTITUTION_DEACTIVATE = "institution.deactivate"
    INSTITUTION_UPDATE = "institution.update"
    LEGACY_IMPORT_USERS = "legacy.import_users"
    LEGACY_WRAP_HASHES = "legacy.wrap_hashes"
    LOGIN_FAIL = "login.fail"
    LOGIN_SUCCEED = "login.succeed"
    NOTICE_PUBLISH = "notice.publish"
    NOTICE_WITHDRAW = "notice.withdraw"
    PASSWORD_CHANGE = "password.change"
    PASSWORD_RESET_BY_ADMIN = "password.reset_by_admin"
    PASSWORD_RESET_BY_SMS = "password.reset_by_sms"
    PROFILE_APPROVE = "profile.approve"
    PROFILE_REJECT = "profile.reject"
    PROFILE_DELETE_ENTRY = "profile.delete_entry"
    PROFILE_SAVE_BASIC = "profile.save_basic"
    PROFILE_SAVE_ENTRY = "profile.save_entry"
    PROFILE_SUBMIT_FIRST = "profile.submit_first"
    PROFILE_UPLOAD_PHOTO = "profile.upload_photo"
    PROJECT_ADD = "project.add"
    PROJECT_DELETE = "project.delete"
    PROJECT_UPDATE = "project.update"
    REGISTRATION_APPROVE = "registration.approve"
    REGISTRATION_QUERY_STATUS = "registration.query_status"
    REGISTRATION_REJECT = "registration.reject"
    REGISTRATION_RESUBMIT = "registration.resubmit"
    REGISTRATION_SUBMIT = "registration.submit"
    REMINDER_SEND = "reminder.send"
    STANDARD_ADD = "standard.add"
    STANDARD_DELETE = "standard.delete"
    STANDARD_VERSION_ADD = "standard_version.add"
    STANDARD_VERSION_DELETE = "standard_version.delete"
    STANDARD_VERSION_UPDATE = "standard_version.update"
    TRANSFER_APPROVE = "transfer.approve"
    TRANSFER_REJECT = "transfer.reject"
    TRANSFER_REQUEST = "transfer.request"
    TRANSFER_WITHDRAW = "transfer.withdraw"
    USER_CREATE = "user.create"

