"""Reply notifications: opt-in per comment, guests confirm first, one-click stop (RFC 8058);
the staff digest of held comments."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Role
from tests.blog.conftest import guest, member
from tests.fixtures.mail import deliver


@pytest.fixture
def post_id(blog):
    return blog.post(slug="calves")


def _path(url: str) -> str:
    return urlsplit(url).path


def test_a_guest_confirms_before_any_reply_email(app, blog, post_id, outbox):
    gina = blog.returning_guest(post_id)  # Gina's browser wrote an approved comment
    gina.post("/blog/calves/comments", data=guest(app, "Tell me about replies", notify="y"))
    gina_comment = blog.comments(post_id)[-1].id
    (confirm,) = outbox.messages("comment_notify_confirm")
    assert confirm["to"] == "gina@example.com"
    link = _path(confirm["context"]["link"])

    # Before confirming, a reply sends nothing.
    app.test_client().post(
        "/blog/calves/comments",
        data=guest(
            app, "An early reply", name="Ray", email="ray@example.com", parent_id=str(gina_comment)
        ),
    )
    blog_reply = blog.comments(post_id)[-1]
    with app.app_context():
        from portal.blog.comments import moderate

        moderate([blog_reply.id], "approve")
        db.session.commit()
    assert outbox.messages("comment_reply") == []

    page = app.test_client().get(link)
    assert page.status_code == 200 and "Yes, email me replies" in page.get_data(as_text=True)
    assert outbox.messages("comment_reply") == []  # a GET (a link scanner) changes nothing
    assert app.test_client().post(link).status_code == 200

    gina.post(
        "/blog/calves/comments",
        data=guest(app, "A later reply", email="gina@example.com", parent_id=str(gina_comment)),
    )  # Gina replying to herself: no email
    assert blog.comments(post_id)[-1].status == "approved"
    assert outbox.messages("comment_reply") == []
    blog.returning_guest(post_id, email="ray@example.com").post(
        "/blog/calves/comments",
        data=guest(
            app,
            "Second reply from Ray",
            name="Ray",
            email="ray@example.com",
            parent_id=str(gina_comment),
        ),
    )
    (reply,) = outbox.messages("comment_reply")
    assert reply["to"] == "gina@example.com"
    assert reply["context"]["replier"] == "Ray" and "Second reply" in reply["context"]["excerpt"]


def test_a_reply_to_someone_else_in_the_thread_does_not_notify(
    app, auth, blog, post_id, outbox, make_user
):
    make_user("mia@example.com", role=Role.MEMBER)
    top = blog.comment(post_id, "Top")
    other = blog.comment(post_id, "Other branch")
    auth.login("mia@example.com")
    auth.client.post(
        "/blog/calves/comments", data=member(app, "Mine", notify="y", parent_id=str(top))
    )
    mine = blog.comments(post_id)[-1].id
    assert outbox.messages("comment_notify_confirm") == []  # a member's address is confirmed
    with app.app_context():
        from portal.blog.comments import moderate

        moderate([mine], "approve")
        db.session.commit()
    gina = blog.trust(app.test_client(), top)
    gina.post("/blog/calves/comments", data=guest(app, "To the other", parent_id=str(other)))
    gina.post("/blog/calves/comments", data=guest(app, "To the top", parent_id=str(top)))
    assert outbox.messages("comment_reply") == []
    gina.post("/blog/calves/comments", data=guest(app, "To Mia", parent_id=str(mine)))
    assert [m["to"] for m in outbox.messages("comment_reply")] == ["mia@example.com"]


def test_the_stop_link_is_one_click_with_rfc_8058_headers(smtp_app, smtp_server, make_user):
    app = smtp_app
    from tests.blog.conftest import Blog

    blog = Blog(app)
    post_id = blog.post("Other", slug="other")
    member_id = make_user("mia@example.com", role=Role.MEMBER)
    with app.app_context():
        from portal.blog.comments import NewComment, post_comment
        from portal.models import Post, User

        mia = db.session.get(User, member_id)
        post = db.session.get(Post, post_id)
        mine = post_comment(post, NewComment("Mine", None, True, "10.0.0.1"), author=mia)
        mine.status = "approved"
        db.session.commit()
        mine_id = mine.id
    blog.returning_guest(post_id).post(
        "/blog/other/comments", data=guest(app, "A reply", parent_id=str(mine_id))
    )
    deliver(app)
    (received,) = smtp_server.wait_for(1)
    message = received.message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop_url = message["List-Unsubscribe"].strip("<>")
    stop = _path(stop_url)
    assert stop.startswith("/blog/notifications/stop/")
    client = app.test_client()
    page = client.get(stop)
    assert page.status_code == 200 and "Stop these emails" in page.get_data(as_text=True)
    # A mail provider's one-click POST: no CSRF token exists for it, the signed URL is enough.
    app.config["WTF_CSRF_ENABLED"] = True
    forged = client.post(stop, data={"anything": "1"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403  # a page of another site cannot press the button
    response = client.post(stop, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    app.config["WTF_CSRF_ENABLED"] = False
    app.test_client().post(
        "/blog/other/comments", data=guest(app, "Another reply", parent_id=str(mine_id))
    )
    with app.app_context():
        from portal.models import OutboxMessage

        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize("token", ["x", "a" * 300, "eyJ.bad.sig", "MQ.invalid"])
def test_bad_links_are_a_400_page_not_a_500(client, token):
    for kind in ("confirm", "stop"):
        assert client.get(f"/blog/notifications/{kind}/{token}").status_code == 400
        assert client.post(f"/blog/notifications/{kind}/{token}").status_code == 400


def test_token_paths_are_redacted_in_logs():
    from portal.web.log_redaction import redact

    line = (
        '"GET /blog/notifications/stop/MQ.abc_def HTTP/1.1" 200 /blog/notifications/confirm/xyz.1'
    )
    assert "abc_def" not in redact(line) and "xyz" not in redact(line)


def test_staff_get_one_digest_per_batch_of_held_comments(app, blog, post_id, outbox, make_user):
    make_user("theo@example.com", role=Role.STAFF)
    make_user("ada@example.com", role=Role.ADMIN)
    make_user("mia@example.com", role=Role.MEMBER)
    for n in range(3):
        app.test_client().post(
            "/blog/calves/comments", data=guest(app, f"held {n}", email=f"g{n}@example.com")
        )
    from portal.blog.notifications import send_held_digest

    with app.app_context():
        assert send_held_digest() == 3
        db.session.commit()
        assert send_held_digest() == 0  # nothing new: no second email
    digests = outbox.messages("comments_held")
    assert sorted(m["to"] for m in digests) == ["ada@example.com", "theo@example.com"]
    assert digests[0]["context"]["count"] == 3


@pytest.mark.config(COMMENT_FLOOD_SECONDS=0)
def test_an_address_confirms_reply_notifications_once_not_once_per_comment(
    app, blog, post_id, outbox
):
    gina = app.test_client()
    for n in range(3):
        gina.post("/blog/calves/comments", data=guest(app, f"Comment {n}", notify="y"))
    (confirm,) = outbox.messages("comment_notify_confirm")  # one pending confirmation
    assert app.test_client().post(_path(confirm["context"]["link"])).status_code == 200
    with app.app_context():
        from portal.models import CommentSubscription

        subscriptions = db.session.scalars(sa.select(CommentSubscription)).all()
        assert len(subscriptions) == 3 and all(s.confirmed_at for s in subscriptions)
    # Once confirmed, later requests from the address need no new confirmation.
    gina.post("/blog/calves/comments", data=guest(app, "Comment 3", notify="y"))
    assert len(outbox.messages("comment_notify_confirm")) == 1
    with app.app_context():
        last = db.session.scalars(
            sa.select(CommentSubscription).order_by(CommentSubscription.id.desc())
        ).first()
        assert last.is_active


@pytest.mark.config(COMMENT_FLOOD_SECONDS=0)
def test_the_answer_is_the_same_whether_or_not_the_address_confirmed_before(
    app, blog, post_id, outbox
):
    app.test_client().post("/blog/calves/comments", data=guest(app, "First", notify="y"))
    (confirm,) = outbox.messages("comment_notify_confirm")
    app.test_client().post(_path(confirm["context"]["link"]))

    def notice(email: str) -> str:
        """The words the guest reads beside their comment, where they land after posting."""
        client = app.test_client()
        response = client.post(
            "/blog/calves/comments", data=guest(app, "Again", email=email, notify="y")
        )
        page = client.get(response.location).get_data(as_text=True)
        return re.search(r'<p class="comment-notice"[^>]*>(.*?)</p>', page, re.S).group(1)

    said = notice("gina@example.com")
    assert said == notice("nora@example.com")
    assert "reply notifications" in said


def test_the_confirmation_email_carries_no_text_the_requester_chose(smtp_app, smtp_server):
    from tests.blog.conftest import Blog

    app = smtp_app
    Blog(app).post(slug="calves")
    bait = "Your bank: verify at evil.example"
    app.test_client().post(
        "/blog/calves/comments",
        data=guest(app, "Hi", name=bait, email="vera@example.com", notify="y"),
    )
    deliver(app)
    (received,) = smtp_server.wait_for(1)
    message = received.message
    text = str(message) + "".join(
        part.get_payload(decode=True).decode() for part in message.walk() if not part.is_multipart()
    )
    assert "Hello," in text
    assert "evil.example" not in text and "Your bank" not in text
    assert received.message["To"] == "vera@example.com"
