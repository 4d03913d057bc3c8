"""Photos stored content-addressed on disk: `<root>/<sha256[:2]>/<sha256>.<ext>`.

The same photo uploaded twice is stored once. The type is decided by decoding the content with Pillow,
never by the file name or the client's Content-Type.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from gridgov.domain.errors import InvalidInput

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # issue #2: photos up to 10 MB
_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class PhotoStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, content: bytes) -> dict:
        if not content:
            raise InvalidInput("the photo is empty")
        if len(content) > MAX_PHOTO_BYTES:
            raise InvalidInput(f"the photo is {len(content)} bytes; at most {MAX_PHOTO_BYTES} are accepted")
        try:
            with Image.open(io.BytesIO(content)) as img:
                fmt = img.format
                width, height = img.size
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise InvalidInput("the file is not a readable JPEG, PNG or WebP image") from None
        if fmt not in _FORMATS:
            raise InvalidInput(f"{fmt} images are not accepted; send JPEG, PNG or WebP")
        content_type, ext = _FORMATS[fmt]
        digest = hashlib.sha256(content).hexdigest()
        path = self.path_for(digest, ext)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(content)
            os.replace(tmp, path)  # atomic: a reader never sees half a photo
        return {"id": digest, "content_type": content_type, "size": len(content), "width": width, "height": height}

    def path_for(self, digest: str, ext: str) -> Path:
        return self.root / digest[:2] / f"{digest}.{ext}"

    def open(self, digest: str, content_type: str) -> Path | None:
        ext = next((e for ct, e in _FORMATS.values() if ct == content_type), None)
        if ext is None:
            return None
        path = self.path_for(digest, ext)
        return path if path.exists() else None
