"""`python -m cme backup --out FILE` and `python -m cme restore FILE` (SPEC §9 operations).

One archive (tar.gz) holds the database and every stored upload, so that a restore brings back
records and their proofs and photos together:

    manifest.json              format, time, database kind, schema revision, file count and bytes
    database.sqlite3 | database.pgdump
    uploads/<2 hex>/<32 hex>.<ext>   each final file of the storage (file:// folder or s3:// bucket)

* SQLite: the sqlite3 online backup API copies a consistent snapshot while the app keeps running.
* PostgreSQL: `pg_dump --format=custom`; restore with `pg_restore --clean --if-exists --no-owner`
  in one transaction. The password goes to pg_dump/pg_restore through PGPASSWORD, never on their
  command line, and the app's own CME_DATABASE_URL (`postgresql+psycopg://…`) is understood.
  pg_dump must be installed (Debian/Ubuntu: `apt-get install postgresql-client`, same major version
  as the server or newer).
* The database is copied first, then the files: a file deleted in between (its record replaced
  meanwhile) is missing from the archive, which `python -m cme check` after a restore would name.

Restore refuses a target that holds accounts or files unless `force` (then the target becomes the
archive: its tables are dropped first, a newer schema's included, and the files the archive does not
hold are removed), and migrates the restored database to this version's head. Stop the replicas first
(SQLite: the file is replaced under them).

Either way the archive holds 身份证号/手机号 only encrypted; keep CME_SECRET_KEY safe and apart from it.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import URL, make_url

from cme.errors import DomainError
from cme.storage import Storage, get_storage, valid_key

FORMAT = "cme-backup"
VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads/"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


@dataclass(frozen=True)
class BackupReport:
    size: int
    files: int
    file_bytes: int

    def summary(self, out: Path) -> str:
        return (f"已备份到 {out}（{self.size / 1024 / 1024:.1f} MB）：数据库 + 上传文件 {self.files} 个"
                f"（{self.file_bytes / 1024 / 1024:.1f} MB）")


@dataclass(frozen=True)
class RestoreReport:
    backend: str
    files: int
    removed: int

    def summary(self) -> str:
        extra = f"，删除备份中没有的文件 {self.removed} 个" if self.removed else ""
        return f"已恢复：{'PostgreSQL' if self.backend == 'postgresql' else 'SQLite'} 数据库 + 上传文件 {self.files} 个{extra}"


def _backend(url: str) -> tuple[URL, str]:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in DB_MEMBER:
        raise DomainError(f"不支持该数据库类型：{backend}")
    return parsed, backend


def backup(url: str, out: str | Path, storage: Storage | None = None) -> BackupReport:
    """Write the database at `url` and every stored file to the archive `out`."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise DomainError(f"{out} 是一个目录，请给出备份文件名")
    parsed, backend = _backend(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    storage = storage or get_storage()
    part = out.with_name(out.name + ".part")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".cme-backup-") as work:
        dump = Path(work) / DB_MEMBER[backend]
        if backend == "sqlite":
            _sqlite_dump(parsed.database, dump, out)
        else:
            _pg_dump(parsed, dump)
        files, file_bytes = 0, 0
        try:
            with tarfile.open(part, "w:gz", compresslevel=6) as tar:
                tar.add(dump, arcname=dump.name)
                for key in sorted(storage.keys()[0]):
                    data = storage.load(key)
                    _add_bytes(tar, UPLOADS + key, data)
                    files, file_bytes = files + 1, file_bytes + len(data)
                manifest = {"format": FORMAT, "version": VERSION,
                            "created": datetime.now(UTC).isoformat(timespec="seconds"),
                            "database": {"backend": backend, "member": dump.name, "revision": _revision(url)},
                            "files": {"count": files, "bytes": file_bytes}}
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    os.replace(part, out)  # a half-written backup never carries the final name
    return BackupReport(out.stat().st_size, files, file_bytes)


def _open_archive(archive: Path) -> tarfile.TarFile:
    """The backup opened for reading, or DomainError for a file that is none."""
    try:
        return tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError):
        raise DomainError(f"{archive} 不是本平台的备份文件（应为 python -m cme backup 生成的 .tar.gz）") from None


def restore(url: str, archive: str | Path, *, force: bool = False, storage: Storage | None = None) -> RestoreReport:
    """Put the archive's database at `url` and its files into the storage; see the module docstring."""
    archive = Path(archive)
    if not archive.is_file():
        raise DomainError(f"备份文件不存在：{archive}")
    parsed, backend = _backend(url)
    storage = storage or get_storage()
    with _open_archive(archive) as tar, tempfile.TemporaryDirectory(prefix=".cme-restore-") as work:
        manifest = _manifest(tar)
        if manifest["database"]["backend"] != backend:
            raise DomainError(f"备份中是 {manifest['database']['backend']} 数据库，目标是 {backend}：请用同类数据库恢复")
        keys = [m.name[len(UPLOADS):] for m in tar.getmembers() if m.isfile() and m.name.startswith(UPLOADS)]
        if bad := [k for k in keys if not valid_key(k)]:
            raise DomainError(f"备份中有不属于本平台的文件名：{bad[0]}")
        held = _holdings(parsed, backend, storage)
        if held and not force:
            raise DomainError(f"目标不是空的（{held}）：确认要用备份覆盖时加 --force")
        dump = Path(work) / DB_MEMBER[backend]
        with _read(tar, manifest["database"]["member"]) as src, open(dump, "wb") as dst:
            shutil.copyfileobj(src, dst)
        if backend == "sqlite":
            _sqlite_put(parsed.database, dump)
        else:
            _pg_drop_tables(parsed)  # the target becomes the archive: a newer schema's tables too
            _pg_restore(parsed, dump)
        for key in keys:
            with _read(tar, UPLOADS + key) as src:
                storage.put(key, src.read())
    removed = 0
    if force:
        final, staged = storage.keys()
        for key in final - set(keys):
            storage.delete(key)
            removed += 1
        for key in staged:
            storage.discard(key)
    return RestoreReport(backend, len(keys), removed)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _read(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    try:
        member = tar.extractfile(name)
    except KeyError:
        member = None
    if member is None:
        raise DomainError(f"备份文件不完整：缺少 {name}")
    return member


def _manifest(tar: tarfile.TarFile) -> dict:
    try:
        with _read(tar, MANIFEST) as f:
            manifest = json.load(f)
    except (DomainError, ValueError, tarfile.TarError):
        manifest = {}
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise DomainError("不是本平台的备份文件，或备份格式版本不受支持")
    return manifest


def _revision(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return sorted(r[0] for r in c.execute(text("SELECT version_num FROM alembic_version")))
    except Exception:
        return []
    finally:
        engine.dispose()


def _holdings(parsed: URL, backend: str, storage: Storage) -> str:
    """What the target already holds that a restore would overwrite ("" when nothing): accounts or files."""
    held = []
    if backend == "sqlite" and not (parsed.database and Path(parsed.database).exists()):
        users = 0
    else:
        engine = create_engine(parsed)
        try:
            with engine.connect() as c:
                users = c.execute(text("SELECT count(*) FROM users")).scalar_one()
        except Exception:  # no schema yet
            users = 0
        finally:
            engine.dispose()
    if users:
        held.append(f"数据库中有 {users} 个账号")
    final, _ = storage.keys()
    if final:
        held.append(f"已有上传文件 {len(final)} 个")
    return "；".join(held)


def _sqlite_dump(path: str | None, dump: Path, out: Path) -> None:
    if not path or path == ":memory:":
        raise DomainError("内存数据库无法备份")
    if not Path(path).exists():
        raise DomainError(f"数据库文件不存在：{path}")
    if out.resolve() == Path(path).resolve():
        raise DomainError("备份文件不能是数据库文件本身")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(dump)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _sqlite_put(path: str | None, dump: Path) -> None:
    if not path or path == ":memory:":
        raise DomainError("不能恢复到内存数据库")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".restore")
    shutil.copyfile(dump, part)
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):  # a stale log would be replayed onto the copy
        leftover.unlink(missing_ok=True)
    os.replace(part, target)


def _pg_tool(name: str, parsed: URL) -> tuple[str, str, dict[str, str]]:
    """The tool's path, a libpq URL without the password (the app's `+psycopg` dropped), and its env."""
    tool = shutil.which(name)
    if tool is None:
        raise DomainError(f"未找到 {name} 命令：请安装 PostgreSQL 客户端（如 apt-get install postgresql-client）后重试")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return tool, parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise DomainError(f"{what}失败：" + (result.stderr.strip().splitlines() or ["未知错误"])[-1])


def _pg_dump(parsed: URL, dump: Path) -> None:
    pg_dump, target, env = _pg_tool("pg_dump", parsed)
    _run([pg_dump, "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={target}"], env, "pg_dump 备份")


def _pg_drop_tables(parsed: URL) -> None:
    engine = create_engine(parsed)
    try:
        meta = MetaData()
        meta.reflect(engine)
        meta.drop_all(engine)
    finally:
        engine.dispose()


def _pg_restore(parsed: URL, dump: Path) -> None:
    pg_restore, target, env = _pg_tool("pg_restore", parsed)
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          f"--dbname={target}", str(dump)], env, "pg_restore 恢复")
