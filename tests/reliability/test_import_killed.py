"""kill -9 during a 20,000-row 批量导入 (a real `python -m cme import-credits` process, SIGKILL once it
reports half the rows saved in its transaction): nothing is half-imported, `cme check` is clean, and
the same file then imports whole (both backends)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from cme import crypto
from cme.db import session_scope
from cme.models import AuditLog, CreditRecord, CreditReview, CreditSummary, User
from tests.factories import make_admin, make_institution, make_person
from tests.integration.test_imports import row, to_csv

ROOT = Path(__file__).resolve().parents[2]
ROWS, PEOPLE, KILL_AT = 20_000, 200, 10_000
PROGRESS = re.compile(r"已处理 (\d+) /")


def counts() -> dict[str, int]:
    with session_scope() as s:
        return {name: s.scalar(select(func.count()).select_from(model)) for name, model in
                (("records", CreditRecord), ("reviews", CreditReview), ("summaries", CreditSummary))} | {
            "import audits": s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "credit.import"))}


def cme(*args: str, **kw) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")} | {
        k: os.environ[k] for k in ("CME_DATABASE_URL", "CME_SECRET_KEY", "CME_UPLOAD_DIR")} | {"CME_DEMO": "0"}
    return subprocess.Popen([sys.executable, "-m", "cme", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)


def kill_when_half_saved(proc: subprocess.Popen) -> int:
    """Read the import's progress line; SIGKILL it once KILL_AT rows are in its open transaction."""
    seen, done = b"", 0
    while done < KILL_AT:
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, f"the import ended before it could be killed: {seen.decode(errors='replace')[-500:]}"
        seen += chunk
        done = max([int(n) for n in PROGRESS.findall(seen.decode(errors="ignore"))] or [0])
    assert proc.poll() is None, "the import finished before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return done


def test_kill_9_during_a_20000_row_import_leaves_nothing_half_imported(db, tmp_path):
    with session_scope() as s:
        inst = make_institution(s)
        people = [make_person(s, inst) for _ in range(PEOPLE)]
        admin = make_admin(s, inst)
        ids = [crypto.decrypt(s.get(User, p.id).id_number_enc) for p in people]
    file = tmp_path / "学分.csv"
    file.write_bytes(to_csv([row(ids[i % PEOPLE], f"K-{i // PEOPLE:04d}", 学分类型=("II类", "省级I类")[i % 2])
                             for i in range(ROWS)]))

    started = time.perf_counter()
    proc = cme("import-credits", "--file", str(file), "--actor", admin.username)
    saved_when_killed = kill_when_half_saved(proc)
    killed_after = time.perf_counter() - started
    assert proc.returncode == -signal.SIGKILL

    after_kill = counts()
    checked = subprocess.run([sys.executable, "-m", "cme", "check"], check=False, cwd=ROOT, capture_output=True, text=True,
                             env=dict(os.environ), timeout=600)
    print(f"\n[{db}] import of {ROWS} rows killed (SIGKILL) after {killed_after:.1f}s with {saved_when_killed} rows "
          f"in its transaction: {after_kill}; cme check exit {checked.returncode}")
    assert after_kill == {"records": 0, "reviews": 0, "summaries": 0, "import audits": 0}
    assert checked.returncode == 0 and "检查通过" in checked.stdout, checked.stdout + checked.stderr

    again = cme("import-credits", "--file", str(file), "--actor", admin.username)
    out, err = again.communicate(timeout=1800)
    assert again.returncode == 0, err.decode()[-2000:]
    whole = counts()
    print(f"[{db}] the same file imported again: {out.decode().strip()}; {whole}")
    assert whole["records"] == whole["reviews"] == ROWS and whole["import audits"] == 1
    assert whole["summaries"] == PEOPLE  # one person-year each
