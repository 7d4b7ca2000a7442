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
    ("runner@example.com", "runner-demo-pass", Role.CLIENT, "Rosa Runner"),
    ("trail@example.com", "trail-demo-pass", Role.CLIENT, "Tomás Trail"),
    ("therapist@example.com", "therapist-demo-pass", Role.STAFF, "Theo Therapist"),
    ("admin@example.com", "admin-demo-pass", Role.ADMIN, "Ada Admin"),
    ("member@example.com", "member-demo-pass", Role.MEMBER, "Mia Reader"),
]


def seed() -> list[str]:
    created = []
    for email, password, role, name in DEMO_LOGINS:
        if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
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
