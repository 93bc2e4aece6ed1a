"""The start-up warm-up (ui/warmup.py) in a fresh process, as a server has it: after it, drawing the
busy pages — 首页 with its charts, 学分综合查询 with its table, a certificate — imports nothing new,
and the long-lived objects are frozen out of the collector."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.apptest import ROOT

SCRIPT = r"""
import gc, json, sys
from cme.ops.setup import init_db
init_db()
from cme import clock
from cme.db import session_scope
from cme.accounts import auth
from cme.domain.compliance import CLASS_II, PROVINCIAL_I
from tests.factories import PASSWORD, add_credit, make_institution, make_person
from ui import warmup
from streamlit.testing.v1 import AppTest

year = clock.today().year
with session_scope() as s:
    person = make_person(s, make_institution(s))
    for n in range(3):
        add_credit(s, person, year=year - n, credit_type=(CLASS_II, PROVINCIAL_I)[n % 2], credits="3")
    token = auth.redeem_ticket(s, auth.login(s, person.username, PASSWORD).ticket)
warmup.warm_up()
frozen = gc.get_freeze_count()
at = AppTest.from_file("streamlit_app.py", default_timeout=120)
at.session_state["session_token"] = token
at.run()
for path in ("app_pages/personal/home.py", "app_pages/personal/credit_search.py", "app_pages/personal/certificates.py"):
    at.switch_page(path)
    at.run()
    assert not at.exception, at.exception
next(b for b in at.button if b.label == "合成I类II类综合学分证明").click().run()
at.selectbox(key="cert_year_from").select(year - 2)
at.selectbox(key="cert_year_to").select(year)
next(b for b in at.button if b.label == "提交验证查询").click().run()  # the preview
at.button(key="cert_issue").click().run()  # 出具
assert at.get("download_button"), "the certificate was issued"
late = [m for m in warmup.late_imports() if not m.startswith(("streamlit.testing", "tests"))]
print(json.dumps({"frozen": frozen, "late": late}))
"""


def test_after_the_warm_up_pages_import_nothing_new(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")}
    env.update(CME_DATABASE_URL=f"sqlite:///{tmp_path / 'warm.db'}", CME_DEMO="0", CME_SECRET_KEY="warm-up-test", CME_PUBLIC_URL="https://cme.test",
               CME_UPLOAD_DIR=str(tmp_path / "uploads"), CME_WARMUP="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["late"] == [], f"imported for the first time inside a page run: {result['late']}"
    assert result["frozen"] > 100_000, "the imported modules are frozen out of the collector"
