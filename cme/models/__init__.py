"""SQLAlchemy 2.0 typed models: every table of the platform, one module per context.

Status columns hold short English codes (the StrEnums of `cme.domain.enums`); `cme.labels` maps them to
the Chinese the user sees. PII (身份证号, 手机号) is stored encrypted (`*_enc`) with a keyed lookup hash
(`*_hash`) for uniqueness and search, so a database dump holds no readable ID number (SPEC §9).

Every model is re-exported here, so `from cme.models import X` is the one way to name a table, and importing
this package registers every table on the one `Base` (Alembic, `create_all`, the test truncation).
"""
from cme.models.accounts import LoginAttempt, LoginSession, QueryThrottle, SmsCode, SmsOutbox, User
from cme.models.administration import AppSetting, AuditLog, Department, DictionaryItem, Institution, Notice, Region
from cme.models.attendance import AttendanceEntry, AttendanceSession, ProjectEnrolment, Reminder, ReminderMark
from cme.models.base import NAMING, Base, Credits
from cme.models.certificates import Certificate
from cme.models.credits import CreditDraft, CreditRecord, CreditReview, CreditStandard, PersonalStandard, Project
from cme.models.profile import Profile, ProfileChangeRequest, ProfileEntry, Transfer
from cme.models.rollups import CreditSummary, InstitutionYearRollup, StaffCount, VerdictRollup

__all__ = [
    "NAMING",
    "AppSetting",
    "AttendanceEntry",
    "AttendanceSession",
    "AuditLog",
    "Base",
    "Certificate",
    "CreditDraft",
    "CreditRecord",
    "CreditReview",
    "CreditStandard",
    "CreditSummary",
    "Credits",
    "Department",
    "DictionaryItem",
    "Institution",
    "InstitutionYearRollup",
    "LoginAttempt",
    "LoginSession",
    "Notice",
    "PersonalStandard",
    "Profile",
    "ProfileChangeRequest",
    "ProfileEntry",
    "Project",
    "ProjectEnrolment",
    "QueryThrottle",
    "Region",
    "Reminder",
    "ReminderMark",
    "SmsCode",
    "SmsOutbox",
    "StaffCount",
    "Transfer",
    "User",
    "VerdictRollup",
]
