"""Flask commands: create-user, seed-demo, send-outbox, backup, restore (plus `db` from Flask-Migrate)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url

from .accounts.models import Role
from .core.db import db
from .core.errors import DomainError


def register_cli(app: Flask) -> None:
    @app.cli.command("sweep-uploads")
    @click.option("--minutes", default=60, show_default=True, help="Only files staged longer ago than this.")
    def sweep_uploads_command(minutes: int) -> None:
        """Remove upload files that were staged but never committed (run daily, e.g. from cron)."""
        import datetime as dt

        from .core.storage import get_storage

        swept = get_storage(current_app.config).sweep_staged(dt.timedelta(minutes=minutes))
        click.echo(f"{swept} abandoned staged files removed")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests and one-off runs).")
    @click.option("--no-scheduler", is_flag=True, help="Only work the queue; leave scheduled work to others.")
    def worker_command(burst: bool, no_scheduler: bool) -> None:
        """Deliver mail and run slow and scheduled work from the Redis queue (needs REDIS_URL)."""
        from .infra.jobs import run_worker

        try:
            run_worker(current_app._get_current_object(), burst=burst, with_scheduler=not no_scheduler)
        except RuntimeError as error:
            raise click.ClickException(str(error)) from None

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", "roles", multiple=True, required=True,
                  type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
    @click.option("--name", default="")
    def create_user_command(email: str, password: str, roles: tuple[str, ...], name: str) -> None:
        """Create a user with one or more roles."""
        from .accounts.services import create_user

        try:
            user = create_user(db.session, email=email, password=password,
                               name=name or email.split("@")[0], roles=tuple(Role(r) for r in roles))
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
        db.session.commit()
        click.echo(f"created user {user.id} <{user.email}> with roles {', '.join(roles)}")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when there are no users yet.")
    def seed_demo_command(if_empty: bool) -> None:
        """Load the catalogue, demo users and demo calls (idempotent)."""
        from .accounts.models import User
        from .demo.seed import seed_demo

        if current_app.config["MVI_ENV"] == "production":
            # The demo's administrator has a published password and authenticator secret.
            raise click.ClickException("seed-demo refuses to run with MVI_ENV=production: demo accounts have "
                                       "published passwords. Nothing was created.")
        if if_empty and (db.session.scalar(select(func.count(User.id))) or 0) > 0:
            click.echo("database already has data; demo seed skipped", err=True)  # `make run` stays quiet
            return
        report = seed_demo(db.session)
        db.session.commit()
        click.echo(report)

    @app.cli.command("ocds-backfill")
    def ocds_backfill_command() -> None:
        """Write the OCDS releases of public calls and public planned purchases that have none yet (data
        from before the release store, or written around the services). Safe to run again: it only
        adds what is missing."""
        from .api.releases import backfill

        count = backfill(db.session)
        db.session.commit()
        click.echo(f"wrote {count} OCDS releases")

    @app.cli.command("send-outbox")
    def send_outbox_command() -> None:
        """Deliver queued mail (without MAIL_SERVER it stays queued and is logged)."""
        from .core.outbox import deliver_pending

        sent, failed = deliver_pending(db.session, current_app.config)
        db.session.commit()
        click.echo(f"sent {sent}, failed {failed}")

    @app.cli.command("send-reminders")
    def send_reminders_command() -> None:
        """Queue reminder mails for dialogues that take place tomorrow (run daily; sends each once)."""
        from .core.timezones import now_utc
        from .dialogues.services import send_reminders

        count = send_reminders(db.session, now_utc())
        db.session.commit()
        click.echo(f"{count} reminders queued")

    @app.cli.command("send-digests")
    def send_digests_command() -> None:
        """Queue the followers' digests of what is new in the pipeline, calls and dialogues (run daily)."""
        from .pipeline.jobs import digest_now

        click.echo(f"{digest_now()} digests queued")

    @app.cli.command("backup")
    @click.option("--to", "target_dir", default=None, help="Folder for the backup file.")
    def backup_command(target_dir: str | None) -> None:
        """Write a consistent copy of the database (SQLite backup API or pg_dump)."""
        folder = Path(target_dir or Path(current_app.instance_path) / "backups")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
        if url.get_backend_name() == "sqlite":
            target = folder / f"mvi-{stamp}.sqlite3"
            with sqlite3.connect(url.database) as source, sqlite3.connect(target) as copy:
                source.backup(copy)
        else:
            if shutil.which("pg_dump") is None:
                raise click.ClickException("pg_dump is not installed")
            target = folder / f"mvi-{stamp}.dump"
            # The password goes through the environment, not the command line that `ps` shows.
            env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
            pg_url = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
            subprocess.run(["pg_dump", "--format=custom", f"--file={target}", pg_url],  # noqa: S603, S607
                           check=True, env=env)
        click.echo(f"backup written to {target}")

    @app.cli.command("restore")
    @click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(backup_file: Path, yes: bool) -> None:
        """Replace the whole database by a file written by `backup`. Stop the app first."""
        url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
        if not yes:
            click.confirm(f"Replace everything in {url.render_as_string(hide_password=True)} by {backup_file}?",
                          abort=True)
        db.session.remove()
        db.engine.dispose()  # our own pooled connections must hold no locks during the restore
        if url.get_backend_name() == "sqlite":
            _restore_sqlite(backup_file, url.database)
        else:
            _restore_postgres(backup_file, url)
        click.echo(f"database restored from {backup_file}; if that backup is older than this version of the "
                   "application, run `flask db upgrade` now")


def _restore_sqlite(backup_file: Path, database: str) -> None:
    """Copy the backup into the live file with the SQLite backup API: page by page, under a lock,
    so no connection ever sees half of it."""
    with backup_file.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise click.ClickException(f"{backup_file} is not a SQLite backup")
    with contextlib.closing(sqlite3.connect(backup_file)) as source:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise click.ClickException(f"{backup_file} is damaged (integrity check failed); nothing was changed")
        with contextlib.closing(sqlite3.connect(database)) as target:
            source.backup(target)


def _restore_postgres(backup_file: Path, url: URL) -> None:
    """pg_restore in one transaction: the tables in the backup are dropped and recreated, or,
    on any error, nothing changes."""
    if shutil.which("pg_restore") is None:
        raise click.ClickException("pg_restore is not installed")
    with backup_file.open("rb") as handle:
        if handle.read(5) != b"PGDMP":
            raise click.ClickException(f"{backup_file} is not a pg_dump backup (custom format)")
    # The password goes through the environment, not the command line that `ps` shows.
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",  # noqa: S607
         f"--dbname={target}", str(backup_file)], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise click.ClickException(f"pg_restore failed; nothing was changed:\n{result.stderr.strip()}")
