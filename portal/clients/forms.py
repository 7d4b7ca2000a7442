"""The client's forms: the history filters and the training profile."""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField, RadioField, SelectField, SubmitField
from wtforms.validators import NumberRange, Optional

from portal.models import DistanceUnit
from portal.web.forms import FilterForm, Form, line_field, options, race_date_field


class HistoryFilterForm(FilterForm):
    """A GET form (no CSRF: it changes nothing); unknown values simply mean "all"."""

    year = SelectField("Year", choices=options([("", "All years")]), validate_choice=False)
    therapist = SelectField(
        "Therapist", choices=options([("", "All therapists")]), validate_choice=False
    )
    submit = SubmitField("Show sessions")

    def set_choices(self, years: list[int], therapists: list[tuple[int, str]]) -> None:
        self.year.choices = options([("", "All years")] + [(str(y), str(y)) for y in years])
        self.therapist.choices = options(
            [("", "All therapists")] + [(str(i), name) for i, name in therapists]
        )

    @staticmethod
    def _int(value: str | None, allowed: set[int]) -> int | None:
        if value and value.isdigit() and int(value) in allowed:
            return int(value)
        return None

    def selected_year(self, years: list[int]) -> int | None:
        return self._int(self.year.data, set(years))

    def selected_therapist(self, therapists: list[tuple[int, str]]) -> int | None:
        return self._int(self.therapist.data, {i for i, _ in therapists})


class TrainingProfileForm(Form):
    goal_race_name = line_field(
        "Goal race", max_length=120, description="For example: Riverside Marathon."
    )
    goal_race_on = race_date_field(
        description="We time the booking suggestions on your dashboard around it."
    )
    weekly_distance = IntegerField(
        "Weekly mileage",
        validators=[
            Optional(),
            NumberRange(min=0, max=400, message="Enter a weekly distance from 0 to 400."),
        ],
        description="Roughly how far you run in a typical week at the moment.",
    )
    distance_unit = RadioField(
        "Distance in",
        choices=options(
            [(DistanceUnit.KM.value, "Kilometres"), (DistanceUnit.MILES.value, "Miles")]
        ),
        default=DistanceUnit.KM.value,
    )
    submit = SubmitField("Save training profile")

    def validate(self, extra_validators: Any = None) -> bool:
        # Not an inline validator: Optional() ends the date's chain when it is empty.
        valid = super().validate(extra_validators)
        race_on = self.goal_race_on
        if self.goal_race_name.data and race_on.data is None and not race_on.errors:
            race_on.errors.append("Add the race date too, so we can plan your sessions around it.")
            valid = False
        return valid

    def values(self) -> dict[str, Any]:
        return {
            "goal_race_name": self.goal_race_name.data or None,
            "goal_race_on": self.goal_race_on.data,
            "weekly_distance": self.weekly_distance.data,
            "distance_unit": self.distance_unit.data,
        }
