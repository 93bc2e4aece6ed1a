"""Uploads in an S3-compatible object store (CME_STORAGE_URL=s3://bucket/prefix), against moto's
S3 server started here on a local port: a proof goes to the bucket, not the upload folder, comes
back for those who may see it, and goes when its record does."""
from __future__ import annotations

import os

import pytest

from cme.config import get_settings
from cme.credits import details, entry
from cme.db import session_scope
from cme.errors import NotFound, NotPermitted
from cme.storage import Upload, get_storage
from cme.storage_s3 import S3Storage, _client
from tests.factories import make_admin, make_institution, make_person, minimal_pdf, same_picture
from tests.integration.test_credits import form, png_bytes
from tests.object_store import moto_server, use_new_bucket


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(db, s3_endpoint, monkeypatch):
    """A fresh bucket, and the app's storage pointed at `s3://<bucket>/uploads`."""
    yield use_new_bucket(s3_endpoint, monkeypatch)
    monkeypatch.delenv("CME_STORAGE_URL")
    get_settings.cache_clear()


def _objects(bucket: str, endpoint: str) -> list[str]:
    return [o["Key"] for o in _client(endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_a_proof_lives_in_the_bucket_for_its_record(bucket, s3_endpoint):
    with session_scope() as s:
        inst = make_institution(s)
        me, admin, stranger = make_person(s, inst), make_admin(s, inst), make_person(s, make_institution(s))
    with session_scope() as s:
        cid = entry.submit_credit(s, me, form(proof=Upload(png_bytes(), "证明.png")))
    [key] = _objects(bucket, s3_endpoint)
    assert key.startswith("uploads/") and key.endswith(".png")
    assert not get_settings().upload_dir.exists() or not any(get_settings().upload_dir.rglob("*.png"))
    with session_scope() as s:
        data, mime, _ = details.load_proof(s, me, cid)
        assert same_picture(data, png_bytes()) and mime == "image/png"  # re-encoded at upload (cme.uploads)
        assert same_picture(details.load_proof(s, admin, cid)[0], png_bytes())
        with pytest.raises(NotPermitted):
            details.load_proof(s, stranger, cid)
    with session_scope() as s:
        entry.update_credit(s, me, cid, form(proof=Upload(minimal_pdf(), "新.pdf")))
    [replaced] = _objects(bucket, s3_endpoint)
    assert replaced.endswith(".pdf") and replaced != key  # the old proof is gone from the bucket
    with session_scope() as s:
        entry.delete_credit(s, me, cid)
    assert _objects(bucket, s3_endpoint) == []


def test_only_our_keys_reach_the_bucket(bucket, s3_endpoint):
    storage = get_storage()
    assert isinstance(storage, S3Storage) and storage.prefix == "uploads/"
    key = storage.save(png_bytes(), "image/png")
    assert storage.load(key) == png_bytes() and storage.keys() == ({key}, set())
    for bad in ("../etc/passwd", "uploads/" + key, key.replace(".png", ".exe"), ""):
        with pytest.raises(NotFound):
            storage.load(bad)
    missing = "ab/" + "0" * 32 + ".png"
    with pytest.raises(NotFound):
        storage.load(missing)
    storage.delete(key)
    storage.delete(key)  # deleting twice is harmless
    assert storage.keys() == (set(), set())


def test_an_unknown_storage_url_is_refused(monkeypatch, tmp_path):
    from cme.config import ConfigError

    monkeypatch.setenv("CME_STORAGE_URL", "ftp://files/cme")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError):
            get_storage()
        monkeypatch.setenv("CME_STORAGE_URL", f"file://{tmp_path}")
        get_settings.cache_clear()
        storage = get_storage()
        key = storage.save(png_bytes(), "image/png")
        assert (tmp_path / key).read_bytes() == png_bytes()
    finally:
        monkeypatch.delenv("CME_STORAGE_URL")
        get_settings.cache_clear()
    assert os.environ.get("CME_STORAGE_URL") is None
