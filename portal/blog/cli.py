"""``flask --app wsgi blog …``: importing from WordPress, announcing due articles."""

from __future__ import annotations

from typing import BinaryIO

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from portal.core.text import normalise_email
from portal.extensions import db
from portal.models import Role, User

blog_group = AppGroup("blog", help="The blog: import from WordPress.")


@blog_group.command("import-wxr")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--as",
    "importer_email",
    default=None,
    help="The admin the articles are credited to when their author is not a staff account "
    "(default: the first admin).",
)
def import_wxr_command(file: BinaryIO, importer_email: str | None) -> None:
    """Import posts, tags and approved comments from a WordPress export (WXR) FILE.

    Running it again with the same file changes nothing.
    """
    from portal.blog.wxr import ImportProblem, import_wxr

    query = sa.select(User).where(User.role == Role.ADMIN.value, User.is_active_account)
    if importer_email:
        query = query.where(User.email == normalise_email(importer_email))
    importer = db.session.scalar(query.order_by(User.id).limit(1))
    if importer is None:
        raise click.ClickException(
            f"no active admin account {importer_email}"
            if importer_email
            else "no active admin account: create one first (flask create-user EMAIL --role admin)"
        )
    try:
        report = import_wxr(file, importer=importer)
    except ImportProblem as problem:
        db.session.rollback()
        raise click.ClickException(str(problem)) from None
    db.session.commit()
    for line in report.lines():
        click.echo(line)


def register(app: Flask) -> None:
    app.cli.add_command(blog_group)
