"""`python -m cme bench` runs end to end on a small synthetic city: every page it times renders, the
stored verdicts equal a recomputation, and the import accepts every row. The figures are not checked
here (speed is recorded by running the bench, never by timed tests); that the bench can measure is."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE_ROWS = {"省级首页", "全省统计", "学分审核", "首页", "学分综合查询", "本机构人员"}


def test_bench_measures_every_page_on_a_small_city(tmp_path):
    out = tmp_path / "bench.json"
    env = {**os.environ, "CME_SECRET_KEY": "bench-test-secret"}
    env.pop("CME_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "cme", "bench", "--url", f"sqlite:///{tmp_path / 'cme-bench-test.db'}",
         "--staff", "300", "--repeat", "1", "--import-rows", "500", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))

    assert result["counts"]["staff"] == 300
    assert result["verdict_check"] == {**result["verdict_check"], "people": 300, "differences": 0}
    rows = {r["name"].split("（")[0]: r for r in result["rows"]}
    assert set(rows) >= PAGE_ROWS
    for name in PAGE_ROWS:  # each page ran whole, through the app's navigation, without an error
        assert "error" not in rows[name]["note"], rows[name]
        assert rows[name]["page_ms"] is not None, rows[name]
    imported = next(r for r in result["rows"] if r["name"].startswith("批量导入"))
    assert imported["note"].startswith("500 accepted, 0 refused"), imported
    assert rows["登录"]["floor"] is not None  # the bcrypt floor is measured beside login
