"""The app `make bench` serves: `gunicorn 'bench.app:create_bench_app()'`.

It is the normal app (`create_app`, configured from the environment as in production) plus what only a
load test may have, wired in here rather than behind a setting of the app:
- the two ceiling endpoints under /_bench/;
- two-step verification off, so the bench can log in as staff and jury members with a password
  (the app's own configuration has no switch for that: only code that creates an app can);
- no rate limits (16 connections from one address would otherwise be limited);
- the `bench-data` command that builds the data set.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask

from mvi_challenges import create_app
from mvi_challenges.core.db import db

BENCH_SETTINGS = {"TWO_STEP_REQUIRED": False, "RATELIMIT_ENABLED": False}


def create_bench_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = create_app({**BENCH_SETTINGS, **(overrides or {})})
    if app.config["MVI_ENV"] == "production":
        # A production configuration (MVI_ENV=production) never runs without its second step.
        raise RuntimeError("the bench app refuses to run with MVI_ENV=production")
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(bench_data_command)
    return app


@click.command("bench-data")
@click.option("--scale", type=click.FloatRange(min=0.0001, max=10), default=1.0, show_default=True,
              help="1 = 10,000 calls, 200,000 proposals, about 1,000,000 scores; fractions work.")
@click.option("--seed", type=int, default=8, show_default=True, help="Same seed and scale, same rows.")
def bench_data_command(scale: float, seed: int) -> None:
    """Fill a fresh (migrated, empty) database with the data set `make bench` measures."""
    from .data import expected_rows, generate

    with click.progressbar(length=expected_rows(scale), label="bench data", show_pos=True) as bar:
        try:
            written = generate(db.session, scale, seed=seed, progress=bar.update)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    for table, rows in written.items():
        click.echo(f"{table:24} {rows:>10,}")
