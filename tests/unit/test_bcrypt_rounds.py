"""CME_BCRYPT_ROUNDS: the bcrypt cost of new hashes, 12 by default; under 12 only in a test run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cme.config import ConfigError, get_settings
from cme.domain.passwords import hash_password, verify_password

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rounds(monkeypatch):
    def set_rounds(value: str | None):
        if value is None:
            monkeypatch.delenv("CME_BCRYPT_ROUNDS", raising=False)
        else:
            monkeypatch.setenv("CME_BCRYPT_ROUNDS", value)
        get_settings.cache_clear()
    yield set_rounds
    monkeypatch.undo()
    get_settings.cache_clear()


def test_default_cost_is_12_and_the_setting_changes_new_hashes_only(rounds):
    rounds(None)
    old = hash_password("Passw0rd2026")
    assert old.startswith("$2b$12$")
    rounds("4")
    assert hash_password("Passw0rd2026").startswith("$2b$04$")
    assert verify_password("Passw0rd2026", old)  # the cost of a stored hash is read from the hash


@pytest.mark.parametrize("value", ["3", "17", "twelve"])
def test_out_of_range_values_are_refused_even_in_tests(rounds, value):
    rounds(value)
    with pytest.raises(ConfigError, match="CME_BCRYPT_ROUNDS"):
        get_settings()


def _outside_tests(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"} | {"CME_BCRYPT_ROUNDS": "10"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_cli_and_the_server_refuse_a_cost_under_12_outside_tests():
    cli = _outside_tests("-m", "cme", "list-institutions")
    assert cli.returncode == 2 and "CME_BCRYPT_ROUNDS must be from 12 to 16 (got 10)" in cli.stderr
    # the server does not start: st.App's routes read the settings when `streamlit run` imports the app
    app = _outside_tests("-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
                         "--server.port", "0", "--browser.gatherUsageStats", "false")
    assert app.returncode != 0 and "CME_BCRYPT_ROUNDS must be from 12 to 16 (got 10)" in app.stderr + app.stdout
    ok = _outside_tests("-c", "import os; os.environ['CME_BCRYPT_ROUNDS'] = '13'; from cme.config import get_settings;"
                              "print(get_settings().bcrypt_rounds)")
    assert ok.returncode == 0 and ok.stdout.strip() == "13"
