"""What a request body may carry, whatever its encoding, before anything reads it.

Werkzeug bounds a multipart body's number of parts (``MAX_FORM_PARTS``) and the size of
each text part (``MAX_FORM_MEMORY_SIZE``), but decodes an urlencoded body whole, however many
fields it holds: a body of a million empty fields costs seconds of CPU before any view, CSRF
check or sign-in runs. This request class counts an urlencoded body's fields before decoding
it (a byte count, no parsing) and refuses more than ``MAX_FORM_PARTS`` with a 413, as
Werkzeug does for multipart.

A multipart part without a name (``Content-Disposition: form-data`` alone) is not a field
of any form: Werkzeug files it under the name ``None``, which other code (Flask-WTF's token
lookup) does not expect. Such a body is a 400.

The bytes of a whole body are bounded by ``MAX_CONTENT_LENGTH``; the back office and the
image upload raise it for their own routes (``portal.staff``).

Every unsafe request's form is read before any view runs (``read_form_first``), after the
cross-site check: a body over these limits is refused the same way on every route, whether
its view would read the form or answer without it (a redirect to the sign-in page).
"""

from __future__ import annotations

from io import BytesIO
from typing import IO, Any

from flask import Flask, Request, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

URLENCODED = "application/x-www-form-urlencoded"
FORM_TYPES = frozenset({URLENCODED, "multipart/form-data"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LimitedFormDataParser(FormDataParser):
    """Werkzeug's parser, with the part limit applied to urlencoded bodies and nameless
    multipart parts refused."""

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[IO[bytes], Any, Any]:
        if mimetype == URLENCODED and self.max_form_parts is not None:
            body = stream.read()
            # Every field but the last ends with "&": more separators, more fields.
            if body.count(b"&") >= self.max_form_parts:
                raise RequestEntityTooLarge()
            stream = BytesIO(body)
        stream, form, files = super().parse(stream, mimetype, content_length, options)
        if None in form or None in files:
            raise BadRequest("A part of the form has no name.")
        return stream, form, files


class LimitedRequest(Request):
    form_data_parser_class = LimitedFormDataParser


def init_app(app: Flask) -> None:
    app.before_request(read_form_first)


def read_form_first() -> None:
    if request.method in UNSAFE_METHODS and request.mimetype in FORM_TYPES:
        request.form  # noqa: B018 (reading it applies the limits: 400 or 413 here)
