"""`mvi-challenges …`, the installed release's command, and `python -m mvi_challenges …`: the Flask
CLI with the app factory, so `mvi-challenges db upgrade` is `flask --app mvi_challenges:create_app db
upgrade` (and so for `worker`, `send-outbox`, `create-user`, `backup`, ...)."""

from __future__ import annotations

from flask.cli import FlaskGroup

from . import create_app


def main() -> None:
    # No .env/.flaskenv from the working directory: a server's settings come from its environment
    # file (deploy/mvi.env.example), not from whatever file lies where the command was typed.
    cli = FlaskGroup(create_app=create_app, load_dotenv=False,
                     help="MVI Challenges: the Flask commands of the installed release.")
    cli.main(prog_name="mvi-challenges")


if __name__ == "__main__":
    main()
