"""Administration: regions, institutions, departments, dictionaries, notices, settings and the audit log."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cme.clock import utcnow
from cme.domain.enums import NoticeStatus
from cme.models.base import Base, IntPK, UserId


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
    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    region_level: Mapped[str] = mapped_column(String(20))  # 机构所属区域等级
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    departments: Mapped[list[Department]] = relationship(back_populates="institution")


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[IntPK]
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    name: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(default=True)
    institution: Mapped[Institution] = relationship(back_populates="departments")
    __table_args__ = (UniqueConstraint("institution_id", "name", name="uq_departments_inst_name"),)


class DictionaryItem(Base):
    """Reference dictionaries (民族, 学历, 学分获取形式, 学科分类, 技术职称 …).

    Two-level dictionaries (学科分类) use parent_id; 技术职称 keeps series in `parent_name`-free form:
    name is the display label and `extra` the level (正高/副高/中级/初级/无职称).
    """

    __tablename__ = "dictionary_items"
    id: Mapped[IntPK]
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("dictionary_items.id"))
    extra: Mapped[str | None] = mapped_column(String(50))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    __table_args__ = (
        UniqueConstraint("kind", "parent_id", "name", name="uq_dictionary_items_kind_parent_name"),
        Index("ix_dictionary_items_kind_sort", "kind", "sort_order"),
    )


class Notice(Base):
    """通知公告: province-wide (institution_id null) or for one institution."""

    __tablename__ = "notices"
    id: Mapped[IntPK]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    sender_id: Mapped[UserId]
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))  # 省级 / 单位
    theme: Mapped[str | None] = mapped_column(String(200))  # 活动主题
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default=NoticeStatus.PUBLISHED)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AppSetting(Base):
    """Settings the stored data depend on, recorded so that a change is noticed (e.g. the compliance rule)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class AuditLog(Base):
    """Append-only trail of every state change (who, when, what, before/after)."""

    __tablename__ = "audit_log"
    id: Mapped[IntPK]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[UserId | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    client: Mapped[str | None] = mapped_column(String(64))  # the browser's address, for logins and public queries
