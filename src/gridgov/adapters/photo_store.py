"""Photos: one port (`PhotoStore`: put, read) and two places to keep them.

- `DirectoryPhotoStore`: content-addressed files, `<root>/<sha256[:2]>/<sha256>.<ext>`; the embedded
  default. Several processes may use it only when they all see the same directory.
- `DatabasePhotoStore`: the bytes in `photo_blobs`, written in the transaction that records the photo;
  every process that reaches the database reaches the photos (the default with PostgreSQL).

Both check a photo the same way before keeping it: its type is decided by decoding the header with
Pillow (only JPEG, PNG and WebP parsers are tried), never by the file name or the client's
Content-Type; its pixel count (width × height × frames) is read from the header and refused above the
limit before anything is decoded, so a small file that would inflate to gigabytes (a decompression
bomb) costs nothing. The same photo uploaded twice is stored once.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path
from typing import Protocol

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Engine, insert, select

from gridgov.adapters import tables as t
from gridgov.domain.documents import MAX_PHOTO_BYTES
from gridgov.domain.errors import InvalidInput, TooLarge

DEFAULT_MAX_PIXELS = 40_000_000  # issue #10: a 40-megapixel phone photo passes, a 12000×12000 one does not
_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


def inspect_photo(content: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> dict:
    """What the photo is (id, type, size, dimensions), or a refusal: 413 too large, 422 not a photo."""
    if not content:
        raise InvalidInput("the photo is empty")
    if len(content) > MAX_PHOTO_BYTES:
        raise TooLarge(f"the photo is {len(content)} bytes; at most {MAX_PHOTO_BYTES} are accepted")
    unreadable = InvalidInput("the file is not a readable JPEG, PNG or WebP image")
    try:
        with warnings.catch_warnings():
            # Pillow warns past its own limit (~89 MP) and refuses past twice that; our limit, checked
            # next from the same header, is lower and says by how much.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=list(_FORMATS)) as img:
                fmt = img.format
                width, height = img.size  # from the header: nothing is decoded yet
                frames = getattr(img, "n_frames", 1) or 1
                if width * height * frames > max_pixels:
                    raise TooLarge(
                        f"the photo has {width}×{height} pixels{f' in {frames} frames' if frames > 1 else ''}; "
                        f"at most {max_pixels} pixels are accepted",
                        width=width,
                        height=height,
                        max_pixels=max_pixels,
                    )
                img.verify()
    except Image.DecompressionBombError:
        raise TooLarge(f"the photo has more than {max_pixels} pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise unreadable from None
    if fmt not in _FORMATS:
        raise InvalidInput(f"{fmt} images are not accepted; send JPEG, PNG or WebP")
    content_type, _ext = _FORMATS[fmt]
    digest = hashlib.sha256(content).hexdigest()
    return {"id": digest, "content_type": content_type, "size": len(content), "width": width, "height": height}


def _extension(content_type: str) -> str | None:
    return next((e for ct, e in _FORMATS.values() if ct == content_type), None)


class PhotoStore(Protocol):
    """Where photo bytes live. `put` checks and keeps a photo (inside `uow` when given, so the bytes and
    the `photos` row commit together) and returns its description; `read` gives the bytes back."""

    def put(self, content: bytes, uow=None) -> dict: ...

    def read(self, digest: str, content_type: str) -> bytes | None: ...


class DirectoryPhotoStore:
    def __init__(self, root: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.root = Path(root)
        self.max_pixels = max_pixels

    def put(self, content: bytes, uow=None) -> dict:
        meta = inspect_photo(content, self.max_pixels)
        path = self.path_for(meta["id"], _extension(meta["content_type"]))
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.part")
            tmp.write_bytes(content)
            os.replace(tmp, path)  # atomic: a reader never sees half a photo
        return meta

    def path_for(self, digest: str, ext: str | None) -> Path:
        return self.root / digest[:2] / f"{digest}.{ext}"

    def read(self, digest: str, content_type: str) -> bytes | None:
        ext = _extension(content_type)
        if ext is None or len(digest) != 64 or not all(ch in "0123456789abcdef" for ch in digest):
            return None
        path = self.path_for(digest, ext)
        return path.read_bytes() if path.exists() else None


class DatabasePhotoStore:
    def __init__(self, engine: Engine, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.engine = engine
        self.max_pixels = max_pixels

    def put(self, content: bytes, uow=None) -> dict:
        meta = inspect_photo(content, self.max_pixels)
        if uow is not None:
            self._keep(uow.conn, meta["id"], content)
        else:
            with self.engine.begin() as conn:
                self._keep(conn, meta["id"], content)
        return meta

    @staticmethod
    def _keep(conn, digest: str, content: bytes) -> None:
        known = conn.execute(select(t.photo_blobs.c.id).where(t.photo_blobs.c.id == digest)).first()
        if known is None:
            conn.execute(insert(t.photo_blobs).values(id=digest, content=content))

    def read(self, digest: str, content_type: str) -> bytes | None:
        with self.engine.connect() as conn:
            content = conn.execute(select(t.photo_blobs.c.content).where(t.photo_blobs.c.id == digest)).scalar()
            conn.rollback()
        return bytes(content) if content is not None else None
