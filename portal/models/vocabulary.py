"""Fixed vocabularies of the client records: modalities, pressure, body areas.

Values are stored as short strings; the labels are what people read. Keeping both on one
enum means a form's choices, a template's label and a chart's legend cannot disagree.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Self, cast


class LabelledChoice(StrEnum):
    """A string enum whose members also carry the label shown to people."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledChoice:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]

    @classmethod
    def of(cls, value: str) -> Self:
        """The member whose value is ``value``; ``ValueError`` for an unknown value."""
        member = cls._value2member_map_.get(value)
        if member is None:
            raise ValueError(f"{value!r} is not a {cls.__name__}")
        return cast(Self, member)

    @classmethod
    def label_for(cls, value: str | None) -> str:
        """The label of ``value``; an unknown value (an old record) is shown as stored."""
        return _labels(cls).get(value or "", value or "")


class Modality(LabelledChoice):
    SPORTS = "sports", "Sports massage"
    DEEP_TISSUE = "deep_tissue", "Deep tissue"
    TRIGGER_POINT = "trigger_point", "Trigger point"
    ACTIVE_RELEASE = "active_release", "Active release"
    MYOFASCIAL = "myofascial", "Myofascial release"
    RECOVERY_FLUSH = "recovery_flush", "Recovery flush"
    PRE_EVENT = "pre_event", "Pre-event"


class Pressure(LabelledChoice):
    LIGHT = "light", "Light"
    MEDIUM = "medium", "Medium"
    FIRM = "firm", "Firm"
    DEEP = "deep", "Deep"


class BodyArea(LabelledChoice):
    """Areas a runner's session works on, head to toe (the order lists and the body map use)."""

    NECK = "neck", "Neck"
    SHOULDERS = "shoulders", "Shoulders"
    UPPER_BACK = "upper_back", "Upper back"
    LOWER_BACK = "lower_back", "Lower back"
    GLUTES = "glutes", "Glutes"
    HIP_FLEXORS = "hip_flexors", "Hip flexors"
    ADDUCTORS = "adductors", "Adductors"
    QUADS = "quads", "Quadriceps"
    IT_BAND = "it_band", "IT band"
    HAMSTRINGS = "hamstrings", "Hamstrings"
    CALVES = "calves", "Calves"
    SHINS = "shins", "Shins"
    FEET = "feet", "Feet"


AREA_ORDER = {area.value: position for position, area in enumerate(BodyArea)}


@cache
def _labels(choices: type[LabelledChoice]) -> dict[str, str]:
    """Value → label of one vocabulary, built once (pages look labels up per row)."""
    return {member.value: member.label for member in choices}
