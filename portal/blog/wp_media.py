"""Bringing an imported site's pictures along: from a copy of its uploads folder or its URLs.

WordPress keeps each upload once (``wp-content/uploads/2021/04/calf.jpg``) and writes size
variants beside it (``calf-300x200.jpg``, ``calf-scaled.jpg``). Posts point at any of them.
Every variant is mapped to its original, which is brought in once: read from ``--media DIR``
(a copy of the uploads folder) or downloaded (``--fetch-media``: a few at a time, with a
timeout and the upload size cap), then re-encoded by ``store_image`` like any upload, so an
imported picture is as clean as one staff upload. The old addresses of the original and of
the variants seen in posts redirect to the copy; a second run finds them there and does no
work. WordPress.com serves uploads from ``<site>.files.wordpress.com/2021/04/…``: the same
path after the host.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy as sa
from flask import current_app

from portal.blog import legacy
from portal.blog.images import ImageRefused, store_image
from portal.extensions import db
from portal.models import BlogImage, LegacyRedirect, User

FETCH_TIMEOUT_SECONDS = 10
FETCH_WORKERS = 4
_VARIANT = re.compile(r"-(?:\d{1,5}x\d{1,5}|scaled|rotated|e\d{10,13})(?=\.\w{2,5}$)")
PICTURE = re.compile(r"\.(?:jpe?g|png|gif|webp)$", re.IGNORECASE)


def upload_path(url: str) -> str | None:
    """``https://site/wp-content/uploads/2021/04/calf-300x200.jpg`` → ``2021/04/calf-…``."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return None
    path = unquote(parts.path)
    if "/wp-content/uploads/" in path:
        relative = path.split("/wp-content/uploads/", 1)[1]
    elif host.endswith((".files.wordpress.com", ".wordpress.com")):
        relative = path.lstrip("/").removeprefix("files/")
    else:
        return None
    if ".." in relative.split("/") or not PICTURE.search(relative):
        return None
    return relative


def original_of(relative: str) -> str:
    return _VARIANT.sub("", relative)


def redirect_key(relative: str) -> str:
    return legacy.path_key("/wp-content/uploads/" + relative)


@dataclass
class MediaResult:
    brought_in: int = 0
    already_there: int = 0
    would_bring: int = 0
    left_out: dict[str, str] = field(default_factory=dict)  # address → reason


class MediaImporter:
    """``image_src(url)`` once ``bring_in`` has run: this site's address of a picture."""

    def __init__(
        self,
        site: str,
        *,
        uploader: User,
        directory: Path | None = None,
        fetch: bool = False,
        dry_run: bool = False,
    ) -> None:
        self.site = site
        self.uploader = uploader
        self.directory = directory.resolve() if directory else None
        self.fetch = fetch
        self.dry_run = dry_run
        self.result = MediaResult()
        self.images: dict[str, BlogImage] = {}  # original upload path → image
        self.planned: set[str] = set()  # dry run: original paths that would be brought in
        self.originals: set[str] = set()  # the media library's files

    def original(self, relative: str) -> str:
        """The upload a picture address is a size variant of. An attachment's own file is an
        original even when its name looks like a variant (``photo-1200x400.jpg``)."""
        if relative in self.originals:
            return relative
        return original_of(relative)

    def bring_in(
        self, pictures: Iterable[tuple[str, str]], attachments: Iterable[str] = ()
    ) -> None:
        """``pictures``: ``(url, alt text)`` of every picture the export uses;
        ``attachments``: the addresses of the files in its media library."""
        self.originals = {path for url in attachments if (path := upload_path(url))}
        wanted: dict[str, tuple[str, str]] = {}
        for url, alt in pictures:
            relative = upload_path(url)
            if relative is None:
                continue
            original = self.original(relative)
            wanted.setdefault(original, (url, alt))
        known = self._known(wanted)
        todo = {original: value for original, value in wanted.items() if original not in known}
        self.result.already_there += len(known)
        if self.dry_run:
            for original, (url, _alt) in todo.items():
                if self.fetch or (self.directory and self._file(original) is not None):
                    self.planned.add(original)
                    self.result.would_bring += 1
                else:
                    self.result.left_out[url] = self._why_not()
            return
        for original, (url, alt), data in self._read_all(todo):
            if isinstance(data, str):
                self.result.left_out[url] = data
                continue
            try:
                image = store_image(data, alt_text=alt[:300], uploader=self.uploader)
            except ImageRefused as refusal:
                self.result.left_out[url] = str(refusal).split(".")[0]
                continue
            db.session.flush()
            self.images[original] = image
            self._remember(original, image)
            self.result.brought_in += 1

    def _why_not(self) -> str:
        if self.directory is None and not self.fetch:
            return "no --media folder or --fetch-media given"
        return "not in the media folder"

    def _known(self, wanted: dict[str, tuple[str, str]]) -> set[str]:
        keys = {redirect_key(original): original for original in wanted}
        rows = db.session.execute(
            sa.select(LegacyRedirect.path, BlogImage)
            .join(BlogImage, BlogImage.id == LegacyRedirect.image_id)
            .where(LegacyRedirect.source_site == self.site, LegacyRedirect.path.in_(keys))
        ).all()
        for path, image in rows:
            self.images[keys[path]] = image
        return {keys[path] for path, _ in rows}

    def _remember(self, relative: str, image: BlogImage) -> None:
        key = redirect_key(relative)
        if len(key) > legacy.PATH_MAX:
            return
        exists = db.session.scalar(
            sa.select(LegacyRedirect.id).where(
                LegacyRedirect.source_site == self.site, LegacyRedirect.path == key
            )
        )
        if exists is None:
            db.session.add(LegacyRedirect(source_site=self.site, path=key, image_id=image.id))

    def _file(self, relative: str) -> Path | None:
        assert self.directory is not None
        candidate = (self.directory / relative).resolve()
        if candidate.is_relative_to(self.directory) and candidate.is_file():
            return candidate
        return None

    def _read_all(
        self, todo: dict[str, tuple[str, str]]
    ) -> Iterable[tuple[str, tuple[str, str], bytes | str]]:
        limit = current_app.config["BLOG_IMAGE_MAX_BYTES"]
        if self.directory is not None:
            for original, value in todo.items():
                found = self._file(original) or self._file(upload_path(value[0]) or original)
                if found is not None and found.stat().st_size <= limit:
                    yield original, value, found.read_bytes()
                elif found is not None:
                    yield original, value, "larger than the upload size cap"
                elif not self.fetch:
                    yield original, value, "not in the media folder"
                else:
                    yield from self._fetch_all({original: value}, limit)
            return
        if not self.fetch:
            for original, value in todo.items():
                yield original, value, self._why_not()
            return
        yield from self._fetch_all(todo, limit)

    def _fetch_all(
        self, todo: dict[str, tuple[str, str]], limit: int
    ) -> Iterable[tuple[str, tuple[str, str], bytes | str]]:
        def job(item: tuple[str, tuple[str, str]]) -> tuple[str, tuple[str, str], bytes | str]:
            original, (url, alt) = item
            original_url = url.replace(quote(upload_path(url) or ""), quote(original))
            data = _download(original_url, limit)
            if isinstance(data, str) and original_url != url:
                data = _download(url, limit)
            return original, (url, alt), data

        with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
            yield from pool.map(job, todo.items())

    def image_src(self, url: str) -> str | None:
        relative = upload_path(url)
        if relative is None:
            return None
        original = self.original(relative)
        image = self.images.get(original)
        if image is None:
            return "/blog/images/" + "0" * 32 + ".jpg" if original in self.planned else None
        if relative != original and not self.dry_run:
            self._remember(relative, image)
        return f"/blog/images/{image.filename}"  # the address rendering.IMAGE_PATH allows


def _download(url: str, limit: int) -> bytes | str:
    """The file at ``url`` (http or https), or why not."""
    if urlsplit(url).scheme not in ("http", "https"):
        return "not an http(s) address"
    request = urllib.request.Request(url, headers={"User-Agent": "massage-works-importer"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            data: bytes = response.read(limit + 1)
    except (URLError, OSError, ValueError) as error:
        return f"could not be downloaded ({getattr(error, 'reason', error)})"
    if len(data) > limit:
        return "larger than the upload size cap"
    return data
