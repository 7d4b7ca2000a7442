"""Reading a WordPress export (WXR) as a stream of items, whatever its dialect.

WXR 1.0, 1.1 and 1.2 differ in the version of the ``wp`` namespace, and exports since 2019
write ``https://wordpress.org/export/1.2/`` where older ones write ``http://``. Real exports
also use prefixes they never declare: WordPress.com writes ``<atom:link …>`` into the
channel without ``xmlns:atom``, which a namespace-aware parser refuses ("unbound prefix").
WordPress's own importer reads such files: its XML fallback parser (``WXR_Parser_XML``)
runs expat without namespace processing and matches names like ``wp:post_id`` literally.
This reader does the same, so no namespace URI and no undeclared prefix can make an export
unreadable. A file that binds a WordPress namespace to an unusual prefix is read too: the
prefixes declared on ``<rss>`` are mapped to the usual ones by their URI.

The parser is defusedxml's SAX parser (no entity expansion, no external entities, no DTD
fetching), fed in chunks: each ``<item>`` is handed over as soon as it is complete and then
dropped, so memory stays flat however large the export is.

Some exports are not well-formed XML at all (a ``]]>`` inside a CDATA section, a stray
``&`` from an old plugin). WordPress's importer then falls back to reading the file with
regular expressions (``WXR_Parser_Regex``); ``RegexReader`` does the same, item by item,
when the XML parser finds the file malformed (never when it refuses an entity or a DTD:
those stay refused).
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO
from xml.sax import SAXException  # noqa: S406 (exception type only; parsing is defusedxml)
from xml.sax.handler import ContentHandler  # noqa: S406 (base class; parsing is defusedxml)
from xml.sax.xmlreader import AttributesImpl  # noqa: S406 (type only)

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser

CHUNK = 64 * 1024

# The usual prefix for each namespace a WXR file uses, by the start of its URI.
_USUAL_PREFIX = (
    (re.compile(r"^https?://wordpress\.org/export/[\d.]+/excerpt/?$"), "excerpt"),
    (re.compile(r"^https?://wordpress\.org/export/[\d.]+/?$"), "wp"),
    (re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/?$"), "content"),
    (re.compile(r"^https?://purl\.org/dc/elements/1\.1/?$"), "dc"),
)


class ReadProblem(ValueError):
    """The file cannot be read as XML (or is refused); the message says why."""


@dataclass
class Node:
    """One element: its (prefixed) name, attributes, text and child elements."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def first(self, tag: str) -> Node | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def get(self, tag: str) -> str:
        found = self.first(tag)
        return found.text if found is not None else ""

    def all(self, tag: str) -> list[Node]:
        return [child for child in self.children if child.tag == tag]


@dataclass
class Channel:
    """What the export says about its site, gathered from outside the items."""

    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""
    is_rss: bool = False
    authors: list[Node] = field(default_factory=list)


class _Handler(ContentHandler):
    def __init__(self, on_item: Callable[[Node], None]) -> None:
        super().__init__()
        self.on_item = on_item
        self.channel = Channel()
        self.renames: dict[str, str] = {}
        self.path: list[str] = []
        self.stack: list[Node] = []  # open elements of the current item or channel field
        self.text: list[list[str]] = []
        self.saw_wordpress = False

    def _name(self, name: str) -> str:
        prefix, colon, local = name.partition(":")
        if colon and prefix in self.renames:
            return f"{self.renames[prefix]}:{local}"
        return name

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802 (SAX API)
        values = {key: attrs[key] for key in attrs.getNames()}
        if not self.path:
            self.channel.is_rss = name == "rss"
            for key, uri in values.items():
                if key.startswith("xmlns:"):
                    for pattern, usual in _USUAL_PREFIX:
                        if pattern.match(uri.strip()):
                            self.renames[key[6:]] = usual
                            break
        name = self._name(name)
        if name.startswith("wp:"):
            self.saw_wordpress = True
        self.path.append(name)
        depth = len(self.path)
        collecting = self.stack or (depth == 3 and self.path[1] == "channel")
        if collecting:
            node = Node(name, values)
            if self.stack:
                self.stack[-1].children.append(node)
            self.stack.append(node)
            self.text.append([])

    def characters(self, content: str) -> None:
        if self.text:
            self.text[-1].append(content)

    def endElement(self, name: str) -> None:  # noqa: N802 (SAX API)
        self.path.pop()
        if not self.stack:
            return
        node = self.stack.pop()
        node.text = "".join(self.text.pop())
        if self.stack:
            return
        if node.tag == "item":
            self.on_item(node)
        else:
            self.channel_field(node)

    def channel_field(self, node: Node) -> None:
        channel = self.channel
        if node.tag == "wp:author":
            channel.authors.append(node)
        elif node.tag in ("title", "link") and not getattr(channel, node.tag):
            setattr(channel, node.tag, node.text.strip())
        elif node.tag == "wp:base_site_url":
            channel.base_site_url = node.text.strip()
        elif node.tag == "wp:base_blog_url":
            channel.base_blog_url = node.text.strip()
        elif node.tag == "wp:wxr_version":
            channel.wxr_version = node.text.strip()


class Reader:
    """``for item in Reader(file).items(): …``; ``channel`` is complete once items are read.

    ``progress`` is called with the number of bytes read after each chunk.
    """

    def __init__(self, file: IO[bytes], progress: Callable[[int], None] | None = None) -> None:
        self.file = file
        self.progress = progress
        self.channel = Channel()
        self.saw_wordpress = False

    def items(self) -> Iterator[Node]:
        ready: list[Node] = []
        handler = _Handler(ready.append)
        parser = make_parser()
        parser.setContentHandler(handler)
        self.channel = handler.channel
        try:
            while chunk := self.file.read(CHUNK):
                parser.feed(chunk)
                if self.progress is not None:
                    self.progress(len(chunk))
                yield from ready
                ready.clear()
            parser.close()
        except SAXException as error:
            raise MalformedXml(f"not a readable XML file: {error.getMessage()}") from None
        except DefusedXmlException as error:  # entities, external references
            raise ReadProblem(f"refused: {error.__class__.__name__}: {error}") from None
        yield from ready
        self.saw_wordpress = handler.saw_wordpress


class MalformedXml(ReadProblem):
    """Not well-formed XML: the tolerant reader may still read it."""


_ELEMENT = re.compile(r"<([A-Za-z_][\w.-]*(?::[\w.-]+)?)((?:\s[^<>]*?)?)(/?)>", re.DOTALL)
_ATTRIBUTE = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CHARREF = re.compile(r"&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


def _xml_text(raw: str) -> str:
    """Character data as an XML parser would give it: CDATA kept as is, the five entities and
    character references decoded, nothing else expanded."""
    stripped = raw.strip()
    if stripped.startswith("<![CDATA[") and stripped.endswith("]]>"):
        return stripped[9:-3].replace("]]]]><![CDATA[>", "]]>")
    return _CHARREF.sub(lambda match: html.unescape(match.group(0)), raw)


def _regex_children(text: str, depth: int = 0) -> list[Node]:
    nodes: list[Node] = []
    position = 0
    while (match := _ELEMENT.search(text, position)) is not None:
        name, attributes, empty = match.groups()
        attrs = {
            m.group(1): m.group(2) or m.group(3) or "" for m in _ATTRIBUTE.finditer(attributes)
        }
        if empty:
            nodes.append(Node(name, attrs))
            position = match.end()
            continue
        start = match.end()
        closing = f"</{name}>"
        if text[start : start + 200].lstrip().startswith("<![CDATA["):
            end = text.find("]]>" + closing, start)
            end = end + 3 if end != -1 else text.find(closing, start)
        else:
            end = text.find(closing, start)
        if end == -1:
            position = start
            continue
        inner = text[start:end]
        node = Node(name, attrs)
        if depth < 3 and "<" in inner and not inner.lstrip().startswith("<![CDATA["):
            node.children = _regex_children(inner, depth + 1)
        node.text = _xml_text(inner) if not node.children else ""
        nodes.append(node)
        position = end + len(closing)
    return nodes


class RegexReader(Reader):
    """The fallback for malformed exports: ``<item>…</item>`` blocks found by text search."""

    def items(self) -> Iterator[Node]:
        buffer = ""
        head_done = False
        decoder = _utf8_decoder()
        while chunk := self.file.read(CHUNK):
            if self.progress is not None:
                self.progress(len(chunk))
            buffer += decoder.decode(chunk)
            if not head_done and "<item>" in buffer:
                head_done = True
                self._read_head(buffer[: buffer.index("<item>")])
            while (start := buffer.find("<item>")) != -1:
                end = buffer.find("</item>", start)
                if end == -1:
                    break
                item = Node("item", children=_regex_children(buffer[start + 6 : end]))
                buffer = buffer[end + 7 :]
                self.saw_wordpress = self.saw_wordpress or any(
                    child.tag.startswith("wp:") for child in item.children
                )
                yield item
            if not head_done and len(buffer) > 4 * CHUNK:
                self._read_head(buffer)
                head_done = True
                buffer = ""
        if not head_done:
            self._read_head(buffer)

    def _read_head(self, head: str) -> None:
        if re.search(r"<!(?:DOCTYPE|ENTITY)", head, re.IGNORECASE):
            raise ReadProblem("refused: this file declares a document type or entities")
        self.channel.is_rss = re.search(r"<rss[\s>]", head) is not None
        handler = _Handler(lambda node: None)
        handler.channel = self.channel
        for node in _regex_children(head.split("<channel>", 1)[-1]):
            if node.tag.startswith("wp:"):
                self.saw_wordpress = True
            handler.channel_field(node)


def _utf8_decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")
