"""Importing a WordPress export (WXR, the XML file WordPress's "Export" gives).

What comes in, from any WXR dialect (see ``wxr_reader``):
- posts (``wp:post_type`` ``post``): published ones published at their original date (GMT);
  drafts, pending, scheduled, private and password-protected posts as drafts, never public
  (``Post.source_visibility`` says which were private or password-protected); title
  (decoded once), slug (non-Latin slugs kept readable), excerpt as summary; tags and
  categories as tags; the author matched to a staff account by email, else the importing
  admin;
- the post's HTML as WordPress showed it (``wp_content``), then through the same nh3
  allowlist as everything else. A "Leave a Reply" block (``#respond``, a comment form)
  pasted into a post is dropped whole;
- approved comments (not pingbacks, pending, spam or trash) with their threading, as guest
  comments under their authors' names;
- pages (``wp:post_type`` ``page``) as the site's pages, served at ``/<slug>``, their body
  stored as HTML like an imported article's; published ones published, the others drafts;
- pictures (``wp_media``) from a copy of the uploads folder or their URLs;
- old addresses: each item's own ``<link>`` (whatever the permalink structure),
  ``/?p=ID``, ``/?page_id=ID`` and ``/?attachment_id=ID`` redirect to where the thing lives now.

Everything is scoped to the source site (the export's blog address): WordPress ids and old
addresses are only unique within one site, so any number of sites import side by side.
Running it twice changes nothing: posts and comments are matched by site and WordPress id.

The import reads the file twice, as a stream: first the attachments and the pictures the
posts use (so a gallery can list images that come later in the file), then the posts.
Nothing is written until the whole file has been read without a problem; the caller
commits, or rolls back for a dry run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import IO
from urllib.parse import unquote

import sqlalchemy as sa
from flask import current_app

from portal.blog import legacy, wp_content
from portal.blog.posts import slugify, tags_for, unicode_slug, unique_slug
from portal.blog.wp_media import PICTURE, MediaImporter, upload_path
from portal.blog.wxr_reader import MalformedXml, Node, Reader, ReadProblem, RegexReader
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
    Tag,
    User,
)
from portal.models.pages import Page, PageFormat, PageStatus
from portal.models.types import utcnow


class ImportProblem(ValueError):
    """The file cannot be imported; the message says why."""


@dataclass
class ImportReport:
    """What was (or, in a dry run, would be) imported, per kind, and what was left out."""

    site: str = ""
    dry_run: bool = False
    created: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)
    left_out: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, reason)
    shortcodes: Counter[str] = field(default_factory=Counter)
    missing_images: dict[str, str] = field(default_factory=dict)  # address → reason
    hidden: list[str] = field(default_factory=list)  # private or password-protected posts

    def lines(self) -> list[str]:
        verb = "would be imported" if self.dry_run else "imported"
        lines = [
            f"dry run: nothing was saved ({self.site})" if self.dry_run else f"site: {self.site}"
        ]
        for kind in ("posts", "pages", "comments", "images", "old addresses"):
            lines.append(
                f"{kind} {verb}: {self.created[kind]}, already there: {self.already[kind]}"
            )
        for (kind, reason), count in sorted(self.left_out.items()):
            lines.append(f"left out: {count} {kind} ({reason})")
        for title in self.hidden:
            lines.append(f"kept as a draft (private or password-protected on WordPress): {title}")
        for name, count in sorted(self.shortcodes.items()):
            lines.append(f"shortcode [{name}] removed, its text kept: {count}")
        for address, reason in sorted(self.missing_images.items()):
            lines.append(f"image not brought in ({reason}), shown as a link: {address}")
        return lines


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
    if value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) < 2**31:
        return int(value)
    return None


# --- HTML from WordPress -------------------------------------------------------------------


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
    if not re.search(r"(?i)<form|respond|comment", html):
        return html  # nothing to drop: no need to re-parse
    parser = _DropReplyForm()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def article_html(
    raw: str, media: wp_content.Media | None = None, post_id: int = 0
) -> tuple[str, str, wp_content.Converted]:
    """``(source, sanitized html, conversion notes)`` of a WordPress post body."""
    converted = wp_content.convert(raw, media, post_id=post_id)
    source = clean_text(without_reply_form(converted.html))
    # Emptied by the allowlist (an embedded frame, a form): no blank paragraph left behind.
    html = wp_content.without_empty_paragraphs(sanitize_article_html(source))
    return source, html, converted


# --- the import ----------------------------------------------------------------------------

IMPORTED_KINDS = ("post", "page", "attachment")
_PICTURE_ADDRESS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass
class _Scan:
    """What the first pass learns: the site, its attachments and the pictures posts use."""

    media: wp_content.Media = field(default_factory=wp_content.Media)
    pictures: dict[str, str] = field(default_factory=dict)  # address → alt text
    kinds: Counter[str] = field(default_factory=Counter)
    reader_class: type[Reader] = Reader


def _meta(item: Node, key: str) -> str:
    for meta in item.all("wp:postmeta"):
        if meta.get("wp:meta_key") == key:
            return meta.get("wp:meta_value")
    return ""


def _scan(file: IO[bytes], progress: Callable[[int], None] | None) -> tuple[_Scan, Reader]:
    scan = _Scan()
    for reader_class in (Reader, RegexReader):
        file.seek(0)
        scan = _Scan(reader_class=reader_class)
        reader = reader_class(file, progress)
        try:
            for item in reader.items():
                _scan_item(item, scan)
        except MalformedXml:
            if reader_class is RegexReader:
                raise
            continue
        return scan, reader
    raise AssertionError("unreachable")


def _scan_item(item: Node, scan: _Scan) -> None:
    kind = item.get("wp:post_type").strip()
    scan.kinds[kind] += 1
    wp_id = _int(item.get("wp:post_id"))
    if kind == "attachment" and wp_id is not None:
        url = item.get("wp:attachment_url").strip()
        mime = "image/*" if PICTURE.search(url) else ""
        attachment = wp_content.Attachment(
            wp_id=wp_id,
            url=url,
            title=wp_content.decode_title(item.get("title")).strip(),
            caption=single_line(item.get("excerpt:encoded")),
            alt=single_line(_meta(item, "_wp_attachment_image_alt")),
            parent=_int(item.get("wp:post_parent")) or 0,
            mime=mime,
        )
        scan.media.attachments[wp_id] = attachment
        if attachment.parent:
            scan.media.children.setdefault(attachment.parent, []).append(wp_id)
        if mime:
            scan.pictures.setdefault(url, attachment.alt or attachment.title)
    elif kind in ("post", "page"):
        for address in _PICTURE_ADDRESS.findall(item.get("content:encoded")):
            if PICTURE.search(address.split("?", 1)[0]):
                scan.pictures.setdefault(address.split("?", 1)[0], "")


def import_wxr(
    file: IO[bytes],
    *,
    importer: User,
    media_dir: Path | None = None,
    fetch_media: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``file`` (the caller commits, or rolls back for a dry run)."""
    try:
        scan, reader = _scan(file, progress)
    except ReadProblem as problem:
        raise ImportProblem(str(problem)) from None
    channel = reader.channel
    if not channel.is_rss or not reader.saw_wordpress:
        raise ImportProblem(
            "this is not a WordPress export (WXR): export it from WordPress with "
            "Tools → Export → All content"
        )
    if not any(scan.kinds[kind] for kind in IMPORTED_KINDS):
        raise ImportProblem("nothing to import: this export has no posts, pages or attachments")
    site = legacy.site_key(channel.base_blog_url or channel.link or channel.base_site_url)
    if not site:
        raise ImportProblem("this export does not say which site it comes from (no <link>)")
    report = ImportReport(site=site, dry_run=dry_run)
    media = MediaImporter(
        site, uploader=importer, directory=media_dir, fetch=fetch_media, dry_run=dry_run
    )
    media.bring_in(
        scan.pictures.items(), (attachment.url for attachment in scan.media.attachments.values())
    )
    report.created["images"] = media.result.brought_in + media.result.would_bring
    report.already["images"] = media.result.already_there
    scan.media.image_src = media.image_src
    scan.media.is_upload = lambda url: upload_path(url) is not None
    context = _Context(
        site=site,
        report=report,
        media=scan.media,
        importer=importer,
        staff={
            user.email: user
            for user in db.session.scalars(
                sa.select(User).where(User.role.in_([Role.STAFF.value, Role.ADMIN.value]))
            )
        },
        authors={
            author.get("wp:author_login"): normalise_email(author.get("wp:author_email"))
            for author in channel.authors
        },
    )
    file.seek(0)
    try:
        for item in scan.reader_class(file, progress).items():
            _import_item(item, context)
    except ReadProblem as problem:
        raise ImportProblem(str(problem)) from None
    report.missing_images.update(media.result.left_out)  # the more precise reason
    for kind, count in scan.kinds.items():
        if kind not in IMPORTED_KINDS:
            what = kind or "items without a type"
            report.left_out[(what, "not a post, page or attachment")] += count
    return report


@dataclass
class _Context:
    site: str
    report: ImportReport
    media: wp_content.Media
    importer: User
    staff: dict[str, User]
    authors: dict[str, str | None]


def _import_item(item: Node, context: _Context) -> None:
    kind = item.get("wp:post_type").strip()
    if kind not in IMPORTED_KINDS:
        return
    wp_id = _int(item.get("wp:post_id")) or _query_id(item)
    status = item.get("wp:status").strip()
    if status in ("trash", "auto-draft"):
        context.report.left_out[(f"{kind}s", f"status {status}")] += 1
        return
    if wp_id is None:
        # Some exports have no ids: a post is then known by its old address.
        if kind == "post" and legacy.link_path(item.get("link")) is not None:
            _import_post(item, None, status, context)
        else:
            context.report.left_out[(f"{kind}s", "no id and no address")] += 1
        return
    if kind == "post":
        _import_post(item, wp_id, status, context)
    elif kind == "page":
        _import_page(item, wp_id, status, context)
    else:
        _attachment_addresses(item, wp_id, context)
    # Written to the transaction and no longer needed: memory stays flat on a large export.
    db.session.flush()
    for row in [
        row for row in db.session if isinstance(row, Post | Page | Comment | LegacyRedirect)
    ]:
        db.session.expunge(row)


def _query_id(item: Node) -> int | None:
    """An export without ids still has ``?p=ID`` (or ``?page_id=``) in a plain link or guid."""
    for address in (item.get("link"), item.get("guid")):
        found = re.search(r"[?&](?:p|page_id|attachment_id)=(\d{1,10})\b", address)
        if found:
            return _int(found.group(1))
    return None


def _add_redirect(context: _Context, key: str | None, **target: int) -> None:
    if key is None or len(key) > legacy.PATH_MAX:
        return
    exists = db.session.scalar(
        sa.select(LegacyRedirect.id).where(
            LegacyRedirect.source_site == context.site, LegacyRedirect.path == key
        )
    )
    if exists is not None:
        context.report.already["old addresses"] += 1
        return
    db.session.add(LegacyRedirect(source_site=context.site, path=key, **target))
    context.report.created["old addresses"] += 1


def _attachment_addresses(item: Node, wp_id: int, context: _Context) -> None:
    """An attachment's page and ``/?attachment_id=`` lead to the picture, if it came along."""
    url = item.get("wp:attachment_url").strip()
    src = context.media.image_src(url) if upload_path(url) else None
    if src is None or context.report.dry_run:
        return
    image_id = db.session.scalar(
        sa.select(LegacyRedirect.image_id).where(
            LegacyRedirect.source_site == context.site,
            LegacyRedirect.image_id.is_not(None),
            LegacyRedirect.path
            == legacy.path_key("/wp-content/uploads/" + (upload_path(url) or "")),
        )
    )
    if image_id is None:
        return
    _add_redirect(context, legacy.link_path(item.get("link")), image_id=image_id)
    _add_redirect(context, f"/?attachment_id={wp_id}", image_id=image_id)


def _import_page(item: Node, wp_id: int, status: str, context: _Context) -> None:
    """A WordPress page becomes one of the site's pages, served at ``/<slug>``."""
    report = context.report
    page = db.session.scalar(
        sa.select(Page).where(Page.source_site == context.site, Page.source_id == wp_id)
    )
    if page is not None:
        report.already["pages"] += 1
    else:
        page = _new_page(item, wp_id, status, context)
        report.created["pages"] += 1
    _add_redirect(context, legacy.link_path(item.get("link")), page_id=page.id)
    _add_redirect(context, f"/?page_id={wp_id}", page_id=page.id)
    if comments := item.all("wp:comment"):
        report.left_out[("comments", "on pages: pages here have no comments")] += len(comments)


def _route_prefixes() -> set[str]:
    """First path segments this site's own routes use: a page cannot be ``/blog``."""
    prefixes: set[str] = set()
    for rule in current_app.url_map.iter_rules():
        first = rule.rule.lstrip("/").split("/", 1)[0]
        if first and "<" not in first:
            prefixes.update((first.lower(), first.split(".", 1)[0].lower()))
    return prefixes


def _unique_page_slug(base: str) -> str:
    taken = (
        set(
            db.session.scalars(
                sa.select(Page.slug).where(
                    sa.or_(Page.slug == base, Page.slug.like(f"{base[:190]}-%"))
                )
            )
        )
        | _route_prefixes()
    )
    if base not in taken:
        return base
    number = 2
    while f"{base[:190]}-{number}" in taken:
        number += 1
    return f"{base[:190]}-{number}"


def _new_page(item: Node, wp_id: int, status: str, context: _Context) -> Page:
    title = single_line(wp_content.decode_title(item.get("title")))[:200] or f"Page {wp_id}"
    visibility = "password" if item.get("wp:post_password").strip() else None
    visibility = "private" if status == "private" else visibility
    published = status == "publish" and visibility is None
    if visibility is not None:
        context.report.hidden.append(f"page: {title} ({visibility})")
    when = _date(item.get("wp:post_date_gmt")) or _date(item.get("wp:post_date")) or utcnow()
    source, html, converted = article_html(item.get("content:encoded"), context.media, wp_id)
    context.report.shortcodes.update(converted.removed_shortcodes)
    for address in converted.missing_images:
        context.report.missing_images.setdefault(address, "not found")
    page = Page(
        slug=_unique_page_slug(_page_slug(item, title, wp_id)),
        title=title,
        body=source,
        body_format=PageFormat.HTML.value,
        body_html=html,
        status=(PageStatus.PUBLISHED if published else PageStatus.DRAFT).value,
        menu_order=min(abs(_signed(item.get("wp:menu_order"))), 10_000),
        # Staff choose what the menu shows: a blog can have dozens of pages.
        show_in_menu=False,
        created_at=when,
        published_at=when if published else None,
        source_site=context.site,
        source_id=wp_id,
    )
    db.session.add(page)
    db.session.flush()
    return page


def _page_slug(item: Node, title: str, wp_id: int) -> str:
    """Page addresses are ASCII (the pages' route takes ``[a-z0-9-]``). A page named in
    another alphabet is ``page-<id>``; its old address still leads to it."""
    name = unquote(item.get("wp:post_name").strip()) or title
    slug = slugify(name)[:190]
    if not re.search(r"[a-z]", slug) and re.search(r"[^\W\d_]", name):
        return f"page-{wp_id}"
    return slug or f"page-{wp_id}"


def _signed(value: str) -> int:
    value = value.strip().lstrip("-")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else 0


def _tag_archives(item: Node, context: _Context) -> None:
    """``/tag/<nicename>/`` and ``/category/<nicename>/`` lead to the tag's page."""
    for category in item.all("category"):
        domain = category.attrs.get("domain")
        nicename = category.attrs.get("nicename", "").strip()
        name = single_line(wp_content.decode_title(category.text))[:60]
        if domain not in ("post_tag", "category") or not nicename or not name:
            continue
        tag_id = db.session.scalar(sa.select(Tag.id).where(Tag.slug == unicode_slug(name, 80)))
        if tag_id is not None:
            archive = "tag" if domain == "post_tag" else "category"
            _add_redirect(context, legacy.path_key(f"/{archive}/{nicename}"), tag_id=tag_id)


def _post_slug(item: Node, title: str) -> str:
    name = unquote(item.get("wp:post_name").strip())
    return unicode_slug(name or title) or "article"


def _import_post(item: Node, wp_id: int | None, status: str, context: _Context) -> None:
    report = context.report
    if wp_id is not None:
        found = sa.and_(Post.source_site == context.site, Post.wp_post_id == wp_id)
    else:
        found = Post.id.in_(
            sa.select(LegacyRedirect.post_id).where(
                LegacyRedirect.source_site == context.site,
                LegacyRedirect.path == legacy.link_path(item.get("link")),
            )
        )
    post = db.session.scalar(sa.select(Post).where(found))
    if post is not None:
        report.already["posts"] += 1
    else:
        post = _new_post(item, wp_id, status, context)
        report.created["posts"] += 1
    link = legacy.link_path(item.get("link"))
    _add_redirect(context, link, post_id=post.id)
    if wp_id is not None:
        _add_redirect(context, f"/?p={wp_id}", post_id=post.id)
    # Slugs the post had before (WordPress redirects them too).
    for meta in item.all("wp:postmeta"):
        if meta.get("wp:meta_key") == "_wp_old_slug" and link and "/" in link.strip("/"):
            old = link.rsplit("/", 1)[0] + "/" + legacy.path_key(meta.get("wp:meta_value"))[1:]
            _add_redirect(context, old if old != link else None, post_id=post.id)
    _tag_archives(item, context)
    _import_comments(item, post, context)


def _with_featured_image(item: Node, media: wp_content.Media) -> str:
    """The post's body with its featured image on top, as themes show it, when the picture
    came along and the body does not show it already."""
    content = item.get("content:encoded")
    thumbnail = _int(_meta(item, "_thumbnail_id"))
    attachment = media.attachments.get(thumbnail) if thumbnail else None
    if attachment is None or not attachment.mime or media.image_src(attachment.url) is None:
        return content
    relative = upload_path(attachment.url) or attachment.url
    if relative.rsplit(".", 1)[0] in content:
        return content
    alt = escape(attachment.alt or attachment.title)
    caption = f"<figcaption>{escape(attachment.caption)}</figcaption>"
    figure = f'<figure><img src="{escape(attachment.url)}" alt="{alt}">'
    return f"{figure}{caption if attachment.caption else ''}</figure>\n\n{content}"


def _new_post(item: Node, wp_id: int | None, status: str, context: _Context) -> Post:
    title = single_line(wp_content.decode_title(item.get("title")))[:200]
    title = title or f"Imported article {wp_id or ''}".strip()
    slug = unique_slug(_post_slug(item, title))
    visibility = "password" if item.get("wp:post_password").strip() else None
    visibility = "private" if status == "private" else visibility
    published = status == "publish" and visibility is None
    if visibility is not None:
        context.report.hidden.append(f"{title} ({visibility})")
    when = _date(item.get("wp:post_date_gmt")) or _date(item.get("wp:post_date"))
    raw = _with_featured_image(item, context.media)
    source, html, converted = article_html(raw, context.media, wp_id or 0)
    context.report.shortcodes.update(converted.removed_shortcodes)
    for address in converted.missing_images:
        context.report.missing_images.setdefault(address, "not found")
    excerpt = single_line(sanitize_comment_html(item.get("excerpt:encoded")))
    summary = wp_content.decode_title(excerpt)[:500]
    author_email = context.authors.get(item.get("dc:creator"))
    author = context.staff.get(author_email or "") or context.importer
    tag_names = [
        single_line(wp_content.decode_title(category.text))[:60]  # Tag.name's length
        for category in item.all("category")
        if category.attrs.get("domain") in ("post_tag", "category") and category.text.strip()
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
        source_site=context.site,
        wp_post_id=wp_id,
        source_visibility=visibility,
        # Announced long ago on WordPress: the newsletter must not mail old articles.
        announced_at=utcnow() if published else None,
        created_at=when or utcnow(),
        tags=tags_for(list(dict.fromkeys(tag_names))),
    )
    db.session.add(post)
    db.session.flush()
    return post


_COMMENT_LEFT_OUT = {
    "0": "pending moderation",
    "spam": "spam",
    "trash": "in the trash",
    "post-trashed": "in the trash",
}


def _import_comments(item: Node, post: Post, context: _Context) -> None:
    report = context.report
    entries = []
    for element in item.all("wp:comment"):
        wp_id = _int(element.get("wp:comment_id"))
        approved = element.get("wp:comment_approved").strip()
        kind = element.get("wp:comment_type").strip()
        if wp_id is None:
            report.left_out[("comments", "no comment id")] += 1
        elif kind not in ("", "comment"):
            report.left_out[("comments", f"{kind}s")] += 1
        elif approved != "1":
            report.left_out[("comments", _COMMENT_LEFT_OUT.get(approved, "not approved"))] += 1
        else:
            entries.append((wp_id, element))
    known = {
        wp_id: comment_id
        for wp_id, comment_id in db.session.execute(
            sa.select(Comment.wp_comment_id, Comment.id).where(
                Comment.source_site == context.site,
                Comment.wp_comment_id.in_([wp_id for wp_id, _ in entries]),
            )
        )
    }
    report.already["comments"] += len(known)
    parents = {wp_id: _int(e.get("wp:comment_parent") or "0") for wp_id, e in entries}
    # Oldest first, so a parent is always created before its replies.
    entries.sort(key=lambda entry: (entry[1].get("wp:comment_date_gmt"), entry[0]))
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
        source = clean_text(element.get("wp:comment_content"))
        when = _date(element.get("wp:comment_date_gmt")) or _date(element.get("wp:comment_date"))
        comment = Comment(
            post_id=post.id,
            parent_id=known.get(parent_wp) if parent_wp else None,
            guest_name=single_line(element.get("wp:comment_author"))[:120] or "A reader",
            email=(normalise_email(element.get("wp:comment_author_email")) or "")[:254] or None,
            body_source=source,
            body_html=sanitize_comment_html(wp_content.wpautop(source)),
            status=CommentStatus.APPROVED.value,
            created_at=when or post.publish_at or utcnow(),
            moderated_at=utcnow(),
            source_site=context.site,
            wp_comment_id=wp_id,
        )
        db.session.add(comment)
        db.session.flush()
        known[wp_id] = comment.id
        created += 1
    report.created["comments"] += created
    if created:
        post.version += 1
