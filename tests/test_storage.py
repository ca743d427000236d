"""Both storage backends keep one contract: staged files are invisible until promoted, promoted ones
read back byte for byte, deleted or missing ones read as None, and only old staged files are swept.

The S3 backend runs against moto's in-process S3, so these tests need no service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from mvi_challenges.core.storage import LocalStorage, S3Storage, _s3_client, get_storage, parse_storage_url


@pytest.fixture
def s3_storage(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Storage]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="files")
        yield S3Storage("files", "site/uploads", client=client)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path) -> LocalStorage | S3Storage:
    if request.param == "local":
        return LocalStorage(tmp_path)
    return request.getfixturevalue("s3_storage")


def test_storage_promoted_file_reads_back(storage) -> None:
    staged = storage.stage(b"%PDF- plan")
    assert not storage.exists(staged.key) and storage.read(staged.key) is None
    storage.promote(staged)
    assert storage.exists(staged.key) and storage.read(staged.key) == b"%PDF- plan"


def test_storage_discarded_and_deleted_files_are_gone(storage) -> None:
    discarded = storage.stage(b"rolled back")
    storage.discard(discarded)
    assert not storage.exists(discarded.key)
    kept = storage.stage(b"erased later")
    storage.promote(kept)
    storage.delete(kept.key)
    assert storage.read(kept.key) is None and not storage.exists(kept.key)


def test_storage_refuses_keys_that_are_not_ours(storage) -> None:
    for key in ("", "../etc/passwd", ".staged", "a\\b"):
        with pytest.raises(ValueError):
            storage.read(key)


def test_s3_sweep_removes_only_staged_objects(s3_storage: S3Storage) -> None:
    kept = s3_storage.stage(b"stored")
    s3_storage.promote(kept)
    s3_storage.stage(b"a worker died before the commit")
    assert s3_storage.sweep_staged() == 0  # younger than an hour: maybe still in progress
    assert s3_storage.sweep_staged(older_than=dt.timedelta(seconds=-5)) == 1
    assert s3_storage.read(kept.key) == b"stored"
    names = [item["Key"] for item in s3_storage.client.list_objects_v2(Bucket="files")["Contents"]]
    assert names == [f"site/uploads/{kept.key[:2]}/{kept.key}"]


def test_storage_chosen_by_upload_storage(tmp_path, s3_storage: S3Storage) -> None:
    assert isinstance(get_storage({"UPLOAD_STORAGE": None, "UPLOAD_FOLDER": str(tmp_path)}), LocalStorage)
    chosen = get_storage({"UPLOAD_STORAGE": "s3://files/site/uploads", "UPLOAD_FOLDER": str(tmp_path)})
    assert isinstance(chosen, S3Storage) and (chosen.bucket, chosen.prefix) == ("files", "site/uploads/")
    assert parse_storage_url("s3://bucket") == ("bucket", "")
    with pytest.raises(ValueError):
        parse_storage_url("/var/uploads")
    _s3_client.cache_clear()  # that client was made inside moto's mock: no later test may get it
