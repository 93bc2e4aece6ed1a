"""A local S3-compatible server (moto) and a fresh bucket in it as the app's upload store, for the tests
that keep uploads in an object store."""
from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from cme.config import get_settings
from cme.storage_s3 import _client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server on a free local port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def use_new_bucket(endpoint: str, monkeypatch) -> str:
    """Create a fresh bucket and point the app's storage at `s3://<bucket>/uploads`; returns its name.
    The caller clears get_settings' cache when done."""
    for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    name = f"cme-{uuid.uuid4().hex[:12]}"
    _client(endpoint).create_bucket(Bucket=name)
    monkeypatch.setenv("CME_STORAGE_URL", f"s3://{name}/uploads")
    get_settings.cache_clear()
    return name
