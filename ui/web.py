"""The HTTP side of the app, served by `st.App` (streamlit_app.py): what a page cannot do.

- /session/start?ticket=…  swaps a one-time login ticket for the HttpOnly session cookie and
  redirects home. The browser never sees the token in a URL, and `document.cookie` never sees it.
- /session/cookie?ticket=… the same swap for an image the login page shows (ui/session.py): 204 with
  the cookie, no redirect, so the tab that logged in stays where it is (no reload, no new session).
  Only from a page of this site (its Referer), so a foreign page cannot plant its login in a browser.
- /session/end             POST, from a page of this site only (Origin, else Referer, must be this
  host): ends the session named by the cookie, clears the cookie, redirects home. GET ends nothing —
  a cross-site <img src=…/session/end> must not log anyone out: it only clears a cookie whose
  session is already over (the 退出 button ends the session over the websocket, then sends the
  browser here to drop the cookie).
- /healthz                 200 JSON when the database answers and its schema is at head, else 503.
- /metrics                 Prometheus text (ui/metrics.py).
- at server start (lifespan) the database is prepared: schema, reference data, demo data in demo mode.
- every HTTP response gets the security headers (CSP, X-Frame-Options, nosniff, Referrer-Policy).
- Streamlit's front-end files come from memory, gzip-compressed once (ui/static_assets.py), and its
  page document says it is Chinese (`<html lang="zh-CN">`, for screen readers).

Pages read the cookie with `st.context.cookies` (ui/session.py). Routes call the same services as
pages, in a worker thread (the database calls block).
"""
from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import logging
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cme.accounts import auth
from cme.config import get_settings
from cme.db import session_scope
from cme.ops.health import check_health
from ui import metrics

log = logging.getLogger(__name__)

COOKIE = "cme_session"
START_PATH = "/session/start"
COOKIE_PATH = "/session/cookie"
END_PATH = "/session/end"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


def app_path(path: str) -> str:
    """`path` of this app under its server.baseUrlPath (a proxy may serve it below a prefix)."""
    from streamlit import config
    from streamlit.url_util import make_url_path

    return make_url_path(config.get_option("server.baseUrlPath") or "", path)


def _secure(request: Request) -> bool:
    """Secure cookies when served over HTTPS; CME_COOKIE_SECURE=1/0 overrides (e.g. TLS ends at a
    proxy that does not forward the scheme)."""
    forced = get_settings().cookie_secure
    if forced is not None:
        return forced
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _redeem(ticket: str | None) -> str | None:
    with session_scope() as s:
        return auth.redeem_ticket(s, ticket)


def _end(token: str | None) -> None:
    with session_scope() as s:
        auth.end_session(s, token)


def _is_live(token: str | None) -> bool:
    if not token:
        return False
    with session_scope() as s:
        return auth.resume_session(s, token) is not None


def _local_next(request: Request) -> str:
    """Where to go after logging in: a path of this app only (never another site: no scheme, no //)."""
    target = request.query_params.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or ":" in target.split("?")[0]:
        return app_path("/")
    return app_path("/").rstrip("/") + target


def _set_cookie(request: Request, response: Response, token: str | None) -> None:
    if token:
        response.set_cookie(
            COOKIE, token, max_age=get_settings().session_max_hours * 3600, path="/",
            httponly=True, samesite="lax", secure=_secure(request),
        )


async def start_session(request: Request) -> RedirectResponse:
    token = await run_in_threadpool(_redeem, request.query_params.get("ticket"))
    response = RedirectResponse(_local_next(request), status_code=303)
    _set_cookie(request, response, token)
    return response


# login ticket → set once the browser has been sent its cookie (the login run waits on it; nginx keeps
# a browser on one replica, and a wait that times out falls back to /session/start)
_cookie_sent: dict[str, threading.Event] = {}


@contextlib.contextmanager
def cookie_sent(ticket: str):
    """An event set when /session/cookie has answered `ticket` with the cookie (in this process)."""
    event = _cookie_sent.setdefault(ticket, threading.Event())
    try:
        yield event
    finally:
        _cookie_sent.pop(ticket, None)


async def send_cookie(request: Request) -> Response:
    if not same_origin(request):
        return PlainTextResponse("跨站请求已拒绝", status_code=403)
    ticket = request.query_params.get("ticket")
    token = await run_in_threadpool(_redeem, ticket)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _set_cookie(request, response, token)
    waiting = _cookie_sent.get(ticket or "")
    if token and waiting is not None:
        waiting.set()  # the response is built; the browser stores the cookie as it receives it
    return response


def same_origin(request: Request) -> bool:
    """The request comes from a page of this site: its Origin (else its Referer) names this host.
    A proxy that passes `Host $host` drops the port, so the host name alone is compared then."""
    source = request.headers.get("origin") or request.headers.get("referer")
    host = request.headers.get("host", "")
    if not source or source == "null" or not host:
        return False
    parts = urlsplit(source)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return parts.netloc.lower() == host.lower() or (":" not in host and parts.hostname == host.lower())


def _cleared(request: Request) -> RedirectResponse:
    response = RedirectResponse(app_path("/"), status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


async def end_session(request: Request) -> Response:
    token = request.cookies.get(COOKIE)
    if request.method == "POST":
        if not same_origin(request):
            return PlainTextResponse("跨站请求已拒绝", status_code=403)
        await run_in_threadpool(_end, token)
        return _cleared(request)
    if await run_in_threadpool(_is_live, token):  # GET: a live session is left alone
        return RedirectResponse(app_path("/"), status_code=303)
    return _cleared(request)


async def healthz(request: Request) -> JSONResponse:
    health = await run_in_threadpool(check_health)
    return JSONResponse(health.as_json(), status_code=200 if health.ok else 503,
                        headers={"Cache-Control": "no-store"})


async def metrics_text(request: Request) -> Response:
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def _inline_script_hashes() -> list[str]:
    """CSP hashes of the inline scripts in Streamlit's index.html (one today), read from the
    installed Streamlit so an upgrade cannot silently break the page."""
    import streamlit

    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]


def content_security_policy() -> str:
    # Streamlit styles elements inline (emotion) and draws charts/images from data:/blob: URLs;
    # everything else, the websocket included, comes from this origin.
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(_inline_script_hashes()),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self' blob: data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class SecurityHeaders:
    """Pure ASGI middleware (no buffering, websockets untouched): headers on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": content_security_policy(),
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ChinesePage:
    """Pure ASGI middleware: Streamlit's index.html (the document of every page) says `lang="en"`, so a
    screen reader would read the Chinese screens as English. Only HTML responses are held and changed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = b""

        async def send_chinese(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start" and MutableHeaders(scope=message).get(
                    "content-type", "").startswith("text/html"):
                start = message  # held until the body is complete
                return
            if message["type"] == "http.response.body" and start is not None:
                body += message.get("body", b"")
                if message.get("more_body"):
                    return
                headers = MutableHeaders(scope=start)
                zipped = headers.get("content-encoding") == "gzip"  # Streamlit gzips the document at a page's address
                html = gzip.decompress(body) if zipped else body
                html = html.replace(b'<html lang="en">', b'<html lang="zh-CN">', 1)
                body = gzip.compress(html, mtime=0) if zipped else html
                headers["content-length"] = str(len(body))
                await send(start)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        await self.app(scope, receive, send_chinese)


def routes() -> list[Route]:
    get_settings()  # a bad setting (no CME_SECRET_KEY, CME_BCRYPT_ROUNDS under 12…) stops `streamlit run` at start
    return [
        Route(START_PATH, start_session, methods=["GET"]),
        Route(COOKIE_PATH, send_cookie, methods=["GET"]),
        Route(END_PATH, end_session, methods=["GET", "POST"]),
        Route(HEALTH_PATH, healthz, methods=["GET"]),
        Route(METRICS_PATH, metrics_text, methods=["GET"]),
    ]


@contextlib.asynccontextmanager
async def lifespan(_app):
    """Prepare the database when the server starts rather than on the first visit, so /healthz is
    green as soon as the replica can serve and nobody's first page waits for schema and demo data.
    A failure (a changed CME_SECRET_KEY, the database down) is logged and the server still starts:
    its pages then say what is wrong, and /healthz answers 503."""
    from cme.ops.setup import ensure_ready

    try:
        await run_in_threadpool(ensure_ready)
    except Exception:
        log.exception("database not prepared at server start")
    yield


def middleware() -> list[Middleware]:
    from ui.static_assets import StaticAssets

    return [Middleware(SecurityHeaders), Middleware(ChinesePage), Middleware(StaticAssets)]
