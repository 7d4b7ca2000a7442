"""Command-line tools: ``flask --app wsgi create-user``, ``seed-demo`` and friends."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from portal.auth.passwords import hash_password
from portal.blog import cli as blog_cli
from portal.extensions import db
from portal.mail import cli as mail_cli
from portal.models import Role, User
from portal.models.types import utcnow


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_logins)
    mail_cli.register(app)
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

    email = email.strip().lower()
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
