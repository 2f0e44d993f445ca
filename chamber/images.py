"""Images people upload (complaint evidence, catalogue pictures, offer pictures, payment QR codes).

One rule for all of them: an image is what Pillow can decode, judged by its content and never by
its name or declared type, and only the formats a page can show are taken.
"""
from __future__ import annotations

import io
from collections.abc import Collection

#: Pillow's format name → the content type the image is served with
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def image_type(data: bytes, allowed: Collection[str] = tuple(FORMATS.values())) -> str | None:
    """The content type of the image in data if it decodes as one of allowed, else None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return kind if kind in allowed else None
