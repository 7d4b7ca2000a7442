"""The back office's forms for inviting therapists and admins.

Each form's ``values()`` returns exactly the model fields it sets, already normalised, so
the services never see form plumbing (CSRF tokens, submit buttons, empty strings).
"""

from __future__ import annotations

from wtforms import (
    SelectChoice,
    SelectField,
    SubmitField,
)

from portal.models import Role
from portal.web.forms import (
    Form,
    email_field,
    name_field,
)


class InviteStaffForm(Form):
    name = name_field()
    email = email_field()
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(Role.STAFF.value, "Therapist (staff)"),
            SelectChoice(Role.ADMIN.value, "Administrator"),
        ],
        default=Role.STAFF.value,
    )
    submit = SubmitField("Send invitation")
