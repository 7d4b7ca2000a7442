"""Long conversations: pages of top-level threads, a comment's own link, replying in place
without JavaScript, landing on one's comment with its notice, and held comments that belong
to a member's account (every device, the account page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Comment, CommentStatus, Role
from tests.blog.conftest import guest, member
from tests.conftest import sign_in


@pytest.fixture
def post_id(app, blog):
    app.config["COMMENT_THREADS_PER_PAGE"] = 3
    post_id = blog.post(slug="calves")
    # 12 comments in 4 threads: comment n answers n-1 unless n is a multiple of 3.
    blog.many_comments(post_id, 12)
    return post_id


def ids_by_body(blog, post_id) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {c.body_source: c.id for c in blog.comments(post_id)}


def comment_li(page: str, comment_id: int) -> str:
    """The HTML of one comment's ``<li>`` up to the next comment's (its card and form)."""
    start = page.index(f'id="comment-{comment_id}"')
    following = re.search(r'id="comment-\d+"', page[start + 10 :])
    return page[start : start + 10 + following.start()] if following else page[start:]


def test_threads_come_in_pages_oldest_first_with_links_between_them(client, post_id):
    first = client.get("/blog/calves").get_data(as_text=True)
    assert "12 comments</h2>" in first
    assert "Comment number 0" in first and "Comment number 8" in first  # threads 1-3
    assert "Comment number 9" not in first
    assert first.index("Comment number 0") < first.index("Comment number 3")  # oldest first
    assert 'href="/blog/calves?page=2#comments-heading" rel="next">Newer comments' in first
    assert '<span aria-current="page">Page 1</span>' in first
    assert first.count('<nav class="comment-pages"') == 2  # above and below the threads

    second = client.get("/blog/calves?page=2").get_data(as_text=True)
    assert "Comment number 9" in second and "Comment number 11" in second
    assert "Comment number 8" not in second
    assert 'href="/blog/calves#comments-heading" rel="prev">← Older comments' in second
    assert "Newer comments" not in second

    assert client.get("/blog/calves?page=3").status_code == 404
    assert client.get("/blog/calves?page=10001").status_code == 404
    assert "Comment number 0" in client.get("/blog/calves?page=x").get_data(as_text=True)


def test_a_comments_own_link_finds_its_page(app, client, blog, post_id):
    ids = ids_by_body(blog, post_id)
    reply = ids["Comment number 10"]  # a reply in the fourth thread: page 2
    page = client.get("/blog/calves?page=2").get_data(as_text=True)
    assert f'<a href="/blog/calves?page=2#comment-{reply}"><time' in page
    response = client.get(f"/blog/comments/{reply}")
    assert response.status_code == 302
    assert response.location == f"/blog/calves?page=2#comment-{reply}"
    assert client.get(f"/blog/comments/{ids['Comment number 1']}").location == (
        f"/blog/calves#comment-{ids['Comment number 1']}"
    )
    held = blog.comment(post_id, "Held, not mine", status=CommentStatus.PENDING)
    assert client.get(f"/blog/comments/{held}").status_code == 404
    assert client.get("/blog/comments/999999").status_code == 404
    assert client.get("/blog/comments/99999999999").status_code == 404


def test_each_page_and_reply_form_is_cached_per_address_for_anonymous_readers(
    client, blog, post_id, count_queries
):
    ids = ids_by_body(blog, post_id)
    for url in ("/blog/calves?page=2", f"/blog/calves?reply_to={ids['Comment number 10']}"):
        first = client.get(url).get_data()
        with count_queries() as log:
            again = client.get(url).get_data()
        assert log.count == 1, log.statements  # the head row only: the page is shared
        assert again == first


def test_reply_opens_the_form_under_the_comment_without_javascript(client, blog, post_id):
    ids = ids_by_body(blog, post_id)
    answered = ids["Comment number 9"]
    page = client.get("/blog/calves?page=2").get_data(as_text=True)
    link = f"/blog/calves?page=2&amp;reply_to={answered}#reply-{answered}"
    assert f'href="{link}"' in page

    # The link lands on the comment's page even without ?page=: the form is under it.
    for url in (f"/blog/calves?page=2&reply_to={answered}", f"/blog/calves?reply_to={answered}"):
        page = client.get(url).get_data(as_text=True)
        item = comment_li(page, answered)
        assert f'id="reply-{answered}"' in item and "Reply to Reader 9</h3>" in item
        assert f'name="parent_id" type="hidden" value="{answered}"' in item
        assert "autofocus" in item
        assert f'action="/blog/calves/comments#reply-{answered}"' in item
        assert page.count('class="stacked comment-form"') == 1  # not a second form below
        assert "Write a new comment instead" in page

    # A reply to something that is not there is just the page, with the form at the end.
    page = client.get("/blog/calves?reply_to=999999").get_data(as_text=True)
    assert "Reply to" not in page and page.count('class="stacked comment-form"') == 1


def test_after_replying_the_reader_lands_on_their_comment_with_the_notice_beside_it(
    app, client, blog, post_id
):
    ids = ids_by_body(blog, post_id)
    answered = ids["Comment number 9"]
    # Gina's browser wrote an approved comment before: it is trusted.
    blog.trust(client, blog.comment(post_id, "Earlier, approved", email="gina@example.com"))
    response = client.post(
        "/blog/calves/comments",
        data=guest(app, "Thanks, Reader 9!", parent_id=str(answered)),
    )
    mine = ids_by_body(blog, post_id)["Thanks, Reader 9!"]
    assert response.location == f"/blog/calves?page=2#comment-{mine}"
    page = client.get(response.location).get_data(as_text=True)
    assert '<p class="comment-notice" role="status">Your comment is published.</p>' in (
        comment_li(page, mine)
    )
    assert 'class="flashes"' not in page  # not at the top of a tall page
    # Shown once: the next visit is the plain page again.
    assert "Your comment is published." not in client.get(response.location).get_data(as_text=True)


def test_a_held_reply_lands_on_itself_with_check_your_email_beside_it(app, client, blog, post_id):
    answered = ids_by_body(blog, post_id)["Comment number 1"]
    response = client.post(
        "/blog/calves/comments",
        data=guest(app, "First time here.", parent_id=str(answered), notify="y"),
    )
    mine = ids_by_body(blog, post_id)["First time here."]
    assert response.location == f"/blog/calves#comment-{mine}"
    item = comment_li(client.get(response.location).get_data(as_text=True), mine)
    assert "awaiting moderation" in item and "an email asks it to confirm" in item


def test_a_reply_with_a_problem_comes_back_in_place_with_what_was_typed(app, client, blog, post_id):
    answered = ids_by_body(blog, post_id)["Comment number 9"]
    response = client.post(
        "/blog/calves/comments",
        data=guest(app, "", parent_id=str(answered), name="Gina Guest"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    item = comment_li(page, answered)
    assert f'id="reply-{answered}"' in item and 'value="Gina Guest"' in item
    assert 'class="errors"' in item


def test_a_members_held_comment_is_theirs_on_every_device_with_its_edit_link(
    app, blog, post_id, make_user
):
    make_user("mia@example.com", role=Role.MEMBER, name="Mia Member")
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, "mia@example.com")
    posted = phone.post("/blog/calves/comments", data=member(app, "Posted from my phone."))
    mine = ids_by_body(blog, post_id)["Posted from my phone."]
    assert posted.location == f"/blog/calves?page=2#comment-{mine}"

    sign_in(laptop, "mia@example.com")  # no held-comments cookie on this device
    page = laptop.get("/blog/calves?page=2").get_data(as_text=True)
    item = comment_li(page, mine)
    assert "Posted from my phone." in item and "awaiting moderation" in item
    assert f'href="/blog/comments/{mine}/edit"' in item
    assert laptop.get(f"/blog/comments/{mine}").location == f"/blog/calves?page=2#comment-{mine}"

    with app.app_context():  # 20 minutes later: still theirs to see, no longer to edit
        comment = db.session.get(Comment, mine)
        comment.created_at -= timedelta(minutes=20)
        db.session.commit()
    where = laptop.get(f"/blog/comments/{mine}").location  # now the oldest thread
    assert where == f"/blog/calves#comment-{mine}"
    item = comment_li(laptop.get(where).get_data(as_text=True), mine)
    assert "awaiting moderation" in item and "/edit" not in item
    stranger = app.test_client().get(where).get_data(as_text=True)
    assert "Posted from my phone." not in stranger


def test_the_account_page_lists_a_members_comments_with_their_status(
    app, auth, blog, post_id, make_user
):
    user_id = make_user("mia@example.com", role=Role.MEMBER, name="Mia Member")
    published = blog.comment(post_id, "An approved thought.", author_id=user_id, minutes_ago=90)
    held = blog.comment(
        post_id, "Just now, held.", author_id=user_id, status=CommentStatus.PENDING, minutes_ago=2
    )
    auth.login("mia@example.com")
    page = auth.client.get("/account").get_data(as_text=True)
    assert "Your comments" in page
    assert f'href="/blog/comments/{published}"' in page and f'href="/blog/comments/{held}"' in page
    assert "An approved thought." in page and "Just now, held." in page
    assert "Published" in page and "Awaiting moderation" in page
    assert f'href="/blog/comments/{held}/edit"' in page  # still within 15 minutes
    assert f'href="/blog/comments/{published}/edit"' not in page
    others = app.test_client()
    make_user("tom@example.com", role=Role.MEMBER)
    sign_in(others, "tom@example.com")
    assert "Just now, held." not in others.get("/account").get_data(as_text=True)
