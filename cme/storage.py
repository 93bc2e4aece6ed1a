"""Uploaded files (proofs, photos) behind a small storage interface.

Rules:
* Files are stored under generated names (a random key); the user's file name is never a path.
* A proof is accepted by its content, not its name, at most 5 MB: see cme.uploads (the one check
  for proofs and photos: pixel limit, re-encoding, PDFs without JavaScript or auto-run actions).
* `LocalStorage` keeps files under `settings.upload_dir`; another backend (object storage) only
  has to provide `save`, `load`, `delete`, `publish`, `discard`, `keys` and `put`, so several app replicas
  can share the files.
* A file belongs to a database row, and the row may yet roll back (a duplicate project code, a crash):
  services call `store_file(session, …)`, which stages the bytes under a temporary name, publishes
  them when the unit of work commits and removes them when it rolls back; `drop_file` deletes an
  old file only after the commit. A crash between the two leaves a `.part` file, which
  `python -m cme check` reports and removes, never a final file without its row.
* `CME_STORAGE_URL=s3://bucket/prefix` puts the files in an S3-compatible object store instead
  (cme.storage_s3), so replicas on several hosts share them without a shared folder;
  `file:///…` or unset: the folder.
"""
from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from cme.config import ConfigError, get_settings
from cme.db import on_commit, on_rollback
from cme.errors import NotFound
from cme.uploads import CheckedFile, check_upload

MAX_PROOF_BYTES = 5 * 1024 * 1024
PROOF_FIELD = "上传图片"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
_KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|pdf)$")


STAGED = ".part"


class Storage(Protocol):
    def save(self, data: bytes, mime: str, *, staged: bool = False) -> str: ...
    def publish(self, key: str) -> None: ...
    def discard(self, key: str) -> None: ...
    def load(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> tuple[set[str], set[str]]: ...
    def put(self, key: str, data: bytes) -> None: ...


def valid_key(key: str | None) -> bool:
    """Only keys this module generated may reach a disk or a bucket."""
    return bool(_KEY_RE.fullmatch(key or ""))


class LocalStorage:
    """Files in a local folder: `<root>/<2 hex>/<32 hex>.<ext>`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not valid_key(key):  # keys are ours: nothing else may reach the disk
            raise NotFound("文件不存在")
        return self.root / key

    def save(self, data: bytes, mime: str, *, staged: bool = False) -> str:
        """Write under a new key; `staged` writes `<key>.part`, invisible until `publish(key)`."""
        name = secrets.token_hex(16)
        key = f"{name[:2]}/{name}.{EXTENSIONS[mime]}"
        path = self.root / (key + (STAGED if staged else ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return key

    def publish(self, key: str) -> None:
        path = self._path(key)
        Path(str(path) + STAGED).replace(path)  # atomic rename on one file system

    def discard(self, key: str) -> None:
        Path(str(self._path(key)) + STAGED).unlink(missing_ok=True)

    def keys(self) -> tuple[set[str], set[str]]:
        """(final keys, staged keys) of every stored file, for `python -m cme check`."""
        final, staged = set(), set()
        for path in self.root.glob("*/*"):
            key = path.relative_to(self.root).as_posix()
            if key.endswith(STAGED):
                staged.add(key[: -len(STAGED)])
            elif _KEY_RE.fullmatch(key):
                final.add(key)
        return final, staged

    def put(self, key: str, data: bytes) -> None:
        """Write a file under its existing key (restore from a backup): staged, then renamed into place."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        Path(str(path) + STAGED).write_bytes(data)
        self.publish(key)

    def load(self, key: str) -> bytes:
        path = self._path(key)
        if not path.exists():  # still staged: its own unit of work reading it, or a crash before publishing
            path = Path(str(path) + STAGED)
        if not path.exists():
            raise NotFound("文件不存在")
        return path.read_bytes()

    def delete(self, key: str) -> None:
        with contextlib.suppress(NotFound):
            self._path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    settings = get_settings()
    url = urlsplit(settings.storage_url)
    if url.scheme == "s3":
        from cme.storage_s3 import S3Storage

        if not url.netloc:
            raise ConfigError("CME_STORAGE_URL must name a bucket: s3://bucket/prefix")
        return S3Storage(url.netloc, url.path)
    if url.scheme == "file":
        return LocalStorage(Path(url.path))
    if url.scheme:
        raise ConfigError(f"CME_STORAGE_URL: unsupported scheme {url.scheme!r} (file:// or s3://)")
    return LocalStorage(settings.upload_dir)


def store_file(session: Session, data: bytes, mime: str) -> str:
    """Store `data` for a row written in `session`: final on commit, gone on rollback. Returns its key."""
    storage = get_storage()
    key = storage.save(data, mime, staged=True)
    on_commit(session, lambda: storage.publish(key))
    on_rollback(session, lambda: storage.discard(key))
    return key


def drop_file(session: Session, key: str | None) -> None:
    """Delete a file no longer referenced, once `session` has committed (a rollback keeps it)."""
    if key:
        storage = get_storage()
        on_commit(session, lambda: storage.delete(key))


@dataclass(frozen=True)
class Upload:
    """A file as the user sent it."""

    data: bytes
    filename: str = ""


PROOF_MAX_SIDE = 2400  # px: a scanned certificate stays readable


def check_proof(data: bytes) -> CheckedFile:
    """上传图片 of a credit: JPEG/PNG (re-encoded, downscaled) or a PDF without active content, ≤ 5 MB."""
    return check_upload(data, field=PROOF_FIELD, max_bytes=MAX_PROOF_BYTES, max_side=PROOF_MAX_SIDE, allow_pdf=True)
