"""`flask blog import-wxr`: a WordPress export written for these tests (tests/blog/data)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Comment, LegacyRedirect, Post, Tag

EXPORT = Path(__file__).parent / "data" / "wordpress-export.xml"


@pytest.fixture
def admin(make_user):
    return make_user("ada@example.com", role="admin", name="Ada Admin")


def _import(runner, path=EXPORT, *extra):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["blog", "import-wxr", str(path), *extra])


def _snapshot(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return (
            db.session.execute(sa.select(Post.id, Post.slug, Post.status, Post.version)).all(),
            db.session.execute(sa.select(Comment.id, Comment.parent_id, Comment.body_html)).all(),
            db.session.scalars(sa.select(Tag.slug).order_by(Tag.slug)).all(),
            db.session.scalars(sa.select(LegacyRedirect.path)).all(),
        )


def test_import_posts_tags_threads_and_redirects(app, runner, admin, make_user, client):
    theo = make_user("theo.therapist@example.com", role="staff", name="Theo")
    result = _import(runner)
    assert result.exit_code == 0, result.output
    assert "posts imported: 2" in result.output
    with app.app_context():
        posts = {
            p.wp_post_id: p
            for p in db.session.scalars(sa.select(Post).options(sa.orm.selectinload(Post.tags)))
        }
        runners, draft = posts[101], posts[102]
        assert runners.status == "published" and runners.slug == "massage-for-runners"
        assert runners.publish_at.isoformat().startswith("2021-04-12T08:30")
        assert runners.author_id == theo  # matched by email, whatever its letter case
        assert sorted(t.name for t in runners.tags) == ["Calves", "Recovery", "Training"]
        assert runners.summary.startswith("Why a massage every few weeks")
        assert draft.status == "draft" and draft.author_id == admin  # unknown author: the admin
        assert draft.slug == "foam-rolling-a-field-guide"
        comments = db.session.scalars(sa.select(Comment).order_by(Comment.created_at)).all()
        assert [c.guest_name for c in comments] == ["Priya K", "Theo", "Priya K"]
        assert comments[1].parent_id == comments[0].id and comments[2].parent_id == comments[1].id
        assert all(c.status == "approved" and c.author_id is None for c in comments)
        assert (
            "<script" not in comments[2].body_html and "<em>Thursday</em>" in comments[2].body_html
        )
    page = client.get("/blog/massage-for-runners").get_data(as_text=True)
    body = page[page.index('class="article-body"') : page.index("</article>")]
    assert "<form" not in body and "<input" not in body and "<textarea" not in body
    assert "Leave a Reply" not in page and "Post Comment" not in page and "Cancel reply" not in page
    assert "onclick" not in body and "tracker.example" not in body and "<script" not in body
    assert "<h2>What to expect</h2>" in body and "<p>Most runners only book" in body
    assert "Does this still apply" in page
    assert (
        "PENDING-COMMENT-TEXT" not in page
        and "SPAM-COMMENT-TEXT" not in page
        and "PINGBACK" not in page
    )
    assert client.get("/blog/foam-rolling-a-field-guide").status_code == 404  # a draft


def test_old_wordpress_addresses_redirect_permanently(runner, admin, client):
    _import(runner)
    response = client.get("/2021/04/12/massage-for-runners/")
    assert response.status_code == 301 and response.location == "/blog/massage-for-runners"
    response = client.get("/?p=101")
    assert response.status_code == 301 and response.location == "/blog/massage-for-runners"
    assert client.get("/?p=102").status_code == 200  # a draft: the home page, no redirect
    assert client.get("/?p=999").status_code == 200
    assert client.get("/?p=99999999999999999999").status_code == 200
    assert client.get("/?p=abc").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/2021/04/12/unknown/").status_code == 404
    assert client.get("/2021/4/12/massage-for-runners/").status_code == 404


def test_running_it_twice_changes_nothing(app, runner, admin):
    assert _import(runner).exit_code == 0
    before = _snapshot(app)
    second = _import(runner)
    assert second.exit_code == 0 and "posts imported: 0, already there: 2" in second.output
    assert _snapshot(app) == before


def test_import_as_a_named_admin_and_refusals(app, runner, admin, make_user, tmp_path):
    other = make_user("boss@example.com", role="admin")
    assert _import(runner, EXPORT, "--as", "boss@example.com").exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(Post.author_id).where(Post.wp_post_id == 102)) == other
    assert _import(runner, EXPORT, "--as", "nobody@example.com").exit_code != 0


@pytest.mark.parametrize(
    "document",
    [
        # Billion laughs: entity expansion.
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        "<rss><channel><item><title>&lol2;</title></item></channel></rss>",
        # XXE: an external entity reading a local file.
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<rss><channel><item><title>&xxe;</title></item></channel></rss>",
        "this is not xml",
        "<rss></rss>",
        # Malformed before its entity declaration: the tolerant reader refuses it too.
        '<?xml version="1.0"?><!-- a -- b --><!DOCTYPE r [<!ENTITY x "y">]>'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><link>https://a.example</link>'
        "<item><title>&x;</title><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type>"
        "<wp:status>publish</wp:status></item></channel></rss>",
    ],
)
def test_hostile_or_broken_files_are_refused_without_importing(
    app, runner, admin, tmp_path, document
):
    path = tmp_path / "export.xml"
    path.write_text(document)
    result = _import(runner, path)
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_no_admin_no_import(runner):
    result = _import(runner)
    assert result.exit_code != 0 and "no active admin" in result.output
