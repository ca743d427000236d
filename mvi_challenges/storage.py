"""File storage outside `static/`, under random keys.

Files are written to a temporary name first (`stage`) and moved into place only after the
database transaction that refers to them has committed (`promote`), so a failed request never
leaves a record pointing to a missing file, nor a file that no record knows.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StagedFile:
    key: str
    temp_path: Path


class LocalStorage:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path_for(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    def stage(self, data: bytes) -> StagedFile:
        self.root.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(20)
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


def get_storage(config: dict) -> LocalStorage:
    return LocalStorage(config["UPLOAD_FOLDER"])
