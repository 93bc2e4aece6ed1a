"""`python -m cme bench --capacity` drives a real server with headless Chromium through the whole mix:
every step must reach its page's content (a step that waits for an element a page no longer shows
would time out and leave the capacity figures empty). The figures themselves are recorded by running
the bench, never asserted here."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.e2e.conftest import ROOT

MIX = {"登录页（新会话）", "登录（个人，至首页）", "登录（单位，至首页）", "学分综合查询", "首页", "个人学分登记审核",
       "学分证明（出具）", "学分审核", "本机构人员", "首页（单位）"}


def test_capacity_bench_walks_the_whole_mix_without_errors(tmp_path, browser):  # browser: Chromium must exist
    out = tmp_path / "capacity.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")}
    done = subprocess.run([sys.executable, "-m", "cme", "bench", "--capacity", "--sessions", "1", "--rounds", "1",
                           "--json", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    (report,) = json.loads(out.read_text(encoding="utf-8"))
    pages = {p["label"]: p for p in report["pages"]}
    assert set(pages) >= MIX, sorted(pages)
    assert report["problems"] == [] and report["server_errors"] == []
    for label in MIX:
        assert pages[label]["errors"] == 0 and pages[label]["views"] >= 1, pages[label]
        assert pages[label]["cpu_ms_per_view"] is not None, pages[label]
    assert report["floors"]["bcrypt_check_cpu_ms"] > 0 and report["floors"]["one_widget_cpu_ms"] > 0
    # speed as felt: a new visitor's and a returning visitor's public page, and login → 首页, each timed
    assert all(report["felt"][key] > 0 for key in ("public_new_s", "public_returning_s", "login_to_home_s")), report["felt"]
