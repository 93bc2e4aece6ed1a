"""The issue's 'done when': on the demo data, a unit admin's reminder run reaches exactly the people
whom 本机构人员 marks 未达标, and a second run within 7 days reaches nobody."""
from __future__ import annotations

from sqlalchemy import select

from cme import clock
from cme.analytics import service as analytics
from cme.attendance import reminders
from cme.core.actors import actor_from_user
from cme.db import session_scope
from cme.domain.compliance import STATUS_NOT_MET
from cme.models import Reminder, User
from cme.ops.demo import seed_demo


def test_demo_institution_reminder_run_matches_the_staff_list(sqlite_db):
    year = clock.today().year
    with session_scope() as s:
        seed_demo(s)
    with session_scope() as s:
        admin = actor_from_user(s.scalars(select(User).where(User.username == "admin_scwc001")).one())
        marked = {r.user_id for r in analytics.staff_compliance(s, admin, year, status=STATUS_NOT_MET)}
        run = reminders.send_reminders(s, admin, year)
    with session_scope() as s:
        reached = set(s.scalars(select(Reminder.user_id)))
    assert marked and reached == marked and run.sent == len(marked)
    with session_scope() as s:
        assert reminders.send_reminders(s, admin, year).sent == 0
