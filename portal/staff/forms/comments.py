"""The back office's forms for the comment queue: replies and listed words.

Each form's ``values()`` returns exactly the model fields it sets, already normalised, so
the services never see form plumbing (CSRF tokens, submit buttons, empty strings).
"""

from __future__ import annotations

from wtforms import (
    SubmitField,
)

from portal.blog.forms import comment_body_field
from portal.web.forms import (
    Form,
    text_field,
)


class QueueReplyForm(Form):
    """A reply written from the comment queue, posted as the staff member."""

    body = comment_body_field()
    submit = SubmitField("Post reply")


class BlockedWordsForm(Form):
    words = text_field(
        "Words that hold a comment for moderation",
        max_length=20_000,
        description="One word or phrase per line; letter case does not matter.",
    )
    submit = SubmitField("Save the list")

    def word_list(self) -> list[str]:
        seen: dict[str, str] = {}
        for line in (self.words.data or "").splitlines():
            word = " ".join(line.split())[:80]
            if word and word.lower() not in seen:
                seen[word.lower()] = word.lower()
        return sorted(seen.values())
