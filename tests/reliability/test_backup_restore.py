"""`flask backup` writes a consistent copy while the application keeps writing, and `flask restore`
brings the original data back (SQLite backup API; pg_dump/pg_restore on PostgreSQL)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from mvi_challenges.accounts.models import Role, User
from mvi_challenges.calls.models import Call
from mvi_challenges.core.db import db
from tests.factories import make_call, make_user


def backend(app: Flask) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()


@pytest.fixture
def tools(app: Flask) -> None:
    if backend(app) == "postgresql":
        missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
        if missing:
            pytest.skip(f"backup and restore on PostgreSQL need {' and '.join(missing)} "
                        "(apt-get install postgresql-client)")


def run_cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


def take_backup(app: Flask, folder: Path) -> Path:
    output = run_cli(app, "backup", "--to", str(folder))
    [written] = list(folder.iterdir())
    assert str(written) in output
    return written


def snapshot(app: Flask) -> tuple[list[tuple[str, str]], list[str]]:
    with app.app_context():
        users = [(u.email, u.name) for u in db.session.scalars(select(User).order_by(User.email))]
        calls = [c.title for c in db.session.scalars(select(Call).order_by(Call.title))]
        db.session.remove()
    return users, calls


def test_restore_brings_back_the_data_of_the_backup(app: Flask, tmp_path: Path, tools: None) -> None:
    make_user(app, Role.ENTREPRENEUR, name="Anna Origineel")
    make_user(app, Role.CITIZEN, name="Bert Blijft")
    make_call(app, title="Uitvraag van voor de back-up")
    before = snapshot(app)
    backup = take_backup(app, tmp_path / "backups")

    with app.app_context():  # afterwards: a rename, a deletion and a new account
        anna = db.session.scalar(select(User).where(User.name == "Anna Origineel"))
        anna.name = "Anna Gewijzigd"
        db.session.delete(db.session.scalar(select(Call)))
        db.session.commit()
    make_user(app, Role.CITIZEN, name="Carla Nieuw")
    assert snapshot(app) != before

    output = run_cli(app, "restore", str(backup), "--yes")
    assert "restored" in output
    assert snapshot(app) == before


def test_restore_asks_first_and_refuses_a_file_that_is_no_backup(app: Flask, tmp_path: Path, tools: None) -> None:
    make_user(app, Role.CITIZEN, name="Dirk Blijft")
    before = snapshot(app)
    backup = take_backup(app, tmp_path / "backups")

    refused = app.test_cli_runner().invoke(args=["restore", str(backup)], input="n\n")
    assert refused.exit_code != 0 and "Aborted" in refused.output

    garbage = tmp_path / "not-a-backup.dump"
    garbage.write_bytes(b"this is not a database\n" * 10)
    wrong = app.test_cli_runner().invoke(args=["restore", str(garbage), "--yes"])
    assert wrong.exit_code != 0 and "is not a" in wrong.output
    assert snapshot(app) == before


def test_sqlite_backup_is_consistent_while_the_application_writes(app: Flask, tmp_path: Path) -> None:
    """Each write transaction inserts a pair (+1, -1): a consistent copy holds whole pairs only,
    however many were written during the copy."""
    if backend(app) != "sqlite":
        pytest.skip("pg_dump works from one snapshot by design; this checks the SQLite backup API")
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with contextlib.closing(sqlite3.connect(database)) as setup, setup:
        setup.execute("CREATE TABLE reliability_pairs (value INTEGER NOT NULL)")
        setup.executemany("INSERT INTO reliability_pairs VALUES (?)", [(1,), (-1,)] * 20_000)
    writing, stop = threading.Event(), threading.Event()

    def keep_writing() -> None:
        with contextlib.closing(sqlite3.connect(database, timeout=10)) as writer:
            while not stop.is_set():
                with writer:  # one transaction per pair
                    writer.execute("INSERT INTO reliability_pairs VALUES (1)")
                    writer.execute("INSERT INTO reliability_pairs VALUES (-1)")
                writing.set()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        assert writing.wait(10)
        backups = [take_backup(app, tmp_path / f"backup-{n}") for n in range(3)]
    finally:
        stop.set()
        thread.join()
        with contextlib.closing(sqlite3.connect(database)) as cleanup:
            cleanup.execute("DROP TABLE reliability_pairs")

    for backup in backups:
        with contextlib.closing(sqlite3.connect(backup)) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            count, total = copy.execute("SELECT count(*), sum(value) FROM reliability_pairs").fetchone()
            assert count % 2 == 0 and total == 0 and count > 40_000
