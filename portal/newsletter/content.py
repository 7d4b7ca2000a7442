"""Staff-written Markdown (campaigns, tips) as sanitised HTML for the web and for email,
and as plain text for the text part of the same email.

Markdown is rendered by markdown-it-py with raw HTML switched off, then cleaned by nh3 with an
allowlist, so a slip or a paste from elsewhere cannot put script or styles in anyone's mail.
Email clients ignore stylesheets, so the email version has its CSS inlined by css-inline;
the web version is styled by the site's stylesheet. The plain text is made from the same
Markdown tokens, so the two parts of an email never disagree.
"""

from __future__ import annotations

import css_inline
import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": True})

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"https", "http", "mailto"}

# The look of a campaign in an email, inlined into each element (the layout's colours).
EMAIL_CSS = """
p, li { margin: 0 0 12px; }
h2 { font-size: 20px; color: #0b5d57; margin: 24px 0 8px; }
h3, h4 { font-size: 17px; color: #0b5d57; margin: 20px 0 8px; }
a { color: #0b5d57; }
ul, ol { margin: 0 0 12px; padding-left: 24px; }
blockquote { margin: 0 0 12px; padding-left: 12px; border-left: 4px solid #d5d9d6; color: #4d5a60; }
code, pre { font-family: Menlo, Consolas, monospace; font-size: 14px; }
hr { border: 0; border-top: 1px solid #d5d9d6; margin: 24px 0; }
"""


def web_html(markdown: str) -> str:
    """Sanitised HTML for a page of the site (headings start at h2: the page has the h1)."""
    # Shift "# Heading" down a level: the page and the email already have their h1.
    html = _markdown.render(markdown).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def email_html(markdown: str) -> str:
    """The same HTML with its CSS inlined, for the HTML part of an email."""
    return inline_email_css(web_html(markdown))


def inline_email_css(html: str) -> str:
    return css_inline.inline_fragment(html, EMAIL_CSS)


def plain_text(markdown: str) -> str:
    """The text part: paragraphs, lists with dashes or numbers, links as "text (url)"."""
    writer = _TextWriter()
    writer.walk(_markdown.parse(markdown))
    return writer.result()


class _TextWriter:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.lists: list[list[int | None]] = []  # per open list: [next number or None]
        self.quote = 0
        self.item_prefix: str | None = None
        self.in_list_block = False  # the last block is a list: its items join it line by line

    def result(self) -> str:
        return "\n\n".join(block for block in self.blocks if block.strip()) + "\n"

    def _add(self, text: str) -> None:
        indent = "  " * max(0, len(self.lists) - 1)
        prefix = self.item_prefix
        self.item_prefix = None
        lines = text.split("\n")
        if prefix is not None:
            first = indent + prefix + lines[0]
            rest = [indent + " " * len(prefix) + line for line in lines[1:]]
            lines = [first, *rest]
        elif self.lists:
            lines = [indent + "  " + line for line in lines]
        if self.quote:
            lines = ["> " * self.quote + line for line in lines]
        if self.lists and self.in_list_block:
            self.blocks[-1] += "\n" + "\n".join(lines)
        else:
            self.blocks.append("\n".join(lines))
        self.in_list_block = bool(self.lists)

    def walk(self, tokens: list[Token]) -> None:
        heading: str | None = None
        for token in tokens:
            kind = token.type
            if kind == "heading_open":
                heading = token.tag
            elif kind == "inline":
                text = _inline_text(token.children or [])
                if heading is not None:
                    underline = "=" if heading in ("h1", "h2") else "-"
                    text = f"{text}\n{underline * min(len(text), 70)}"
                self._add(text)
            elif kind == "heading_close":
                heading = None
            elif kind in ("bullet_list_open", "ordered_list_open"):
                start = token.attrGet("start")
                number = int(start) if isinstance(start, int | str) and str(start).isdigit() else 1
                self.lists.append([number if kind == "ordered_list_open" else None])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
                self.in_list_block = bool(self.lists)
            elif kind == "list_item_open":
                counter = self.lists[-1]
                if counter[0] is None:
                    self.item_prefix = "- "
                else:
                    self.item_prefix = f"{counter[0]}. "
                    counter[0] += 1
            elif kind == "blockquote_open":
                self.quote += 1
            elif kind == "blockquote_close":
                self.quote -= 1
            elif kind in ("fence", "code_block"):
                self._add(
                    "\n".join("    " + line for line in token.content.rstrip("\n").split("\n"))
                )
            elif kind == "hr":
                self._add("-" * 20)


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    link: tuple[str, int] | None = None
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(child.content or "")
        elif kind == "link_open":
            link = (str(child.attrGet("href") or ""), len(parts))
        elif kind == "link_close" and link is not None:
            href, start = link
            label = "".join(parts[start:])
            if href and href != label and not href.startswith("#"):
                parts.append(f" ({href.removeprefix('mailto:')})")
            link = None
    return "".join(parts)
