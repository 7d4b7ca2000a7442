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
# What decoding and scaling may take from a web process, and about how many bytes each
# pixel takes meanwhile, for the costliest kind of each format: the picture (four bytes a
# pixel), the decoder's buffers, the copy that scaling a transparent picture makes and, for
# WebP, libwebp's two frame buffers and Pillow's copy of them. A JPEG counts at the scale
# ``draft`` decodes it at.
MAX_DECODE_BYTES = 150 * 1024 * 1024
DECODE_BYTES_PER_PIXEL = {"JPEG": 8, "PNG": 10, "WEBP": 16}
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


def max_pixels(image_format: str) -> int:
    """The most pixels an image of ``image_format`` may decode to."""
    return MAX_DECODE_BYTES // DECODE_BYTES_PER_PIXEL[image_format]


def reencode(data: bytes) -> tuple[bytes, str, int, int]:
    """Pixels only, upright and capped in size: ``(bytes, format, width, height)``.

    The memory an image takes is set by its pixels, not its file: an 88 KB WebP can hold
    50 million of them. Opening reads the header alone, so the size is checked before any
    pixel is decoded: a JPEG is decoded at a reduced scale where it is larger than needed
    (``draft``), and what would still take more than ``MAX_DECODE_BYTES`` is refused. The
    full-size picture is then only ever held once: scaled down first, turned upright after.
    """
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
    side = current_app.config["BLOG_IMAGE_MAX_DIMENSION"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(BytesIO(data))
            if image.format not in FORMATS:
                raise unreadable
            width, height = image.size
            if image.format == "JPEG":
                image.draft("RGB", (side, side))  # decode at 1/2, 1/4 or 1/8 scale if enough
            if image.width * image.height > max_pixels(image.format):
                raise ImageRefused(
                    f"This image is {width} × {height} pixels, more than a blog "
                    f"picture needs; export it at most {side} pixels wide and upload it again."
                )
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's bounds,
        # far above ours, checked when the file is opened
        raise ImageRefused(
            f"This image has far more pixels than a blog picture needs; export it at most "
            f"{side} pixels wide and upload it again."
        ) from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise unreadable from None
    source_format = image.format
    image.thumbnail((side, side))  # in place; a square bound, so turning it later fits too
    ImageOps.exif_transpose(image, in_place=True)
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
