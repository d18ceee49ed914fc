"""The media locker: type checks from the bytes, size limits, the quota (also under races)."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from artists import filetypes, services
from artists.models import MediaFile, MediaQuota
from tests.artists.factories import PNG_1PX, ArtistProfileFactory, png_upload
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

MEDIA = "/api/v1/artists/me/media"


def post(client, file, category="press_photo"):
    return client.post(MEDIA, {"category": category, "file": file}, format="multipart")


def html(response) -> str:
    return response.content.decode()


def used(artist) -> int:
    return MediaQuota.objects.get(artist=artist).used_bytes


def test_valid_upload_is_stored_typed_from_its_bytes(artist_client, artist):
    response = post(artist_client, png_upload("promo shot.png"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mime_type"] == "image/png" and body["size_bytes"] == len(PNG_1PX)
    assert body["filename"] == "promo shot.png" and body["status"] == "ready"
    assert used(artist) == len(PNG_1PX)


def test_download_returns_the_bytes_as_an_attachment(artist_client):
    media_id = post(artist_client, png_upload()).json()["id"]

    response = artist_client.get(f"{MEDIA}/{media_id}/download")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG_1PX
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "content", "category", "code"),
    [
        ("photo.png", b"%PDF-1.4 not a picture", "press_photo", "unsupported_type"),
        ("notes.pdf", PNG_1PX, "document", "unsupported_type"),
        ("photo.jpg", PNG_1PX, "press_photo", "type_mismatch"),
        ("tour.txt", PNG_1PX, "other", "type_mismatch"),
        ("run.exe", b"MZ\x90\x00\x03", "other", "unsupported_type"),
    ],
)
def test_the_type_is_checked_from_the_content(artist_client, artist, name, content, category, code):
    response = post(artist_client, SimpleUploadedFile(name, content), category)

    assert response.status_code == 415
    assert response.json()["error"]["code"] == code
    assert not MediaFile.objects.exists()
    assert used(artist) == 0


def test_text_documents_are_accepted(artist_client):
    rider = SimpleUploadedFile("rider.txt", b"Two vocal mics, one DI box.\n")

    response = post(artist_client, rider, "document")

    assert response.status_code == 201
    assert response.json()["mime_type"] == "text/plain"


def test_oversize_file_is_refused_per_category(artist_client, artist, monkeypatch):
    monkeypatch.setitem(filetypes.CATEGORY_RULES, "press_photo", (filetypes.IMAGE_TYPES, 64))
    big = SimpleUploadedFile("big.png", PNG_1PX + b"\0" * 100)

    response = post(artist_client, big)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert response.json()["error"]["details"]["max_bytes"] == 64
    assert not MediaFile.objects.exists() and used(artist) == 0


def test_quota_is_never_exceeded(artist_client, artist):
    MediaQuota.objects.filter(artist=artist).update(limit_bytes=len(PNG_1PX) * 2)
    assert post(artist_client, png_upload()).status_code == 201
    assert post(artist_client, png_upload()).status_code == 201

    response = post(artist_client, png_upload())

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert error["details"]["needed_bytes"] == len(PNG_1PX)
    assert MediaFile.objects.count() == 2 and used(artist) == len(PNG_1PX) * 2


def test_deleting_frees_bytes_and_the_stored_file(
    artist_client, artist, django_capture_on_commit_callbacks
):
    media_id = post(artist_client, png_upload()).json()["id"]
    name = MediaFile.objects.get().file.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        assert artist_client.delete(f"{MEDIA}/{media_id}").status_code == 204

    assert used(artist) == 0 and not MediaFile.objects.exists()
    assert not default_storage.exists(name)


def test_list_by_category_is_paginated(artist_client):
    for _ in range(3):
        post(artist_client, png_upload())
    post(artist_client, SimpleUploadedFile("rider.txt", b"mics"), "document")

    photos = artist_client.get(MEDIA, {"category": "press_photo", "page_size": 2}).json()

    assert photos["count"] == 3 and len(photos["results"]) == 2 and photos["next"]
    assert artist_client.get(MEDIA, {"category": "bogus"}).status_code == 400


def test_nobody_downloads_or_deletes_another_artists_file(artist_client, artist):
    media_id = post(artist_client, png_upload()).json()["id"]
    intruder = APIClient()
    intruder.force_authenticate(ArtistProfileFactory().user)

    assert intruder.get(f"{MEDIA}/{media_id}/download").status_code == 404
    assert intruder.delete(f"{MEDIA}/{media_id}").status_code == 404
    assert intruder.get(MEDIA).json()["count"] == 0
    assert MediaFile.objects.filter(pk=media_id).exists() and used(artist) == len(PNG_1PX)


def test_reconcile_recomputes_used_bytes_from_storage(artist_client, artist):
    post(artist_client, png_upload())
    MediaQuota.objects.filter(artist=artist).update(used_bytes=12345)

    services.quota_reconcile(artist_id=artist.pk)

    assert used(artist) == len(PNG_1PX)


def test_page_upload_shows_errors_next_to_the_field(client, artist):
    client.force_login(artist.user)

    response = client.post(
        "/studio/media/", {"category": "press_photo", "file": SimpleUploadedFile("x.png", b"hello")}
    )

    assert response.status_code == 200
    error = re.search(
        r'<small class="field-error" id="id_file_error">([^<]*)</small>', html(response)
    )
    assert error and "not accepted" in error.group(1)
    assert not MediaFile.objects.exists() and used(artist) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_never_pass_the_50_gb_quota():
    artist = ArtistProfileFactory()
    quota = MediaQuota.objects.get(artist=artist)
    room_for = 3
    quota.used_bytes = quota.limit_bytes - room_for * len(PNG_1PX) - 1  # 50 GB minus 3 files
    quota.save()

    def upload() -> str:
        services.media_upload(user=artist.user, category="press_photo", upload=png_upload())
        return "stored"

    results = [getattr(r, "code", r) for r in run_together(upload, 10)]

    quota.refresh_from_db()
    assert results.count("stored") == room_for
    assert results.count("quota_exceeded") == 10 - room_for
    assert quota.used_bytes <= quota.limit_bytes == 50 * 1024**3
    assert quota.used_bytes == quota.limit_bytes - 1
    assert MediaFile.objects.filter(artist=artist).count() == room_for


def test_a_failed_write_to_storage_leaves_no_row_and_no_reservation(artist, monkeypatch):
    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(MediaFile.file.field.storage, "save", broken_save)

    with pytest.raises(OSError, match="disk full"):
        services.media_upload(user=artist.user, category="press_photo", upload=png_upload())

    assert not MediaFile.objects.exists()
    assert used(artist) == 0


def test_reconcile_drops_abandoned_pending_uploads_and_keeps_fresh_ones(artist, settings):
    """A crash between "reserve" and "confirm" leaves a pending row holding bytes: the nightly
    reconcile gives them back (row, reservation, stored file) once the upload is a day old."""
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from artists.models import MediaStatus
    from artists.services.quota import PENDING_UPLOAD_TTL

    stale_name = default_storage.save("artists/media/x/stale.png", png_upload())
    stale = MediaFile.objects.create(
        artist=artist,
        category="press_photo",
        filename="stale.png",
        size_bytes=1000,
        mime_type="image/png",
        status=MediaStatus.PENDING,
        file=stale_name,
    )
    MediaFile.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - PENDING_UPLOAD_TTL - timezone.timedelta(minutes=1)
    )
    fresh = MediaFile.objects.create(
        artist=artist,
        category="press_photo",
        filename="fresh.png",
        size_bytes=700,
        mime_type="image/png",
        status=MediaStatus.PENDING,
        file="artists/media/x/fresh.png",
    )
    MediaQuota.objects.filter(artist=artist).update(used_bytes=1700)

    quota = services.quota_reconcile(artist_id=artist.pk)

    assert not MediaFile.objects.filter(pk=stale.pk).exists()
    assert not default_storage.exists(stale_name)
    assert MediaFile.objects.filter(pk=fresh.pk).exists()
    assert quota.used_bytes == used(artist) == 700
