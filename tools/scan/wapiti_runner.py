"""Run Debian's wapiti 3.0.4 with its ``-x`` crash on Python 3.11 mended.

Executed by the system interpreter (``/usr/bin/python3 tools/scan/wapiti_runner.py ARGS``),
where the Debian package lives; it imports nothing from the portal. wapiti 3.0.4 turns an
excluded URL into ``re.compile(pattern + r"\\Z(?ms)")``, and Python 3.11 refuses global flags
that are not at the start of a pattern; the replacement puts them first.
"""

from __future__ import annotations

import re
import sys


def wildcard_translate(pattern: str) -> re.Pattern[str]:
    """wapiti's own translation of a ``*`` wildcard URL, flags first."""
    i, n = 0, len(pattern)
    res = ""
    while i < n:
        c = pattern[i]
        i += 1
        res += ".*" if c == "*" else re.escape(c)
    return re.compile(r"(?ms)" + res + r"\Z")


def main() -> None:
    from wapitiCore.main import wapiti  # type: ignore[import-not-found]
    from wapitiCore.net import crawler  # type: ignore[import-not-found]

    crawler.wildcard_translate = wildcard_translate
    sys.argv[0] = "wapiti"
    wapiti.wapiti_main()


if __name__ == "__main__":
    main()
