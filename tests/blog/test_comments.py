"""Comments: who is held, who is trusted, the spam defences, editing, isolation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import BlockedWord, Comment, CommentStatus, PostStatus, Role
from portal.models.types import utcnow
from tests.blog.conftest import guest, member
from tests.conftest import sign_in


@pytest.fixture
def post_id(blog):
    return blog.post(slug="calves")


def test_a_first_guest_comment_is_held_and_only_its_author_sees_it(app, client, blog, post_id):
    response = client.post("/blog/calves/comments", data=guest(app, "My calves are tight."))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "My calves are tight." in page
    assert "awaiting moderation" in page
    (comment,) = blog.comments(post_id)
    assert comment.status == CommentStatus.PENDING
    stranger = app.test_client().get("/blog/calves").get_data(as_text=True)
    assert "My calves are tight." not in stranger
    assert "awaiting moderation" not in stranger


def _approve(app, comment_id):
    with app.app_context():
        from portal.blog.comments import moderate

        moderate([comment_id], "approve")
        db.session.commit()


def _answer(client, response):
    """What the guest is told: the status, and the flashed message on the page it leads to."""
    page = client.get(response.location).get_data(as_text=True)
    return response.status_code, re.findall(r'<p class="flash ([^"]*)">(.*?)</p>', page, re.S)


def test_the_browser_that_wrote_an_approved_comment_is_trusted_next_time(
    app, client, blog, post_id
):
    client.post("/blog/calves/comments", data=guest(app, "First thoughts."))
    (first,) = blog.comments(post_id)
    assert first.status == CommentStatus.PENDING
    _approve(app, first.id)
    client.post("/blog/calves/comments", data=guest(app, "Second thoughts.", name="Gina G."))
    assert blog.comments(post_id)[-1].status == CommentStatus.APPROVED
    assert "Second thoughts." in app.test_client().get("/blog/calves").get_data(as_text=True)
    # The same browser with another address is someone new.
    client.post("/blog/calves/comments", data=guest(app, "Other me.", email="g2@example.com"))
    assert blog.comments(post_id)[-1].status == CommentStatus.PENDING


@pytest.mark.parametrize("email", ["gina@example.com", "GINA@Example.COM"])
def test_typing_an_approved_guests_name_and_email_skips_nothing_and_tells_nothing(
    app, blog, post_id, email
):
    """Knowing an approved guest's address and name is not enough: held, with the very
    answer an address that never commented gets."""
    blog.comment(post_id, "Gina's approved comment", name="Gina Guest", email="gina@example.com")
    impostor = app.test_client()
    sent = impostor.post(
        "/blog/calves/comments", data=guest(app, "Pretending.", name="Gina Guest", email=email)
    )
    assert blog.comments(post_id)[-1].status == CommentStatus.PENDING
    stranger = app.test_client()
    fresh = stranger.post(
        "/blog/calves/comments",
        data=guest(app, "Truly new.", name="Nora New", email="nora@example.com"),
    )
    assert blog.comments(post_id)[-1].status == CommentStatus.PENDING
    assert _answer(impostor, sent) == _answer(stranger, fresh)

    def cookie_names(response):
        return sorted(h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie"))

    assert cookie_names(sent) == cookie_names(fresh)


def test_a_forged_or_someone_elses_cookie_trusts_nobody(app, client, blog, post_id):
    gina = blog.comment(post_id, "Gina's approved comment", email="gina@example.com")
    client.set_cookie("commenter", "[" + str(gina) + "]", path="/blog/")  # unsigned
    client.post("/blog/calves/comments", data=guest(app, "Forged."))
    assert blog.comments(post_id)[-1].status == CommentStatus.PENDING
    # A cookie naming only held comments trusts nobody yet.
    held = blog.comment(post_id, "Held", email="gina@example.com", status=CommentStatus.PENDING)
    blog.trust(client, held)
    client.post("/blog/calves/comments", data=guest(app, "Not yet."))
    assert blog.comments(post_id)[-1].status == CommentStatus.PENDING
    # Ids no comment can have are ignored, never sent to the database (no 500).
    blog.trust(client, 2**40, -1, True, "1", [gina], gina)
    response = client.post("/blog/calves/comments", data=guest(app, "Odd cookie."))
    assert response.status_code == 302
    assert blog.comments(post_id)[-1].status == CommentStatus.APPROVED


def test_a_guest_using_a_members_address_is_not_trusted(app, client, blog, post_id, make_user):
    member_id = make_user("mia@example.com", role=Role.MEMBER)
    blog.comment(post_id, author_id=member_id, email="mia@example.com")
    client.post("/blog/calves/comments", data=guest(app, "Pretending.", email="mia@example.com"))
    assert blog.comments(post_id)[-1].status == CommentStatus.PENDING


def test_members_comment_as_themselves_and_are_trusted_once_approved(
    app, auth, blog, post_id, make_user
):
    user_id = make_user("mia@example.com", role=Role.MEMBER, name="Mia Member")
    auth.login("mia@example.com")
    auth.client.post("/blog/calves/comments", data=member(app, "First from Mia."))
    first = blog.comments(post_id)[-1]
    assert (first.status, first.author_id, first.guest_name) == ("pending", user_id, None)
    with app.app_context():
        from portal.blog.comments import moderate

        moderate([first.id], "approve")
        db.session.commit()
    auth.client.post("/blog/calves/comments", data=member(app, "Second from Mia."))
    assert blog.comments(post_id)[-1].status == CommentStatus.APPROVED
    page = app.test_client().get("/blog/calves").get_data(as_text=True)
    assert "Mia Member" in page and "mia@example.com" not in page


LINKS_WRITTEN_EVERY_WAY = [
    "[a](//a.example) [b](//b.example) [c](//c.example)",
    "[a](https:a.example) [b](https:b.example) [c](http:c.example)",
    "[a][1] [b][2] [c][3]\n\n[1]: http://a.example\n[2]: http://b.example\n[3]: //c.example",
    "[a](mailto:a@a.example) <b@b.example> [c](mailto:c@c.example)",
]


@pytest.mark.parametrize(
    "body",
    [
        "See https://a.example, https://b.example and https://c.example",
        "[one](https://a.example) [two](https://b.example) www.c.example",
        "Great prices at the CASINO tonight",
        *LINKS_WRITTEN_EVERY_WAY,
    ],
)
def test_links_and_listed_words_hold_even_a_trusted_author(app, blog, post_id, body):
    client = blog.returning_guest(post_id)
    with app.app_context():
        db.session.add(BlockedWord(word="casino"))
        db.session.commit()
    client.post("/blog/calves/comments", data=guest(app, body))
    assert blog.comments(post_id)[-1].status == CommentStatus.PENDING


def test_two_links_and_words_inside_other_words_pass(app, blog, post_id):
    client = blog.returning_guest(post_id)
    with app.app_context():
        db.session.add(BlockedWord(word="casino"))
        db.session.commit()
    client.post(
        "/blog/calves/comments",
        data=guest(app, "Occasional reading: https://a.example and https://b.example"),
    )
    assert blog.comments(post_id)[-1].status == CommentStatus.APPROVED


def test_the_honeypot_keeps_nothing(app, client, blog, post_id):
    response = client.post("/blog/calves/comments", data=guest(app, website="http://spam.example"))
    assert response.status_code == 302
    assert blog.comments(post_id) == []


@pytest.mark.config(COMMENT_FLOOD_SECONDS=15)
def test_one_comment_per_fifteen_seconds_per_address_and_per_email(app, blog, post_id):
    first = app.test_client()
    assert first.post("/blog/calves/comments", data=guest(app, "one")).status_code == 302
    again = first.post("/blog/calves/comments", data=guest(app, "two", email="other@example.com"))
    assert again.status_code == 422 and "wait a few seconds" in again.get_data(as_text=True)
    elsewhere = app.test_client()
    same_email = elsewhere.post(
        "/blog/calves/comments",
        data=guest(app, "three"),
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert same_email.status_code == 422
    assert len(blog.comments(post_id)) == 1


@pytest.mark.config(COMMENT_LIMIT_PER_IP="2 per minute")
def test_flask_limiter_caps_comment_posts_per_address(app, client, blog, post_id):
    for n in range(2):
        assert client.post("/blog/calves/comments", data=guest(app, f"n{n}")).status_code == 302
    refused = client.post("/blog/calves/comments", data=guest(app, "n3"))
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_an_overlong_comment_is_refused_with_the_text_kept(app, client, blog, post_id):
    body = "word " * 1001 + "THE-END"
    response = client.post("/blog/calves/comments", data=guest(app, body))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "at most 5,000 characters" in page and "THE-END" in page
    assert blog.comments(post_id) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("body", "nul \x00 here"),
        ("name", "Gina\r\nBcc: x@example.com"),
        ("name", "tab\there"),
        ("email", "not-an-address"),
        ("parent_id", "99999999999999999999"),
        ("parent_id", "-1"),
        ("parent_id", "abc"),
        ("body", ""),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(app, client, blog, post_id, field, value):
    response = client.post("/blog/calves/comments", data={**guest(app), field: value})
    assert response.status_code == 422
    assert blog.comments(post_id) == []


def test_a_reply_to_a_comment_of_another_article_is_refused(app, client, blog, post_id):
    other = blog.post("Other", slug="other")
    foreign = blog.comment(other)
    response = client.post("/blog/calves/comments", data=guest(app, parent_id=str(foreign)))
    assert response.status_code == 422
    assert "no longer there" in response.get_data(as_text=True)


def test_unknown_articles_and_drafts_take_no_comments(app, client, blog):
    blog.post("Draft", slug="draft", status=PostStatus.DRAFT)
    assert client.post("/blog/draft/comments", data=guest(app)).status_code == 404
    assert client.post("/blog/nope/comments", data=guest(app)).status_code == 404
    assert client.post("/blog/" + "x" * 300 + "/comments", data=guest(app)).status_code == 404


def test_replies_nest_two_levels_and_deeper_ones_stay_at_the_deepest(app, client, blog, post_id):
    top = blog.comment(post_id, "Level zero")
    one = blog.comment(post_id, "Level one", parent_id=top)
    two = blog.comment(post_id, "Level two", parent_id=one, name="Deep Dora")
    three = blog.comment(post_id, "Level three", parent_id=two)
    page = client.get("/blog/calves").get_data(as_text=True)
    for cid in (top, one, two, three):
        assert f'id="comment-{cid}"' in page
    assert page.count('class="comment-list replies"') == 2  # two nested lists, no third
    assert "in reply to Deep Dora" in page


def test_a_member_edits_and_deletes_within_fifteen_minutes_only(
    app, auth, blog, post_id, make_user
):
    user_id = make_user("mia@example.com", role=Role.MEMBER)
    fresh = blog.comment(post_id, "Typo hear", author_id=user_id, minutes_ago=1)
    old = blog.comment(post_id, "Old words", author_id=user_id, minutes_ago=16)
    auth.login("mia@example.com")
    page = auth.client.get("/blog/calves").get_data(as_text=True)
    assert f"/blog/comments/{fresh}/edit" in page and f"/blog/comments/{old}/edit" not in page
    assert (
        auth.client.post(f"/blog/comments/{fresh}/edit", data={"body": "Typo here"}).status_code
        == 302
    )
    assert blog.get_comment(fresh).body_source == "Typo here"
    assert "Typo here" in app.test_client().get("/blog/calves").get_data(as_text=True)
    late = auth.client.post(f"/blog/comments/{old}/edit", data={"body": "Rewritten"})
    assert late.status_code == 403 and "can no longer be changed" in late.get_data(as_text=True)
    assert auth.client.post(f"/blog/comments/{old}/delete").status_code == 403
    assert blog.get_comment(old).body_source == "Old words"
    assert auth.client.post(f"/blog/comments/{fresh}/delete").status_code == 302
    assert blog.get_comment(fresh).status == CommentStatus.DELETED
    assert "Typo here" not in app.test_client().get("/blog/calves").get_data(as_text=True)


def test_another_persons_comment_is_a_404(app, auth, blog, post_id, make_user):
    owner = make_user("owner@example.com", role=Role.MEMBER)
    theirs = blog.comment(post_id, "Mine", author_id=owner, minutes_ago=1)
    guest_comment = blog.comment(post_id, "A guest's", minutes_ago=1)
    make_user("mia@example.com", role=Role.MEMBER)
    auth.login("mia@example.com")
    for cid in (theirs, guest_comment, 2**31 - 1):
        assert auth.client.get(f"/blog/comments/{cid}/edit").status_code == 404
        assert auth.client.post(f"/blog/comments/{cid}/edit", data={"body": "x"}).status_code == 404
        assert auth.client.post(f"/blog/comments/{cid}/delete").status_code == 404
    assert app.test_client().get(f"/blog/comments/{theirs}/edit").status_code == 404
    assert auth.client.get("/blog/comments/99999999999999/edit").status_code == 404
    assert blog.get_comment(theirs).body_source == "Mine"


@pytest.mark.parametrize(
    "spammy", ["https://a.example https://b.example https://c.example", *LINKS_WRITTEN_EVERY_WAY]
)
def test_an_edit_that_adds_links_goes_back_to_moderation(
    app, auth, blog, post_id, make_user, spammy
):
    user_id = make_user("mia@example.com", role=Role.MEMBER)
    cid = blog.comment(post_id, "Clean", author_id=user_id, minutes_ago=1)
    auth.login("mia@example.com")
    response = auth.client.post(f"/blog/comments/{cid}/edit", data={"body": spammy})
    assert response.status_code == 302
    assert blog.get_comment(cid).status == CommentStatus.PENDING
    page = app.test_client().get("/blog/calves").get_data(as_text=True)
    assert "a.example" not in page and "Clean" not in page


def test_an_edit_with_a_listed_word_goes_back_to_moderation_and_to_the_staff_digest(
    app, auth, blog, post_id, make_user, outbox
):
    user_id = make_user("mia@example.com", role=Role.MEMBER)
    make_user("therapist@example.com", role=Role.STAFF)
    cid = blog.comment(post_id, "Clean", author_id=user_id, minutes_ago=1)
    with app.app_context():
        db.session.add(BlockedWord(word="casino"))
        db.session.execute(
            sa.update(Comment).where(Comment.id == cid).values(staff_notified_at=utcnow())
        )
        db.session.commit()
    auth.login("mia@example.com")
    auth.client.post(f"/blog/comments/{cid}/edit", data={"body": "Now with a casino"})
    assert blog.get_comment(cid).status == CommentStatus.PENDING
    with app.app_context():
        from portal.blog.notifications import send_held_digest

        assert send_held_digest() == 1
        db.session.commit()
    assert len(outbox.messages("comments_held")) == 1


def test_a_staff_edit_is_never_held_like_a_staff_comment(app, auth, blog, post_id, make_user):
    staff_id = make_user("therapist@example.com", role=Role.STAFF)
    cid = blog.comment(post_id, "Clean", author_id=staff_id, minutes_ago=1)
    auth.login("therapist@example.com")
    body = "https://a.example https://b.example https://c.example"
    auth.client.post(f"/blog/comments/{cid}/edit", data={"body": body})
    assert blog.get_comment(cid).status == CommentStatus.APPROVED


def test_a_deleted_account_leaves_its_comments_as_deleted_user(app, auth, blog, post_id, make_user):
    user_id = make_user("mia@example.com", role=Role.MEMBER, name="Mia Member")
    blog.comment(post_id, "Still useful advice", author_id=user_id)
    app.test_client().get("/blog/calves")  # cached with Mia's name
    auth.login("mia@example.com")
    data = auth.client.get("/account/data.json").get_json()
    assert data["blog"]["comments"][0]["text"] == "Still useful advice"
    response = auth.client.post(
        "/account/delete",
        data={"del-current_password": "correct-horse-battery-staple", "del-understood": "y"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = app.test_client().get("/blog/calves").get_data(as_text=True)
    assert "Still useful advice" in page and "Deleted user" in page and "Mia Member" not in page
    assert blog.comments(post_id)[0].email is None


def test_an_anonymous_reader_comments_through_the_page_without_a_token(app, blog, post_id):
    """With CSRF tokens on, an anonymous reader's page carries none and their comment is
    accepted from this site; the same form sent from another site is refused."""
    app.config["WTF_CSRF_ENABLED"] = True
    browser = app.test_client()
    page = browser.get("/blog/calves").get_data(as_text=True)
    assert "csrf_token" not in page
    data = guest(app, "Sent from a real page")
    forged = browser.post(
        "/blog/calves/comments", data=data, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 403
    sent = browser.post(
        "/blog/calves/comments", data=data, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert sent.status_code == 302
    assert [c.body_source for c in blog.comments(post_id)] == ["Sent from a real page"]
    sign_in(browser, "nobody@example.com")  # the login page works with CSRF on too


def test_the_held_cookie_cannot_be_forged(app, blog, post_id):
    held = blog.comment(post_id, "Held secret text", status=CommentStatus.PENDING)
    browser = app.test_client()
    browser.set_cookie("held_comments", f"[[{post_id},{held}]]", path="/blog/")
    assert "Held secret text" not in browser.get("/blog/calves").get_data(as_text=True)


def test_staff_comments_are_never_held(app, auth, blog, post_id):
    auth.login_staff()
    auth.client.post("/blog/calves/comments", data=member(app, "From the practice"))
    with app.app_context():
        status = db.session.scalar(sa.text("SELECT status FROM comments"))
    assert status == "approved"
