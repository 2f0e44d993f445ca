"""`flask --app chamber …` commands: db upgrade, demo-data, create-organizer, run-scheduler."""
from __future__ import annotations

import contextlib

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import migrate

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


@db_cli.command("upgrade")
@click.option("--revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION (default: the newest of every package's branch)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("heads")
def db_heads() -> None:
    """Show the newest revision of each branch (one per package)."""
    for head in migrate.heads(current_app.config["DATABASE_URL"]):
        click.echo(head)


@db_cli.command("revision")
@click.argument("package")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True,
              help="Write an empty revision instead of comparing the models with the database.")
def db_revision(package: str, message: str, empty: bool) -> None:
    """Write a new migration into PACKAGE's migrations folder ("chamber" for the core); the
    database must be at heads. A package's first migration starts its own branch."""
    try:
        path = migrate.new_revision(current_app.config["DATABASE_URL"], package, message, autogenerate=not empty)
    except LookupError as err:
        raise click.ClickException(str(err)) from None
    click.echo(path)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@click.command("demo-data")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only load when the database has no chamber yet.")
def demo_data(if_empty: bool) -> None:
    """Load the demo chamber (西湖区微商商会) with its merchants and logins."""
    from .demo import load_demo

    db = current_app.extensions["chamber.db"]
    with db.sessionmaker() as session, session.begin():
        loaded = load_demo(session, only_if_empty=if_empty)
    click.echo("demo chamber loaded" if loaded else "demo data already present; nothing loaded")


@click.command("create-organizer")
@with_appcontext
@click.argument("email")
@click.option("--chamber", "chamber_slug", default=None,
              help="The chamber to organize (default: the only chamber, if there is just one).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default=None, help="Display name (default: the part of the email before @).")
def create_organizer(email: str, chamber_slug: str | None, password: str, name: str | None) -> None:
    """Create (or find) the account EMAIL and make it an organizer of a chamber.

    The password is used only when the account is new.
    """
    from .demo import ensure_organizer

    db = current_app.extensions["chamber.db"]
    try:
        with db.sessionmaker() as session, session.begin():
            message = ensure_organizer(session, email, password, name, chamber_slug)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    click.echo(message)


@click.command("run-scheduler")
@with_appcontext
def run_scheduler() -> None:
    """Run the scheduled jobs (campaign deadlines, announcements, the outbox, clean-up) until stopped.

    Only one scheduler is active at a time: a second one waits and takes over if the first dies.
    """
    import logging
    import signal
    import threading

    from . import scheduler

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def _stop(*_args: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    shown: list[str] = []

    def on_state(state: str) -> None:
        if not shown or shown[-1] != state:
            shown.append(state)
            messages = {"waiting": "scheduler waiting: another scheduler is active",
                        "leader": "scheduler running: " + ", ".join(name for name, _s in app.config["JOBS"]),
                        "lost": "scheduler lost the leader lock; waiting again"}
            click.echo(messages[state], err=state == "lost")

    scheduler.run(app, stop=stop, on_state=on_state)


@click.command("mail-catcher")
@with_appcontext
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8025, type=int)
def mail_catcher(host: str, port: int) -> None:
    """A local SMTP server writing every message it receives to instance/mail/ (for make run)."""
    import time
    from pathlib import Path

    from .notifications import catcher

    folder = Path(current_app.instance_path) / "mail"
    controller, _handler = catcher.start(folder, host=host, port=port)
    click.echo(f"mail catcher on {host}:{controller.port}, writing to {folder}/")
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        controller.stop()


@click.command("send-pending")
@with_appcontext
@click.option("--loop", is_flag=True, help="Keep sending (every second) until stopped.")
def send_pending(loop: bool) -> None:
    """Send the due email and webhook deliveries of the outbox (the scheduler does this every second)."""
    import time

    from .notifications.sender import Sender

    sender = Sender(current_app._get_current_object())  # type: ignore[attr-defined]
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        while True:
            result = sender.run_until_idle()
            if result.total:
                click.echo(f"sent {result.sent}, to retry {result.retried}, failed {result.failed}")
            if not loop:
                return
            time.sleep(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(mail_catcher)
    app.cli.add_command(send_pending)
    app.cli.add_command(run_scheduler)
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_data)
    app.cli.add_command(create_organizer)
