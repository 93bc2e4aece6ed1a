"""CME_PUBLIC_URL goes into every certificate and sign-in QR code: outside demo the server refuses to start
without it (a QR pointing at localhost would be printed on paper), and so does anything that makes a QR
code; maintenance commands that print none still run. Demo keeps its local default."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cme.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_outside_demo_a_missing_public_url_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("CME_DEMO", "0")
    monkeypatch.setenv("CME_PUBLIC_URL", "  ")
    settings = load_settings()  # init-db, backup, purge… need no public address
    with pytest.raises(ConfigError, match="CME_PUBLIC_URL") as refused:
        settings.require_public_url()
    assert "二维码" in str(refused.value)


def test_demo_keeps_the_local_default_and_a_set_url_is_used_without_trailing_slash(monkeypatch):
    monkeypatch.setenv("CME_DEMO", "1")
    monkeypatch.delenv("CME_PUBLIC_URL", raising=False)
    assert load_settings().require_public_url() == "http://localhost:8501"
    monkeypatch.setenv("CME_DEMO", "0")
    monkeypatch.setenv("CME_PUBLIC_URL", "https://cme.example.org/")
    assert load_settings().require_public_url() == "https://cme.example.org"


def _import_server(**env: str) -> subprocess.CompletedProcess:
    """What `streamlit run streamlit_app.py` imports first, in a fresh process."""
    env = {"PATH": "/usr/bin:/bin", "CME_DEMO": "0", "CME_SECRET_KEY": "k", "CME_WARMUP": "0", **env}
    return subprocess.run([sys.executable, "-c", "import streamlit_app"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_server_does_not_start_without_it_and_does_with_it():
    refused = _import_server()
    assert refused.returncode != 0 and "CME_PUBLIC_URL must be set" in refused.stderr
    assert _import_server(CME_PUBLIC_URL="https://cme.example.org").returncode == 0
    assert _import_server(CME_DEMO="1").returncode == 0


def test_a_certificate_link_is_refused_without_it(monkeypatch):
    from cme.certificates import service

    monkeypatch.setattr(service, "get_settings", lambda: load_settings())
    monkeypatch.setenv("CME_PUBLIC_URL", "")
    with pytest.raises(ConfigError, match="CME_PUBLIC_URL"):
        service.verify_url("SC20261126ABCDEFGH")
