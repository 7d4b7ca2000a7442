"""Demo newsletter data: two complete tip sequences of original tips, subscribers and a
sent campaign, seeded idempotently."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Campaign, OutboxMessage, Subscriber, TipSequence, TipStep

TABLES = (Campaign, OutboxMessage, Subscriber, TipSequence, TipStep)


def _counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in TABLES
        }


def test_seed_demo_ships_two_sequences_and_is_idempotent(app, runner, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(app)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _counts(app) == counts

    with app.app_context():
        sequences = db.session.scalars(sa.select(TipSequence).order_by(TipSequence.id)).all()
        assert [(s.slug, s.is_default) for s in sequences] == [
            ("marathon", True),
            ("shorter", False),
        ]
        for sequence in sequences:
            steps = db.session.scalars(
                sa.select(TipStep).where(TipStep.sequence_id == sequence.id)
            ).all()
            offsets = sorted(step.offset_days for step in steps)
            assert offsets[0] < -1 and -1 in offsets and offsets[-1] > 0  # before, eve, after
            for step in steps:  # several sentences each
                sentences = re.findall(r"[.!?:](?:\s|$)", step.body_markdown)
                assert len(sentences) >= 3, step.subject
    assert counts["OutboxMessage"] >= 2  # the sent campaign, to the demo subscribers
    assert "Open from 7 AM on weekdays" in client.get("/newsletter/archive/").get_data(as_text=True)
