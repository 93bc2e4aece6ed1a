"""Time in one place: naive UTC in the database, Asia/Shanghai dates for users."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import overload

CHINA = timezone(timedelta(hours=8))


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """The user's date (China Standard Time)."""
    return datetime.now(CHINA).date()


@overload
def to_local(dt: datetime) -> datetime: ...
@overload
def to_local(dt: None) -> None: ...
@overload
def to_local(dt: datetime | None) -> datetime | None: ...
def to_local(dt: datetime | None) -> datetime | None:
    return None if dt is None else dt.replace(tzinfo=UTC).astimezone(CHINA).replace(tzinfo=None)


def fmt_local(dt: datetime | None) -> str:
    local = to_local(dt)
    return "" if local is None else local.strftime("%Y-%m-%d %H:%M:%S")


def from_local(local: datetime) -> datetime:
    """A China wall-clock time (as a user types it) as naive UTC (as the database keeps it)."""
    return local.replace(tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)
