"""Demo accounts: two runners, a therapist and an admin (the logins the README promises), and a
reader who registered (a member: comments and the newsletter, no client portal)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.passwords import hash_password
from portal.extensions import db
from portal.models import Role, User
from portal.models.types import utcnow

DEMO_LOGINS = [
    # (email, password, role, name)
    ("runner@example.com", "runner-demo-pass", Role.CLIENT, "Rosa Delgado"),
    ("trail@example.com", "trail-demo-pass", Role.CLIENT, "Tomás Herrera"),
    ("therapist@example.com", "therapist-demo-pass", Role.STAFF, "Theo Marsh"),
    ("admin@example.com", "admin-demo-pass", Role.ADMIN, "Ada Lindqvist"),
    ("member@example.com", "member-demo-pass", Role.MEMBER, "Mia Chen"),
]

# The names earlier demo data gave these accounts: renamed to ordinary names on the next seed.
OLD_NAMES = {"Rosa Runner", "Tomás Trail", "Theo Therapist", "Ada Admin", "Mia Reader"}


def seed() -> list[str]:
    created = []
    for email, password, role, name in DEMO_LOGINS:
        existing = db.session.scalar(sa.select(User).where(User.email == email))
        if existing is not None:
            if existing.name in OLD_NAMES:
                existing.name = name
            continue
        db.session.add(
            User(
                email=email,
                name=name,
                role=role.value,
                password_hash=hash_password(password),
                email_confirmed_at=utcnow(),
            )
        )
        created.append(email)
    db.session.commit()
    if created:
        return [f"demo accounts created: {', '.join(created)}"]
    return ["demo accounts already present"]
