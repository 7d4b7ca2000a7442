"""Collecting "download my data": the account itself plus each feature's part.

Features contribute through the ``personal_data`` signal: a receiver takes the user and
returns ``(section_name, json_serialisable_value)``.
"""

from __future__ import annotations

from typing import Any

from portal.auth.signals import personal_data
from portal.models import User


def collect_personal_data(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "profile": {
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "created_at": user.created_at.isoformat(),
            "email_confirmed_at": user.email_confirmed_at and user.email_confirmed_at.isoformat(),
            "last_login_at": user.last_login_at and user.last_login_at.isoformat(),
        }
    }
    for _receiver, section in personal_data.send(user):
        if section is not None:
            name, value = section
            data[name] = value
    return data
