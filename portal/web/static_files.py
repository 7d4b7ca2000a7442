"""Static files under fingerprinted names, so browsers may keep them for a year.

``url_for('static', filename='css/site.css')`` builds ``/static/css/site.<hash>.css``, where
``<hash>`` is the start of the file's SHA-256. That name always means those exact bytes, so
it is served with ``Cache-Control: public, max-age=31536000, immutable``: a returning visitor
asks for nothing, and a changed stylesheet gets a new name, which no cache has seen. The
plain name still works (``no-cache``: revalidated with its ETag every time), as does an old
fingerprint after a deploy (served without the long lifetime, as its bytes have changed).

Hashes are computed once per file and version (path, size, modification time), so the cost
is one ``stat`` per URL built; in production (``STATIC_FILES_WATCH`` off) once per file and
process, as the files change only with a deploy, which restarts the processes.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, has_app_context, request
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
_FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")


class StaticFiles:
    def __init__(self, folder: str, *, watch: bool = True) -> None:
        self.folder = Path(folder)
        self.watch = watch
        self._hashes: dict[str, tuple[tuple[int, int], str]] = {}

    def digest(self, filename: str) -> str | None:
        """The fingerprint of ``filename`` (None if there is no such file)."""
        if not self.watch and (known := self._hashes.get(filename)) is not None:
            return known[1]
        path = self.folder / filename
        try:
            stat = path.stat()
        except OSError:
            return None
        version = (stat.st_size, stat.st_mtime_ns)
        cached = self._hashes.get(filename)
        if cached is None or cached[0] != version:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            cached = self._hashes[filename] = (version, digest)
        return cached[1]

    def fingerprinted(self, filename: str) -> str:
        if has_app_context() and (used := g.get("static_files_used")) is not None:
            used.append(filename)  # a cached page notes the files whose names it holds
        digest = self.digest(filename)
        if digest is None:
            return filename
        stem, dot, suffix = filename.rpartition(".")
        return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else filename

    def serve(self, filename: str) -> Response:
        """The file's bytes as an ordinary response (small files; compressible; ETag)."""
        immutable = False
        match = _FINGERPRINTED.match(filename)
        if match and not self._path(filename).is_file():
            filename = match["stem"] + match["suffix"]
            immutable = self.digest(filename) == match["hash"]
        path = self._path(filename)
        if not path.is_file():
            abort(404)
        response = Response(path.read_bytes(), mimetype=_mimetype(filename))
        response.set_etag(self.digest(filename) or "")
        if immutable:
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        else:
            response.cache_control.no_cache = True
        response.make_conditional(request)
        return response

    def _path(self, filename: str) -> Path:
        """The file under the static folder; 404 for anything that would leave it."""
        joined = safe_join(os.fspath(self.folder), filename)
        if joined is None:
            abort(404)
        return Path(joined)


def current(files: StaticFiles | None, names: tuple[tuple[str, str | None], ...]) -> bool:
    """Whether every ``(filename, digest)`` a cached page noted still has that digest."""
    return files is None or all(files.digest(name) == digest for name, digest in names)


def _mimetype(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def init_app(app: Flask) -> None:
    """Serve ``/static/`` through ``StaticFiles`` and build fingerprinted URLs for it."""
    if app.static_folder is None:
        return
    files = StaticFiles(
        os.fspath(app.static_folder), watch=app.config.get("STATIC_FILES_WATCH", True)
    )
    app.extensions["static_files"] = files
    app.view_functions["static"] = files.serve

    @app.url_defaults
    def fingerprint_static_urls(endpoint: str | None, values: dict[str, Any]) -> None:
        if endpoint == "static" and isinstance(values.get("filename"), str):
            values["filename"] = files.fingerprinted(values["filename"])
