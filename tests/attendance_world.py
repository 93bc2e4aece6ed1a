"""Builders shared by the attendance tests: an organising institution, its admin, a project in the
项目库 organised by it, attendees of two institutions, and a clock the test moves by hand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from cme import clock
from cme.attendance.sessions import SessionInput
from cme.core.actors import Actor
from cme.models import Project
from tests.factories import make_admin, make_institution, make_person

DAY = date(2026, 6, 1)


class FakeClock:
    """`cme.clock.utcnow` / `today` pinned to a China wall-clock time the test sets."""

    def __init__(self, local: datetime):
        self.local = local

    def at(self, hh: int, mm: int = 0, ss: int = 0, day: date = DAY) -> None:
        self.local = datetime.combine(day, time(hh, mm, ss))

    def advance(self, **delta) -> None:
        self.local += timedelta(**delta)

    def utcnow(self) -> datetime:
        return clock.from_local(self.local)


@pytest.fixture
def fake_clock(monkeypatch) -> FakeClock:
    c = FakeClock(datetime.combine(DAY, time(7, 30)))
    monkeypatch.setattr(clock, "utcnow", c.utcnow)
    monkeypatch.setattr(clock, "today", lambda: c.local.date())
    return c


@dataclass
class World:
    organiser: Actor
    other_admin: Actor
    province: Actor
    people: list[Actor]  # the first two of the organising institution, the third of another one
    project_id: int
    code: str


def make_project(s, organizer: str, *, code: str = "SC-2026-0001", credit_type: str = "省级I类", credits: str = "2",
                 date_from: date = DAY, date_to: date | None = None, subject: tuple[str, str] = ("药学", "药理学")) -> int:
    p = Project(code=code, name="合理用药学习班", organizer=organizer, year=date_from.year, credit_type=credit_type,
                credits=Decimal(credits), form="学习班", subject_parent=subject[0], subject_child=subject[1],
                date_from=date_from, date_to=date_to or date_from)
    s.add(p)
    s.flush()
    return p.id


def make_world(s) -> World:
    host, other = make_institution(s), make_institution(s)
    people = [make_person(s, host), make_person(s, host), make_person(s, other)]
    return World(make_admin(s, host), make_admin(s, other), make_admin(s), people, make_project(s, host.name), "SC-2026-0001")


def morning(**overrides) -> SessionInput:
    """Sign in 08:00–09:00, sign out 11:00–12:00, at least 120 minutes present."""
    values = dict(held_on=DAY, place="第一会议室", sign_in_start=time(8), sign_in_end=time(9), sign_out_start=time(11),
                  sign_out_end=time(12), min_minutes=120)
    values.update(overrides)
    return SessionInput(**values)
