"""`python -m cme backup --out FILE` (SPEC §9 operations).

* SQLite: the sqlite3 online backup API copies a consistent snapshot while the app keeps running
  (WAL readers and writers are not stopped). Restore: stop the app and copy the file back.
* PostgreSQL: `pg_dump --format=custom` (restore with `pg_restore --clean --dbname …`). The password
  goes to pg_dump through PGPASSWORD, never on its command line. pg_dump must be installed
  (Debian/Ubuntu: `apt-get install postgresql-client`, same major version as the server or newer).

Either way the backup holds 身份证号/手机号 only encrypted; keep CME_SECRET_KEY safe and apart from it.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from cme.errors import DomainError


def backup_database(url: str, out: str | Path) -> int:
    """Write a backup of the database at `url` to `out`; returns its size in bytes."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise DomainError(f"{out} 是一个目录，请给出备份文件名")
    out.parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        _sqlite(parsed.database, out)
    elif backend == "postgresql":
        _postgres(parsed, out)
    else:
        raise DomainError(f"不支持备份该数据库类型：{backend}")
    return out.stat().st_size


def _sqlite(path: str | None, out: Path) -> None:
    if not path or path == ":memory:":
        raise DomainError("内存数据库无法备份")
    if not Path(path).exists():
        raise DomainError(f"数据库文件不存在：{path}")
    if out.resolve() == Path(path).resolve():
        raise DomainError("备份文件不能是数据库文件本身")
    tmp = out.with_name(out.name + ".part")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(tmp, out)  # a half-written backup never carries the final name


def _postgres(parsed, out: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise DomainError("未找到 pg_dump 命令：请安装 PostgreSQL 客户端（如 apt-get install postgresql-client）后重试")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    target = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    tmp = out.with_name(out.name + ".part")
    result = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={tmp}", f"--dbname={target}"],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise DomainError("pg_dump 备份失败：" + (result.stderr.strip().splitlines() or ["未知错误"])[-1])
    os.replace(tmp, out)
