"""SQLAlchemy 2.0 typed models: every table of the platform.

Status columns hold short English codes; `cme.labels` maps them to the Chinese the user sees.
PII (身份证号, 手机号) is stored encrypted (`*_enc`) with a keyed lookup hash (`*_hash`) for
uniqueness and search, so a database dump holds no readable ID number (SPEC §9).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cme.clock import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Credits = Numeric(6, 1)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Region(Base):
    """省 › 市州 › 区县 (GB/T 2260 codes)."""

    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(10))  # province / city / district
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    __table_args__ = (CheckConstraint("level in ('province','city','district')", name="level"),)


class Institution(Base):
    __tablename__ = "institutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    region_level: Mapped[str] = mapped_column(String(20))  # 机构所属区域等级
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    departments: Mapped[list[Department]] = relationship(back_populates="institution")


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    name: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    institution: Mapped[Institution] = relationship(back_populates="departments")
    __table_args__ = (UniqueConstraint("institution_id", "name", name="uq_departments_inst_name"),)


class DictionaryItem(Base):
    """Reference dictionaries (民族, 学历, 学分获取形式, 学科分类, 技术职称 …).

    Two-level dictionaries (学科分类) use parent_id; 技术职称 keeps series in `parent_name`-free form:
    name is the display label and `extra` the level (正高/副高/中级/初级/无职称).
    """

    __tablename__ = "dictionary_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("dictionary_items.id"))
    extra: Mapped[str | None] = mapped_column(String(50))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (
        UniqueConstraint("kind", "parent_id", "name", name="uq_dictionary_items_kind_parent_name"),
        Index("ix_dictionary_items_kind_sort", "kind", "sort_order"),
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    password_scheme: Mapped[str] = mapped_column(String(20), default="bcrypt")  # legacy imports differ
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(10))  # person / unit / province
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(20))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(100))
    sex: Mapped[str | None] = mapped_column(String(2))
    birth_date: Mapped[date | None] = mapped_column(Date)
    joins_cme: Mapped[bool] = mapped_column(Boolean, default=True)  # 参加继教
    standard_basis: Mapped[str | None] = mapped_column(String(50))  # 学分达标遵照
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("role in ('person','unit','province')", name="role"),
        CheckConstraint("status in ('pending','rejected','approved','disabled')", name="status"),
        CheckConstraint("role = 'province' or institution_id is not null", name="institution"),
        Index("ix_users_inst_status", "institution_id", "status"),
        # 待审核 registrations province-wide without reading 700,000 staff rows
        Index("ix_users_pending", "institution_id", sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )


class LoginSession(Base):
    """Server-side session; the browser cookie holds only the token (its hash is stored).

    Login opens it pending: no token yet, only a one-time ticket that expires in a minute. The
    browser swaps the ticket for the HttpOnly cookie at /session/start, so the long-lived token
    never appears in a URL, a page or script-readable storage.
    """

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SmsCode(Base):
    __tablename__ = "sms_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(20))  # register / reset / change_phone
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_sms_codes_phone_created", "phone_hash", "created_at"),)


class QueryThrottle(Base):
    """Counts public look-ups (注册状态查询, 忘记密码) per key to stop enumeration."""

    __tablename__ = "query_throttles"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ix_query_throttles_key_at", "key", "at"),)


class CreditStandard(Base):
    """学分标准, versioned by the year from which it applies."""

    __tablename__ = "credit_standards"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    effective_year: Mapped[int] = mapped_column(Integer)
    national_i_per_cycle: Mapped[Decimal] = mapped_column(Credits)
    cycle_years: Mapped[int] = mapped_column(Integer)
    provincial_i_per_year: Mapped[Decimal] = mapped_column(Credits)
    class_ii_per_year: Mapped[Decimal] = mapped_column(Credits)
    total_per_year: Mapped[Decimal] = mapped_column(Credits)
    region_level: Mapped[str] = mapped_column(String(20))
    title_level: Mapped[str | None] = mapped_column(String(10))
    __table_args__ = (
        UniqueConstraint("code", "effective_year", name="uq_credit_standards_code_year"),
        CheckConstraint("cycle_years between 1 and 10", name="cycle"),
    )


class PersonalStandard(Base):
    """个人学分标准: one per person and year."""

    __tablename__ = "personal_standards"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    year: Mapped[int] = mapped_column(Integer)
    region_level: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))  # `技师系列 - 副主任技师(副高)`
    standard_id: Mapped[int] = mapped_column(ForeignKey("credit_standards.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("user_id", "year", name="uq_personal_standards_user_year"),)


class Project(Base):
    """项目库: approved CME projects; a code found here fills the credit form."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    credit_type: Mapped[str] = mapped_column(String(10))
    credits: Mapped[Decimal] = mapped_column(Credits)
    form: Mapped[str | None] = mapped_column(String(20))
    subject_parent: Mapped[str | None] = mapped_column(String(50))
    subject_child: Mapped[str | None] = mapped_column(String(50))
    date_from: Mapped[date | None] = mapped_column(Date)
    date_to: Mapped[date | None] = mapped_column(Date)


class CreditRecord(Base):
    __tablename__ = "credit_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    project_code: Mapped[str] = mapped_column(String(40))
    project_name: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)  # 举办年度
    credits: Mapped[Decimal] = mapped_column(Credits)
    credit_type: Mapped[str] = mapped_column(String(10))  # 国家级I类 / 省级I类 / II类
    form: Mapped[str] = mapped_column(String(20))  # 学分获取形式
    subject_parent: Mapped[str] = mapped_column(String(50))
    subject_child: Mapped[str] = mapped_column(String(50))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    remark: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(10), default="个人登记")  # 个人登记 / 批量导入
    proof_key: Mapped[str | None] = mapped_column(String(100))
    proof_mime: Mapped[str | None] = mapped_column(String(40))
    proof_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (
        CheckConstraint("credits > 0", name="credits_positive"),
        CheckConstraint("date_from <= date_to", name="dates_ordered"),
        CheckConstraint("status in ('pending','approved','rejected')", name="status"),
        CheckConstraint("credit_type in ('国家级I类','省级I类','II类')", name="credit_type"),
        # the same person, project and year only once — a rejected record does not block re-entry
        Index(
            "uq_credit_records_user_project_year",
            "user_id",
            "project_code",
            "year",
            unique=True,
            sqlite_where=text("status != 'rejected'"),
            postgresql_where=text("status != 'rejected'"),
        ),
        Index("ix_credit_records_user_year", "user_id", "year"),
        Index("ix_credit_records_status_created", "status", "created_at"),
        # 学分审核 reads an institution's staff first, then only their pending records (10 % of 35M rows)
        Index("ix_credit_records_pending_user", "user_id", "created_at",
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )


class CreditReview(Base):
    """The review trail of a credit record: submit, update, approve, reject, import."""

    __tablename__ = "credit_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CreditDraft(Base):
    """What a person has typed into the credit form and not saved yet: one per person, kept on the server so
    F5, a lost connection or another replica brings it back; removed when the credit is saved."""

    __tablename__ = "credit_drafts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CreditSummary(Base):
    """Per-person-per-year totals, kept in the transaction of every credit change (SPEC §9)."""

    __tablename__ = "credit_summaries"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    national_i: Mapped[Decimal] = mapped_column(Credits, default=0)
    provincial_i: Mapped[Decimal] = mapped_column(Credits, default=0)
    class_ii: Mapped[Decimal] = mapped_column(Credits, default=0)
    projects_i: Mapped[int] = mapped_column(Integer, default=0)
    projects_ii: Mapped[int] = mapped_column(Integer, default=0)
    pending_i: Mapped[Decimal] = mapped_column(Credits, default=0)
    pending_ii: Mapped[Decimal] = mapped_column(Credits, default=0)
    # The stored verdict of the person-year (cme.credits.verdicts), kept with the totals above so that
    # analytics never judge in Python: the standard, 达标/未达标/未设置, the national cycle, shortfalls.
    pending_records: Mapped[int] = mapped_column(Integer, default=0)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("credit_standards.id"))
    standard_code: Mapped[str | None] = mapped_column(String(20))
    title_level: Mapped[str | None] = mapped_column(String(10))
    verdict: Mapped[str] = mapped_column(String(8), default="unset")  # met / not_met / unset
    national_i_cycle: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    short_national_i: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0)
    short_provincial_i: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0)
    short_class_ii: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0)
    short_total: Mapped[Decimal] = mapped_column(Numeric(8, 1), default=0)
    __table_args__ = (
        Index("ix_credit_summaries_inst_year", "institution_id", "year"),
        CheckConstraint("verdict in ('met','not_met','unset')", name="verdict"),
    )


class VerdictRollup(Base):
    """Counts of stored verdicts of today's staff (approved persons) per institution, year, department, title
    level and standard, moved by delta in the transaction of every change (cme.core.rollups).

    ``department_id`` 0 = no department; ``title_level``/``standard_code`` '' = no standard that year.
    ``pending`` counts pending credit records. 未设置 is not stored: it is staff − 达标 − 未达标.
    """

    __tablename__ = "verdict_rollups"
    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title_level: Mapped[str] = mapped_column(String(10), primary_key=True)
    standard_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    met: Mapped[int] = mapped_column(Integer, default=0)
    not_met: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)


class InstitutionYearRollup(Base):
    """The same counts per institution and year only: what the province's pages read (1,400 rows a year)."""

    __tablename__ = "institution_year_rollups"
    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    met: Mapped[int] = mapped_column(Integer, default=0)
    not_met: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_institution_year_rollups_year", "year"),)


class StaffCount(Base):
    """Today's staff (approved persons) per institution and department (0 = none), moved by delta."""

    __tablename__ = "staff_counts"
    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff: Mapped[int] = mapped_column(Integer, default=0)


class AppSetting(Base):
    """Settings the stored data depend on, recorded so that a change is noticed (e.g. the compliance rule)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Profile(Base):
    """The approved 个人基本信息 (fig. 30 fields + 技术职称) as one JSON document."""

    __tablename__ = "profiles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    basic: Mapped[dict] = mapped_column(JSON, default=dict)
    photo_key: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ProfileEntry(Base):
    """One row of the five list parts: education, training, publication, work, award."""

    __tablename__ = "profile_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    part: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        CheckConstraint("part in ('education','training','publication','work','award')", name="part"),
        Index("ix_profile_entries_user_part", "user_id", "part"),
    )


class ProfileChangeRequest(Base):
    """A person's pending change: before/after snapshots of all six parts."""

    __tablename__ = "profile_change_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    __table_args__ = (
        CheckConstraint("status in ('pending','approved','rejected')", name="status"),
        Index(
            "uq_profile_change_requests_one_pending",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_profile_change_requests_inst_status", "institution_id", "status"),
        Index("ix_profile_change_requests_user", "user_id"),
    )


class Transfer(Base):
    """调动: a move to another institution, decided by the receiving admin."""

    __tablename__ = "transfers"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    from_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    to_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    to_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str | None] = mapped_column(String(500))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (CheckConstraint("status in ('pending','approved','rejected')", name="status"),)


class Certificate(Base):
    """An issued 学分证明: serial, content hash and what it states, for public verification."""

    __tablename__ = "certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # combined / class1 / class2
    year_from: Mapped[int] = mapped_column(Integer)
    year_to: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str | None] = mapped_column(String(500))
    __table_args__ = (CheckConstraint("kind in ('combined','class1','class2')", name="kind"),)


class Notice(Base):
    """通知公告: province-wide (institution_id null) or for one institution."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))  # 省级 / 单位
    theme: Mapped[str | None] = mapped_column(String(200))  # 活动主题
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="published")  # published / withdrawn
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditLog(Base):
    """Append-only trail of every state change (who, when, what, before/after)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    client: Mapped[str | None] = mapped_column(String(64))  # the browser's address, for logins and public queries



class SmsOutbox(Base):
    """A text message written in the transaction that decided to send it, sent after the commit.

    Phone and text are encrypted (a code is in the text) and the text is blanked once the message is
    sent or has expired; `claimed_until` is a sender's lease, so two senders never send one message
    and a sender that died mid-send leaves it to the next run of `python -m cme send-outbox`.
    """

    __tablename__ = "sms_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    body_enc: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))  # code / notice
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # a code past its validity is not worth sending
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("status in ('pending','sent','expired')", name="status"),
        CheckConstraint("kind in ('code','notice')", name="kind"),
        Index("ix_sms_outbox_status_created", "status", "created_at"),
    )

# Tables of bounded contexts that keep their own models module, registered on the same Base so that
# Alembic, create_all and the test truncation see one metadata.
from cme.attendance import models as _attendance_models  # noqa: E402,F401
