"""Staged upload files that were never committed are swept; fresh ones and stored files stay."""

from __future__ import annotations

import os
import time

from flask import Flask

from mvi_challenges.core.storage import LocalStorage


def test_sweep_removes_only_old_abandoned_staged_files(app: Flask, tmp_path) -> None:
    storage = LocalStorage(tmp_path)
    kept = storage.stage(b"stored")
    storage.promote(kept)
    abandoned = storage.stage(b"a worker died before the commit")
    in_progress = storage.stage(b"being uploaded right now")
    old = time.time() - 2 * 3600
    os.utime(abandoned.temp_path, (old, old))
    assert storage.sweep_staged() == 1
    assert not abandoned.temp_path.exists() and in_progress.temp_path.exists() and storage.exists(kept.key)


def test_sweep_command(app: Flask) -> None:
    storage = LocalStorage(app.config["UPLOAD_FOLDER"])
    staged = storage.stage(b"x")
    old = time.time() - 3 * 3600
    os.utime(staged.temp_path, (old, old))
    result = app.test_cli_runner().invoke(args=["sweep-uploads"])
    assert "1 abandoned staged files removed" in result.output and not staged.temp_path.exists()
