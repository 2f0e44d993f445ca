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
    """Run the scheduled jobs (campaign deadlines, announcements, clean-up) until stopped."""
    from .scheduler import build_scheduler

    scheduler = build_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("scheduler running: " + ", ".join(job.id for job in scheduler.get_jobs()))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


def init_app(app: Flask) -> None:
    app.cli.add_command(run_scheduler)
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_data)
    app.cli.add_command(create_organizer)
