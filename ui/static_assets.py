"""Streamlit's front end (hashed JS, CSS and fonts under /static/) served from memory, gzip-compressed once.

Streamlit serves these files through Starlette's StaticFiles, one file-system round trip in a worker
thread per file, and never compresses them (it expects a proxy or CDN to). A new visitor's first page
asks for about a hundred of them, 3 MB: that cost the server ~180 ms of CPU, six times the page's own
run, and it is most of what a phone on a slow network waits for. Here each file is read and
compressed once per process on first request, then answered from memory in one send.

Only the files that exist under Streamlit's static/static folder at start are served (an exact
name lookup, so no path can reach anything else); every other request goes on to Streamlit. The
names carry a content hash, so they may be cached for good (the same header Streamlit gives them).
"""
from __future__ import annotations

import gzip
import mimetypes
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

CACHE_CONTROL = b"public, immutable, max-age=31536000"
# already compressed formats gain nothing from gzip
_STORED = {".woff2", ".woff", ".png", ".gif", ".jpg", ".jpeg", ".webp", ".ico"}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".woff2": "font/woff2",
          ".svg": "image/svg+xml", ".json": "application/json"}


def _static_root() -> Path:
    import streamlit

    return Path(streamlit.__file__).parent / "static" / "static"


class _Asset:
    __slots__ = ("gzipped", "media_type", "path", "raw")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.media_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.raw: bytes | None = None
        self.gzipped: bytes | None = None

    def load(self) -> None:
        raw = self.path.read_bytes()
        if self.path.suffix not in _STORED:
            self.gzipped = gzip.compress(raw, compresslevel=6, mtime=0)
        self.raw = raw


class StaticAssets:
    """Pure ASGI middleware in front of Streamlit: GET/HEAD {baseUrlPath}/static/<file> from memory."""

    def __init__(self, app: ASGIApp, root: Path | None = None) -> None:
        from streamlit import config

        self.app = app
        root = root or _static_root()
        base = (config.get_option("server.baseUrlPath") or "").strip("/")
        self.prefix = f"/{base}/static/" if base else "/static/"
        self.assets = {p.relative_to(root).as_posix(): _Asset(p) for p in root.rglob("*") if p.is_file()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        asset = self.assets.get(path[len(self.prefix):]) if path.startswith(self.prefix) else None
        if asset is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if asset.raw is None:
            await run_in_threadpool(asset.load)  # once per file and process; a parallel first request reads it too
        accepts_gzip = any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"])
        body = asset.gzipped if accepts_gzip and asset.gzipped is not None else asset.raw
        assert body is not None
        headers = [(b"content-type", asset.media_type.encode()), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", CACHE_CONTROL), (b"vary", b"accept-encoding")]
        if body is asset.gzipped:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
