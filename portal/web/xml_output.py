"""Writing XML documents (the Atom feed, the sitemap): only characters XML allows.

XML 1.0 forbids most C0 controls, U+FFFE, U+FFFF and surrogates even as character
references, and ElementTree writes whatever text it is given: one such character in one
article made the feed unreadable for every feed reader (and a lone surrogate cannot even be
encoded). Stored text may hold them (forms refuse controls, but U+FFFE is an ordinary
character to them, and imported text comes from elsewhere), so every XML document the
portal writes goes through ``to_bytes``, which removes them from every text and attribute.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET  # noqa: S405 (writing XML, never parsing it)

# What XML 1.0's ``Char`` production leaves out (tab, LF and CR are allowed).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML cannot carry."""
    return FORBIDDEN.sub("", value)


def to_bytes(root: ET.Element) -> bytes:
    """The document as UTF-8 with its declaration, every text, tail and attribute cleaned."""
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        if element.tail:
            element.tail = xml_text(element.tail)
        for name, value in element.attrib.items():
            element.set(name, xml_text(value))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
