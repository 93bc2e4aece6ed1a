"""A real `streamlit run` of the app for benchmarks, and its CPU time and memory read from /proc.

Only the server's own processes are read (the Streamlit process and any children it starts), so the
browsers that drive it, which share the machine, are left out of every figure.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen | None) -> None:
    """Terminate a server still running; kill it when it has not exited within 15 s."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process, its threads and its reaped children (utime, stime, cutime, cstime)."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / TICKS
    return total


def rss_mb(pid: int) -> float:
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            continue
    return total / 2**20


def settle(pid: int, quiet: float = 0.3, limit: float = 15.0) -> float:
    """Wait until the server has used no CPU for `quiet` seconds (its reruns, collections and
    websocket writes are done); returns the CPU seconds read at that point."""
    deadline = time.monotonic() + limit
    last = cpu_seconds(pid)
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = cpu_seconds(pid)
        if now - last > 0.5 / TICKS:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            break
    return last


@dataclass
class Server:
    """One app replica started with `streamlit run` on its own port."""

    env: dict[str, str]
    script: str = "streamlit_app.py"
    args: list[str] = field(default_factory=list)
    log_path: Path | None = None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 90) -> Server:
        with open(self.log_path or os.devnull, "w") as log:  # the child keeps its own copy of the handle
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", self.script, "--server.headless", "true",
                 "--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
                 *self.args],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if urllib.request.urlopen(self.base + "/_stcore/health", timeout=2).read() == b"ok":
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        stop_process(self.proc)

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> float:
        return rss_mb(self.pid)

    def settle(self, quiet: float = 0.3) -> float:
        return settle(self.pid, quiet)

    def log_errors(self) -> list[str]:
        """Lines of the server log that report an exception."""
        if not self.log_path or not self.log_path.exists():
            return []
        return [line for line in self.log_path.read_text(errors="replace").splitlines()
                if "Traceback" in line or "Error" in line and "Uncaught" in line]


def app_env(work: Path, database_url: str | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The app's environment for a bench run: demo mode on a fresh SQLite file unless a URL is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")}
    env.update(CME_DATABASE_URL=database_url or f"sqlite:///{work / 'demo.db'}", CME_DEMO="1",
               CME_UPLOAD_DIR=str(work / "uploads"), CME_SECRET_KEY=os.environ.get("CME_SECRET_KEY", "capacity-bench"))
    env.update(extra or {})
    return env


def seed(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "cme", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
