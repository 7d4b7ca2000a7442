"""From what people write to HTML that is safe to show: one module for articles, comments and
imported WordPress posts.

Markdown goes through markdown-it-py with raw HTML switched off, then every result (and every
piece of imported HTML) through nh3 with an allowlist. The allowlist is the guarantee; the
Markdown settings only keep the output tidy. Nothing is trusted because of who wrote it:
staff articles go through the same cleaner as a guest's comment, only with more tags.

- Articles: headings, paragraphs, lists, links, emphasis, code, blockquotes, tables, and
  images served by this site from ``/blog/images/`` (no hot-linking, no tracking pixels).
- Comments: paragraphs, emphasis, links, lists and code. Links get
  ``rel="nofollow ugc noopener"`` so a comment cannot lend the site's standing to spam.
- URLs: http, https and mailto, or relative; ``javascript:``, ``data:``, ``vbscript:`` and
  anything else are removed, whatever their spelling (nh3 parses before it checks).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt

# What an article image's address must look like: one of ours, content-hashed.
IMAGE_PATH = re.compile(r"^/blog/images/[0-9a-f]{32}\.(?:jpg|png|webp)$")

URL_SCHEMES = {"http", "https", "mailto"}

ARTICLE_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "a", "em",
    "strong", "del", "code", "pre", "blockquote", "img", "table", "thead", "tbody", "tr",
    "th", "td",
}  # fmt: skip
COMMENT_TAGS = {"p", "br", "ul", "ol", "li", "a", "em", "strong", "code", "pre"}

ARTICLE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
COMMENT_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}

# Removed with everything inside them (their text would be junk or a trap).
DROPPED_WITH_CONTENT = {"script", "style", "template", "form", "textarea", "select", "button"}


_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


def _looks_unsafe(url: str) -> bool:
    """Belt and braces over nh3's scheme check: the URL with percent-escapes and entities
    decoded and blanks removed must not start with a script-capable scheme."""
    decoded = unquote(html.unescape(url)).lower()
    squeezed = "".join(ch for ch in decoded if ch.isprintable() and not ch.isspace())
    return squeezed.startswith(_UNSAFE_SCHEMES)


def _article_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and _looks_unsafe(value):
        return None
    if tag == "img" and attribute == "src":
        return value if IMAGE_PATH.match(value) else None
    if attribute == "align":
        return value if value in ("left", "right", "center") else None
    if attribute == "start":
        return value if value.isdigit() and len(value) < 7 else None
    return value


def _comment_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href" and _looks_unsafe(value):
        return None
    if attribute == "start":
        return value if value.isdigit() and len(value) < 7 else None
    return value


_ARTICLE_CLEANER = nh3.Cleaner(
    tags=ARTICLE_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ARTICLE_ATTRIBUTES,
    attribute_filter=_article_attribute,
    url_schemes=URL_SCHEMES,
    link_rel="noopener",
    set_tag_attribute_values={"img": {"loading": "lazy"}},
)
_COMMENT_CLEANER = nh3.Cleaner(
    tags=COMMENT_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=COMMENT_ATTRIBUTES,
    attribute_filter=_comment_attribute,
    url_schemes=URL_SCHEMES,
    link_rel="nofollow ugc noopener",
)

_ARTICLE_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_COMMENT_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(
    ["image", "heading", "lheading", "hr"]
)

# Links in a comment's source, for the "more than two links" moderation rule: anything a
# reader could follow, written as a URL or as a Markdown link.
_LINKISH = re.compile(r"(?i)\b(?:https?://|www\.)")


def sanitize_article_html(html: str) -> str:
    return _ARTICLE_CLEANER.clean(html)


def sanitize_comment_html(html: str) -> str:
    return _COMMENT_CLEANER.clean(html)


def render_article_markdown(source: str) -> str:
    return sanitize_article_html(_ARTICLE_MARKDOWN.render(source))


def render_comment_markdown(source: str) -> str:
    return sanitize_comment_html(_COMMENT_MARKDOWN.render(source))


def render_article(source: str, body_format: str) -> str:
    """An article's body as safe HTML (``body_format``: ``markdown`` or ``html``)."""
    if body_format == "html":
        return sanitize_article_html(source)
    return render_article_markdown(source)


def count_links(source: str) -> int:
    return len(_LINKISH.findall(source))


@dataclass(frozen=True)
class Rendered:
    source: str
    html: str


def comment_body(source: str) -> Rendered:
    return Rendered(source, render_comment_markdown(source))
