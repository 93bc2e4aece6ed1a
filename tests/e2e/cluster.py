"""Two app replicas on one PostgreSQL database behind Debian's nginx, configured by the shipped site
file (deploy/nginx/cme.conf) with only its upstream ports, listen port and log paths substituted —
the same substitution compose.yaml makes. Used by test_two_replicas.py."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cme.ops.server_probe import stop_process

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "cme.conf"
HOST_UPSTREAMS = ("127.0.0.1:8501", "127.0.0.1:8502")


def wait_until(condition, what: str, timeout: float = 60.0, poll: float = 0.2):
    """Poll `condition` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def site_config(ports: tuple[int, int], listen: int, log_dir: Path) -> str:
    """The shipped site file, pointed at local replicas and a private log folder."""
    site = SITE.read_text()
    for host, port in zip(HOST_UPSTREAMS, ports, strict=True):
        assert site.count(host) == 1, f"{SITE} no longer names upstream {host} once"
        site = site.replace(host, f"127.0.0.1:{port}")
    assert site.count("listen 80;") == 1 and site.count("/var/log/nginx/") == 2, f"{SITE} changed shape"
    return site.replace("listen 80;", f"listen 127.0.0.1:{listen};").replace("/var/log/nginx/", f"{log_dir}/")


def nginx_config(site: str, work: Path) -> str:
    """A whole nginx.conf around the site, everything under `work`, in the foreground."""
    temp = "\n".join(f"    {kind}_temp_path {work}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must write the temp folders under `work`
    return (f"{user}daemon off;\nworker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/main-error.log warn;\n"
            f"events {{ worker_connections 512; }}\nhttp {{\n{temp}\n{site}\n}}\n")


def _healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).read() == b"ok"
    except OSError:
        return False


@dataclass
class Replica:
    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("w") as log:  # the child keeps its own copy of the handle
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
                 "--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        def up():
            assert self.proc.poll() is None, f"replica on port {self.port} exited:\n{self.log.read_text()}"
            return _healthy(f"http://127.0.0.1:{self.port}/_stcore/health")
        wait_until(up, f"replica on port {self.port}", timeout=90)

    def stop(self) -> None:
        stop_process(self.proc)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Cluster:
    url: str
    access_log: Path
    replicas: dict[int, Replica] = field(default_factory=dict)

    def access_entries(self) -> list[dict]:
        if not self.access_log.exists():
            return []
        return [json.loads(line) for line in self.access_log.read_text().splitlines() if line.strip()]

    def served(self, route: str) -> list[int]:
        """The replica ports that answered this sticky route's requests, in order (nginx logs every
        replica it tried, comma-separated; the last one answered)."""
        return [int(e["upstream"].split(",")[-1].strip().rsplit(":", 1)[1]) for e in self.access_entries()
                if e["route"] == route and e["upstream"] and e["status"] < 500]

    def replica_for_route(self, route: str) -> int:
        """The replica port nginx last sent requests of this sticky route to (from its access log)."""
        return wait_until(lambda: (self.served(route) or [None])[-1], f"an access-log line for route {route}", timeout=60)

    def route_to(self, port: int) -> str:
        """A sticky-cookie value that nginx's consistent hash sends to the replica on `port`."""
        for _ in range(64):  # each random key lands on a given replica of two about half the time
            route = secrets.token_hex(16)
            request = urllib.request.Request(self.url + "/_stcore/health", headers={"Cookie": f"cme_route={route}"})
            assert urllib.request.urlopen(request, timeout=60).read() == b"ok"
            if self.replica_for_route(route) == port:
                return route
        raise AssertionError(f"no route key found for replica {port}")
