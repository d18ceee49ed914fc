"""Tracks: upload with duration, reorder, delete, plays, and nobody touching another's tracks."""

import itertools
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from artists import services
from artists.models import MediaQuota, Track
from tests.artists.factories import PNG_1PX, ArtistProfileFactory, wav_upload
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

TRACKS = "/api/v1/artists/me/tracks"


def upload(client, title="Song", **extra):
    return client.post(
        TRACKS, {"title": title, "audio": wav_upload(seconds=2), **extra}, format="multipart"
    )


def test_upload_reads_the_duration_and_counts_against_the_quota(artist_client, artist):
    response = upload(artist_client, title="First Light", release_year=2024)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["duration_seconds"] == 2 and body["display_order"] == 0
    track = Track.objects.get()
    assert MediaQuota.objects.get(artist=artist).used_bytes == track.audio_size_bytes > 0


def test_new_tracks_go_to_the_end(artist_client):
    for title in ("A", "B", "C"):
        upload(artist_client, title=title)

    titles = [t["title"] for t in artist_client.get(TRACKS).json()]
    assert titles == ["A", "B", "C"]


def test_a_file_whose_extension_lies_is_refused(artist_client, artist):
    fake = SimpleUploadedFile("song.mp3", PNG_1PX, content_type="audio/mpeg")

    response = artist_client.post(TRACKS, {"title": "x", "audio": fake}, format="multipart")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_type"
    assert not Track.objects.exists()
    assert MediaQuota.objects.get(artist=artist).used_bytes == 0


def test_wav_named_mp3_is_a_type_mismatch(artist_client):
    lying = wav_upload(name="song.mp3")

    response = artist_client.post(TRACKS, {"title": "x", "audio": lying}, format="multipart")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "type_mismatch"
    assert not Track.objects.exists()


def test_move_a_track(artist_client):
    ids = [upload(artist_client, title=t).json()["id"] for t in ("A", "B", "C", "D")]

    response = artist_client.post(f"{TRACKS}/{ids[3]}/move", {"position": 1}, format="json")

    assert response.status_code == 200
    assert [t["title"] for t in response.json()] == ["A", "D", "B", "C"]
    assert [t["display_order"] for t in response.json()] == [0, 1, 2, 3]


def test_moves_start_from_the_current_order_and_reach_both_ends(artist_client):
    ids = {t: upload(artist_client, title=t).json()["id"] for t in "ABC"}

    def move(title, position):
        response = artist_client.post(
            f"{TRACKS}/{ids[title]}/move", {"position": position}, format="json"
        )
        assert response.status_code == 200, response.content
        return [t["title"] for t in response.json()]

    assert move("C", 0) == ["C", "A", "B"]  # to the front
    assert move("A", 2) == ["C", "B", "A"]  # from the order above, not the upload order
    assert move("B", 10_000) == ["C", "A", "B"]  # past the end: last
    assert list(Track.objects.order_by("display_order").values_list("title", flat=True)) == [
        "C",
        "A",
        "B",
    ]


def test_delete_frees_the_bytes_and_the_file(
    artist_client, artist, django_capture_on_commit_callbacks
):
    track_id = upload(artist_client).json()["id"]
    path = Track.objects.get().audio.path

    with django_capture_on_commit_callbacks(execute=True):
        assert artist_client.delete(f"{TRACKS}/{track_id}").status_code == 204

    assert not Track.objects.exists()
    assert MediaQuota.objects.get(artist=artist).used_bytes == 0
    assert not os.path.exists(path)  # removed once the deletion committed


def test_nobody_edits_moves_or_deletes_another_artists_track(artist_client):
    track_id = upload(artist_client, title="Mine").json()["id"]
    intruder = APIClient()
    intruder.force_authenticate(ArtistProfileFactory().user)

    assert (
        intruder.patch(f"{TRACKS}/{track_id}", {"title": "Stolen"}, format="json").status_code
        == 404
    )
    assert (
        intruder.post(f"{TRACKS}/{track_id}/move", {"position": 0}, format="json").status_code
        == 404
    )
    deleted = intruder.delete(f"{TRACKS}/{track_id}")
    assert deleted.status_code == 404
    assert deleted.json()["error"] == {
        "code": "not_found",
        "message": "No such track.",
        "details": {},
    }
    assert Track.objects.get().title == "Mine"


def test_a_track_with_cover_art_stores_both_under_their_own_names(artist_client, artist):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1000, 600), (10, 80, 200)).save(out, format="PNG")
    cover = SimpleUploadedFile("cover.png", out.getvalue(), content_type="image/png")
    audio = wav_upload(name="My Song.wav")

    response = artist_client.post(
        TRACKS, {"title": "A", "audio": audio, "cover_art": cover}, format="multipart"
    )

    assert response.status_code == 201, response.content
    assert response.json()["display_order"] == 0
    track = Track.objects.get()
    assert track.display_order == 0
    assert track.audio.name.endswith("/My_Song.wav")
    assert track.cover_art.name.startswith(f"artists/covers/{artist.slug}-cover")
    with Image.open(track.cover_art.path) as image:
        assert image.size == (800, 800) and image.format == "JPEG"
    second = upload(artist_client, title="B").json()
    assert second["display_order"] == 1


def test_play_counts_only_public_tracks(artist_client, artist):
    track_id = upload(artist_client).json()["id"]
    anonymous = APIClient()

    assert (
        anonymous.post(f"/api/v1/artists/{artist.slug}/tracks/{track_id}/play").status_code == 204
    )
    assert anonymous.post(f"/api/v1/artists/wrong-slug/tracks/{track_id}/play").status_code == 404
    assert Track.objects.get().plays == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_plays_are_all_counted():
    artist = ArtistProfileFactory()
    track = services.track_create(user=artist.user, audio=wav_upload(), data={"title": "Hit"})

    listeners = itertools.count()  # next() on a count is atomic in CPython
    results = run_together(
        lambda: services.track_play(
            track_id=track.pk, artist_slug=artist.slug, ip=f"10.0.0.{next(listeners)}"
        ),
        20,
    )

    assert results == [True] * 20

    track.refresh_from_db()
    assert track.plays == 20
