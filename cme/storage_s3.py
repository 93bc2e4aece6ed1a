"""Uploads in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, OSS/COS in S3 mode), so that
replicas on several hosts share the files without a shared folder.

Chosen by `CME_STORAGE_URL=s3://bucket/prefix` (cme.storage.get_storage). The endpoint and the
credentials come from boto3's standard settings: AWS_ENDPOINT_URL for a non-AWS store,
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Keys are the same
`<2 hex>/<32 hex>.<ext>` as on disk, under the prefix; nothing a user typed becomes a key.
"""
from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache

from cme.errors import NotFound
from cme.storage import EXTENSIONS, STAGED, valid_key


class S3Storage:
    def __init__(self, bucket: str, prefix: str = "", client=None):
        self.client = client or _client(os.environ.get("AWS_ENDPOINT_URL"))
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _object(self, key: str) -> str:
        if not valid_key(key):  # keys are ours: nothing else may reach the store
            raise NotFound("文件不存在")
        return self.prefix + key

    def save(self, data: bytes, mime: str, *, staged: bool = False) -> str:
        """Write under a new key; `staged` writes `<key>.part`, invisible until `publish(key)`."""
        name = secrets.token_hex(16)
        key = f"{name[:2]}/{name}.{EXTENSIONS[mime]}"
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key + (STAGED if staged else ""), Body=data,
                               ContentType=mime)
        return key

    def put(self, key: str, data: bytes) -> None:
        """Write an object under its existing key (restore from a backup); one PUT is atomic."""
        mime = next(m for m, ext in EXTENSIONS.items() if key.endswith("." + ext))
        self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=data, ContentType=mime)

    def publish(self, key: str) -> None:
        staged = self._object(key) + STAGED
        self.client.copy_object(Bucket=self.bucket, Key=self._object(key),
                                CopySource={"Bucket": self.bucket, "Key": staged})
        self.client.delete_object(Bucket=self.bucket, Key=staged)

    def discard(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key) + STAGED)

    def load(self, key: str) -> bytes:
        for name in (self._object(key), self._object(key) + STAGED):  # staged: its own unit of work reading it
            try:
                return self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read()
            except self.client.exceptions.NoSuchKey:
                continue
        raise NotFound("文件不存在")

    def delete(self, key: str) -> None:
        with contextlib.suppress(NotFound):
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def keys(self) -> tuple[set[str], set[str]]:
        """(final keys, staged keys) of every stored object (without the prefix), for checks and backups."""
        final, staged = set(), set()
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix):]
                if key.endswith(STAGED):
                    staged.add(key[: -len(STAGED)])
                elif valid_key(key):
                    final.add(key)
        return final, staged


@lru_cache(maxsize=4)
def _client(endpoint: str | None):
    """One client per process and endpoint: making one costs tens of milliseconds; they are thread-safe."""
    import boto3  # only deployments that use object storage load it

    return boto3.client("s3", endpoint_url=endpoint)
