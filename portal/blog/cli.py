"""``flask --app wsgi blog …``: importing from WordPress, announcing due articles."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from portal.core.text import normalise_email
from portal.extensions import db
from portal.models import Role, User

blog_group = AppGroup("blog", help="The blog: import from WordPress.")


@blog_group.command("import-wxr")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "importer_email",
    default=None,
    help="The admin the articles are credited to when their author is not a staff account "
    "(default: the first admin).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read everything and report what would be imported; save nothing.",
)
@click.option(
    "--media",
    "media_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A copy of the site's wp-content/uploads folder: its pictures come along.",
)
@click.option(
    "--fetch-media",
    is_flag=True,
    help="Download the pictures from their addresses on the old site (a few at a time).",
)
def import_wxr_command(
    file: Path, importer_email: str | None, dry_run: bool, media_dir: Path | None, fetch_media: bool
) -> None:
    """Import posts, pages, tags, approved comments and pictures from a WordPress export FILE.

    Running it again with the same file changes nothing. Each run ends with a report of what
    was imported and what was left out, and why.
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
    size = file.stat().st_size
    with (
        file.open("rb") as handle,
        click.progressbar(length=2 * size, label="Importing", file=sys.stderr) as bar,
    ):
        try:
            report = import_wxr(
                handle,
                importer=importer,
                media_dir=media_dir,
                fetch_media=fetch_media,
                dry_run=dry_run,
                progress=bar.update,
            )
        except ImportProblem as problem:
            db.session.rollback()
            raise click.ClickException(str(problem)) from None
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for line in report.lines():
        click.echo(line)


def register(app: Flask) -> None:
    app.cli.add_command(blog_group)
