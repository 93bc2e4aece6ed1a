"""The one declarative `Base` (its naming convention names every constraint) and shared column types."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, Index, MetaData, Numeric, Table, text
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Credits = Numeric(6, 1)
IntPK = Annotated[int, mapped_column(primary_key=True)]  # `id: Mapped[IntPK]`; a part of a composite key too
UserId = Annotated[int, mapped_column(ForeignKey("users.id"))]  # `reviewed_by: Mapped[UserId | None]`


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    __table__: ClassVar[Table]  # every model here maps one Table (the default typing says any FromClause)


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows matching `where` only, on both databases (SQLite and PostgreSQL)."""
    return Index(name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where))


def one_of(column: str, codes: Iterable[str]) -> CheckConstraint:
    """CHECK that `column` holds one of `codes` (a StrEnum of cme.domain.enums: the one list of them)."""
    listed = ",".join(f"'{code}'" for code in codes)
    return CheckConstraint(f"{column} in ({listed})", name=column)
