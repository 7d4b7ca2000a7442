"""A WordPress post body as it read on WordPress, in HTML the article allowlist keeps.

WordPress stores a classic post with blank lines for paragraphs and runs three filters when
it shows one: shortcodes (``[caption]``, ``[gallery]``…), auto-embeds (a YouTube address
alone on its line becomes a player) and ``wpautop`` (paragraphs and line breaks). A block
editor (Gutenberg) post is stored as finished HTML between ``<!-- wp:… -->`` comments, and
WordPress does not run ``wpautop`` on it. This module does the same, in that order:

- block comments are removed, and a post that had them is not re-wrapped;
- ``wpautop`` follows WordPress's rules: paragraphs around text, not around block elements;
  ``<br>`` for single newlines, but nothing inside ``<pre>``, ``<script>``, ``<style>`` or
  ``<textarea>`` and no break between list items or table cells;
- ``[caption]`` becomes a figure with its caption, ``[gallery]`` a figure of its images,
  ``[audio]``/``[video]``/``[embed]`` and video addresses on their own line a link that says
  what it leads to (the article allowlist has no players). Other shortcodes are removed with
  their inner text kept, and named in the import report; an escaped ``[[name]]`` is text;
- every ``<img>`` is pointed at the imported copy of its picture, or, when the picture could
  not be brought in, replaced by a link to where it was, named by its alt text or caption.

Shortcodes inside ``<pre>`` and ``<code>`` are code samples and are left alone.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

# --- wpautop ---------------------------------------------------------------------------------

_ALL_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre"
    r"|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section"
    r"|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
_PROTECTED = re.compile(
    r"<(pre|script|style|textarea)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->\n?", re.DOTALL)


def strip_block_comments(text: str) -> str:
    return _BLOCK_COMMENT.sub("", text)


def has_blocks(text: str) -> bool:
    return "<!-- wp:" in text


def wpautop(text: str) -> str:
    """Paragraphs and line breaks the way WordPress's ``wpautop`` makes them."""
    if not text.strip():
        return ""
    protected: list[str] = []

    def protect(match: re.Match[str]) -> str:
        protected.append(match.group(0))
        return f"<pre wp-protected-{len(protected) - 1}></pre>"

    text = _PROTECTED.sub(protect, text.replace("\r\n", "\n").replace("\r", "\n")) + "\n"
    # Newlines inside a tag's attributes are not line breaks.
    text = re.sub(r"<[^<>]*>", lambda m: m.group(0).replace("\n", " "), text)
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(rf"(<{_ALL_BLOCKS}[\s/>])", r"\n\n\1", text, flags=re.IGNORECASE)
    text = re.sub(rf"(</{_ALL_BLOCKS}>)", r"\1\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<hr\s*?/?>", "<hr>\n\n", text, flags=re.IGNORECASE)
    # No paragraphs around the parts of a figure.
    text = re.sub(r"\s*(</?figcaption[^>]*>)\s*", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [part for part in re.split(r"\n\s*\n", text) if part.strip()]
    text = "".join(f"<p>{part.strip(chr(10))}</p>\n" for part in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(rf"<p>\s*(</?{_ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(rf"<p>\s*(</?{_ALL_BLOCKS}[^>]*>)", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(rf"(</?{_ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(r"<br\s*/?>", "<br>", text, flags=re.IGNORECASE)
    text = re.sub(r"(?<!<br>)\s*\n", "<br>\n", text)
    text = re.sub(rf"(</?{_ALL_BLOCKS}[^>]*>)\s*<br>", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(
        r"<br>(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text, flags=re.IGNORECASE
    )
    text = re.sub(r"\n</p>$", "</p>", text)
    text = re.sub(r"<br>\n(\s*)$", r"\n\1", text)
    return re.sub(
        r"<pre wp-protected-(\d+)></pre>", lambda m: protected[int(m.group(1))], text
    ).strip()


# --- shortcodes ------------------------------------------------------------------------------

_KNOWN = {
    "caption", "wp_caption", "gallery", "audio", "video", "embed", "playlist", "youtube",
    "vimeo", "soundcloud", "spotify", "twitter", "tweet", "instagram", "googlemaps",
    "contact-form", "contact-form-7", "contact-field", "gravityform", "wpforms", "code",
    "sourcecode", "source", "archives", "sitemap", "recipe", "polldaddy", "slideshow",
    "toc", "column", "one_half", "one_third", "row", "button", "quote", "blog-subscription",
}  # fmt: skip


@functools.lru_cache(maxsize=128)
def _shortcode_regex(names: str, attributes: str, enclosing: bool) -> re.Pattern[str]:
    """WordPress's get_shortcode_regex(): [[escaped]], [name attrs], [name attrs /], and
    (``enclosing``) [name attrs]content[/name]. The enclosing form is only looked for with
    names whose closing tag the text has: an opening tag never scans the rest of a long
    post for a closing tag that is not there."""
    if enclosing:
        rest = r"(?:(/)\]|\]((?:[^\[]|\[(?!/\2\]))*?)\[/\2\])(\]?)"
    else:
        rest = r"(?:(/)\]|\])(?:(?!)(.))?(\]?)"  # group 5 (content) never takes part
    return re.compile(rf"\[(\[?)({names})(?![\w-])({attributes}){rest}", re.DOTALL)


def _names(names: Iterable[str]) -> str:
    return "|".join(sorted(map(re.escape, names), key=len, reverse=True))


_SHORTCODE_ATTRIBUTE = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)"""
)
# Registered shortcodes: attributes as loose as WordPress allows them.
_KNOWN_ATTRIBUTES = r"[^\]/]*(?:/(?!\])[^\]/]*)*?"
# Any other name: WordPress would show it as text unless a plugin registered it. Only
# well-formed ``key=value`` attributes on one line make it a shortcode, so ``[see p. 4]``,
# a URL with brackets or a code sample are left alone.
_OTHER_ATTRIBUTES = (
    r"""(?:[ \t]+[\w-]+[ \t]*=[ \t]*(?:"[^"\n<>]*"|'[^'\n<>]*'|[^\s\]"'<>/]+))*[ \t]*"""
)
_ANY_NAME = r"[A-Za-z][\w-]*"
_CLOSING = re.compile(r"\[/([A-Za-z][\w-]*)\]")
_CODE_SPANS = re.compile(r"(<(pre|code)\b[^>]*>.*?</\2\s*>)", re.IGNORECASE | re.DOTALL)


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    """``change`` applied to the text outside ``<pre>`` and ``<code>`` elements."""
    parts = _CODE_SPANS.split(text)
    # split() gives [text, element, tag name, text, …]: every third part is a tag name.
    return "".join(
        change(part) if index % 3 == 0 else part
        for index, part in enumerate(parts)
        if index % 3 != 2
    )


def shortcode_attributes(text: str) -> dict[str, str]:
    """``' id="5" align=left "positional"'`` → ``{"id": "5", "align": "left", "0": …}``."""
    found: dict[str, str] = {}
    position = 0
    for match in _SHORTCODE_ATTRIBUTE.finditer(text.replace("\u00a0", " ")):
        groups = match.groups()
        if groups[0]:
            found[groups[0].lower()] = groups[1]
        elif groups[2]:
            found[groups[2].lower()] = groups[3]
        elif groups[4]:
            found[groups[4].lower()] = groups[5]
        else:
            value = next(g for g in groups[6:] if g is not None)
            found[str(position)] = value
            position += 1
    return found


# --- embeds ----------------------------------------------------------------------------------

_PROVIDERS = (
    (("youtube.com", "youtu.be", "youtube-nocookie.com"), "Video on YouTube"),
    (("vimeo.com",), "Video on Vimeo"),
    (("dailymotion.com", "dai.ly"), "Video on Dailymotion"),
    (("wordpress.tv", "videopress.com"), "Video on VideoPress"),
    (("ted.com",), "Talk on TED"),
    (("tiktok.com",), "Video on TikTok"),
    (("twitter.com", "x.com"), "Post on X (Twitter)"),
    (("instagram.com",), "Post on Instagram"),
    (("facebook.com",), "Post on Facebook"),
    (("soundcloud.com",), "Audio on SoundCloud"),
    (("spotify.com",), "Listen on Spotify"),
    (("mixcloud.com",), "Audio on Mixcloud"),
    (("flickr.com", "flic.kr"), "Photo on Flickr"),
    (("slideshare.net",), "Slides on SlideShare"),
    (("google.com",), "Map on Google"),
)
_OWN_LINE_URL = re.compile(
    r"^(\s*)(?:<p>\s*)?(https?://[^\s<>\"]+)(?:\s*</p>)?(\s*)$", re.MULTILINE
)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def provider_label(url: str) -> str | None:
    host = _host(url)
    for hosts, label in _PROVIDERS:
        if any(host == h or host.endswith("." + h) for h in hosts):
            return label
    return None


def _file_name(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0]
    return unquote(path.rstrip("/").rsplit("/", 1)[-1]) or url


def media_link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(label)}</a>'


def embed_link(url: str) -> str:
    """What a media address on its own line becomes: a link that says what it leads to."""
    url = html.unescape(url.strip())
    label = provider_label(url)
    if label is None:
        host = _host(url) or url
        label = f"{_file_name(url)} ({host})"
    return media_link(url, label)


# --- the conversion --------------------------------------------------------------------------


@dataclass
class Attachment:
    """A WordPress attachment (a file in the media library) as the post bodies need it."""

    wp_id: int
    url: str
    title: str = ""
    caption: str = ""
    alt: str = ""
    parent: int = 0
    mime: str = ""


@dataclass
class Media:
    """Where the pictures went: ``image_src(url)`` is this site's address of the copy of the
    picture at ``url`` (any of its WordPress size variants), or None."""

    image_src: Callable[[str], str | None] = lambda url: None
    is_upload: Callable[[str], bool] = lambda url: False
    attachments: dict[int, Attachment] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class Converted:
    html: str
    removed_shortcodes: Counter[str] = field(default_factory=Counter)
    missing_images: list[str] = field(default_factory=list)


class _Converter:
    def __init__(self, media: Media, post_id: int) -> None:
        self.media = media
        self.post_id = post_id
        self.removed: Counter[str] = Counter()
        self.missing: list[str] = []

    # shortcodes

    def shortcodes(self, text: str) -> str:
        def change(part: str) -> str:
            closers = set(_CLOSING.findall(part))
            known = {name for name in closers if name.lower() in _KNOWN}
            if known:
                pattern = _shortcode_regex(_names(known), _KNOWN_ATTRIBUTES, True)
                part = pattern.sub(self._shortcode, part)
            pattern = _shortcode_regex(_names(_KNOWN), _KNOWN_ATTRIBUTES, False)
            part = pattern.sub(self._shortcode, part)
            if others := closers - known:
                pattern = _shortcode_regex(_names(others), _OTHER_ATTRIBUTES, True)
                part = pattern.sub(self._other_shortcode, part)
            pattern = _shortcode_regex(_ANY_NAME, _OTHER_ATTRIBUTES, False)
            return pattern.sub(self._other_shortcode, part)

        return _outside_code(text, change)

    def _other_shortcode(self, match: re.Match[str]) -> str:
        # A registered name left after the first pass is text (an escaped [[gallery]]).
        return match.group(0) if match.group(2).lower() in _KNOWN else self._shortcode(match)

    def _shortcode(self, match: re.Match[str]) -> str:
        opening, name, raw_attributes, self_closing, content, closing = match.groups()
        if opening == "[" and closing == "]":
            return match.group(0)[1:-1]  # [[name]] is how WordPress writes a literal [name]
        name = name.lower()
        attributes = shortcode_attributes(raw_attributes or "")
        enclosed = content is not None
        named = any(not key.isdigit() for key in attributes)
        if name not in _KNOWN and not named and not enclosed and not self_closing:
            return match.group(0)  # [sic], [citation needed]: bracketed text, not a shortcode
        prefix, suffix = opening, closing
        inner = self.shortcodes(content) if content else ""
        handler = getattr(self, f"_sc_{name.replace('-', '_')}", None)
        if name in ("caption", "wp_caption"):
            result = self._caption(attributes, inner)
        elif handler is not None:
            result = handler(attributes, inner)
        else:
            self.removed[name] += 1
            result = inner
        return f"{prefix}{result}{suffix}"

    def _caption(self, attributes: dict[str, str], inner: str) -> str:
        caption = attributes.get("caption", "")
        if not caption:
            # WordPress 3.4+: the caption is the text after the image (or its link).
            found = re.match(
                r"\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)", inner, re.DOTALL
            )
            if found:
                inner, caption = found.group(1), found.group(2).strip()
        return f"<figure>{inner.strip()}<figcaption>{caption}</figcaption></figure>"

    def _sc_gallery(self, attributes: dict[str, str], inner: str) -> str:
        ids_text = attributes.get("ids") or attributes.get("include") or ""
        ids = [int(i) for i in re.findall(r"\d{1,10}", ids_text)]
        if not ids:
            parent = int(attributes["id"]) if attributes.get("id", "").isdigit() else self.post_id
            ids = self.media.children.get(parent, [])
            excluded = set(re.findall(r"\d{1,10}", attributes.get("exclude", "")))
            ids = [i for i in ids if str(i) not in excluded]
        figures = []
        for wp_id in ids:
            attachment = self.media.attachments.get(wp_id)
            if attachment is None or not attachment.mime.startswith("image/"):
                continue
            alt = html.escape(attachment.alt or attachment.title)
            picture = f'<img src="{html.escape(attachment.url)}" alt="{alt}">'
            caption = f"<figcaption>{html.escape(attachment.caption)}</figcaption>"
            figures.append(f"<figure>{picture}{caption if attachment.caption else ''}</figure>")
        if not figures:
            self.removed["gallery (no images found)"] += 1
        return "\n".join(figures)

    def _media(self, attributes: dict[str, str], inner: str, kind: str) -> str:
        url = attributes.get("src") or next(
            (value for key, value in attributes.items() if key.isalnum() and "://" in value), ""
        )
        url = url or inner.strip()
        if not url.startswith(("http://", "https://", "/")):
            self.removed[kind.lower()] += 1
            return ""
        return media_link(html.unescape(url), f"{kind}: {_file_name(url)}")

    def _sc_audio(self, attributes: dict[str, str], inner: str) -> str:
        return self._media(attributes, inner, "Audio")

    def _sc_video(self, attributes: dict[str, str], inner: str) -> str:
        return self._media(attributes, inner, "Video")

    def _sc_playlist(self, attributes: dict[str, str], inner: str) -> str:
        ids = [int(i) for i in re.findall(r"\d{1,10}", attributes.get("ids", ""))]
        kind = "Video" if attributes.get("type") == "video" else "Audio"
        links = [
            f"<li>{media_link(a.url, f'{kind}: {a.title or _file_name(a.url)}')}</li>"
            for a in (self.media.attachments.get(i) for i in ids)
            if a is not None
        ]
        return f"<ul>{''.join(links)}</ul>" if links else ""

    def _sc_embed(self, attributes: dict[str, str], inner: str) -> str:
        url = inner.strip() or attributes.get("src", "") or attributes.get("0", "")
        return embed_link(url) if url.startswith(("http://", "https://")) else ""

    def _sc_youtube(self, attributes: dict[str, str], inner: str) -> str:
        url = attributes.get("0") or attributes.get("url") or inner.strip()
        url = url.split("&amp;", 1)[0]
        return embed_link(url) if url.startswith(("http://", "https://")) else ""

    _sc_vimeo = _sc_youtube

    # images

    def images(self, text: str) -> str:
        text = re.sub(
            r"(<a\b[^>]*>)\s*(<img\b[^>]*>)\s*</a>", self._linked_image, text, flags=re.IGNORECASE
        )
        text = re.sub(r"<a\b[^>]*>", lambda m: self._link(m.group(0)), text, flags=re.IGNORECASE)
        return re.sub(r"<img\b[^>]*>", lambda m: self._image(m.group(0)), text, flags=re.IGNORECASE)

    def _linked_image(self, match: re.Match[str]) -> str:
        """A picture inside a link (WordPress links a thumbnail to the full size): when the
        picture cannot be shown, one link, not a link inside a link."""
        picture = self._image(match.group(2))
        if picture.startswith("<img"):
            return f"{self._link(match.group(1))}{picture}</a>"
        return picture

    def _link(self, tag: str) -> str:
        """A link to a picture file points at this site's copy when there is one."""
        href = _html_attributes(tag).get("href", "")
        local = self.media.image_src(href) if _is_picture_file(href) else None
        return f'<a href="{local}">' if local else tag

    def _image(self, tag: str) -> str:
        """This site's copy of the picture, or a link to where it was, named."""
        attributes = _html_attributes(tag)
        src = attributes.get("src", "").strip()
        alt = attributes.get("alt", "").strip()
        if src.startswith("/blog/images/"):
            return tag  # already this site's copy
        local = self.media.image_src(src) if src else None
        if local is None and (found := re.search(r"wp-image-(\d+)", attributes.get("class", ""))):
            attachment = self.media.attachments.get(int(found.group(1)))
            if attachment is not None:
                local = self.media.image_src(attachment.url)
                alt = alt or attachment.alt
        if local is not None:
            title = attributes.get("title", "")
            title_attribute = f' title="{html.escape(title)}"' if title else ""
            return f'<img src="{local}" alt="{html.escape(alt)}"{title_attribute}>'
        name = alt or attributes.get("title", "")
        if not name and not self.media.is_upload(src):
            return ""  # a nameless picture from elsewhere: a tracking pixel or a spacer
        if src:
            self.missing.append(src)
        name = name or _file_name(src) if src else name or "a picture"
        if not src.startswith(("http://", "https://")):
            return html.escape(name)
        return f'<a href="{html.escape(src)}">{html.escape(f"Picture: {name}")}</a>'


def _is_picture_file(url: str) -> bool:
    return bool(re.search(r"\.(?:jpe?g|png|gif|webp)(?:\?.*)?$", url, re.IGNORECASE))


_HTML_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _html_attributes(tag: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _HTML_ATTRIBUTE.finditer(tag[tag.find(" ") :] if " " in tag else "")
    }


def convert(raw: str, media: Media | None = None, *, post_id: int = 0) -> Converted:
    """A WordPress post body (as stored in the export) as the HTML WordPress would show."""
    converter = _Converter(media or Media(), post_id)
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    block_post = has_blocks(text)
    text = strip_block_comments(text)
    text = re.sub(r"<!--\s*(?:more|nextpage|noteaser)\b.*?-->", "", text, flags=re.DOTALL)
    text = converter.shortcodes(text)
    text = _outside_code(
        text,
        lambda part: _OWN_LINE_URL.sub(
            lambda m: f"{m.group(1)}{embed_link(m.group(2))}{m.group(3)}", part
        ),
    )
    if not block_post:
        text = wpautop(text)
    text = clean_pre(converter.images(text))
    return Converted(text, converter.removed, converter.missing)


def clean_pre(text: str) -> str:
    """Line breaks inside ``<pre>`` as newlines (the block editor writes ``<br>`` there; an
    old post may have had ``<p>`` put inside): the code reads the same, single-spaced."""

    def clean(match: re.Match[str]) -> str:
        inner = re.sub(r"<br\s*/?>\n?", "\n", match.group(2), flags=re.IGNORECASE)
        inner = re.sub(r"</p>\s*<p>", "\n\n", inner, flags=re.IGNORECASE)
        inner = re.sub(r"</?p>", "", inner, flags=re.IGNORECASE)
        return match.group(1) + inner + match.group(3)

    return re.sub(r"(<pre\b[^>]*>)(.*?)(</pre>)", clean, text, flags=re.IGNORECASE | re.DOTALL)


def without_empty_paragraphs(text: str) -> str:
    return re.sub(r"<p>\s*(?:<br>\s*)*</p>\n?", "", text)


def decode_title(raw: str) -> str:
    """A title as WordPress shows it: its entities decoded once, tags dropped."""
    return html.unescape(re.sub(r"<[^>]*>", "", raw))
