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


def test_the_login_pages_image_gets_the_cookie_once_and_wakes_the_waiting_run(client):
    """/session/cookie: the hidden image of the tab that logged in (ui/session.py). 204 with the same
    HttpOnly cookie as /session/start, one use, and the login run waiting on it is told."""
    user_id, ticket = _ticket()
    with web.cookie_sent(ticket) as sent:
        r = client.get(web.COOKIE_PATH, params={"ticket": ticket}, headers={"Referer": "http://testserver/"})
        assert r.status_code == 204 and sent.is_set()
    assert r.headers["Cache-Control"] == "no-store"
    cookie = _set_cookie(r)
    assert cookie.startswith(f"{web.COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    with session_scope() as s:
        assert auth.resume_session(s, r.cookies[web.COOKIE]) == user_id
    again = client.get(web.COOKIE_PATH, params={"ticket": ticket}, headers={"Referer": "http://testserver/"})
    assert again.status_code == 204 and not _set_cookie(again)
    assert web._cookie_sent == {}  # nobody waits any more: nothing left behind


@pytest.mark.parametrize("headers", [{}, {"Referer": "https://evil.example/"}, {"Origin": "null"}])
def test_another_sites_image_cannot_plant_a_login(client, headers):
    """A foreign page showing <img src=…/session/cookie?ticket=its own> would log the visitor into the
    attacker's account: without this site's Referer the ticket is not even looked at."""
    user_id, ticket = _ticket()
    r = client.get(web.COOKIE_PATH, params={"ticket": ticket}, headers=headers)
    assert r.status_code == 403 and not _set_cookie(r)
    with session_scope() as s:  # still pending: the ticket was not spent
        assert s.scalars(select(LoginSession).where(LoginSession.user_id == user_id)).one().ticket_hash


def test_the_tab_that_logged_in_is_known_by_its_session_id_until_logout(client):
    """That tab's websocket predates the cookie: it holds the session id, which names the same session."""
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    with session_scope() as s:
        login = auth.login(s, person.username, PASSWORD)
    with session_scope() as s:
        assert auth.resume_session(s, session_id=login.session_id) == person.id
        assert auth.resume_session(s, session_id=login.session_id + 1) is None
    r = client.get(web.COOKIE_PATH, params={"ticket": login.ticket}, headers={"Referer": "http://testserver/"})
    token = r.cookies[web.COOKIE]
    with session_scope() as s:
        auth.end_session(s, session_id=login.session_id)  # 退出 in that tab ends the cookie's session too
    with session_scope() as s:
        assert auth.resume_session(s, token) is None and auth.resume_session(s, session_id=login.session_id) is None


def test_cookie_is_secure_over_https(sqlite_db):
    app = Starlette(routes=web.routes(), middleware=web.middleware())
    with TestClient(app, base_url="https://cme.example") as c:
        _, ticket = _ticket()
        r = c.get(web.START_PATH, params={"ticket": ticket}, follow_redirects=False)
    assert "Secure" in _set_cookie(r)


def _logged_in(client) -> str:
    _, ticket = _ticket()
    token = client.get(web.START_PATH, params={"ticket": ticket}, follow_redirects=False).cookies[web.COOKIE]
    client.cookies.set(web.COOKIE, token)
    return token


def _live(token: str) -> bool:
    with session_scope() as s:
        return auth.resume_session(s, token) is not None


def test_post_from_this_site_ends_the_session_and_clears_the_cookie(client):
    token = _logged_in(client)
    r = client.post(web.END_PATH, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = _set_cookie(r)
    assert cookie.startswith(f'{web.COOKIE}=""') and "Max-Age=0" in cookie
    assert not _live(token)


def test_get_never_ends_a_live_session(client):
    """A cross-site <img src=".../session/end"> is a GET with the cookie: the user stays logged in."""
    token = _logged_in(client)
    r = client.get(web.END_PATH, headers={"Referer": "https://evil.example/page"}, follow_redirects=False)
    assert r.status_code == 303 and not _set_cookie(r)
    r = client.get(web.END_PATH, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert not _set_cookie(r) and _live(token)


def test_get_clears_the_cookie_of_a_session_already_ended(client):
    """The 退出 button: the session is ended over the websocket, then the browser comes here."""
    token = _logged_in(client)
    with session_scope() as s:
        auth.end_session(s, token)
    r = client.get(web.END_PATH, follow_redirects=False)
    assert r.status_code == 303 and _set_cookie(r).startswith(f'{web.COOKIE}=""')


@pytest.mark.parametrize("headers", [
    {},  # neither Origin nor Referer: a non-browser client or a stripped request
    {"Origin": "https://evil.example"},
    {"Origin": "null"},  # a sandboxed iframe or a file: page
    {"Referer": "http://testserver.evil.example/x"},
    {"Origin": "http://evil.example", "Referer": "http://testserver/"},  # Origin decides when present
])
def test_post_from_another_site_is_refused_and_ends_nothing(client, headers):
    token = _logged_in(client)
    r = client.post(web.END_PATH, headers=headers, follow_redirects=False)
    assert r.status_code == 403 and not _set_cookie(r) and _live(token)


def test_same_origin_by_referer_and_behind_a_proxy_that_drops_the_port(client):
    token = _logged_in(client)
    r = client.post(web.END_PATH, headers={"Referer": "http://testserver/personal_home?x=1"}, follow_redirects=False)
    assert r.status_code == 303 and not _live(token)
    token = _logged_in(client)  # nginx `Host $host`: cme.example, while the browser's origin has :8443
    r = client.post(web.END_PATH, headers={"Host": "cme.example", "Origin": "https://cme.example:8443"},
                    follow_redirects=False)
    assert r.status_code == 303 and not _live(token)


def test_every_response_carries_the_security_headers(client):
    for path in ("/", web.START_PATH, "/no-such-page", web.HEALTH_PATH, web.METRICS_PATH):
        r = client.get(path, follow_redirects=False)
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp


def test_every_page_document_says_it_is_chinese(sqlite_db):
    """Streamlit's index.html says lang="en": a screen reader would read the Chinese screens as English."""
    import gzip

    from starlette.responses import HTMLResponse, Response

    document = '<!doctype html><html lang="en"><head></head><body>四川省继续医学教育</body></html>'
    zipped = gzip.compress(document.encode())  # what Streamlit sends at a page's address (/credit_search)
    routes = [Route("/", lambda r: HTMLResponse(document)), Route("/text", lambda r: PlainTextResponse('<html lang="en">')),
              Route("/credit_search", lambda r: Response(zipped, media_type="text/html", headers={"Content-Encoding": "gzip"}))]
    with TestClient(Starlette(routes=routes, middleware=web.middleware())) as c:
        for path in ("/", "/credit_search"):
            page = c.get(path)
            assert '<html lang="zh-CN">' in page.text and "四川省继续医学教育" in page.text, path
            assert page.headers["content-length"] == str(len(gzip.compress(page.content, mtime=0)) if path != "/"
                                                          else len(page.content))
        assert c.get("/text").text == '<html lang="en">'  # only HTML documents are changed
