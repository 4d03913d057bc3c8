"""Photos every process reaches, checked before anything is decoded: the database store serves a photo
to another process over the same database; both stores refuse images above the pixel limit (413) by
their header, so a decompression bomb costs nothing; the kind of store follows the database."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from gridgov.adapters.photo_store import DatabasePhotoStore, DirectoryPhotoStore, inspect_photo
from gridgov.api.app import create_app
from gridgov.bootstrap import bootstrap
from gridgov.domain.errors import InvalidInput, TooLarge
from tests.conftest import PASSWORD, make_settings, populate


def png(width: int, height: int, color=(30, 120, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="PNG")
    return buf.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header says width×height: decoded, it would take width*height*3 bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\x00" * 1024)  # a sliver of the rows: enough for a parser to start
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a_12000_by_12000_image_is_refused_by_its_header_before_any_decoding():
    bomb = png_claiming(12000, 12000)
    assert len(bomb) < 200
    with pytest.raises(TooLarge) as refused:
        inspect_photo(bomb)
    assert refused.value.detail == "the photo has 12000×12000 pixels; at most 40000000 pixels are accepted"
    with pytest.raises(TooLarge):
        inspect_photo(png_claiming(200_000, 200_000))  # past Pillow's own bomb limit too


def test_the_pixel_limit_is_a_setting_and_a_photo_at_the_limit_passes():
    assert inspect_photo(png(1000, 1000), max_pixels=1_000_000)["width"] == 1000
    with pytest.raises(TooLarge, match="1001×1000 pixels; at most 1000000"):
        inspect_photo(png(1001, 1000), max_pixels=1_000_000)
    with pytest.raises(InvalidInput, match="not a readable JPEG, PNG or WebP"):
        inspect_photo(b"GIF89a" + b"\x00" * 100)


@pytest.mark.parametrize("kind", ["directory", "database"])
def test_each_store_keeps_a_photo_once_and_gives_the_same_bytes_back(any_platform, tmp_path, kind):
    store = DirectoryPhotoStore(tmp_path / "photos") if kind == "directory" else DatabasePhotoStore(any_platform.engine)
    content = png(64, 48)
    first, again = store.put(content), store.put(content)
    assert first == again and first["content_type"] == "image/png" and (first["width"], first["height"]) == (64, 48)
    assert store.read(first["id"], "image/png") == content
    assert store.read("0" * 64, "image/png") is None


def test_a_photo_uploaded_through_one_process_is_served_by_another(database_url_for_photos, tmp_path, clock):
    url = database_url_for_photos
    one = bootstrap(make_settings(tmp_path / "one", url).model_copy(update={"photo_store": "database"}), clock=clock)
    populate(one)
    two = bootstrap(make_settings(tmp_path / "two", url).model_copy(update={"photo_store": "database"}), clock=clock)
    content = png(80, 60)
    try:
        with TestClient(create_app(platform=one, run_relay=False)) as api_one, TestClient(create_app(platform=two, run_relay=False)) as api_two:
            token = api_one.post("/api/v1/auth/token", data={"username": "ann", "password": PASSWORD}).json()["access_token"]
            h = {"Authorization": f"Bearer {token}"}
            r = api_one.post("/api/v1/photos", files={"file": ("p.png", content, "image/png")}, headers=h)
            assert r.status_code == 201, r.text
            served = api_two.get(r.json()["url"], headers=h)  # another process, another data directory
            assert served.status_code == 200 and served.content == content and served.headers["content-type"] == "image/png"
            bomb = api_two.post("/api/v1/photos", files={"file": ("big.png", png_claiming(12000, 12000), "image/png")}, headers=h)
            assert bomb.status_code == 413 and bomb.headers["content-type"] == "application/problem+json"
            assert bomb.json()["detail"] == "the photo has 12000×12000 pixels; at most 40000000 pixels are accepted"
        assert not (tmp_path / "one" / "var" / "photos").exists()  # nothing on local disk
    finally:
        one.engine.dispose()
        two.engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url_for_photos(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("pg_schema_url")
    return f"sqlite:///{tmp_path / 'shared.db'}"


def test_auto_keeps_photos_in_the_database_only_when_it_is_shared(pg_schema_url, tmp_path, clock):
    sqlite = bootstrap(make_settings(tmp_path / "a"), clock=clock)
    shared = bootstrap(make_settings(tmp_path / "b", pg_schema_url), clock=clock)
    assert isinstance(sqlite.photos, DirectoryPhotoStore) and isinstance(shared.photos, DatabasePhotoStore)
    sqlite.engine.dispose()
    shared.engine.dispose()
