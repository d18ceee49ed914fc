"""Hostile links and names through every door of the artists app: the API, the pages, admin.

Links: every bypass family of tests/umbrella/test_links.py is refused through the API and the
profile page, for the profile's links and a track's, and nothing is written. Names: bidi controls
and invisible characters are removed from stage names and track titles, free text keeps its lines.
"""

import pytest
from django.urls import reverse

from accounts.models import User
from artists.models import ArtistProfile, Track
from tests.accounts.factories import NewUserFactory
from tests.artists.factories import wav_upload
from tests.umbrella.test_links import BYPASSES

pytestmark = pytest.mark.django_db

ME = "/api/v1/artists/me"
PAGE = "/studio/profile/"
LINK_IDS = [why for _, why in BYPASSES]


def _row(artist: ArtistProfile) -> dict:
    return ArtistProfile.objects.values().get(pk=artist.pk)


@pytest.fixture
def signed_in(client, artist):
    client.force_login(artist.user)
    return client


@pytest.fixture
def track(artist):
    return Track.objects.create(artist=artist, title="Song", audio="artists/tracks/x.wav")


# --- links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("link", "why"), BYPASSES, ids=LINK_IDS)
def test_link_bypasses_are_refused_by_the_api(artist_client, artist, link, why):
    before = _row(artist)

    response = artist_client.patch(ME, {"spotify_url": link}, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    if "\x00" in link:
        # a NUL anywhere in a JSON body is refused by the parser, before any field is read
        assert error["code"] == "invalid_unicode"
    else:
        assert "spotify_url" in error["details"]
    assert _row(artist) == before


@pytest.mark.parametrize(("link", "why"), BYPASSES, ids=LINK_IDS)
def test_link_bypasses_are_refused_by_the_profile_page(signed_in, artist, link, why):
    before = _row(artist)

    response = signed_in.post(PAGE, {"stage_name": artist.stage_name, "spotify_url": link})

    assert response.status_code == 200
    assert 'id="id_spotify_url_error"' in response.content.decode()
    assert _row(artist) == before


@pytest.mark.parametrize(
    ("link", "why"),
    [
        case
        for case in BYPASSES
        if case[1] in {"backslash before userinfo", "Cyrillic o", "port zero"}
    ],
)
def test_link_bypasses_are_refused_for_tracks_by_the_api_and_the_page(
    artist_client, signed_in, track, link, why
):
    api = artist_client.patch(f"{ME}/tracks/{track.pk}", {"spotify_url": link}, format="json")
    page = signed_in.post(
        "/studio/tracks/", {"title": "New", "audio": wav_upload(), "spotify_url": link}
    )

    assert api.status_code == 400 and "spotify_url" in api.json()["error"]["details"]
    assert page.status_code == 200 and 'id="id_spotify_url_error"' in page.content.decode()
    assert list(Track.objects.values_list("title", "spotify_url")) == [("Song", "")]


def test_a_good_link_is_stored_normalised_by_both_doors(artist_client, signed_in, artist):
    typed = "HTTPS://Open.Spotify.com.:443/artist/1#top"

    artist_client.patch(ME, {"spotify_url": typed}, format="json")
    artist.refresh_from_db()
    by_api = artist.spotify_url
    signed_in.post(PAGE, {"stage_name": artist.stage_name, "spotify_url": typed})
    artist.refresh_from_db()

    assert by_api == artist.spotify_url == "https://open.spotify.com/artist/1"


def test_admin_refuses_a_link_to_another_host(client, artist, track):
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    url = reverse("admin:artists_track_change", args=[track.pk])

    response = client.post(
        url,
        {
            "artist": artist.pk,
            "title": "Song",
            "spotify_url": "https://evil.com\\@spotify.com/",
            "display_order": 0,
        },
    )

    assert response.status_code == 200
    assert "spotify_url" in response.context["adminform"].form.errors
    assert Track.objects.get().spotify_url == ""


# --- names and free text ------------------------------------------------------------------------

STAGE_NAMES = [
    ("\u202eNova Reyes\u202c", "Nova Reyes"),
    ("No\u200bva\u2060 \u200d Reyes", "Nova Reyes"),
    ("\u2067Nova\u2069 \u061cReyes\u200f", "Nova Reyes"),
    ("Nova\u3164Reyes", "NovaReyes"),
    ("  Nova \n\t Reyes  ", "Nova Reyes"),
    ("Sigur Ro\u0301s", "Sigur Rós"),
]


@pytest.mark.parametrize(("typed", "stored"), STAGE_NAMES)
def test_stage_names_are_cleaned_by_the_api_and_the_page(
    artist_client, signed_in, artist, typed, stored
):
    artist_client.patch(ME, {"stage_name": typed}, format="json")
    artist.refresh_from_db()
    by_api = artist.stage_name
    ArtistProfile.objects.filter(pk=artist.pk).update(stage_name="Before")
    signed_in.post(PAGE, {"stage_name": typed})
    artist.refresh_from_db()

    assert by_api == stored
    assert artist.stage_name == stored


def test_onboarding_cleans_the_name_before_making_the_slug(client, api_client):
    by_api, by_page = NewUserFactory(role="artist"), NewUserFactory(role="artist")
    step = {"stage_name": "\u202eZed\u200b Lux", "location_city": "Oslo", "location_country": "no"}

    api_client.force_authenticate(by_api)
    api_client.put("/api/v1/artists/me/onboarding/1", step, format="json")
    client.force_login(by_page)
    client.post("/onboarding/artist/1/", step)

    profiles = ArtistProfile.objects.order_by("pk")
    assert [(p.stage_name, p.slug) for p in profiles] == [
        ("Zed Lux", "zed-lux"),
        ("Zed Lux", "zed-lux-2"),
    ]


def test_a_stage_name_of_only_invisible_characters_is_required_again(artist_client, artist):
    before = _row(artist)

    response = artist_client.patch(ME, {"stage_name": "\u200b\u202e\u2060"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"stage_name": ["This field is required."]}
    assert _row(artist) == before


def test_lists_and_other_single_line_fields_are_cleaned(artist_client, artist):
    artist_client.patch(
        ME,
        {
            "influences": ["Bon\u200b Iver", "\u202eJoni Mitchell"],
            "tagline": "Late\u2028night\u200b folk",
            "location_city": "\u2066Austin\u2069",
        },
        format="json",
    )

    artist.refresh_from_db()
    assert artist.influences == ["Bon Iver", "Joni Mitchell"]
    assert artist.tagline == "Late night folk"
    assert artist.location_city == "Austin"


def test_bio_keeps_its_lines_and_loses_overrides_by_both_doors(artist_client, signed_in, artist):
    typed = "First line.\r\n\r\nSecond\tline \u202ereversed\u202c, \u200dkept.\x07"
    stored = "First line.\n\nSecond\tline reversed, \u200dkept."

    artist_client.patch(ME, {"bio": typed}, format="json")
    artist.refresh_from_db()
    by_api = artist.bio
    signed_in.post(PAGE, {"stage_name": artist.stage_name, "bio": typed})
    artist.refresh_from_db()

    assert by_api == stored
    assert artist.bio == stored


def test_track_titles_are_cleaned_by_the_api_and_the_page(artist_client, signed_in, track):
    artist_client.patch(
        f"{ME}/tracks/{track.pk}", {"title": "\u202eFirst\u200b Light"}, format="json"
    )
    signed_in.post("/studio/tracks/", {"title": "Second\u2066 Light\u2069", "audio": wav_upload()})
    created = artist_client.post(
        f"{ME}/tracks", {"title": "\ufeffThird  Light", "audio": wav_upload()}, format="multipart"
    )

    assert created.status_code == 201, created.content
    assert sorted(Track.objects.values_list("title", flat=True)) == [
        "First Light",
        "Second Light",
        "Third Light",
    ]


def test_admin_stores_a_stage_name_cleaned_like_the_other_doors(client, artist):
    """Admin's form asks the profile service's check, which normalises like the API and pages
    (the model validator would refuse the raw name if a door skipped the service)."""
    from tests.artists.test_one_rule import _admin_data

    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    url = reverse("admin:artists_artistprofile_change", args=[artist.pk])

    response = client.post(url, _admin_data(artist, stage_name="\u202eNova\u200b Reyes\u202c"))

    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.stage_name == "Nova Reyes"


def test_the_model_refuses_a_hidden_character_a_door_did_not_clean(artist):
    from django.core.exceptions import ValidationError

    artist.stage_name = "Nova\u202eReyes"

    with pytest.raises(ValidationError, match="U\\+202E"):
        artist.full_clean(validate_unique=False)
