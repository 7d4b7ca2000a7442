"""Command-line tools: ``flask --app wsgi create-user``, ``seed-demo`` and friends."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from config import INSTANCE_DIR
from portal.auth.passwords import hash_password
from portal.blog import cli as blog_cli
from portal.core.text import normalise_email
from portal.extensions import db
from portal.mail import cli as mail_cli
from portal.models import Role, User
from portal.models.types import utcnow


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_logins)
    app.cli.add_command(backup_group)
    mail_cli.register(app)
    from portal.newsletter import cli as newsletter_cli

    newsletter_cli.register(app)
    blog_cli.register(app)


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.CLIENT.value,
    show_default=True,
)
@click.option("--name", default=None, help="Display name (defaults to the email's local part).")
@click.password_option(help="Asked for interactively when not given.")
@with_appcontext
def create_user(email: str, role: str, name: str | None, password: str) -> None:
    """Create an account with a password, already confirmed."""
    from portal.auth.validation import password_problem

    email = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise click.ClickException(f"an account for {email} already exists")
    problem = password_problem(password, email=email)
    if problem:
        raise click.ClickException(problem)
    user = User(
        email=email,
        name=name or email.split("@", 1)[0],
        role=role,
        password_hash=hash_password(password),
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {email}")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo data. Running it again changes nothing."""
    from portal.demo import seed_all

    for line in seed_all():
        click.echo(line)


@click.command("demo-logins")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True)
def demo_logins(url: str) -> None:
    """Print where the site runs and the demo accounts to sign in with."""
    from portal.demo import DEMO_LOGINS

    click.echo(f"\n  Massage Works portal: {url}\n")
    for email, password, role, _name in DEMO_LOGINS:
        click.echo(f"  {role.value:<7} {email:<24} {password}")
    click.echo("")


@click.group("backup")
def backup_group() -> None:
    """Back up the database, or put a backup back (docs/operations.md)."""


@backup_group.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_create(path: Path | None) -> None:
    """Write a consistent backup while the site runs (default: instance/backups/…)."""
    from portal.core.backup import BackupError, create_backup, summarise

    url = db.engine.url
    if path is None:
        suffix = "sqlite" if url.get_backend_name() == "sqlite" else "dump"
        path = INSTANCE_DIR / "backups" / f"portal-{utcnow():%Y%m%d-%H%M%S}.{suffix}"
    try:
        create_backup(url.render_as_string(hide_password=False), path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(table.rows for table in summarise(db.engine).values())
    click.echo(f"backup written to {path} ({rows} rows in the database when it was taken)")


@backup_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that the database is to be replaced.")
@with_appcontext
def backup_restore(path: Path, yes: bool) -> None:
    """Replace the database with a backup. Stop the web processes and workers first."""
    from portal.core.backup import BackupError, restore_backup, summarise

    if not yes:
        raise click.ClickException("restoring replaces the whole database: add --yes to confirm")
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    db.engine.dispose()
    try:
        restore_backup(url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    summary = summarise(db.engine)
    click.echo(f"restored {path}: {sum(t.rows for t in summary.values())} rows")
