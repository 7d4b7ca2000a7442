"""Importing a WordPress export (WXR, the XML file WordPress.com's "Export" gives).

What comes in:
- posts (``wp:post_type`` ``post``): published ones published at their original date, any
  other status as a draft; title, slug, excerpt as summary; tags and categories as tags;
  the author matched to a staff account by email, else the importing admin;
- the post's HTML, through the same nh3 allowlist as everything else. WordPress keeps
  paragraphs as blank lines, so they are wrapped in ``<p>`` first; a "Leave a Reply" block
  (``#respond``, ``.comment-respond``, a comment form) pasted into a post is dropped whole,
  and the allowlist would remove any form element anyway;
- approved comments (not pingbacks, pending, spam or trash) with their threading, as guest
  comments under their authors' names;
- old addresses: the post's permalink path and ``?p=ID`` redirect to the new article.

Running it twice changes nothing: posts and comments are matched by their WordPress ids.
The XML is parsed with defusedxml, which refuses entity declarations (no billion laughs)
and external entities (no XXE).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import IO
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element  # noqa: S405 (type only; parsing is defusedxml)

import sqlalchemy as sa
from defusedxml import ElementTree as SafeET

from portal.blog.posts import slugify, tags_for, unique_slug
from portal.core.rendering import sanitize_article_html, sanitize_comment_html
from portal.core.text import clean_text, normalise_email, single_line
from portal.extensions import db
from portal.models import (
    BodyFormat,
    Comment,
    CommentStatus,
    LegacyRedirect,
    Post,
    PostStatus,
    Role,
    User,
)
from portal.models.types import utcnow

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}


class ImportProblem(ValueError):
    """The file cannot be imported; the message says why."""


@dataclass
class ImportReport:
    posts_created: int = 0
    posts_skipped: int = 0
    comments_created: int = 0
    comments_left_out: int = 0
    redirects_created: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"posts imported: {self.posts_created}, already there: {self.posts_skipped}",
            f"comments imported: {self.comments_created}, left out (pending, spam, "
            f"trash, pingbacks): {self.comments_left_out}",
            f"old addresses redirected: {self.redirects_created}",
            *self.notes,
        ]


def _namespaces(root: Element) -> dict[str, str]:
    """WXR 1.0, 1.1 and 1.2 differ only in the ``wp`` namespace's version."""
    found = dict(NS)
    for element in root.iter():
        if element.tag.startswith("{http://wordpress.org/export/") and "excerpt" not in element.tag:
            found["wp"] = element.tag[1:].split("}", 1)[0]
            break
    return found


def _text(element: Element, path: str, ns: dict[str, str]) -> str:
    found = element.find(path, ns)
    return (found.text or "") if found is not None else ""


def _date(value: str) -> datetime | None:
    value = value.strip()
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _int(value: str) -> int | None:
    value = value.strip()
    if value.isdigit() and len(value) <= 10 and 0 < int(value) < 2**31:
        return int(value)
    return None


# --- HTML from WordPress -------------------------------------------------------------------

_BLOCK = re.compile(r"<(?:p|div|h[1-6]|ul|ol|blockquote|pre|table|figure|hr)\b", re.IGNORECASE)


def autop(html: str) -> str:
    """WordPress's own storage has blank lines for paragraphs: wrap those in ``<p>``."""
    html = html.replace("\r\n", "\n").strip()
    parts = [part.strip() for part in re.split(r"\n\s*\n", html) if part.strip()]
    return "\n".join(
        part if _BLOCK.match(part) else "<p>" + part.replace("\n", "<br>\n") + "</p>"
        for part in parts
    )


class _DropReplyForm(HTMLParser):
    """Re-emits HTML without WordPress's comment-form block (and any form)."""

    DROP_IDS = {"respond", "reply-title", "commentform", "comments"}
    DROP_CLASSES = {"comment-respond", "comment-reply-title", "comment-form", "comments-area"}
    VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr", "col", "area"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.dropping: list[str] = []  # open tags inside a dropped block

    def _dropped(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        return (
            tag == "form" or values.get("id") in self.DROP_IDS or bool(classes & self.DROP_CLASSES)
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag not in self.VOID:
                self.dropping.append(tag)
            return
        if self._dropped(tag, attrs) and tag not in self.VOID:
            self.dropping.append(tag)
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.dropping and not self._dropped(tag, attrs):
            self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag in self.dropping:
                while self.dropping and self.dropping.pop() != tag:
                    pass
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        if not self.dropping:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self.dropping:
            self.out.append(f"&#{name};")


def without_reply_form(html: str) -> str:
    parser = _DropReplyForm()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def article_html(raw: str) -> tuple[str, str]:
    """``(source, sanitized html)`` of a WordPress post body."""
    source = clean_text(without_reply_form(autop(raw)))
    return source, sanitize_article_html(source)


# --- the import ----------------------------------------------------------------------------


def parse(file: IO[bytes]) -> Element:
    try:
        return SafeET.parse(file).getroot()
    except SafeET.ParseError as error:
        raise ImportProblem(f"not a readable XML file: {error}") from None
    except Exception as error:  # defusedxml's refusals: entities, external references, DTDs
        raise ImportProblem(f"refused: {error.__class__.__name__}: {error}") from None


def import_wxr(file: IO[bytes], *, importer: User) -> ImportReport:
    """Import posts, tags and approved comments from ``file`` (the caller commits)."""
    root = parse(file)
    ns = _namespaces(root)
    channel = root.find("channel")
    if channel is None:
        raise ImportProblem("no <channel> in this file: is it a WordPress export?")
    staff_by_email = {
        user.email: user
        for user in db.session.scalars(
            sa.select(User).where(User.role.in_([Role.STAFF.value, Role.ADMIN.value]))
        )
    }
    authors: dict[str, str | None] = {
        _text(author, "wp:author_login", ns): normalise_email(_text(author, "wp:author_email", ns))
        for author in channel.findall("wp:author", ns)
    }
    report = ImportReport()
    for item in channel.findall("item"):
        if _text(item, "wp:post_type", ns) != "post":
            continue
        _import_post(item, ns, report, importer=importer, staff=staff_by_email, authors=authors)
    return report


def _import_post(
    item: Element,
    ns: dict[str, str],
    report: ImportReport,
    *,
    importer: User,
    staff: dict[str, User],
    authors: dict[str, str | None],
) -> None:
    wp_id = _int(_text(item, "wp:post_id", ns))
    if wp_id is None:
        report.notes.append("an item without a post id was left out")
        return
    post = db.session.scalar(sa.select(Post).where(Post.wp_post_id == wp_id))
    if post is not None:
        report.posts_skipped += 1
    else:
        post = _new_post(item, ns, wp_id, importer=importer, staff=staff, authors=authors)
        report.posts_created += 1
    report.redirects_created += _redirects(item, post)
    _import_comments(item, ns, post, report)


def _new_post(
    item: Element,
    ns: dict[str, str],
    wp_id: int,
    *,
    importer: User,
    staff: dict[str, User],
    authors: dict[str, str | None],
) -> Post:
    title = single_line(_text(item, "title", ns))[:200] or f"Imported article {wp_id}"
    slug_source = _text(item, "wp:post_name", ns) or title
    slug = unique_slug(slugify(slug_source))
    published = _text(item, "wp:status", ns) == "publish"
    when = _date(_text(item, "wp:post_date_gmt", ns)) or _date(_text(item, "wp:post_date", ns))
    source, html = article_html(_text(item, "content:encoded", ns))
    excerpt = single_line(sanitize_comment_html(_text(item, "excerpt:encoded", ns)))
    summary = re.sub(r"<[^>]+>", "", excerpt)[:500]
    author_email = authors.get(_text(item, "dc:creator", ns))
    author = staff.get(author_email or "") or importer
    tag_names = [
        single_line(category.text or "")
        for category in item.findall("category")
        if category.get("domain") in ("post_tag", "category") and (category.text or "").strip()
    ]
    tag_names = [name for name in tag_names if name.lower() != "uncategorized"]
    post = Post(
        title=title,
        slug=slug,
        summary=summary,
        body_source=source,
        body_format=BodyFormat.HTML.value,
        body_html=html,
        author_id=author.id,
        status=(PostStatus.PUBLISHED if published else PostStatus.DRAFT).value,
        publish_at=(when or utcnow()) if published else when,
        wp_post_id=wp_id,
        # Announced long ago on WordPress: the newsletter must not mail old articles.
        announced_at=utcnow() if published else None,
        created_at=when or utcnow(),
        tags=tags_for(list(dict.fromkeys(tag_names))),
    )
    db.session.add(post)
    db.session.flush()
    return post


def _redirects(item: Element, post: Post) -> int:
    link = _text(item, "link", {}).strip()
    path = urlsplit(link).path if link else ""
    if not re.fullmatch(r"/\d{4}/\d{2}/\d{2}/[^/]{1,200}/", path or ""):
        return 0
    exists = db.session.scalar(sa.select(LegacyRedirect.id).where(LegacyRedirect.path == path))
    if exists is not None:
        return 0
    db.session.add(LegacyRedirect(path=path, post_id=post.id))
    return 1


def _import_comments(item: Element, ns: dict[str, str], post: Post, report: ImportReport) -> None:
    entries = []
    for element in item.findall("wp:comment", ns):
        wp_id = _int(_text(element, "wp:comment_id", ns))
        approved = _text(element, "wp:comment_approved", ns) == "1"
        kind = _text(element, "wp:comment_type", ns)
        if wp_id is None or not approved or kind not in ("", "comment"):
            report.comments_left_out += 1
            continue
        entries.append((wp_id, element))
    known = {
        wp_id: comment_id
        for wp_id, comment_id in db.session.execute(
            sa.select(Comment.wp_comment_id, Comment.id).where(
                Comment.wp_comment_id.in_([wp_id for wp_id, _ in entries])
            )
        )
    }
    parents = {wp_id: _int(_text(e, "wp:comment_parent", ns) or "0") for wp_id, e in entries}
    # Oldest first, so a parent is always created before its replies.
    entries.sort(key=lambda entry: (_text(entry[1], "wp:comment_date_gmt", ns), entry[0]))
    created = 0
    for wp_id, element in entries:
        if wp_id in known:
            continue
        parent_wp = parents.get(wp_id)
        # A reply to a comment that was not imported (pending, spam) climbs to the nearest
        # imported ancestor, or becomes a comment of its own.
        seen: set[int] = set()
        while (
            parent_wp and parent_wp not in known and parent_wp in parents and parent_wp not in seen
        ):
            seen.add(parent_wp)
            parent_wp = parents[parent_wp]
        raw = _text(element, "wp:comment_content", ns)
        source = clean_text(raw)
        when = _date(_text(element, "wp:comment_date_gmt", ns)) or _date(
            _text(element, "wp:comment_date", ns)
        )
        comment = Comment(
            post_id=post.id,
            parent_id=known.get(parent_wp) if parent_wp else None,
            guest_name=single_line(_text(element, "wp:comment_author", ns))[:120] or "A reader",
            email=(normalise_email(_text(element, "wp:comment_author_email", ns)) or "")[:254]
            or None,
            body_source=source,
            body_html=sanitize_comment_html(autop(source)),
            status=CommentStatus.APPROVED.value,
            created_at=when or post.publish_at or utcnow(),
            moderated_at=utcnow(),
            wp_comment_id=wp_id,
        )
        db.session.add(comment)
        db.session.flush()
        known[wp_id] = comment.id
        created += 1
    report.comments_created += created
    if created:
        post.version += 1
