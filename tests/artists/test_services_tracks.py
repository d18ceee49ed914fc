"""Track services whose one-line breaks once went unnoticed: an edit that ignores its input,
plays counted for hidden artists, and quota kept when storing the audio fails."""

import pytest
from django.core.files.storage import FileSystemStorage
from rest_framework.test import APIClient

from artists import services
from artists.models import MediaQuota, Track
from tests.artists.factories import ArtistProfileFactory, wav_upload

pytestmark = pytest.mark.django_db

TRACKS = "/api/v1/artists/me/tracks"


@pytest.fixture
def track(artist):
    return services.track_create(user=artist.user, audio=wav_upload(), data={"title": "Old"})


def used(artist) -> int:
    return MediaQuota.objects.get(artist=artist).used_bytes


# --- edit -----------------------------------------------------------------------------------


def test_track_edit_stores_every_field_and_the_public_list_shows_it(artist_client, artist, track):
    change = {
        "title": "  New Title ",
        "genre": "folk",
        "release_year": 2021,
        "spotify_url": "https://open.spotify.com/track/abc",
        "apple_music_url": "https://music.apple.com/us/album/x/1",
    }

    response = artist_client.patch(f"{TRACKS}/{track.pk}", change, format="json")

    assert response.status_code == 200, response.content
    expected = {**change, "title": "New Title"}
    for field, value in expected.items():
        assert response.json()[field] == value, field
    stored = Track.objects.values(*expected).get(pk=track.pk)
    assert stored == expected
    public = APIClient().get(f"/api/v1/artists/{artist.slug}/tracks").json()
    assert [t["title"] for t in public] == ["New Title"]


def test_track_edit_leaves_fields_it_was_not_given(artist, track):
    services.track_update(user=artist.user, track_id=track.pk, data={"genre": "jazz"})

    track.refresh_from_db()
    assert (track.title, track.genre) == ("Old", "jazz")


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "   "), ("release_year", 1800), ("spotify_url", "https://evil.example/x")],
)
def test_a_refused_track_edit_changes_nothing(artist_client, track, field, value):
    before = Track.objects.values().get(pk=track.pk)

    response = artist_client.patch(f"{TRACKS}/{track.pk}", {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert Track.objects.values().get(pk=track.pk) == before


# --- plays ----------------------------------------------------------------------------------


def play(artist, track_id, ip="203.0.113.7"):
    return APIClient().post(f"/api/v1/artists/{artist.slug}/tracks/{track_id}/play", REMOTE_ADDR=ip)


def test_a_play_of_a_public_track_counts_once_per_listener_per_window(artist, track):
    assert play(artist, track.pk).status_code == 204
    assert play(artist, track.pk).status_code == 204  # the same listener again: not counted
    assert play(artist, track.pk, ip="198.51.100.9").status_code == 204

    track.refresh_from_db()
    assert track.plays == 2


@pytest.mark.parametrize(
    "hide",
    [
        pytest.param({"onboarding_complete": False}, id="unfinished"),
        pytest.param({"is_active": False}, id="deactivated"),
    ],
)
def test_plays_of_a_hidden_artists_track_are_not_counted(artist, track, hide):
    type(artist.user).objects.filter(pk=artist.user_id).update(**hide)

    response = play(artist, track.pk)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    track.refresh_from_db()
    assert track.plays == 0


def test_the_service_says_whether_a_play_counted(artist, track):
    def count(ip):
        return services.track_play(track_id=track.pk, artist_slug=artist.slug, ip=ip)

    assert count("203.0.113.7") is True
    assert count("203.0.113.7") is False  # the same listener within the window
    track.refresh_from_db()
    assert track.plays == 1


def test_a_play_from_a_request_without_a_usable_address_counts(artist, track):
    # No address means no budget key (the budget is per address), not "over the budget".
    assert services.track_play(track_id=track.pk, artist_slug=artist.slug, ip=None) is True
    track.refresh_from_db()
    assert track.plays == 1


def test_a_play_counts_again_once_the_window_has_passed(artist, track, settings):
    import time

    settings.PLAY_REPEAT_SECONDS = 1

    assert services.track_play(track_id=track.pk, artist_slug=artist.slug, ip="203.0.113.7")
    time.sleep(1.1)  # the marker expires by itself (no cache clearing)

    assert services.track_play(track_id=track.pk, artist_slug=artist.slug, ip="203.0.113.7")
    track.refresh_from_db()
    assert track.plays == 2


def test_plays_past_an_addresses_hourly_budget_are_not_counted(artist, settings):
    settings.COUNTER_BUDGET_PER_HOUR = 2
    tracks = [
        services.track_create(user=artist.user, audio=wav_upload(), data={"title": t})
        for t in "ABC"
    ]

    counted = [
        services.track_play(track_id=t.pk, artist_slug=artist.slug, ip="203.0.113.7")
        for t in tracks
    ]

    assert counted == [True, True, False]
    assert sorted(Track.objects.values_list("plays", flat=True)) == [0, 1, 1]
    assert services.track_play(track_id=tracks[2].pk, artist_slug=artist.slug, ip="198.51.100.9")


def test_a_play_under_another_artists_slug_is_not_counted(artist, track):
    other = ArtistProfileFactory()

    assert play(other, track.pk).status_code == 404
    track.refresh_from_db()
    assert track.plays == 0


# --- quota when storing fails ---------------------------------------------------------------


class StorageDown(OSError):
    pass


def _broken_save(self, name, content):
    raise StorageDown("disk full")


def test_quota_is_released_when_storing_the_audio_fails(artist, monkeypatch):
    monkeypatch.setattr(FileSystemStorage, "_save", _broken_save)

    with pytest.raises(StorageDown):
        services.track_create(user=artist.user, audio=wav_upload(), data={"title": "Lost"})

    assert used(artist) == 0
    assert not Track.objects.exists()


def test_a_failed_track_creation_releases_only_its_own_bytes(artist, track, monkeypatch):
    before = used(artist)
    assert before == track.audio_size_bytes > 0
    monkeypatch.setattr(FileSystemStorage, "_save", _broken_save)

    with pytest.raises(StorageDown):
        services.track_create(user=artist.user, audio=wav_upload(seconds=3), data={"title": "X"})

    assert used(artist) == before
    assert list(Track.objects.values_list("title", flat=True)) == ["Old"]


def test_deleting_a_track_frees_exactly_its_bytes(artist, track):
    second = services.track_create(
        user=artist.user, audio=wav_upload(seconds=3), data={"title": "B"}
    )
    assert used(artist) == track.audio_size_bytes + second.audio_size_bytes

    services.track_delete(user=artist.user, track_id=track.pk)

    assert used(artist) == second.audio_size_bytes


# --- staff doors and the admin's check --------------------------------------------------------


def test_track_check_returns_only_the_normalised_fields_it_was_given(track):
    assert services.track_check(track=track, data={"title": "  New  "}) == {"title": "New"}
    track.refresh_from_db()
    assert track.title == "Old"  # nothing saved


def test_staff_writes_on_a_missing_track_are_not_found():
    from accounts.models import User
    from umbrella.errors import ApplicationError

    staff = User.objects.create_superuser(email="staff@example.com", password="x" * 12)

    for call, extra in (
        (services.track_delete_by_staff, {}),
        (services.track_update_by_staff, {"data": {"title": "X"}}),
    ):
        with pytest.raises(ApplicationError) as error:
            call(track_id=987654, by=staff, **extra)
        assert (error.value.code, error.value.message, error.value.status_code) == (
            "not_found",
            "No such track.",
            404,
        )


def _refused(call, **kwargs):
    from umbrella.errors import ApplicationError

    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def test_every_bad_track_field_is_named_with_its_own_message(artist, track):
    error = _refused(
        services.track_update,
        user=artist.user,
        track_id=track.pk,
        data={"spotify_url": "https://evil.example/x", "apple_music_url": "https://evil.example/y"},
    )

    assert error.code == "validation_error"
    assert error.details == {
        "spotify_url": ["This should be a link to spotify.com."],
        "apple_music_url": ["This should be a link to music.apple.com or itunes.apple.com."],
    }


def test_model_rules_apply_to_track_edits_too(artist, track):
    error = _refused(
        services.track_update, user=artist.user, track_id=track.pk, data={"release_year": 1800}
    )

    assert error.code == "validation_error" and list(error.details) == ["release_year"]
    assert error.message == error.details["release_year"][0]
    track.refresh_from_db()
    assert track.release_year is None


def test_a_track_needs_a_title(artist):
    error = _refused(services.track_create, user=artist.user, audio=wav_upload(), data={})

    assert (error.code, error.message) == ("validation_error", "This field is required.")
    assert error.details == {"title": ["This field is required."]}
    assert used(artist) == 0


def test_a_failed_track_insert_deletes_the_audio_it_wrote(artist, monkeypatch, settings):
    from pathlib import Path

    def broken_save(self, *args, **kwargs):
        raise StorageDown("database gone")

    monkeypatch.setattr(Track, "save", broken_save)

    with pytest.raises(StorageDown):
        services.track_create(user=artist.user, audio=wav_upload(), data={"title": "Lost"})

    tracks_dir = Path(settings.MEDIA_ROOT) / "artists" / "tracks"
    assert not tracks_dir.exists() or not any(tracks_dir.iterdir())
    assert used(artist) == 0
