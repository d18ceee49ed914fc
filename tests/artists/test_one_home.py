"""Decisions that have one home (issue 6, item 3): each test checks that the doors which used to
decide for themselves now agree with it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import User
from accounts.permissions import OnboardingComplete, OnboardingRequired
from accounts.state_hooks import user_state_changed
from artists import filetypes, normalize
from artists.models import ArtistProfile, MediaQuota, Track
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.artists.factories import ArtistProfileFactory, ArtistUserFactory, png_upload, wav_upload

pytestmark = pytest.mark.django_db


def _bmp() -> bytes:
    """A picture the form accepts but the service does not (not JPEG, PNG, WebP or GIF)."""
    out = io.BytesIO()
    Image.new("RGB", (2, 2)).save(out, format="BMP")
    return out.getvalue()


@pytest.mark.parametrize(
    ("onboarded", "active", "public"),
    [(True, True, True), (False, True, False), (True, False, False), (False, False, False)],
)
def test_a_public_artist_is_the_same_rule_everywhere(client, onboarded, active, public):
    artist = ArtistProfileFactory()
    User.objects.filter(pk=artist.user_id).update(onboarding_complete=onboarded, is_active=active)
    artist = ArtistProfile.objects.select_related("user").get(pk=artist.pk)
    user_state_changed(artist.user)  # what any write of these fields must do (state_hooks)
    track = Track.objects.create(artist=artist, title="Song", audio="artists/tracks/x.wav")

    in_queryset = ArtistProfile.objects.public().filter(pk=artist.pk).exists()
    page = client.get(f"/artists/{artist.slug}/").status_code
    api = APIClient().get(f"/api/v1/artists/{artist.slug}").status_code
    found = APIClient().get("/api/v1/artists/").json()["results"]
    played = APIClient().post(f"/api/v1/artists/{artist.slug}/tracks/{track.pk}/play").status_code

    assert artist.is_public is in_queryset is public
    assert (page, api, played) == ((200, 200, 204) if public else (404, 404, 404))
    assert [row["id"] for row in found] == ([artist.pk] if public else [])


@pytest.mark.parametrize(
    ("staff", "onboarded", "needs"),
    [(False, False, True), (False, True, False), (True, False, False)],
)
def test_needs_onboarding_is_one_rule_for_pages_and_api(client, rf, staff, onboarded, needs):
    user = NewUserFactory(is_staff=staff, onboarding_complete=onboarded, role="fan")
    client.force_login(user)
    write = rf.post("/api/v1/anything")
    write.user = user

    page = client.get("/settings/")
    try:
        api_allows = OnboardingComplete().has_permission(write, view=object())
    except OnboardingRequired:
        api_allows = False

    assert user.needs_onboarding is needs
    assert (page.status_code == 302 and page["Location"] == "/onboarding/") is needs
    assert api_allows is not needs


def test_genres_and_countries_are_cleaned_the_same_way_when_saved_and_searched():
    artist = ArtistProfileFactory()
    client = APIClient()
    client.force_authenticate(artist.user)
    saved = client.patch(
        "/api/v1/artists/me",
        {"primary_genre": "  Drum   AND bass ", "location_country": " gb "},
        format="json",
    )
    assert saved.status_code == 200, saved.content
    artist.refresh_from_db()
    assert artist.primary_genre == normalize.genre(" Drum and BASS") == "drum and bass"
    assert artist.location_country == normalize.country("gb ") == "GB"

    found = APIClient().get("/api/v1/artists/", {"genre": "DRUM and  Bass", "country": " Gb"})

    assert [row["id"] for row in found.json()["results"]] == [artist.pk]


def test_the_wizard_page_and_the_api_open_the_same_steps(client):
    user = ArtistUserFactory(onboarding_complete=False)
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)

    page = client.get("/onboarding/artist/3/")
    refused = api.put("/api/v1/artists/me/onboarding/3", {}, format="json")

    assert page.status_code == 302 and page["Location"].endswith("/onboarding/artist/1/")
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["next_step"] == 1
    assert client.get("/onboarding/artist/9/").status_code == 404
    assert api.put("/api/v1/artists/me/onboarding/9", {}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("files", "field", "fragment"),
    [
        # factories, not files: an uploaded file is read once, and a test may run twice
        (lambda: {"audio": png_upload("song.wav")}, "audio", "not accepted"),
        (lambda: {"audio": wav_upload("song.mp3")}, "audio", "says audio/mpeg"),
        (
            lambda: {"audio": wav_upload(), "cover_art": SimpleUploadedFile("c.bmp", _bmp())},
            "cover_art",
            "Use a JPEG, PNG, WebP or GIF image.",
        ),
    ],
    ids=["not-audio", "name-lies", "bad-cover"],
)
def test_the_track_page_shows_the_services_file_errors_next_to_the_field(
    client, artist, files, field, fragment
):
    client.force_login(artist.user)

    response = client.post("/studio/tracks/", {"title": "Song", **files()})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert fragment in " ".join(errors[field])
    assert not Track.objects.exists()
    assert MediaQuota.objects.get(artist=artist).used_bytes == 0


def test_a_track_that_does_not_fit_is_refused_next_to_the_audio_field(client, artist):
    MediaQuota.objects.filter(artist=artist).update(limit_bytes=10)
    client.force_login(artist.user)

    response = client.post("/studio/tracks/", {"title": "Song", "audio": wav_upload()})

    assert "does not fit" in " ".join(response.context["form"].errors["audio"])
    assert not Track.objects.exists()


def test_the_upload_limits_shown_come_from_the_category_rules(client, artist, monkeypatch):
    monkeypatch.setitem(
        filetypes.CATEGORY_RULES, "music", (filetypes.AUDIO_TYPES, 7 * filetypes.MB)
    )
    client.force_login(artist.user)

    page = client.get("/studio/media/").content.decode()

    assert "music up to 7 MB" in page
    assert "Press photos up to 25 MB" in page and "video up to 5 GB" in page


def test_the_search_page_pages_like_the_api(client):
    for n in range(26):
        ArtistProfileFactory(stage_name=f"Pager {n}")

    first = client.get("/artists/", {"ordering": "newest"})
    last = client.get("/artists/", {"ordering": "newest", "page": 2})
    api_first = APIClient().get("/api/v1/artists/", {"ordering": "newest", "page_size": 24})

    assert len(first.context["results"]) == 24 and first.context["has_next"] is True
    assert len(last.context["results"]) == 2 and last.context["has_next"] is False
    assert [r["id"] for r in first.context["results"]] == [
        r["id"] for r in api_first.json()["results"]
    ]


def test_the_own_profile_lookup_refuses_non_artists_through_every_door(client):
    fan = UserFactory()
    api = APIClient()
    api.force_authenticate(fan)
    client.force_login(fan)

    assert api.get("/api/v1/artists/me").status_code == 403
    assert api.get("/api/v1/artists/me/tracks").status_code == 403
    assert api.post("/api/v1/artists/me/media", {}, format="multipart").status_code in (400, 403)
    page = client.get("/studio/")
    assert page.status_code == 302 and page["Location"] == "/dashboard/"
