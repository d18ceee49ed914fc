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
    rider_id = post(artist_client, SimpleUploadedFile("rider.txt", b"Two mics."), "document")
    media_id = post(artist_client, png_upload()).json()["id"]

    response = artist_client.get(f"{MEDIA}/{media_id}/download")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG_1PX  # that file, not another of theirs
    assert "attachment" in response["Content-Disposition"]
    rider = artist_client.get(f"{MEDIA}/{rider_id.json()['id']}/download")
    assert b"".join(rider.streaming_content) == b"Two mics."


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
    assert error["message"] == "This file does not fit in your storage."
    assert error["details"]["needed_bytes"] == len(PNG_1PX)
    assert MediaFile.objects.count() == 2 and used(artist) == len(PNG_1PX) * 2


def test_an_upload_charges_only_its_own_artists_quota(artist_client, artist):
    other = ArtistProfileFactory()

    assert post(artist_client, png_upload()).status_code == 201

    assert used(artist) == len(PNG_1PX) and used(other) == 0


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

    download = intruder.get(f"{MEDIA}/{media_id}/download")
    assert download.status_code == 404
    assert download.json()["error"] == {
        "code": "not_found",
        "message": "No such file.",
        "details": {},
    }
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


# --- found by mutation testing (docs/testing.md) --------------------------------------------


def _pending(artist, *, size: int, age, status=None, name: str = "") -> MediaFile:
    from django.utils import timezone

    from artists.models import MediaStatus

    media = MediaFile.objects.create(
        artist=artist,
        category="press_photo",
        filename="x.png",
        size_bytes=size,
        mime_type="image/png",
        status=status or MediaStatus.PENDING,
        file=name,
    )
    MediaFile.objects.filter(pk=media.pk).update(created_at=timezone.now() - age)
    return media


def test_expiring_pending_uploads_touches_only_this_artists_stale_pending_rows(artist):
    """Only this artist's, only pending, only stale: a confirmed file of any age stays, and
    the expired bytes are given back by the expiry itself (not only by a later recount)."""
    from django.utils import timezone

    from artists.models import MediaStatus
    from artists.services.quota import PENDING_UPLOAD_TTL

    old = PENDING_UPLOAD_TTL + timezone.timedelta(minutes=1)
    other = ArtistProfileFactory()
    stale = _pending(artist, size=1000, age=old)
    fresh = _pending(artist, size=700, age=timezone.timedelta(0))
    old_ready = _pending(artist, size=50, age=old, status=MediaStatus.READY)
    others_stale = _pending(other, size=300, age=old)
    MediaQuota.objects.filter(artist=artist).update(used_bytes=1750)
    MediaQuota.objects.filter(artist=other).update(used_bytes=300)

    assert services.quota_expire_pending(artist_id=artist.pk) == 1

    left = set(MediaFile.objects.values_list("pk", flat=True))
    assert left == {fresh.pk, old_ready.pk, others_stale.pk}
    assert stale.pk not in left
    assert used(artist) == 750 and used(other) == 300


def test_reconcile_counts_track_audio_from_storage_and_a_track_without_audio_as_nothing(artist):
    from artists.models import Track
    from tests.artists.factories import wav_upload

    services.media_upload(user=artist.user, category="press_photo", upload=png_upload())
    track = services.track_create(user=artist.user, audio=wav_upload(), data={"title": "A"})
    stored = default_storage.size(track.audio.name)
    Track.objects.filter(pk=track.pk).update(audio_size_bytes=1)  # the row's record drifted
    Track.objects.create(artist=artist, title="No audio", audio="", audio_size_bytes=999)
    MediaQuota.objects.filter(artist=artist).update(used_bytes=5)

    quota = services.quota_reconcile(artist_id=artist.pk)

    assert stored > 1
    assert quota.used_bytes == used(artist) == len(PNG_1PX) + stored


def test_reconcile_asks_storage_only_about_this_artists_stored_files(artist, monkeypatch):
    """One HEAD per confirmed file and track of this artist: the nightly run over every artist
    must not ask the bucket about everybody's files each time (nor about pending uploads)."""
    from django.utils import timezone

    from tests.artists.factories import wav_upload

    other = ArtistProfileFactory()
    mine = services.media_upload(user=artist.user, category="press_photo", upload=png_upload())
    track = services.track_create(user=artist.user, audio=wav_upload(), data={"title": "A"})
    services.media_upload(user=other.user, category="press_photo", upload=png_upload())
    _pending(artist, size=10, age=timezone.timedelta(0), name="artists/media/x/pending.png")
    asked = []
    real_size = default_storage.size
    monkeypatch.setattr(default_storage, "size", lambda name: asked.append(name) or real_size(name))

    services.quota_reconcile(artist_id=artist.pk)

    assert sorted(asked) == sorted([mine.file.name, track.audio.name])


def test_reconcile_counts_what_appears_while_it_measures_by_the_size_its_row_recorded(
    artist, monkeypatch
):
    """Storage is asked with no lock held: a file confirmed or a track added meanwhile is not
    in the measurements and counts with its row's size (a track without audio counts 0)."""
    from django.utils import timezone

    from artists.models import MediaStatus, Track
    from artists.services import quota as quota_module
    from tests.artists.factories import wav_upload

    track = services.track_create(user=artist.user, audio=wav_upload(), data={"title": "A"})
    confirmed_meanwhile = _pending(artist, size=111, age=timezone.timedelta(0))
    real = quota_module._stored_size

    def measure_while_others_write(name: str) -> int:
        if not Track.objects.filter(title="Meanwhile").exists():
            MediaFile.objects.filter(pk=confirmed_meanwhile.pk).update(status=MediaStatus.READY)
            Track.objects.create(
                artist=artist, title="Meanwhile", audio="artists/tracks/m.wav", audio_size_bytes=222
            )
            Track.objects.create(artist=artist, title="Odd", audio="", audio_size_bytes=444)
        return real(name)

    monkeypatch.setattr(quota_module, "_stored_size", measure_while_others_write)

    quota = services.quota_reconcile(artist_id=artist.pk)

    assert quota.used_bytes == track.audio_size_bytes + 111 + 222 + 0


def test_staff_refile_a_file_only_where_its_type_and_size_are_allowed(artist, monkeypatch):
    from accounts.models import User
    from umbrella.errors import ApplicationError

    staff = User.objects.create_superuser(email="staff@example.com", password="x" * 12)
    media = services.media_upload(user=artist.user, category="other", upload=png_upload())
    monkeypatch.setitem(
        filetypes.CATEGORY_RULES, "press_photo", (filetypes.IMAGE_TYPES, media.size_bytes)
    )

    moved = services.media_set_category(media_id=media.pk, by=staff, category="press_photo")

    assert moved.category == "press_photo"  # exactly at the category's limit is allowed
    for category in ("document", "bogus"):  # a PNG is not a document; no such category
        with pytest.raises(ApplicationError) as error:
            services.media_set_category(media_id=media.pk, by=staff, category=category)
        assert error.value.code == "validation_error"
        assert list(error.value.details) == ["category"]
    assert MediaFile.objects.get(pk=media.pk).category == "press_photo"


def test_staff_writes_on_a_missing_file_are_not_found(artist):
    from accounts.models import User
    from umbrella.errors import ApplicationError

    staff = User.objects.create_superuser(email="staff@example.com", password="x" * 12)

    for call in (services.media_delete_by_staff, services.media_set_category):
        kwargs = {"category": "other"} if call is services.media_set_category else {}
        with pytest.raises(ApplicationError) as error:
            call(media_id=987654, by=staff, **kwargs)
        assert (error.value.code, error.value.message, error.value.status_code) == (
            "not_found",
            "No such file.",
            404,
        )


def test_a_quota_limit_below_what_is_used_is_refused_by_the_service(artist):
    from accounts.models import User
    from umbrella.errors import ApplicationError

    staff = User.objects.create_superuser(email="staff@example.com", password="x" * 12)
    MediaQuota.objects.filter(artist=artist).update(used_bytes=100)

    with pytest.raises(ApplicationError) as error:
        services.quota_set_limit(artist_id=artist.pk, by=staff, limit_bytes=99)

    assert error.value.code == "validation_error"
    assert error.value.details == {"limit_bytes": ["100 bytes are in use: delete files first."]}
    assert (
        services.quota_set_limit(artist_id=artist.pk, by=staff, limit_bytes=100).limit_bytes == 100
    )


def test_abandoning_leaves_a_file_confirmed_or_deleted_meanwhile_alone(artist):
    """``_abandon`` runs after a refused store or confirmation; if a concurrent confirmation
    won (or the row is gone) there is nothing of its own to undo."""
    from artists.services.media import _abandon

    media = services.media_upload(user=artist.user, category="press_photo", upload=png_upload())

    _abandon(media.pk)
    _abandon(987654)

    assert MediaFile.objects.filter(pk=media.pk).exists()
    assert default_storage.exists(media.file.name)
    assert used(artist) == len(PNG_1PX)
