"""Profile editing: normalisation, images, verification, object permissions, views counting."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from artists import services
from artists.models import ArtistProfile, ProfileView, VerificationNote
from tests.artists.factories import ArtistProfileFactory
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "given", "stored"),
    [
        ("instagram_handle", "@nova.reyes", "nova.reyes"),
        ("instagram_handle", "https://www.instagram.com/nova.reyes/?hl=en", "nova.reyes"),
        ("instagram_handle", "instagram.com/nova_reyes", "nova_reyes"),
        ("tiktok_handle", "https://www.tiktok.com/@novareyes", "novareyes"),
        ("tiktok_handle", "@novareyes", "novareyes"),
        ("website_url", "NovaReyes.com/tour", "https://novareyes.com/tour"),
        (
            "spotify_url",
            "https://open.spotify.com/artist/123",
            "https://open.spotify.com/artist/123",
        ),
        ("secondary_genres", ["Folk", "folk", " Pop "], ["folk", "pop"]),
        ("influences", ["Bon  Iver", "bon iver", "Joni Mitchell"], ["Bon Iver", "Joni Mitchell"]),
    ],
)
def test_links_handles_and_lists_are_normalised(artist_client, artist, field, given, stored):
    response = artist_client.patch("/api/v1/artists/me", {field: given}, format="json")

    assert response.status_code == 200, response.content
    artist.refresh_from_db()
    assert getattr(artist, field) == stored


@pytest.mark.parametrize(
    ("field", "given"),
    [
        ("instagram_handle", "not a handle!"),
        ("spotify_url", "https://evil.example.com/artist/1"),
        ("website_url", "javascript:alert(1)"),
        ("location_country", "USA"),
        ("performance_types", ["juggling"]),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(artist_client, artist, field, given):
    before = ArtistProfile.objects.values().get(pk=artist.pk)

    response = artist_client.patch(
        "/api/v1/artists/me", {field: given, "tagline": "changed?"}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert ArtistProfile.objects.values().get(pk=artist.pk) == before


def test_read_only_fields_cannot_be_written(artist_client, artist):
    artist_client.patch(
        "/api/v1/artists/me",
        {"verified": True, "avg_rating": 5, "profile_views": 999, "slug": "x"},
        format="json",
    )

    artist.refresh_from_db()
    assert not artist.verified and artist.profile_views == 0 and artist.slug.startswith("artist-")


def test_me_shows_completeness_and_quota(artist_client):
    body = artist_client.get("/api/v1/artists/me").json()

    assert 0 <= body["completeness"]["score"] < 100
    assert "Profile photo" in body["completeness"]["missing"]
    assert body["quota"] == {"used_bytes": 0, "limit_bytes": 50 * 1024**3, "percent_used": 0.0}


def _png(width: int, height: int) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile("me.png", out.getvalue(), content_type="image/png")


def test_avatar_is_cropped_and_resized(artist_client, artist):
    response = artist_client.put(
        "/api/v1/artists/me/avatar", {"image": _png(1200, 800)}, format="multipart"
    )

    assert response.status_code == 200, response.content
    artist.refresh_from_db()
    with Image.open(artist.avatar.path) as image:
        assert image.size == (512, 512) and image.format == "JPEG"
    assert response.json()["avatar_url"].endswith(".jpg")


def test_banner_is_cropped_to_its_shape(artist_client, artist):
    artist_client.put("/api/v1/artists/me/banner", {"image": _png(3000, 3000)}, format="multipart")

    artist.refresh_from_db()
    with Image.open(artist.banner.path) as image:
        assert image.size == (1600, 480)


def test_a_file_that_is_not_an_image_is_refused(artist_client, artist):
    fake = SimpleUploadedFile("me.png", b"GIF89a but not really", content_type="image/png")

    response = artist_client.put("/api/v1/artists/me/avatar", {"image": fake}, format="multipart")

    assert response.status_code == 400
    artist.refresh_from_db()
    assert not artist.avatar


def test_only_staff_verify_and_every_change_is_noted(artist):
    staff = User.objects.create_superuser(email="staff@example.com", password="x" * 12)

    services.artist_set_verified(artist_id=artist.pk, by=staff, verified=True, note="ID checked")

    artist.refresh_from_db()
    assert artist.verified
    note = VerificationNote.objects.get()
    assert (note.by, note.verified, note.note) == (staff, True, "ID checked")
    with pytest.raises(ApplicationError, match="Only staff") as refused:
        services.artist_set_verified(
            artist_id=artist.pk, by=artist.user, verified=False, note="nope"
        )
    assert refused.value.status_code == 403
    artist.refresh_from_db()
    assert artist.verified  # the refused change changed nothing and left no note
    assert VerificationNote.objects.count() == 1
    with pytest.raises(ApplicationError) as no_note:
        services.artist_set_verified(artist_id=artist.pk, by=staff, verified=False, note="  ")
    assert no_note.value.code == "validation_error"
    artist.refresh_from_db()
    assert artist.verified and VerificationNote.objects.count() == 1


def test_admin_verify_action_asks_for_a_note(client, artist):
    staff = User.objects.create_superuser(email="staff@example.com", password="x" * 12)
    client.force_login(staff)
    url = "/admin/artists/artistprofile/"

    ask = client.post(url, {"action": "verify", "_selected_action": [artist.pk]})
    assert ask.status_code == 200 and b"Audit note" in ask.content
    client.post(
        url,
        {"action": "verify", "_selected_action": [artist.pk], "apply": "1", "note": "Checked"},
    )

    artist.refresh_from_db()
    assert artist.verified and VerificationNote.objects.filter(note="Checked").exists()


def test_nobody_edits_another_artists_profile(artist):
    other = ArtistProfileFactory()
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(other.user)
    client.patch("/api/v1/artists/me", {"tagline": "mine now"}, format="json")

    artist.refresh_from_db()
    assert artist.tagline != "mine now"  # /me only ever reaches the caller's own profile


def test_profile_views_count_once_per_viewer_per_day_and_not_the_owner(client, artist):
    url = f"/artists/{artist.slug}/"
    client.get(url, REMOTE_ADDR="203.0.113.1")
    client.get(url, REMOTE_ADDR="203.0.113.1")  # same anonymous viewer, same day
    client.get(url, REMOTE_ADDR="203.0.113.2")  # another address counts
    client.force_login(artist.user)
    client.get(url)  # the owner does not count
    viewer = ArtistProfileFactory().user
    client.force_login(viewer)
    client.get(url)
    client.get(f"/api/v1/artists/{artist.slug}")  # the API counts the same viewer once too
    services.profile_views_flush()  # with Redis, views reach the database at the next flush

    artist.refresh_from_db()
    assert artist.profile_views == 3
    assert ProfileView.objects.filter(artist=artist).count() == 3


def test_public_page_has_open_graph_tags_and_tabs(client, artist):
    html = client.get(f"/artists/{artist.slug}/").content.decode()

    assert f'<meta property="og:title" content="{artist.stage_name} on Umbrella">' in html
    assert 'property="og:url"' in html
    for tab in ("About", "Music", "Media", "Stats"):
        assert f">{tab}</a>" in html
    fragment = client.get(f"/artists/{artist.slug}/stats/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and b"<html" not in fragment.content


def test_profiles_still_onboarding_are_not_public(client):
    unfinished = ArtistProfileFactory(onboarding_step=2, user__onboarding_complete=False)

    assert client.get(f"/artists/{unfinished.slug}/").status_code == 404
    assert client.get(f"/api/v1/artists/{unfinished.slug}").status_code == 404


def test_a_view_already_in_the_database_is_not_counted_again_when_the_cache_is_cold(client, artist):
    url = f"/artists/{artist.slug}/"
    client.get(url, HTTP_USER_AGENT="A")
    services.profile_views_flush()  # the view is now in the database
    from django.core.cache import cache

    cache.clear()  # e.g. a Redis restart: the unique row still decides
    client.get(url, HTTP_USER_AGENT="A")
    services.profile_views_flush()

    artist.refresh_from_db()
    assert artist.profile_views == 1


# --- the view counter's service (found by mutation testing: docs/testing.md) -----------------


def _record(artist, viewer=None, ip="203.0.113.5"):
    from django.contrib.auth.models import AnonymousUser

    counted = services.profile_view_record(
        artist_id=artist.pk, owner_id=artist.user_id, viewer=viewer or AnonymousUser(), ip=ip
    )
    services.profile_views_flush()  # with Redis the view is buffered: write it now
    return counted


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "written-at-once"])
def test_the_view_service_says_whether_a_view_counted(artist, settings, buffered):
    from django.core.cache import cache

    settings.PROFILE_VIEWS_BUFFERED = buffered  # with Redis, both paths (no-op without)

    assert _record(artist) is True
    assert _record(artist) is False  # seen today (cache marker)
    assert _record(artist, ip="198.51.100.9") is True  # another viewer's marker is their own
    cache.clear()
    # The marker is gone: with Redis the view is buffered again, and the flush's unique row
    # refuses it; without, the request's insert is refused. Either way it does not count.
    _record(artist)
    assert _record(artist, viewer=artist.user) is False  # the owner
    settings.COUNTER_BUDGET_PER_HOUR = 1
    assert _record(ArtistProfileFactory()) is False  # this address spent its budget
    artist.refresh_from_db()
    assert artist.profile_views == 2


def test_signed_in_viewers_count_as_themselves_whatever_their_address(artist):
    from tests.accounts.factories import UserFactory

    fan, other_fan = UserFactory(), UserFactory()

    assert _record(artist, viewer=fan, ip="203.0.113.5")
    assert not _record(artist, viewer=fan, ip="198.51.100.7")  # the same fan elsewhere
    assert _record(artist, viewer=other_fan, ip="203.0.113.5")  # the same address, another fan
    artist.refresh_from_db()
    assert artist.profile_views == 2


def test_an_anonymous_viewers_key_changes_every_day(artist, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from artists.models import ProfileView
    from artists.services import counters

    today = timezone.now()
    assert _record(artist)
    monkeypatch.setattr(counters.timezone, "now", lambda: today + timedelta(days=1))
    assert _record(artist)

    keys = list(ProfileView.objects.values_list("viewer_key", flat=True))
    assert len(keys) == 2 and keys[0] != keys[1]


def test_requests_without_an_address_share_no_budget(artist, settings):
    settings.COUNTER_BUDGET_PER_HOUR = 1

    assert _record(artist, ip=None)
    assert _record(ArtistProfileFactory(), ip=None)
