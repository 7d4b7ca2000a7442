"""Backups: taken while the app has data, restored over a changed database, every row back."""

from __future__ import annotations

import sqlalchemy as sa

from portal.core.backup import BackupError, create_backup, restore_backup, summarise
from portal.demo import seed_all
from portal.extensions import db
from portal.models import AuditEntry, MassageSession, User


def _url(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.engine.url.render_as_string(hide_password=False)


def _summary(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return summarise(db.engine)


def test_a_restored_backup_holds_every_row_again(app, tmp_path):
    with app.app_context():
        seed_all()
    before = _summary(app)
    assert before["users"].rows >= 3 and before["massage_sessions"].rows >= 20

    backup = create_backup(_url(app), tmp_path / "backup.bin")
    assert backup.stat().st_size > 0

    # Afterwards the database changes: rows deleted, one added, one edited.
    with app.app_context():
        db.session.execute(sa.delete(MassageSession))
        db.session.execute(sa.update(User).values(name="Changed"))
        db.session.add(AuditEntry(action="after.backup"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert _summary(app) != before

    restore_backup(_url(app), backup)
    with app.app_context():
        db.engine.dispose()  # connections opened before the restore may hold old pages
    assert _summary(app) == before


def test_restore_refuses_a_missing_or_broken_file(app, tmp_path):
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"this is not a backup")
    for source in (tmp_path / "missing.bin", broken):
        try:
            restore_backup(_url(app), source)
        except BackupError:
            pass
        else:
            raise AssertionError(f"{source.name} was accepted")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_cli_takes_and_restores_a_backup(app, runner, tmp_path):
    with app.app_context():
        seed_all()
    before = _summary(app)
    path = tmp_path / "cli-backup.bin"
    made = runner.invoke(args=["backup", "create", str(path)])
    assert made.exit_code == 0, made.output
    assert "backup written to" in made.output

    refused = runner.invoke(args=["backup", "restore", str(path)])
    assert refused.exit_code != 0 and "--yes" in refused.output

    with app.app_context():
        db.session.execute(sa.delete(MassageSession))
        db.session.commit()
    restored = runner.invoke(args=["backup", "restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _summary(app) == before
