"""Streamlit's front-end files from memory (ui/static_assets.py): compressed where it helps, cached for
good, and nothing but the files of the static folder."""
from __future__ import annotations

import gzip

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.static_assets import StaticAssets

SCRIPT = b"console.log('\xe7\xbb\xa7\xe7\xbb\xad\xe5\x8c\xbb\xe5\xad\xa6\xe6\x95\x99\xe8\x82\xb2');\n" * 200


@pytest.fixture
def client(tmp_path):
    root = tmp_path / "static"
    (root / "js").mkdir(parents=True)
    (root / "js" / "index.Ab12.js").write_bytes(SCRIPT)
    (root / "media").mkdir()
    (root / "media" / "font.Cd34.woff2").write_bytes(b"wOF2" + bytes(range(256)) * 8)
    (tmp_path / "secret.txt").write_text("not a front-end file")
    streamlit = Starlette(routes=[Route("/{rest:path}", lambda r: PlainTextResponse("streamlit", status_code=404),
                                        methods=["GET", "HEAD", "POST"])])
    with TestClient(StaticAssets(streamlit, root=root)) as c:
        yield c


def test_a_script_is_sent_compressed_and_cached_for_good(client):
    r = client.get("/static/js/index.Ab12.js", headers={"Accept-Encoding": "gzip, deflate"})
    assert r.status_code == 200 and r.content == SCRIPT  # the client undid the gzip
    assert r.headers["content-encoding"] == "gzip" and int(r.headers["content-length"]) < len(SCRIPT) / 5
    assert r.headers["cache-control"] == "public, immutable, max-age=31536000"
    assert r.headers["content-type"].startswith("text/javascript") and r.headers["vary"] == "accept-encoding"


def test_a_browser_that_takes_no_gzip_gets_the_file_as_it_is(client):
    r = client.get("/static/js/index.Ab12.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers and r.content == SCRIPT
    head = client.head("/static/js/index.Ab12.js", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(SCRIPT))


def test_a_font_is_not_compressed_again(client):
    r = client.get("/static/media/font.Cd34.woff2", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in r.headers and r.headers["content-type"] == "font/woff2"
    assert gzip.compress(r.content)  # the bytes as stored


@pytest.mark.parametrize("path", ["/static/../secret.txt", "/static/js/../../secret.txt", "/static/js/missing.js",
                                  "/static/", "/index.html"])
def test_anything_else_goes_on_to_streamlit(client, path):
    r = client.get(path)
    assert r.text == "streamlit" and "not a front-end file" not in r.text


def test_only_reads_are_answered(client):
    assert client.post("/static/js/index.Ab12.js").text == "streamlit"
