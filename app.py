"""Entry point for `flask --app app ...` and `gunicorn app:app`."""

from mvi_challenges import create_app

app = create_app()
