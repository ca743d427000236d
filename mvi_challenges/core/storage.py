"""File storage outside `static/`, under random keys.

Files are written to a temporary name first (`stage`) and moved into place only after the
database transaction that refers to them has committed (`promote`), so a failed request never
leaves a record pointing to a missing file, nor a file that no record knows.

Two backends with one interface (stage, promote, discard, delete, exists, read, sweep_staged):
a local folder (`UPLOAD_FOLDER`, the default) and S3-compatible object storage
(`UPLOAD_STORAGE=s3://bucket/prefix`), so several app servers share the same files. The S3 endpoint
and credentials come from the environment as boto3 reads them (`AWS_ENDPOINT_URL`,
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class StagedFile:
    key: str
    temp_path: Path  # local backend: the temporary file; S3: the staging object's name, as a path


def new_key() -> str:
    return secrets.token_hex(20)


def check_key(key: str) -> str:
    """Keys are ours (random hex); anything else is refused rather than turned into a path."""
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise ValueError("invalid storage key")
    return key


class Storage(Protocol):
    def stage(self, data: bytes) -> StagedFile: ...
    def promote(self, staged: StagedFile) -> None: ...
    def discard(self, staged: StagedFile) -> None: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def read(self, key: str) -> bytes | None: ...
    def sweep_staged(self, older_than: dt.timedelta = ...) -> int: ...


class Staging:
    """The files one action stages: promoted after its commit, discarded when it fails, so that
    no file outlives a refused or failed upload and none goes missing for a committed one."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.files: list[StagedFile] = []

    def stage(self, data: bytes) -> StagedFile:
        staged = self.storage.stage(data)
        self.files.append(staged)
        return staged

    def promote(self) -> None:
        for staged in self.files:
            self.storage.promote(staged)

    def discard(self) -> None:
        for staged in self.files:
            self.storage.discard(staged)
        self.files.clear()


class LocalStorage:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path_for(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key

    def stage(self, data: bytes) -> StagedFile:
        self.root.mkdir(parents=True, exist_ok=True)
        key = new_key()
        fd, temp_name = tempfile.mkstemp(dir=self.root, prefix=".staged-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return StagedFile(key=key, temp_path=Path(temp_name))

    def promote(self, staged: StagedFile) -> None:
        target = self.path_for(staged.key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.temp_path, target)

    def discard(self, staged: StagedFile) -> None:
        staged.temp_path.unlink(missing_ok=True)

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def read(self, key: str) -> bytes | None:
        """The file's content, or None when it is gone."""
        try:
            return self.path_for(key).read_bytes()
        except FileNotFoundError:
            return None

    def sweep_staged(self, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
        """Remove staged files nobody promoted: a worker killed between staging and commit leaves
        one behind. Only old ones, so an upload in progress right now is never touched."""
        if not self.root.is_dir():
            return 0
        limit = time.time() - older_than.total_seconds()
        swept = 0
        for path in self.root.glob(".staged-*"):
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                swept += 1
        return swept


STAGING = ".staged/"  # under the prefix; promoted objects live under <prefix><key[:2]>/<key>


class S3Storage:
    """The same contract on an S3-compatible object store. Staging is an object under `.staged/`;
    promote copies it into place and removes the staged one (S3 has no rename), so a record never
    points to an object that is not there, and a killed worker leaves only a staged object, which
    `sweep_staged` finds by its age."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client if client is not None else _s3_client()

    def object_name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}{key[:2]}/{key}"

    def stage(self, data: bytes) -> StagedFile:
        key = new_key()
        temp_name = f"{self.prefix}{STAGING}{new_key()}"
        self.client.put_object(Bucket=self.bucket, Key=temp_name, Body=data)
        return StagedFile(key=key, temp_path=Path(temp_name))

    def promote(self, staged: StagedFile) -> None:
        temp_name = str(staged.temp_path)
        self.client.copy_object(Bucket=self.bucket, Key=self.object_name(staged.key),
                                CopySource={"Bucket": self.bucket, "Key": temp_name})
        self.client.delete_object(Bucket=self.bucket, Key=temp_name)

    def discard(self, staged: StagedFile) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=str(staged.temp_path))

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def read(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def sweep_staged(self, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
        limit = dt.datetime.now(dt.UTC) - older_than
        swept = 0
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=f"{self.prefix}{STAGING}")
        for page in pages:
            for item in page.get("Contents", []):
                if item["LastModified"] < limit:
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    swept += 1
        return swept


@lru_cache(maxsize=1)
def _s3_client() -> Any:
    """One client per process: creating one costs tens of milliseconds, and clients are thread-safe.
    Endpoint, region and credentials come from the environment (boto3's own rules)."""
    import boto3

    return boto3.client("s3")


def parse_storage_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → ("bucket", "some/prefix")."""
    if not url.startswith("s3://"):
        raise ValueError(f"UPLOAD_STORAGE must look like s3://bucket/prefix, not {url!r}")
    bucket, _, prefix = url[len("s3://"):].partition("/")
    if not bucket:
        raise ValueError("UPLOAD_STORAGE names no bucket")
    return bucket, prefix


def get_storage(config: Any) -> Storage:
    """The configured backend: S3 when UPLOAD_STORAGE is set, else the local upload folder."""
    url = config.get("UPLOAD_STORAGE")
    if url:
        return S3Storage(*parse_storage_url(url))
    return LocalStorage(config["UPLOAD_FOLDER"])


def send_stored(storage: Storage, key: str, *, mimetype: str, download_name: str) -> Any:
    """A download of a stored file, whichever backend holds it; 404 when it is gone."""
    import io

    from flask import abort, send_file

    from .uploads import safe_download_name

    data = storage.read(key)
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=safe_download_name(download_name),
                     max_age=0)
