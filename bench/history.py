"""Give the demo runner 300 sessions (``python -m bench.history``, in the bench environment).

The issue measures the client pages "with 300 sessions on the account": the demo has 16.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.models import MassageSession, User

SESSIONS = 300


def main() -> None:
    app = create_app()
    with app.app_context():
        runner = db.session.scalar(sa.select(User).where(User.email == "runner@example.com"))
        therapist = db.session.scalar(sa.select(User).where(User.email == "therapist@example.com"))
        assert runner is not None and therapist is not None, "seed the demo data first"
        count = db.session.scalar(
            sa.select(sa.func.count()).where(MassageSession.client_id == runner.id)
        )
        oldest = (
            db.session.scalar(
                sa.select(sa.func.min(MassageSession.held_on)).where(
                    MassageSession.client_id == runner.id
                )
            )
            or date.today()
        )
        for number in range(SESSIONS - (count or 0)):
            session = MassageSession(
                client_id=runner.id,
                therapist_id=therapist.id,
                held_on=oldest - timedelta(days=7 * (number + 1)),
                duration_minutes=60,
                modality=("sports", "deep_tissue", "recovery_flush")[number % 3],
                soreness_before=5 + number % 4,
                soreness_after=2 + number % 3,
                client_notes="An easy week: keep the long run gentle.",
                private_notes="",
                areas=[],
            )
            session.set_areas([("calves", "quads", "glutes", "feet")[number % 4], "hamstrings"])
            db.session.add(session)
        db.session.commit()


if __name__ == "__main__":
    main()
