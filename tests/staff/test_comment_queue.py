"""The comment queue: approve, spam, trash, one by one and in bulk; the word list."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEntry, BlockedWord, CommentStatus
from tests.blog.conftest import Blog


@pytest.fixture
def blog(app):
    return Blog(app)


@pytest.fixture
def staff(auth):
    auth.login_staff()
    return auth.client


def test_the_queue_lists_held_comments_with_their_articles(staff, blog, count_queries):
    post_id = blog.post(slug="calves")
    for n in range(20):
        blog.comment(post_id, f"Held {n}", status=CommentStatus.PENDING, email=f"g{n}@example.com")
    with count_queries() as log:
        page = staff.get("/staff/comments").get_data(as_text=True)
    assert "Held 0" in page and "Held 19" in page and "g3@example.com" in page
    assert log.count <= 6, log.statements
    assert staff.get("/staff/comments?status=bogus").status_code == 200
    assert staff.get("/staff/comments?page=10001").status_code == 404


def test_bulk_and_single_actions_in_one_post_each(app, staff, blog):
    post_id = blog.post(slug="calves")
    ids = [blog.comment(post_id, f"c{n}", status=CommentStatus.PENDING) for n in range(4)]
    response = staff.post(
        "/staff/comments/moderate", data={"action": "approve", "ids": [str(i) for i in ids[:3]]}
    )
    assert response.status_code == 302
    assert [blog.get_comment(i).status for i in ids] == ["approved"] * 3 + ["pending"]
    staff.post("/staff/comments/moderate", data={"action": f"spam:{ids[3]}", "ids": [str(ids[0])]})
    assert (
        blog.get_comment(ids[3]).status == "spam" and blog.get_comment(ids[0]).status == "approved"
    )
    staff.post("/staff/comments/moderate", data={"action": f"trash:{ids[1]}"})
    assert blog.get_comment(ids[1]).status == "trash"
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("comment.approve") == 3 and "comment.spam" in actions


@pytest.mark.parametrize(
    "data",
    [
        {"action": "delete"},
        {"action": "approve:abc"},
        {"action": "approve:99999999999999"},
        {"action": "approve", "ids": ["x"]},
        {"action": "approve", "ids": ["-4"]},
        {},
    ],
)
def test_bad_moderation_requests_are_400(staff, data):
    assert staff.post("/staff/comments/moderate", data=data).status_code == 400


def test_more_ids_than_a_form_may_carry_are_refused_before_the_view(staff):
    """A page ticks at most 50; 600 are more fields than any form may send (413)."""
    data = {"action": "approve", "ids": [str(n) for n in range(1, 600)]}
    assert staff.post("/staff/comments/moderate", data=data).status_code == 413


def test_nothing_ticked_says_so(staff):
    response = staff.post(
        "/staff/comments/moderate", data={"action": "approve"}, follow_redirects=True
    )
    assert "Tick at least one comment" in response.get_data(as_text=True)


def test_unknown_ids_change_nothing(staff):
    response = staff.post(
        "/staff/comments/moderate",
        data={"action": "approve", "ids": ["12345"]},
        follow_redirects=True,
    )
    assert "0 comments approved" in response.get_data(as_text=True)


def test_clients_cannot_moderate(auth, blog):
    post_id = blog.post(slug="calves")
    held = blog.comment(post_id, status=CommentStatus.PENDING)
    auth.login_client()
    assert (
        auth.client.post("/staff/comments/moderate", data={"action": f"approve:{held}"}).status_code
        == 403
    )
    assert blog.get_comment(held).status == "pending"


def test_staff_edit_the_word_list(app, staff):
    response = staff.post(
        "/staff/comments/words", data={"words": "Casino\n  cheap   pills \ncasino\n"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(BlockedWord.word))) == ["casino", "cheap pills"]
    staff.post("/staff/comments/words", data={"words": "cheap pills"})
    with app.app_context():
        assert list(db.session.scalars(sa.select(BlockedWord.word))) == ["cheap pills"]
    assert staff.post("/staff/comments/words", data={"words": "bad\x00word"}).status_code == 422
