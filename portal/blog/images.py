"""Article images: uploaded by staff, re-encoded with Pillow, served from ``/blog/images/``.

Re-encoding (rather than storing what was sent) is what makes an upload safe and private:
the file that is served is one Pillow wrote, from pixels alone. EXIF (camera, time, GPS
position), XMP, comments and colour-profile chunks are not copied; the picture is turned
upright first (EXIF orientation), then scaled to at most ``BLOG_IMAGE_MAX_DIMENSION``.

Files are named after the SHA-256 of their bytes, so a name never points at different
content and can be cached for a year as ``immutable``. They live under
``BLOG_IMAGE_DIR`` (default ``instance/blog-images``), outside the code.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import warnings
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.extensions import db
from portal.models import BlogImage, User

FILENAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp)$")
CACHE_SECONDS = 365 * 24 * 3600
MAX_PIXELS = 50_000_000  # decoding more would take too much memory for a blog picture
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}


class ImageRefused(ValueError):
    """The upload cannot be used; the message says why, for the person uploading."""


def image_dir() -> Path:
    configured = current_app.config.get("BLOG_IMAGE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "blog-images"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def reencode(data: bytes) -> tuple[bytes, str, int, int]:
    """Pixels only, upright and capped in size: ``(bytes, format, width, height)``."""
    limit = current_app.config["BLOG_IMAGE_MAX_BYTES"]
    if len(data) > limit:
        raise ImageRefused(
            f"This file is {_megabytes(len(data))}; images can be at most {_megabytes(limit)}. "
            "Export it smaller (2000 pixels wide is plenty) and upload it again."
        )
    unreadable = ImageRefused(
        "This file is not a JPEG, PNG or WebP image we can read. Save it in one of those "
        "formats and upload it again."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(BytesIO(data))
            if image.format not in FORMATS:
                raise unreadable
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused("This image has too many pixels; export it smaller.")
            image.load()
    except ImageRefused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise unreadable from None
    source_format = image.format
    image = ImageOps.exif_transpose(image)
    side = current_app.config["BLOG_IMAGE_MAX_DIMENSION"]
    image.thumbnail((side, side))
    image.info = {}  # nothing of the original file's metadata goes through
    out = BytesIO()
    if source_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif source_format == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=85)
    return out.getvalue(), source_format, image.width, image.height


def store_image(data: bytes, *, alt_text: str, uploader: User | None) -> BlogImage:
    """Re-encode and keep an upload (the caller commits). The same picture twice is one file."""
    encoded, source_format, width, height = reencode(data)
    extension, content_type = FORMATS[source_format]
    filename = f"{hashlib.sha256(encoded).hexdigest()[:32]}.{extension}"
    directory = image_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / filename
    if not target.exists():
        # Written whole under a temporary name, then renamed: never half a file at the URL.
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(encoded)
        os.replace(temporary, target)
    existing = db.session.scalar(sa.select(BlogImage).where(BlogImage.filename == filename))
    if existing is not None:
        existing.alt_text = alt_text
        return existing
    image = BlogImage(
        filename=filename,
        alt_text=alt_text,
        content_type=content_type,
        width=width,
        height=height,
        size_bytes=len(encoded),
        uploaded_by_id=uploader.id if uploader else None,
    )
    db.session.add(image)
    return image


def markdown_for(image: BlogImage) -> str:
    """What staff paste into an article to show the image."""
    alt = image.alt_text.replace("[", "(").replace("]", ")")
    return f"![{alt}](/blog/images/{image.filename})"
