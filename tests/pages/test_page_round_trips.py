"""Database round trips per page view, counted through the real app script (streamlit_app.py).

Every statement a view sends is a round trip (on PostgreSQL a network one) that each of thousands
of views pays; the counts below are what the pages need today, so a change that adds a query to a
busy page shows up here. Counted with SQLAlchemy's before_cursor_execute on the app's engine.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from cme import clock
from cme.db import get_engine, session_scope
from cme.domain.compliance import CLASS_II
from tests.apptest import open_page
from tests.factories import PASSWORD, add_credit, login_token, make_admin, make_institution, make_person

# page → statements per repeated view: login check (session + status), the account, the header,
# then the page's own reads
# Statements per view as merged at the end of stop 8: the policy re-reads the acting account once per
# unit of work and 首页 gained reminders, the 学分计划 and the rejected-credit banner, which about doubled
# the counts the capacity work had reached (首页 6, 学分综合查询 6). 首页 now reads its reminders and plan in
# its own unit of work and hands the plan its figures (24 → 17). The entry script then read the login,
# the account and the header in one unit of work with one query for both (ui/session.current_account):
# three statements fewer on every page. These bounds stop further growth.
MOST = {
    "app_pages/personal/home.py": 14,
    "app_pages/personal/credit_search.py": 9,
    "app_pages/personal/credits.py": 6,
    "app_pages/personal/certificates.py": 6,
    "app_pages/unit/credit_review.py": 10,
}


@contextmanager
def counted():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith("UPDATE login_sessions"):  # the idle window slides at most every 30 s
            statements.append(statement)

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)


def _views(username: str, pages: list[str]) -> dict[str, list[str]]:
    with session_scope() as s:
        token = login_token(s, username, PASSWORD)
    at = open_page("streamlit_app.py", run=False)
    at.session_state["session_token"] = token
    at.run()
    seen = {}
    for path in pages:
        at.switch_page(path)
        at.run()
        with counted() as statements:
            at.run()
        assert not at.exception, at.exception
        seen[path] = list(statements)
    return seen


def test_busy_pages_read_the_database_a_few_times_per_view(sqlite_db):
    year = clock.today().year
    with session_scope() as s:
        inst = make_institution(s)
        person = make_person(s, inst)
        admin = make_admin(s, inst)
        for n in range(3):
            add_credit(s, person, year=year - n, credit_type=CLASS_II, credits="2", status="pending" if n else "approved")
    seen = _views(person.username, [p for p in MOST if "/personal/" in p])
    seen |= _views(admin.username, [p for p in MOST if "/unit/" in p])
    for path, statements in seen.items():
        assert len(statements) <= MOST[path], f"{path}: {len(statements)} statements\n" + "\n".join(statements)
    # the login check is done once per view, not again by the page
    assert all(sum("FROM login_sessions" in q for q in qs) == 1 for qs in seen.values())
