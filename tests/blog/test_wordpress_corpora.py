"""The public WordPress test exports (tests/blog/data/wordpress), imported and compared with the
same files read independently: posts, drafts, pages, comments and their parents, tags, dates
and old addresses; then every imported article's HTML checked for the defects real imports
showed (breaks inside code, paragraphs between list items, raw shortcodes, bare video
addresses, broken images, entities shown literally)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.blog.posts import unicode_slug
from portal.extensions import db
from portal.models import BlogImage, Comment, LegacyRedirect, Post, Tag
from portal.models.pages import Page

CORPORA = Path(__file__).parent / "data" / "wordpress"
WELL_FORMED = [
    "wptt-themeunittestdata.wordpress.xml",
    "wptt-64-block-test-data.xml",
    "wptt-theme-preview.xml",
    "wpimporter-a11y-unit-test-data.xml",
    "wpimporter-small-export.xml",
    "wpimporter-valid-wxr-1.1.xml",
    "wpimporter-wxr-utf-8-challenges.xml",
    "wpimporter-slashes.xml",
]


@pytest.fixture
def admin(make_user):
    return make_user("ada@example.com", role="admin", name="Ada Admin")


def _local(tag: str) -> str:
    """``{https://wordpress.org/export/1.2/}post_id`` → ``wp:post_id``, any namespace URI."""
    if tag.startswith("{"):
        uri, name = tag[1:].split("}", 1)
        prefix = {
            "excerpt": "excerpt",
            "export": "wp",
            "content": "content",
            "elements": "dc",
        }.get(next((p for p in ("excerpt", "export", "content", "elements") if p in uri), ""), "")
        return f"{prefix}:{name}" if prefix else name
    return tag


def _text(element: ElementTree.Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return child.text or ""
    return ""


def expected(path: Path) -> dict:  # type: ignore[type-arg]
    """What the file holds, read with the standard library's namespace-aware parser."""
    root = ElementTree.parse(path).getroot()  # noqa: S314 (the project's own test files)
    posts: dict[int | str, dict] = {}  # type: ignore[type-arg]
    pages = Counter()
    for item in root.iter("item"):
        kind, status = _text(item, "wp:post_type"), _text(item, "wp:status")
        if status in ("trash", "auto-draft"):
            continue
        hidden = bool(_text(item, "wp:post_password").strip()) or status == "private"
        if kind == "page":
            pages["published" if status == "publish" and not hidden else "draft"] += 1
        if kind != "post":
            continue
        comments = {}
        for element in item:
            if _local(element.tag) != "wp:comment":
                continue
            if _text(element, "wp:comment_approved") == "1" and _text(
                element, "wp:comment_type"
            ) in ("", "comment"):
                comments[int(_text(element, "wp:comment_id"))] = int(
                    _text(element, "wp:comment_parent") or 0
                )
        tags = {
            (c.text or "").strip()
            for c in item.iter("category")
            if c.get("domain") in ("post_tag", "category")
            and (c.text or "").strip()
            and (c.text or "").strip().lower() != "uncategorized"
        }
        plain = re.search(r"\?p=(\d+)", _text(item, "link"))
        key = int(_text(item, "wp:post_id") or (plain.group(1) if plain else 0))
        posts[key] = {
            "published": status == "publish" and not hidden,
            "date": _text(item, "wp:post_date_gmt"),
            "link": _text(item, "link"),
            "comments": comments,
            "tags": tags,
        }
    return {"posts": posts, "pages": pages}


def _import(runner, path):  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["blog", "import-wxr", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


# Defects seen on real imports, each as a pattern that must not occur in an article's HTML.
DEFECTS = {
    "break or paragraph inside <pre>": re.compile(
        r"<pre[^>]*>(?:(?!</pre>).)*?<(?:br|p)\b", re.DOTALL
    ),
    "break between list items": re.compile(r"</li>\s*<br>|<br>\s*<li|<p>\s*<li"),
    "break between table cells": re.compile(r"</t[dh]>\s*<br>|<br>\s*<t[dhr]\b"),
    "empty paragraph": re.compile(r"<p>\s*(?:<br>\s*)*</p>"),
    "block comment": re.compile(r"<!--|wp:[a-z-]+/?\s*-->|\{\"[a-z]+\":"),
    "raw shortcode": re.compile(r"\[/?(?:caption|gallery|audio|video|embed|playlist)\b"),
    "bare media address": re.compile(
        r"<p>\s*https?://(?:www\.)?(?:youtube|youtu\.be|vimeo)[^<]*</p>"
    ),
    "image without a source": re.compile(r"<img(?![^>]*\bsrc=\"/blog/images/)[^>]*>"),
    "empty link (a link was put inside a link)": re.compile(r"<a\b[^>]*>\s*</a>"),
}


@pytest.mark.parametrize("name", WELL_FORMED)
def test_a_corpus_file_imports_as_the_file_says(app, runner, admin, client, name):
    path = CORPORA / name
    want = expected(path)
    _import(runner, path)
    with app.app_context():
        imported = db.session.scalars(sa.select(Post).options(sa.orm.selectinload(Post.tags))).all()
        by_key = {(p.wp_post_id if p.wp_post_id is not None else None): p for p in imported}
        assert len(imported) == len(want["posts"])
        published = [p for p in imported if p.status == "published"]
        assert len(published) == sum(1 for w in want["posts"].values() if w["published"])
        pages = Counter(p.status for p in db.session.scalars(sa.select(Page)))
        assert pages == want["pages"]
        comments = db.session.scalars(sa.select(Comment)).all()
        assert len(comments) == sum(len(w["comments"]) for w in want["posts"].values())
        by_wp_comment = {c.wp_comment_id: c for c in comments}
        for key, wanted in want["posts"].items():
            if not isinstance(key, int):
                continue
            post = by_key[key]
            assert (post.status == "published") == wanted["published"], post.title
            if wanted["published"] and wanted["date"] and not wanted["date"].startswith("0000"):
                date = datetime.strptime(wanted["date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
                assert post.publish_at == date
            assert {t.slug for t in post.tags} == {unicode_slug(t) for t in wanted["tags"]}
            for comment_id, parent in wanted["comments"].items():
                comment = by_wp_comment[comment_id]
                assert comment.post_id == post.id
                if parent in by_wp_comment:
                    assert comment.parent_id == by_wp_comment[parent].id
        assert all(tag.slug for tag in db.session.scalars(sa.select(Tag)))
        for post in imported:
            assert "&amp;" not in post.title and "&#8217;" not in post.title
            for defect, pattern in DEFECTS.items():
                found = pattern.search(post.body_html)
                assert found is None, f"{name}: {post.title}: {defect}: {found.group(0)[:200]}"
        redirects = db.session.scalar(sa.select(sa.func.count()).select_from(LegacyRedirect))
        public = {p.wp_post_id: p.slug for p in published}
    assert redirects >= len(want["posts"])
    for key, wanted in want["posts"].items():
        if not wanted["published"] or not isinstance(key, int):
            continue
        response = client.get(f"/?p={key}")
        assert response.status_code == 301
        assert response.location.startswith("/blog/")
        link = urlsplit(wanted["link"])
        if link.path not in ("", "/") and not link.query:
            response = client.get(link.path)
            assert response.status_code == 301, link.path
            assert response.location == client.get(f"/?p={key}").location
    assert len(public) == len(published)


def test_the_theme_unit_test_export_in_detail(app, runner, admin, client):
    """The best-known export: https namespace, password-protected post, captions, embeds,
    entities and markup in titles, pages; its report names what was left out."""
    output = _import(runner, CORPORA / "wptt-themeunittestdata.wordpress.xml")
    assert "posts imported: 58" in output and "pages imported: 21" in output
    assert "left out: 70 nav_menu_item" in output
    assert "left out: 2 comments (pingbacks)" in output
    assert "left out: 1 comments (pending moderation)" in output
    assert "Template: Password Protected" in output  # named in the report, kept a draft
    with app.app_context():
        posts = {p.wp_post_id: p for p in db.session.scalars(sa.select(Post))}
        about = db.session.scalar(sa.select(Page).where(Page.title == "About The Tests"))
        greek = db.session.scalar(sa.select(Page).where(Page.title == "Επίπεδο 3"))
    assert posts[1168].status == "draft" and posts[1168].source_visibility == "password"
    caption = posts[1163].body_html  # [caption] around a linked picture
    assert (
        caption.startswith("<figure>") and "<figcaption>Bell on wharf in San Francisco" in caption
    )
    assert ">Picture: Bell on Wharf</a>" in caption
    assert ">Video on YouTube</a>" in posts[1161].body_html
    assert posts[1174].title.startswith("Markup: Title With Special Characters ~`!@#$%^&*()")
    assert posts[1173].title == "Markup: Title With Markup"
    assert about.status == "published" and about.slug == "about"
    assert greek.slug == f"page-{greek.source_id}"  # "Επίπεδο 3": page addresses are ASCII
    response = client.get("/greek/%CE%B5%CF%80%CE%AF%CF%80%CE%B5%CE%B4%CE%BF-2/επίπεδο-3/")
    assert response.status_code == 301 and response.location == f"/{greek.slug}"
    response = client.get(f"/?page_id={about.source_id}")
    assert response.status_code == 301 and response.location == "/about"
    response = client.get("/2013/01/11/markup-html-tags-and-formatting/")
    assert response.status_code == 301
    assert response.location == "/blog/markup-html-tags-and-formatting"
    assert client.get("/?p=1168").status_code == 200  # no redirect to a hidden post


def test_a_malformed_export_is_read_like_wordpress_reads_it(app, runner, admin):
    """``crazy-cdata``: ``]]>`` inside CDATA is not XML; WordPress falls back to reading it with
    regular expressions, and so does the import."""
    _import(runner, CORPORA / "wpimporter-crazy-cdata.xml")
    with app.app_context():
        post = db.session.scalar(sa.select(Post))
    # A browser shows ``<![CDATA[ … ]]>`` in HTML as a comment, so WordPress showed this.
    assert post.title == "Hello world!" and post.body_html == "<p>Content with nested  :)</p>"


def _stand_in_uploads(export: Path, folder: Path) -> dict[int, str]:
    """A copy of the uploads folder with a small picture, different for each file, wherever the
    export's media library has a JPEG or PNG: ``{attachment id: path in the folder}``."""
    root = ElementTree.parse(export).getroot()  # noqa: S314 (the project's own test files)
    found = {}
    for item in root.iter("item"):
        if _text(item, "wp:post_type") != "attachment":
            continue
        path = urlsplit(_text(item, "wp:attachment_url")).path
        relative = path.split("/wp-content/uploads/", 1)[-1].lstrip("/")
        if not re.search(r"\.(?:jpe?g|png)$", relative, re.IGNORECASE):
            continue
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        colour = (len(found) * 37 % 256, len(found) * 91 % 256, 120)
        kind = "PNG" if relative.lower().endswith("png") else "JPEG"
        Image.new("RGB", (40, 30), colour).save(target, kind)
        found[int(_text(item, "wp:post_id"))] = relative
    return found


@pytest.mark.parametrize(
    "name", ["wptt-themeunittestdata.wordpress.xml", "wptt-64-block-test-data.xml"]
)
def test_every_picture_of_the_media_library_comes_along(app, runner, admin, client, tmp_path, name):
    app.config["BLOG_IMAGE_DIR"] = str(tmp_path / "stored")
    uploads = _stand_in_uploads(CORPORA / name, tmp_path / "uploads")
    result = runner.invoke(
        args=["blog", "import-wxr", str(CORPORA / name), "--media", str(tmp_path / "uploads")]
    )
    assert result.exit_code == 0, result.output
    assert f"images imported: {len(uploads)}" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BlogImage)) == len(uploads)
    targets = set()
    for wp_id, relative in uploads.items():
        response = client.get(f"/?attachment_id={wp_id}")
        assert response.status_code == 301 and response.location.startswith("/blog/images/")
        # WordPress.com serves uploads from <site>.files.wordpress.com/2008/06/…: the old
        # address kept is the self-hosted form, the one a moved domain would receive.
        old = client.get(f"/wp-content/uploads/{relative}")
        assert old.location == response.location, relative
        targets.add(response.location)
    assert len(targets) == len(uploads)  # each file its own image, even "photo-1200x400.jpg"
