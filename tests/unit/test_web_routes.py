"""The HTTP routes and headers of the st.App (ui/web.py), driven with Starlette's TestClient on a
bare Starlette app holding the same routes and middleware (the Streamlit runtime is not needed)."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from cme.accounts import auth
from cme.db import session_scope
from cme.models import LoginSession
from tests.factories import PASSWORD, make_institution, make_person
from ui import web


@pytest.fixture
def client(sqlite_db):
    home = Route("/", lambda request: PlainTextResponse("home"))
    app = Starlette(routes=[*web.routes(), home], middleware=web.middleware())
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _ticket() -> tuple[int, str]:
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    with session_scope() as s:
        return person.id, auth.login(s, person.username, PASSWORD).ticket


def _set_cookie(response) -> str:
    return "; ".join(v for k, v in response.headers.multi_items() if k == "set-cookie")


def test_ticket_is_swapped_once_for_an_httponly_cookie(client):
    user_id, ticket = _ticket()
    r = client.get(web.START_PATH, params={"ticket": ticket}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = _set_cookie(r)
    assert cookie.startswith(f"{web.COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test below
    token = r.cookies[web.COOKIE]
    assert ticket not in cookie and token != ticket
    with session_scope() as s:
        assert auth.resume_session(s, token) == user_id
    again = client.get(web.START_PATH, params={"ticket": ticket}, follow_redirects=False)
    assert again.status_code == 303 and web.COOKIE not in _set_cookie(again)  # used: nothing


def test_unknown_or_expired_ticket_sets_no_cookie(client, monkeypatch):
    r = client.get(web.START_PATH, params={"ticket": "forged"}, follow_redirects=False)
    assert r.status_code == 303 and not _set_cookie(r)
    _, ticket = _ticket()
    with session_scope() as s:
        row = s.scalars(select(LoginSession).where(LoginSession.ticket_hash.is_not(None))).one()
        row.ticket_expires_at = row.created_at  # expired
    r = client.get(web.START_PATH, params={"ticket": ticket}, follow_redirects=False)
    assert not _set_cookie(r)


def test_cookie_is_secure_over_https(sqlite_db):
    app = Starlette(routes=web.routes(), middleware=web.middleware())
    with TestClient(app, base_url="https://cme.example") as c:
        _, ticket = _ticket()
        r = c.get(web.START_PATH, params={"ticket": ticket}, follow_redirects=False)
    assert "Secure" in _set_cookie(r)


def test_end_clears_the_cookie_and_ends_the_session(client):
    _, ticket = _ticket()
    token = client.get(web.START_PATH, params={"ticket": ticket}, follow_redirects=False).cookies[web.COOKIE]
    client.cookies.set(web.COOKIE, token)
    r = client.get(web.END_PATH, follow_redirects=False)
    assert r.status_code == 303
    cookie = _set_cookie(r)
    assert cookie.startswith(f'{web.COOKIE}=""') and "Max-Age=0" in cookie
    with session_scope() as s:
        assert auth.resume_session(s, token) is None


def test_every_response_carries_the_security_headers(client):
    for path in ("/", web.START_PATH, "/no-such-page"):
        r = client.get(path, follow_redirects=False)
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
