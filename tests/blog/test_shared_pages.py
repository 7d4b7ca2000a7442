"""Anonymous readers share one page: no cookie, the same bytes, an ETag and a 304, and
still exact (a held comment for its author only, an approved one on the next request)."""

from __future__ import annotations

import pytest

from portal.models import CommentStatus
from tests.blog.conftest import guest, member
from tests.conftest import csrf_token


@pytest.fixture
def post_id(blog):
    return blog.post(slug="calves", body="Calves carry the whole of a marathon.")


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_anonymous_pages_set_no_cookie(app, blog, post_id):
    """The pages anonymous readers land on (each with a form: search, newsletter box,
    comment, sign-in) send no cookie, and carry no CSRF token that would need one."""
    for path in ("/", "/blog/", "/blog/calves", "/newsletter/subscribe", "/login", "/register"):
        for _ in range(2):  # the first request renders, the second may come from a cache
            response = app.test_client().get(path)
            assert response.status_code == 200, path
            assert "Set-Cookie" not in response.headers, path
            assert "csrf_token" not in response.get_data(as_text=True), path


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_two_anonymous_readers_get_the_same_bytes_and_a_304(app, auth, blog, post_id):
    first, second = app.test_client().get("/blog/calves"), app.test_client().get("/blog/calves")
    assert first.get_data() == second.get_data()
    etag = first.headers["ETag"]
    assert second.headers["ETag"] == etag
    cache_control = first.headers["Cache-Control"]
    assert "public" in cache_control and "max-age=0" in cache_control
    assert f"s-maxage={app.config['SHARED_PAGE_SECONDS']}" in cache_control

    again = app.test_client().get("/blog/calves", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and "Set-Cookie" not in again.headers

    auth.login_staff()  # the practice's comments are never held
    page = auth.client.get("/blog/calves").get_data(as_text=True)
    token = csrf_token(page)
    data = member(app, "A new approved comment", csrf_token=token)
    assert auth.client.post("/blog/calves/comments", data=data).status_code == 302
    changed = app.test_client().get("/blog/calves", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "A new approved comment" in changed.get_data(True)
    assert changed.headers["ETag"] != etag


def test_a_held_comment_shows_to_its_author_only(app, blog, post_id):
    author, other = app.test_client(), app.test_client()
    posted = author.post(
        "/blog/calves/comments", data=guest(app, "My first words here"), headers=SAME_ORIGIN
    )
    assert posted.status_code == 302 and "Set-Cookie" in posted.headers  # the author's cookie
    assert blog.comments(post_id)[0].status == CommentStatus.PENDING
    own = author.get("/blog/calves")
    assert "My first words here" in own.get_data(as_text=True)
    assert own.headers["Cache-Control"] == "no-store" and "ETag" not in own.headers
    shared = other.get("/blog/calves")
    assert "My first words here" not in shared.get_data(as_text=True)
    assert "public" in shared.headers["Cache-Control"]


def test_a_newly_approved_comment_shows_on_the_next_request(app, auth, blog, post_id):
    held = blog.comment(post_id, "Waiting for the therapist", status=CommentStatus.PENDING)
    reader = app.test_client()
    before = reader.get("/blog/calves")
    assert "Waiting for the therapist" not in before.get_data(as_text=True)
    auth.login_staff()
    approved = auth.client.post("/staff/comments/moderate", data={"action": f"approve:{held}"})
    assert approved.status_code == 302
    after = reader.get("/blog/calves", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "Waiting for the therapist" in after.get_data(as_text=True)
