"""CME_PUBLIC_URL goes into every certificate and sign-in QR code: outside demo the platform refuses to
start without it (a QR pointing at localhost would be printed on paper); demo keeps its local default."""
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
    with pytest.raises(ConfigError, match="CME_PUBLIC_URL") as refused:
        load_settings()
    assert "二维码" in str(refused.value)


def test_demo_keeps_the_local_default_and_a_set_url_is_used_without_trailing_slash(monkeypatch):
    monkeypatch.setenv("CME_DEMO", "1")
    monkeypatch.delenv("CME_PUBLIC_URL", raising=False)
    assert load_settings().public_url == "http://localhost:8501"
    monkeypatch.setenv("CME_DEMO", "0")
    monkeypatch.setenv("CME_PUBLIC_URL", "https://cme.example.org/")
    assert load_settings().public_url == "https://cme.example.org"


def test_the_server_module_does_not_load_without_it():
    """What `streamlit run streamlit_app.py` imports first: it stops with the message, before serving anyone."""
    env = {"PATH": "/usr/bin:/bin", "CME_DEMO": "0", "CME_SECRET_KEY": "k", "CME_WARMUP": "0"}
    done = subprocess.run([sys.executable, "-c", "import streamlit_app"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "CME_PUBLIC_URL must be set" in done.stderr
