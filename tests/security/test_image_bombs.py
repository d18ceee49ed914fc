"""Decompression bombs: a tiny file that claims tens of megapixels is refused from its header.

The attack: a 7000 x 7000 PNG of one colour is a few KB on the wire but ~150 MB and about a
second of CPU once decoded. It must be refused before any pixel is decoded, at every door.
"""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image, ImageFile

from artists import images
from artists.models import ArtistProfile
from tests.artists.factories import ArtistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png(width: int, height: int, mode: str = "1") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format="PNG", optimize=True)
    return SimpleUploadedFile("bomb.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def decodes(monkeypatch):
    """How many times any image's pixels were decoded."""
    calls = []
    original = ImageFile.ImageFile.load

    def counting(self):
        calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return calls


@pytest.fixture
def artist_browser():
    artist = ArtistProfileFactory()
    client = Client(raise_request_exception=False)
    client.force_login(artist.user)
    return artist, client


def test_the_bomb_is_small_on_the_wire():
    assert len(png(7000, 7000).read()) < 100_000


@pytest.mark.parametrize("kind", ["avatar", "banner"])
def test_a_7000_by_7000_png_is_refused_by_the_api_without_decoding(artist_browser, decodes, kind):
    artist, client = artist_browser
    bomb = png(7000, 7000)

    started = time.perf_counter()
    response = client.generic("PUT", f"/api/v1/artists/me/{kind}", *_multipart({"image": bomb}))
    elapsed = time.perf_counter() - started

    assert response.status_code == 413, response.content[:300]
    assert response.json()["error"]["code"] == "image_too_large"
    assert decodes == []
    assert elapsed < 2  # a figure, not a benchmark: decoding alone took ~1 s before
    assert getattr(ArtistProfile.objects.get(pk=artist.pk), kind).name == ""


def test_the_page_refuses_the_bomb_too(artist_browser, decodes):
    artist, client = artist_browser

    response = client.post("/studio/profile/avatar/", {"image": png(7000, 7000)}, follow=True)

    assert response.status_code == 200
    assert "too many pixels" in response.content.decode()
    assert [size for size in decodes if size[0] * size[1] > images.MAX_IMAGE_PIXELS] == []
    assert ArtistProfile.objects.get(pk=artist.pk).avatar.name == ""


def test_a_long_thin_strip_is_refused_by_its_side(artist_browser, decodes):
    _, client = artist_browser

    response = client.generic(
        "PUT", "/api/v1/artists/me/banner", *_multipart({"image": png(60_000, 200)})
    )

    assert response.status_code == 413
    assert decodes == []


def test_a_large_real_photo_under_the_cap_is_decoded_once_and_stored_small(artist_browser, decodes):
    artist, client = artist_browser
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (200, 40, 40)).save(out, format="JPEG", quality=70)
    photo = SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")

    response = client.generic("PUT", "/api/v1/artists/me/avatar", *_multipart({"image": photo}))

    assert response.status_code == 200, response.content[:300]
    assert decodes  # decoded here, at upload ...
    assert all(w * h < 4000 * 3000 for w, h in decodes)  # ... at a JPEG draft's reduced scale
    stored = ArtistProfile.objects.get(pk=artist.pk).avatar
    with Image.open(stored) as saved:
        assert saved.size == (512, 512)
    # serving reads the stored small JPEG: no decoding when the profile is viewed
    decodes.clear()
    assert Client().get(f"/artists/{artist.slug}/").status_code == 200
    assert client.get("/api/v1/artists/me").status_code == 200
    assert decodes == []


def _multipart(data: dict) -> tuple[bytes, str]:
    return encode_multipart(BOUNDARY, data), MULTIPART_CONTENT
