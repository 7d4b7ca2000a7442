"""The comment queue: approve, spam, trash, one by one and in bulk; the word list."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEntry, BlockedWord, CommentStatus
from tests.blog.conftest import Blog, guest
from tests.conftest import sign_in


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


def test_the_queue_shows_what_each_comment_answers(staff, blog, count_queries):
    post_id = blog.post(slug="calves")
    asked = blog.comment(post_id, "How often should I foam roll my calves?", name="Rosa")
    for n in range(5):
        blog.comment(post_id, f"Answer {n}", status=CommentStatus.PENDING, parent_id=asked)
    blog.comment(post_id, "A new thread", status=CommentStatus.PENDING)
    with count_queries() as log:
        page = staff.get("/staff/comments").get_data(as_text=True)
    assert page.count("In reply to") == 5
    assert f'In reply to <a href="/blog/comments/{asked}">Rosa</a>' in page
    assert "<q>How often should I foam roll my calves?</q>" in page
    assert log.count <= 7, log.statements  # one query for all the parents


def test_select_all_on_this_page_without_javascript(staff, blog):
    post_id = blog.post(slug="calves")
    ids = [blog.comment(post_id, f"c{n}", status=CommentStatus.PENDING) for n in range(3)]
    page = staff.get("/staff/comments").get_data(as_text=True)
    assert 'href="/staff/comments?status=pending&amp;select=all">Select all on this page' in page
    assert " checked" not in page
    page = staff.get("/staff/comments?status=pending&select=all").get_data(as_text=True)
    for comment_id in ids:
        assert f'value="{comment_id}" id="tick-{comment_id}" checked>' in page
    assert "Select none" in page


def test_a_moderation_action_can_be_undone_by_who_did_it(app, staff, blog, make_user):
    post_id = blog.post(slug="calves")
    ids = [blog.comment(post_id, f"c{n}", status=CommentStatus.PENDING) for n in range(3)]
    already = blog.comment(post_id, "Was already spam", status=CommentStatus.SPAM)
    staff.post(
        "/staff/comments/moderate",
        data={"action": "trash", "ids": [str(i) for i in [*ids, already]]},
    )
    assert {blog.get_comment(i).status for i in [*ids, already]} == {"trash"}
    page = staff.get("/staff/comments").get_data(as_text=True)
    assert "4 comments moved to the trash." in page
    first, last = re.search(
        r'name="first" value="(\d+)">\s*<input type="hidden" name="last" value="(\d+)">', page
    ).groups()
    assert "Undo</button>" in page
    assert "Undo</button>" not in staff.get("/staff/comments").get_data(as_text=True)  # once

    # Someone else cannot undo it; an edited comment since is left alone.
    other = app.test_client()
    make_user("other-staff@example.com", role="staff")
    sign_in(other, "other-staff@example.com")
    other.post("/staff/comments/undo", data={"first": first, "last": last})
    assert blog.get_comment(ids[0]).status == "trash"
    staff.post("/staff/comments/moderate", data={"action": f"approve:{ids[2]}"})

    response = staff.post("/staff/comments/undo", data={"first": first, "last": last})
    assert response.status_code == 302
    statuses = [blog.get_comment(i).status for i in [*ids, already]]
    assert statuses == ["pending", "pending", "approved", "spam"]
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("comment.undo") == 3
    # Undoing again changes nothing; bad numbers are a 400.
    staff.post("/staff/comments/undo", data={"first": first, "last": last})
    assert blog.get_comment(ids[0]).status == "pending"
    for bad in ({"first": "x", "last": last}, {"first": last, "last": first}, {}):
        if bad.get("first") == bad.get("last"):
            continue
        assert staff.post("/staff/comments/undo", data=bad).status_code == 400


def test_staff_reply_from_the_queue_as_themselves(app, staff, blog):
    post_id = blog.post(slug="calves")
    held = blog.comment(post_id, "Is ice better than heat?", status=CommentStatus.PENDING)
    page = staff.get("/staff/comments").get_data(as_text=True)
    assert f'href="/staff/comments/{held}/reply"' in page
    form = staff.get(f"/staff/comments/{held}/reply").get_data(as_text=True)
    assert "Is ice better than heat?" in form and "replying approves it" in form
    assert staff.post(f"/staff/comments/{held}/reply", data={"body": ""}).status_code == 422
    assert blog.get_comment(held).status == "pending"  # nothing half-done

    response = staff.post(f"/staff/comments/{held}/reply", data={"body": "Heat before, ice after."})
    assert response.status_code == 302
    reply = blog.comments(post_id)[-1]
    assert reply.parent_id == held and reply.status == "approved"
    assert reply.body_source == "Heat before, ice after." and reply.author_id is not None
    assert blog.get_comment(held).status == "approved"
    public = app.test_client().get("/blog/calves").get_data(as_text=True)
    assert "Heat before, ice after." in public and "Is ice better than heat?" in public
    assert staff.get("/staff/comments/999999/reply").status_code == 404
    trashed = blog.comment(post_id, "gone", status=CommentStatus.TRASH)
    assert staff.get(f"/staff/comments/{trashed}/reply").status_code == 404


def test_three_links_to_one_shop_hold_a_trusted_readers_comment(app, blog):
    post_id = blog.post(slug="calves")
    body = (
        "Great tips! I buy my rollers at https://shop.example/rollers, "
        "[the calf sleeves](https://shop.example/sleeves) and www.shop.example/balls too."
    )
    reader = blog.returning_guest(post_id)  # trusted: its earlier comment was approved
    reader.post("/blog/calves/comments", data=guest(app, body))
    assert blog.comments(post_id)[-1].status == CommentStatus.PENDING
    reader.post(
        "/blog/calves/comments", data=guest(app, "Two: https://a.example https://b.example")
    )
    assert blog.comments(post_id)[-1].status == CommentStatus.APPROVED
