"""Uploaded files (proofs, photos) behind a small storage interface.

Rules:
* Files are stored under generated names (a random key); the user's file name is never a path.
* A proof is accepted by its content, not its name: JPEG, PNG (opened and verified with Pillow)
  or PDF (`%PDF-` magic bytes and an `%%EOF` trailer), at most 5 MB.
* `LocalStorage` keeps files under `settings.upload_dir` (or the folder of `CME_STORAGE_URL=file:///…`);
  `CME_STORAGE_URL=s3://bucket/prefix` puts them in an S3-compatible object store instead
  (cme.storage_s3), so replicas on several hosts share them without a shared folder.
"""
from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from cme.config import ConfigError, get_settings
from cme.errors import NotFound, ValidationError

MAX_PROOF_BYTES = 5 * 1024 * 1024
PROOF_FIELD = "上传图片"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
_KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|pdf)$")


class Storage(Protocol):
    def save(self, data: bytes, mime: str) -> str: ...
    def load(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


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


@dataclass(frozen=True)
class Upload:
    """A file as the user sent it."""

    data: bytes
    filename: str = ""


def proof_mime(data: bytes) -> str:
    """The MIME type of an acceptable proof, judged by content; ValidationError otherwise."""
    if not data:
        raise ValidationError({PROOF_FIELD: "文件为空"})
    if len(data) > MAX_PROOF_BYTES:
        raise ValidationError({PROOF_FIELD: "文件不能超过5MB"})
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise ValidationError({PROOF_FIELD: "PDF文件不完整或已损坏"})
        return "application/pdf"
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({PROOF_FIELD: "只能上传JPEG、PNG图片或PDF文件"}) from None
    if fmt == "JPEG":
        return "image/jpeg"
    if fmt == "PNG":
        return "image/png"
    raise ValidationError({PROOF_FIELD: "只能上传JPEG、PNG图片或PDF文件"})
