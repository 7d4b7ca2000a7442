"""The Atom feed (RFC 4287) and the sitemap, with absolute URLs from ``PORTAL_BASE_URL``.

Built with ElementTree, which escapes every value: a title with ``<`` or ``&`` cannot break
the XML. Entry content is the article's sanitized HTML, as ``type="html"`` (escaped text).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET  # noqa: S405 (writing XML, never parsing it)

import sqlalchemy as sa
from flask import current_app

from portal.blog import posts
from portal.extensions import db
from portal.models import Post, Tag
from portal.models.blog import post_tags, public_posts_filter
from portal.models.types import utcnow
from portal.web.urls import external_url

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_ENTRIES = 20


def _rfc3339(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry_updated(post: Post) -> datetime:
    return max(post.publish_at or post.updated_at, post.updated_at)


def _tag_uri(post: Post) -> str:
    """A permanent entry id (RFC 4151 tag URI): it survives a change of domain name."""
    host = urlsplit(current_app.config["PORTAL_BASE_URL"]).hostname or "localhost"
    created = post.publish_at or post.created_at
    return f"tag:{host},{created:%Y-%m-%d}:blog/post/{post.id}"


def atom_feed() -> bytes:
    ET.register_namespace("", ATOM)
    entries = list(db.session.scalars(posts.public_posts().limit(FEED_ENTRIES)).unique())
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", f"{current_app.config['PRACTICE_NAME']}: articles")
    _text(feed, "subtitle", "Sports massage, training and recovery for runners")
    _text(feed, "id", external_url("blog.index"))
    updated = max((_entry_updated(p) for p in entries), default=utcnow())
    _text(feed, "updated", _rfc3339(updated))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=external_url("blog.feed"))
    ET.SubElement(
        feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=external_url("blog.index")
    )
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", current_app.config["PRACTICE_NAME"])
    for post in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "title", post.title)
        url = external_url("blog.article", slug=post.slug)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=url)
        _text(entry, "id", _tag_uri(post))
        _text(entry, "published", _rfc3339(post.publish_at or post.created_at))
        _text(entry, "updated", _rfc3339(_entry_updated(post)))
        entry_author = ET.SubElement(entry, f"{{{ATOM}}}author")
        _text(
            entry_author,
            "name",
            post.author.name if post.author else current_app.config["PRACTICE_NAME"],
        )
        for tag in post.tags:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=tag.slug, label=tag.name)
        if post.summary:
            _text(entry, "summary", post.summary)
        content = _text(entry, "content", post.body_html)
        content.set("type", "html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def sitemap() -> bytes:
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")

    def add(location: str, lastmod: datetime | None = None) -> None:
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = location
        if lastmod is not None:
            ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = _rfc3339(lastmod)

    now = utcnow()
    add(external_url("main.index"))
    add(external_url("blog.index"))
    for slug, publish_at, updated_at in db.session.execute(
        sa.select(Post.slug, Post.publish_at, Post.updated_at)
        .where(public_posts_filter(now))
        .order_by(Post.publish_at.desc())
    ):
        add(external_url("blog.article", slug=slug), max(publish_at or updated_at, updated_at))
    tag_slugs = db.session.scalars(
        sa.select(Tag.slug)
        .where(
            Tag.id.in_(
                sa.select(post_tags.c.tag_id)
                .join(Post, Post.id == post_tags.c.post_id)
                .where(public_posts_filter(now))
            )
        )
        .order_by(Tag.slug)
    )
    for slug in tag_slugs:
        add(external_url("blog.tag", tag=slug))
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)
