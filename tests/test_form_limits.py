"""What a request body may carry (portal/web/form_limits.py): bounded before anything parses it."""

from __future__ import annotations

import pytest
from flask import request

from tests.auth.test_basics import CSRF_EXEMPT
from tests.conftest import sign_in
from tests.routes import example_path, rules

NAMELESS_PART = b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n"
MULTIPART = "multipart/form-data; boundary=b"
URLENCODED = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_a_form_part_without_a_name_is_a_400_on_every_post_route(app, make_user, signed_in):
    """Flask-WTF's token lookup met the part's missing name (``None``) and crashed: a 500
    on every form, without signing in."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    if signed_in:
        make_user("boss@example.com", role="admin")
        assert sign_in(client, "boss@example.com").status_code == 302
    paths = [example_path(rule) for rule in rules(app, "POST") if rule.rule not in CSRF_EXEMPT]
    assert "/login" in paths and "/staff/posts/images" in paths
    for path in paths:
        response = client.post(path, data=NAMELESS_PART, content_type=MULTIPART)
        assert response.status_code == 400, path


def test_one_click_unsubscribe_with_a_nameless_part_is_a_400(app, newsletter):
    """The one route without a CSRF check reads the form itself (RFC 8058)."""
    reader = newsletter.subscriber("stays@example.com")
    url = f"/newsletter/unsubscribe/{newsletter.token(reader)}"
    response = app.test_client().post(url, data=NAMELESS_PART, content_type=MULTIPART)
    assert response.status_code == 400
    assert newsletter.get(reader).status == "confirmed"  # nothing half done


def test_a_million_empty_fields_are_refused_before_they_are_parsed(app, client):
    """2 MB of ``=&`` cost seconds of CPU on /login, for anyone: now a 413."""
    response = client.post("/login", data=b"=&" * 1_000_000, content_type=URLENCODED)
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/newsletter/subscribe", "/staff/posts/new"])
def test_more_fields_than_any_form_has_are_a_413_within_the_byte_limit(app, auth, client, path):
    """The field count is checked by counting separators, before any field is decoded."""
    auth.login_staff()
    body = b"=&" * app.config["MAX_FORM_PARTS"]
    assert len(body) < app.config["MAX_CONTENT_LENGTH"]
    response = client.post(path, data=body, content_type=URLENCODED)
    assert response.status_code == 413, path


def test_a_form_within_the_limits_is_read_as_before(app, client):
    seen = []

    @app.route("/echo-form", methods=["POST"])
    def echo_form() -> str:
        seen.append(request.form.to_dict(flat=False))
        return "ok"

    fields = {f"f{n}": "é" * 50 for n in range(app.config["MAX_FORM_PARTS"] - 1)}
    assert client.post("/echo-form", data=fields).status_code == 200
    assert len(seen[0]) == len(fields) and seen[0]["f7"] == ["é" * 50]


def test_the_public_body_limit_is_small_and_the_back_office_has_room_for_an_article(
    app, auth, client
):
    """A comment needs a few KB; an article of 100,000 characters needs more: the back
    office alone accepts up to ``STAFF_MAX_CONTENT_LENGTH``."""
    longest = "é" * 100_000  # 200 kB in UTF-8, 600 kB percent-encoded
    assert client.post("/login", data={"email": longest}).status_code == 413
    auth.login_staff()
    article = {"title": "Long read", "body_source": longest, "status": "draft", "submit": "Save"}
    assert client.post("/staff/posts/new", data=article).status_code == 302
