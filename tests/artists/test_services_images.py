"""Avatar and banner: replace (the old file leaves storage), delete, 413, and the pixel limit."""

import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from artists.images import IMAGE_SPECS, MAX_IMAGE_PIXELS
from artists.models import ArtistProfile

pytestmark = pytest.mark.django_db

KINDS = ["avatar", "banner"]


def url(kind: str) -> str:
    return f"/api/v1/artists/me/{kind}"


def png(width: int = 600, height: int = 600, color=(10, 120, 200)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return SimpleUploadedFile("pic.png", out.getvalue(), content_type="image/png")


def png_header_only(width: int, height: int) -> SimpleUploadedFile:
    """A tiny PNG that claims ``width`` x ``height`` pixels (a decompression-bomb shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return SimpleUploadedFile("bomb.png", body + chunk(b"IEND", b""), content_type="image/png")


def stored_name(artist: ArtistProfile, kind: str) -> str:
    artist.refresh_from_db()
    return getattr(artist, kind).name


@pytest.mark.parametrize("kind", KINDS)
def test_replacing_an_image_removes_the_old_file(
    artist_client, artist, kind, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = artist_client.put(url(kind), {"image": png()}, format="multipart")
    assert first.status_code == 200, first.content
    old = stored_name(artist, kind)
    assert old and default_storage.exists(old)

    with django_capture_on_commit_callbacks(execute=True):
        second = artist_client.put(url(kind), {"image": png(color=(0, 0, 0))}, format="multipart")

    assert second.status_code == 200, second.content
    new = stored_name(artist, kind)
    assert new and new != old and default_storage.exists(new)
    assert not default_storage.exists(old)
    assert second.json()[f"{kind}_url"].endswith(new.rsplit("/", 1)[-1])


@pytest.mark.parametrize("kind", KINDS)
def test_deleting_an_image_clears_it_and_removes_the_file(
    artist_client, artist, kind, django_capture_on_commit_callbacks
):
    artist_client.put(url(kind), {"image": png()}, format="multipart")
    old = stored_name(artist, kind)
    assert default_storage.exists(old)

    with django_capture_on_commit_callbacks(execute=True):
        response = artist_client.delete(url(kind))

    assert response.status_code == 204
    assert stored_name(artist, kind) == ""
    assert not default_storage.exists(old)
    assert artist_client.get("/api/v1/artists/me").json()[f"{kind}_url"] is None


@pytest.mark.parametrize("kind", KINDS)
def test_deleting_when_there_is_no_image_is_harmless(artist_client, artist, kind):
    assert artist_client.delete(url(kind)).status_code == 204
    assert stored_name(artist, kind) == ""


@pytest.mark.parametrize("kind", KINDS)
def test_an_image_over_the_size_limit_is_a_413_and_changes_nothing(artist_client, artist, kind):
    artist_client.put(url(kind), {"image": png()}, format="multipart")
    before = stored_name(artist, kind)
    max_bytes = IMAGE_SPECS[kind][2]
    valid = png().read()
    big = SimpleUploadedFile("big.png", valid + b"\0" * (max_bytes + 1 - len(valid)))

    response = artist_client.put(url(kind), {"image": big}, format="multipart")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert stored_name(artist, kind) == before


@pytest.mark.parametrize("kind", KINDS)
def test_an_image_exactly_at_the_size_limit_is_not_refused_for_its_size(
    artist_client, artist, kind
):
    max_bytes = IMAGE_SPECS[kind][2]
    valid = png().read()
    exact = SimpleUploadedFile("exact.png", valid + b"\0" * (max_bytes - len(valid)))

    response = artist_client.put(url(kind), {"image": exact}, format="multipart")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("kind", KINDS)
def test_an_image_over_the_pixel_limit_is_refused_before_decoding(artist_client, artist, kind):
    cap = MAX_IMAGE_PIXELS
    width = 10_000
    bomb = png_header_only(width, cap // width + 1)

    response = artist_client.put(url(kind), {"image": bomb}, format="multipart")

    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == "image_too_large"
    assert stored_name(artist, kind) == ""
