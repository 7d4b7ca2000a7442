"""Public pages: lists, tags, articles (SQL budget, cache invalidation), feed, sitemap,
search, home page, scheduled articles, bounds on every number."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import CommentStatus, Post, PostStatus, Role
from portal.models.types import utcnow
from tests.blog.conftest import guest, member
from tests.conftest import sign_in

ATOM = "{http://www.w3.org/2005/Atom}"


def test_index_newest_first_paginated_with_bounds(client, blog):
    for n in range(12):
        blog.post(f"Article {n}", slug=f"article-{n}", publish_at=utcnow() - timedelta(days=20 - n))
    first = client.get("/blog/").get_data(as_text=True)
    assert first.index("Article 11") < first.index("Article 10")
    assert "Article 1<" not in first.replace("Article 1</a>", "Article 1<")  # on page 2
    assert "Article 0" in client.get("/blog/?page=2").get_data(as_text=True)
    assert client.get("/blog/?page=10001").status_code == 404
    assert client.get("/blog/?page=99999999999999999999").status_code == 200  # unreadable: page 1
    assert client.get("/blog/?page=abc").status_code == 200
    assert client.get("/blog/?page=0").status_code == 200


def test_drafts_and_future_articles_are_not_public_until_their_time(client, blog, app):
    blog.post("Draft", slug="draft", status=PostStatus.DRAFT)
    blog.post(
        "Later", slug="later", status=PostStatus.SCHEDULED, publish_at=utcnow() + timedelta(hours=1)
    )
    blog.post(
        "Due", slug="due", status=PostStatus.SCHEDULED, publish_at=utcnow() - timedelta(minutes=1)
    )
    assert client.get("/blog/draft").status_code == 404
    assert client.get("/blog/later").status_code == 404
    assert client.get("/blog/due").status_code == 200  # nobody had to act
    listing = client.get("/blog/").get_data(as_text=True)
    assert "Due" in listing and "Later" not in listing and "Draft" not in listing
    with app.app_context():
        db.session.execute(
            sa.update(Post)
            .where(Post.slug == "later")
            .values(publish_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert client.get("/blog/later").status_code == 200


def test_tags_list_their_articles(client, auth, blog):
    auth.login_staff()
    auth.client.post(
        "/staff/posts/new",
        data={
            "title": "IT band",
            "body_source": "x",
            "tags": "Knees, IT band",
            "status": "published",
            "submit": "Save",
        },
    )
    auth.client.post(
        "/staff/posts/new",
        data={
            "title": "Calves",
            "body_source": "x",
            "tags": "Calves",
            "status": "published",
            "submit": "Save",
        },
    )
    page = client.get("/blog/tag/knees").get_data(as_text=True)
    assert "IT band" in page and "Calves</a>" not in page
    assert client.get("/blog/tag/nothing").status_code == 404
    assert client.get("/blog/tag/" + "k" * 500).status_code == 404


def test_article_page_has_canonical_and_open_graph(client, blog):
    blog.post("Calves and you", slug="calves-and-you", summary="Why calves tighten.")
    page = client.get("/blog/calves-and-you").get_data(as_text=True)
    assert '<link rel="canonical" href="http://127.0.0.1:5000/blog/calves-and-you">' in page
    assert '<meta property="og:title" content="Calves and you">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:description" content="Why calves tighten.">' in page


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_article_with_200_comments_runs_at_most_8_statements(
    app, client, auth, blog, count_queries, signed_in
):
    post_id = blog.post(slug="popular")
    blog.many_comments(post_id, 200)
    if signed_in:
        auth.login_client()
    app.config["BLOG_PAGE_CACHE"] = False  # the uncached path is the one with a budget
    with count_queries() as log:
        page = auth.client.get("/blog/popular")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="comment') >= 200
    assert log.count <= 8, log.statements
    app.config["BLOG_PAGE_CACHE"] = True
    auth.client.get("/blog/popular")
    with count_queries() as cached:
        auth.client.get("/blog/popular")
    assert cached.count < log.count


@pytest.mark.parametrize(("signed_in", "expected"), [(False, 1), (True, 2)])
def test_a_cached_article_runs_only_its_lookups(
    app, auth, blog, count_queries, signed_in, expected
):
    """From the whole-page cache: the head row (anonymous); the user, then the head row
    with the reader's editable comments in one statement (signed in). Nothing for the
    per-request parts: the subscribe box needs no practice details."""
    post_id = blog.post(slug="popular")
    blog.many_comments(post_id, 20)
    if signed_in:
        auth.login_client()
    for _ in range(2):
        auth.client.get("/blog/popular")
    with count_queries() as log:
        page = auth.client.get("/blog/popular").get_data(as_text=True)
    assert 'class="card subscribe-box"' in page and "12 Tempo Lane" in page
    assert log.count == expected, log.statements


def test_a_signed_in_reader_can_edit_exactly_their_recent_comments(app, auth, blog, make_user):
    """The head row and the editable comments come from one joined read: every recent
    comment of theirs, none older than the edit window, none of anyone else's."""
    post_id = blog.post(slug="popular")
    blog.many_comments(post_id, 5)
    mia = make_user("mia@example.com", role=Role.MEMBER)
    other = make_user("noor@example.com", role=Role.MEMBER)
    blog.comment(post_id, "Mine, just now", author_id=mia, minutes_ago=1)
    blog.comment(post_id, "Mine, a little later", author_id=mia, minutes_ago=2)
    blog.comment(post_id, "Mine, long ago", author_id=mia, minutes_ago=120)
    blog.comment(post_id, "Not mine", author_id=other, minutes_ago=1)
    auth.login("mia@example.com")
    page = auth.client.get("/blog/popular").get_data(as_text=True)
    assert page.count("Edit or delete") == 2
    assert auth.client.get("/blog/no-such-article").status_code == 404
    draft = blog.post(slug="a-draft", status=PostStatus.DRAFT)
    assert draft and auth.client.get("/blog/a-draft").status_code == 404


def test_a_member_with_an_editable_comment_and_a_held_comment_stays_in_budget(
    app, auth, blog, count_queries, make_user
):
    post_id = blog.post(slug="popular")
    blog.many_comments(post_id, 200)
    user_id = make_user("mia@example.com", role=Role.MEMBER)
    blog.comment(post_id, "Mine", author_id=user_id, minutes_ago=1)
    auth.login("mia@example.com")
    posted = auth.client.post("/blog/popular/comments", data=member(app, "Held one"))
    assert posted.location.startswith("/blog/popular?page=2#comment-")  # the newest threads
    with count_queries() as log:
        page = auth.client.get("/blog/popular?page=2").get_data(as_text=True)
    assert "Held one" in page and "Edit or delete" in page
    assert log.count <= 8, log.statements


def test_every_change_shows_on_the_next_request_despite_the_cache(app, auth, blog):
    post_id = blog.post(slug="calves", body="Original body")
    reader = app.test_client()
    assert "Original body" in reader.get("/blog/calves").get_data(as_text=True)
    reader.get("/blog/calves")  # now served from the cache

    trusted = blog.comment(post_id, "First approved")
    # A write made outside the blog's services does not bump the version, so the page is stale:
    # this proves the cache is really in use, and the checks below test its invalidation.
    assert "First approved" not in reader.get("/blog/calves").get_data(as_text=True)

    poster = blog.trust(app.test_client(), trusted)
    poster.post("/blog/calves/comments", data=guest(app, "A new approved comment"))
    page = reader.get("/blog/calves").get_data(as_text=True)
    assert "A new approved comment" in page and "First approved" in page

    held_client = app.test_client()
    held_client.post(
        "/blog/calves/comments", data=guest(app, "Held then approved", email="new@example.com")
    )
    held_id = blog.comments(post_id)[-1].id
    assert "Held then approved" not in reader.get("/blog/calves").get_data(as_text=True)
    auth.login_staff()
    auth.client.post("/staff/comments/moderate", data={"action": f"approve:{held_id}"})
    assert "Held then approved" in reader.get("/blog/calves").get_data(as_text=True)
    auth.client.post("/staff/comments/moderate", data={"action": f"trash:{trusted}"})
    assert "First approved" not in reader.get("/blog/calves").get_data(as_text=True)

    auth.client.post(
        f"/staff/posts/{post_id}",
        data={
            "title": "Calves and the long run",
            "body_source": "Edited body",
            "status": "published",
            "submit": "Save",
        },
    )
    page = reader.get("/blog/calves").get_data(as_text=True)
    assert "Edited body" in page and "Original body" not in page


def test_edits_deletions_and_renames_show_at_once(app, auth, blog, make_user):
    post_id = blog.post(slug="calves")
    user_id = make_user("mia@example.com", role=Role.MEMBER, name="Mia Member")
    cid = blog.comment(post_id, "Before edit", author_id=user_id, minutes_ago=1)
    reader = app.test_client()
    reader.get("/blog/calves")
    auth.login("mia@example.com")
    auth.client.post(f"/blog/comments/{cid}/edit", data={"body": "After edit"})
    assert "After edit" in reader.get("/blog/calves").get_data(as_text=True)
    auth.client.post("/account/name", data={"name-name": "Mia Renamed"})
    page = reader.get("/blog/calves").get_data(as_text=True)
    assert "Mia Renamed" in page and "Mia Member" not in page
    auth.client.post(f"/blog/comments/{cid}/delete")
    assert "After edit" not in reader.get("/blog/calves").get_data(as_text=True)


def test_atom_feed_is_valid_atom_with_absolute_links(client, blog):
    blog.post("Calves & <knees>", slug="calves", body="Some **bold** advice")
    blog.post("Draft", slug="draft", status=PostStatus.DRAFT)
    response = client.get("/blog/feed.xml")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 (our own output)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert (
        feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://127.0.0.1:5000/blog/feed.xml"
    )
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Calves & <knees>"
    assert entry.find(f"{ATOM}id").text.startswith("tag:127.0.0.1,")
    assert entry.find(f"{ATOM}updated").text.endswith("Z")
    assert (
        entry.find(f"{ATOM}link[@rel='alternate']").get("href")
        == "http://127.0.0.1:5000/blog/calves"
    )
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and "<strong>bold</strong>" in content.text


def test_sitemap_lists_home_blog_articles_and_tags(client, auth, blog):
    auth.login_staff()
    auth.client.post(
        "/staff/posts/new",
        data={
            "title": "IT band",
            "body_source": "x",
            "tags": "Knees",
            "status": "published",
            "submit": "Save",
        },
    )
    blog.post("Draft", slug="draft", status=PostStatus.DRAFT)
    response = client.get("/sitemap.xml")
    sitemap = ET.fromstring(response.data)  # noqa: S314 (our own output)
    urls = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert urls[:2] == ["http://127.0.0.1:5000/", "http://127.0.0.1:5000/blog/"]
    assert "http://127.0.0.1:5000/blog/it-band" in urls
    assert "http://127.0.0.1:5000/blog/tag/knees" in urls
    assert not any("draft" in url for url in urls)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "NEAR(",
        "calf*",
        "a AND OR NOT",
        "-",
        "(((",
        "title:calf",
        "'; DROP TABLE posts; --",
        "^",
        "☃",
        " ",
    ],
)
def test_search_never_fails_on_query_syntax(client, blog, query):
    blog.post("Calf raises", slug="calf-raises", body="Strong calves protect the Achilles.")
    assert client.get("/blog/", query_string={"q": query}).status_code == 200


def test_search_finds_titles_and_bodies_and_follows_edits(app, client, auth, blog):
    blog.post("Calf raises", slug="calf-raises", body="Strong calves protect the Achilles.")
    blog.post("Hamstrings", slug="hamstrings", body="Nothing about lower legs.", summary="Thighs.")
    assert "Calf raises" in client.get("/blog/?q=achilles").get_data(as_text=True)
    found = client.get("/blog/?q=calves").get_data(as_text=True)
    assert "Calf raises" in found and "Hamstrings</a>" not in found
    auth.login_staff()
    with app.app_context():
        post_id = db.session.scalar(sa.select(Post.id).where(Post.slug == "hamstrings"))
    auth.client.post(
        f"/staff/posts/{post_id}",
        data={
            "title": "Hamstrings",
            "body_source": "Now about the Achilles too",
            "status": "published",
            "submit": "Save",
        },
    )
    assert "Hamstrings" in client.get("/blog/?q=achilles").get_data(as_text=True)
    auth.client.post(f"/staff/posts/{post_id}/delete")
    assert "Hamstrings" not in app.test_client().get("/blog/?q=achilles").get_data(as_text=True)
    assert (
        client.get("/blog/", query_string={"q": "a\x00b"}).status_code == 200
    )  # refused as a form error
    assert client.get("/blog/", query_string={"q": "x" * 300}).status_code == 200


def test_home_page_shows_latest_articles_and_keeps_welcome_and_sign_in(client, blog):
    blog.post("Newest advice", slug="newest")
    page = client.get("/").get_data(as_text=True)
    assert "Newest advice" in page and "Client sign in" in page
    assert "Sports massage for runners" in page


def test_comment_count_and_deleted_user_placeholders(client, blog):
    post_id = blog.post(slug="calves")
    parent = blog.comment(post_id, "Parent")
    blog.comment(post_id, "Reply", parent_id=parent)
    with client.application.app_context():
        from portal.blog.comments import moderate

        moderate([parent], "spam")
        db.session.commit()
    page = client.get("/blog/calves").get_data(as_text=True)
    assert "1 comment<" in page and "This comment was removed." in page and "Reply" in page


def test_held_comment_statuses_never_leak(client, blog):
    post_id = blog.post(slug="calves")
    for status in (CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.TRASH):
        blog.comment(post_id, f"secret {status}", status=status)
    assert "secret" not in client.get("/blog/calves").get_data(as_text=True)


def test_the_newsletter_box_under_an_article_is_rendered_per_reader(
    app, auth, blog, make_user, tmp_path
):
    """Another feature's box (it may show who is subscribed) is never served from the cache."""
    from jinja2 import ChoiceLoader, DictLoader

    blog.post(slug="calves")
    box = (
        '<aside class="subscribe">Hello {{ current_user.name if current_user.is_authenticated'
        ' else "reader" }}</aside>'
    )
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"newsletter/_subscribe_box.html": box}), app.jinja_env.loader]
    )
    make_user("ann@example.com", role=Role.MEMBER, name="Ann One")
    make_user("bob@example.com", role=Role.MEMBER, name="Bob Two")
    for email, name in (("ann@example.com", "Ann One"), ("bob@example.com", "Bob Two")):
        reader = app.test_client()
        sign_in(reader, email)
        for _ in range(2):  # the second answer comes from the whole-page cache
            page = reader.get("/blog/calves").get_data(as_text=True)
            assert f"Hello {name}" in page and f"You comment as <strong>{name}</strong>" in page
    anonymous = app.test_client().get("/blog/calves").get_data(as_text=True)
    assert "Hello reader" in anonymous and "Ann One" not in anonymous


def test_lists_run_a_constant_number_of_statements(client, blog, count_queries):
    def counts() -> list[int]:
        found = []
        for path in ("/blog/", "/blog/tag/recovery", "/", "/blog/feed.xml", "/sitemap.xml"):
            with count_queries() as log:
                assert client.get(path).status_code == 200
            found.append(log.count)
        return found

    def add(n: int, start: int) -> None:
        ids = {i: blog.post(f"Article {i}", slug=f"a-{i}") for i in range(start, start + n)}
        with client.application.app_context():
            from portal.blog.posts import tags_for

            for i, post_id in ids.items():
                post = db.session.scalars(
                    sa.select(Post)
                    .where(Post.id == post_id)
                    .options(sa.orm.selectinload(Post.tags))
                ).one()
                post.tags = tags_for(["Recovery", f"Topic {i}"])
            db.session.commit()

    add(2, 0)
    few = counts()
    add(25, 2)
    assert counts() == few


def test_a_cached_article_runs_one_statement(app, client, blog, count_queries):
    """A cached anonymous page reads only the article's head row."""
    blog.post(slug="calves")
    assert client.get("/blog/calves").status_code == 200  # rendered and cached
    with count_queries() as log:
        assert app.test_client().get("/blog/calves").status_code == 200
    assert log.count == 1 and "FROM posts" in log.statements[0]


FORBIDDEN_IN_XML = "\x01\x0b\ufffe\uffff"


def test_the_feed_and_sitemap_stay_xml_when_an_article_holds_characters_xml_forbids(
    client, app, blog
):
    """One U+FFFE or U+FFFF in one article made the feed unreadable for every reader."""
    from defusedxml import ElementTree as SafeET

    from portal.blog.posts import tags_for

    post_id = blog.post(
        f"Hills{FORBIDDEN_IN_XML} and calves",
        slug="hills",
        body=f"Walk the steep bits.{FORBIDDEN_IN_XML}",
        summary=f"Uphill{FORBIDDEN_IN_XML} advice",
    )
    with app.app_context():
        post = db.session.get(Post, post_id, options=[sa.orm.selectinload(Post.tags)])
        post.tags = tags_for([f"Hill{FORBIDDEN_IN_XML}s"])
        db.session.commit()
    feed = SafeET.fromstring(client.get("/blog/feed.xml").data)
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Hills and calves"
    assert entry.find(f"{ATOM}summary").text == "Uphill advice"
    assert "Walk the steep bits." in entry.find(f"{ATOM}content").text
    assert entry.find(f"{ATOM}category").get("label") == "Hills"
    sitemap = SafeET.fromstring(client.get("/sitemap.xml").data)
    assert len(list(sitemap)) == 4  # home, blog, the article, its tag


def test_xml_output_removes_every_character_xml_forbids(app):
    from xml.etree import ElementTree as StdET

    from defusedxml import ElementTree as SafeET

    from portal.web.xml_output import to_bytes

    forbidden = [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))]
    forbidden += ["\ud800", "\udfff", "\ufffe", "\uffff"]
    root = StdET.Element("doc", note="".join(forbidden) + "kept")
    root.text = "a" + "".join(forbidden) + "b\tc\n"
    child = StdET.SubElement(root, "child")
    child.tail = "".join(forbidden) + "tail"
    parsed = SafeET.fromstring(to_bytes(root))
    assert parsed.text == "ab\tc\n" and parsed.get("note") == "kept"
    assert parsed.find("child").tail == "tail"
