"""Uploaded files (proofs, photos) behind a small storage interface.

Rules:
* Files are stored under generated names (a random key); the user's file name is never a path.
* A proof is accepted by its content, not its name, at most 5 MB: see cme.uploads (the one check
  for proofs and photos: pixel limit, re-encoding, PDFs without JavaScript or auto-run actions).
* `LocalStorage` keeps files under `settings.upload_dir`; another backend (object storage) only
  has to provide `save`, `load` and `delete`, so several app replicas can share the files.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cme.config import get_settings
from cme.errors import NotFound
from cme.uploads import CheckedFile, check_upload

MAX_PROOF_BYTES = 5 * 1024 * 1024
PROOF_FIELD = "上传图片"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
_KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|pdf)$")


class Storage(Protocol):
    def save(self, data: bytes, mime: str) -> str: ...
    def load(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a local folder: `<root>/<2 hex>/<32 hex>.<ext>`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY_RE.fullmatch(key or ""):  # keys are ours: nothing else may reach the disk
            raise NotFound("文件不存在")
        return self.root / key

    def save(self, data: bytes, mime: str) -> str:
        name = secrets.token_hex(16)
        key = f"{name[:2]}/{name}.{EXTENSIONS[mime]}"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return key

    def load(self, key: str) -> bytes:
        path = self._path(key)
        if not path.exists():
            raise NotFound("文件不存在")
        return path.read_bytes()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except NotFound:
            pass


def get_storage() -> Storage:
    return LocalStorage(get_settings().upload_dir)


@dataclass(frozen=True)
class Upload:
    """A file as the user sent it."""

    data: bytes
    filename: str = ""


PROOF_MAX_SIDE = 2400  # px: a scanned certificate stays readable


def check_proof(data: bytes) -> CheckedFile:
    """上传图片 of a credit: JPEG/PNG (re-encoded, downscaled) or a PDF without active content, ≤ 5 MB."""
    return check_upload(data, field=PROOF_FIELD, max_bytes=MAX_PROOF_BYTES, max_side=PROOF_MAX_SIDE, allow_pdf=True)
