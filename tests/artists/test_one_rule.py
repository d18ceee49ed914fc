"""One rule for every door: the profile page, the API and admin refuse the same values.

Each limit lives once, on the model field (artists/models.py); the API serializer and the page
form read it from there and the services' ``full_clean`` enforces it. Every case goes through
every door, and a refused value must leave the row exactly as it was.
"""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from artists.models import (
    LIST_ITEM_MAX_LENGTH,
    LIST_MAX_ITEMS,
    MAX_ADVANCE_BOOKING_WEEKS,
    MAX_RATE_FLAT_CENTS,
    MAX_RATE_HOURLY_CENTS,
    MAX_TRAVEL_RADIUS_MILES,
    MAX_YEARS_PERFORMING,
    ArtistProfile,
    MediaCategory,
)
from artists.steps import EDITABLE_FIELDS
from tests.artists.factories import ArtistProfileFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/artists/me"
PAGE = "/studio/profile/"


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _genres(count: int) -> list[str]:
    return [f"genre {n}" for n in range(count)]


# (case, field, value through the API, value through the page form (None: same as the API))
TOO_MUCH = [
    (
        "flat rate over",
        "base_rate_flat",
        MAX_RATE_FLAT_CENTS + 1,
        _dollars(MAX_RATE_FLAT_CENTS + 1),
    ),
    ("flat rate negative", "base_rate_flat", -1, "-0.01"),
    (
        "hourly rate over",
        "base_rate_hourly",
        MAX_RATE_HOURLY_CENTS + 1,
        _dollars(MAX_RATE_HOURLY_CENTS + 1),
    ),
    ("travel radius", "travel_radius_miles", MAX_TRAVEL_RADIUS_MILES + 1, None),
    ("advance weeks", "advance_booking_weeks", MAX_ADVANCE_BOOKING_WEEKS + 1, None),
    ("years", "years_performing", MAX_YEARS_PERFORMING + 1, None),
    ("years negative", "years_performing", -1, None),
    (
        "list count",
        "secondary_genres",
        _genres(LIST_MAX_ITEMS + 1),
        ", ".join(_genres(LIST_MAX_ITEMS + 1)),
    ),
    ("list item length", "influences", ["x" * (LIST_ITEM_MAX_LENGTH + 1)], None),
    ("name length", "stage_name", "x" * 101, None),
    ("tagline length", "tagline", "x" * 161, None),
    ("bio length", "bio", "x" * 5001, None),
    ("link length", "website_url", "https://example.com/" + "a" * 200, None),
    ("link host", "spotify_url", "https://evil.com\\@spotify.com/", None),
    ("handle", "instagram_handle", "not a handle!", None),
    ("unknown choice", "performance_types", ["juggling"], None),
    ("country", "location_country", "USA", None),
]
AT_THE_LIMIT = [
    # (field, through the API, through the page, stored)
    ("base_rate_flat", MAX_RATE_FLAT_CENTS, _dollars(MAX_RATE_FLAT_CENTS), MAX_RATE_FLAT_CENTS),
    (
        "base_rate_hourly",
        MAX_RATE_HOURLY_CENTS,
        _dollars(MAX_RATE_HOURLY_CENTS),
        MAX_RATE_HOURLY_CENTS,
    ),
    ("travel_radius_miles", MAX_TRAVEL_RADIUS_MILES, None, MAX_TRAVEL_RADIUS_MILES),
    ("advance_booking_weeks", MAX_ADVANCE_BOOKING_WEEKS, None, MAX_ADVANCE_BOOKING_WEEKS),
    ("years_performing", MAX_YEARS_PERFORMING, None, MAX_YEARS_PERFORMING),
    (
        "secondary_genres",
        _genres(LIST_MAX_ITEMS),
        ", ".join(_genres(LIST_MAX_ITEMS)),
        _genres(LIST_MAX_ITEMS),
    ),
    ("influences", ["x" * LIST_ITEM_MAX_LENGTH], None, ["x" * LIST_ITEM_MAX_LENGTH]),
    ("stage_name", "x" * 100, None, "x" * 100),
    # a handle typed as a profile link is longer than the handle itself: both doors take it
    ("instagram_handle", "https://www.instagram.com/nova.reyes/?hl=en", None, "nova.reyes"),
    ("website_url", "NovaReyes.com/tour", None, "https://novareyes.com/tour"),
]
IDS = [case[0] for case in TOO_MUCH]


def _page_value(api_value, page_value):
    if page_value is not None:
        return page_value
    if isinstance(api_value, list) and api_value and api_value[0] != "juggling":
        return ", ".join(api_value)
    return api_value


def _row(artist: ArtistProfile) -> dict:
    return ArtistProfile.objects.values().get(pk=artist.pk)


@pytest.fixture
def signed_in(client, artist):
    client.force_login(artist.user)
    return client


@pytest.mark.parametrize(("case", "field", "api_value", "page_value"), TOO_MUCH, ids=IDS)
def test_the_api_refuses_and_writes_nothing(
    artist_client, artist, case, field, api_value, page_value
):
    before = _row(artist)

    response = artist_client.patch(ME, {field: api_value, "legal_name": "changed?"}, format="json")

    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert field in body["details"]
    assert _row(artist) == before


@pytest.mark.parametrize(("case", "field", "api_value", "page_value"), TOO_MUCH, ids=IDS)
def test_the_page_refuses_the_same_value_and_writes_nothing(
    signed_in, artist, case, field, api_value, page_value
):
    before = _row(artist)
    data = {"stage_name": artist.stage_name, "legal_name": "changed?"}
    data[field] = _page_value(api_value, page_value)

    response = signed_in.post(PAGE, data)

    assert response.status_code == 200  # the form again, with the error next to the field
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _row(artist) == before


@pytest.mark.parametrize(("field", "api_value", "page_value", "stored"), AT_THE_LIMIT)
def test_both_doors_accept_a_value_at_the_limit(
    artist_client, client, field, api_value, page_value, stored
):
    by_api, by_page = ArtistProfileFactory(), ArtistProfileFactory()
    client.force_login(by_page.user)
    artist_client.force_authenticate(by_api.user)

    api = artist_client.patch(ME, {field: api_value}, format="json")
    page = client.post(
        PAGE,
        {"stage_name": by_page.stage_name, field: _page_value(api_value, page_value)},
    )

    assert api.status_code == 200, api.content
    assert page.status_code == 302, page.content.decode()[:2000]
    by_api.refresh_from_db()
    by_page.refresh_from_db()
    assert getattr(by_api, field) == stored
    assert getattr(by_page, field) == stored


def _admin_data(artist: ArtistProfile, **changes) -> dict:
    """What the admin change form posts for this artist (no inline rows), with ``changes``."""
    data = {}
    for field in ArtistProfile._meta.fields:
        if field.name in ("id", "avatar", "banner", "created_at", "updated_at"):
            continue
        value = getattr(artist, field.attname)
        if isinstance(value, list):
            value = json.dumps(value)
        data[field.name if field.name != "user" else "user"] = "" if value is None else value
    for name, value in changes.items():
        data[name] = json.dumps(value) if isinstance(value, list) else value
    data = {key: value for key, value in data.items() if value is not False}
    for prefix in ("tracks", "verification_notes"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


@pytest.mark.parametrize(("case", "field", "api_value", "page_value"), TOO_MUCH, ids=IDS)
def test_admin_refuses_the_same_value_and_writes_nothing(
    client, artist, case, field, api_value, page_value
):
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    url = reverse("admin:artists_artistprofile_change", args=[artist.pk])
    before = _row(artist)

    response = client.post(url, _admin_data(artist, **{field: api_value}))

    assert response.status_code == 200, response.headers.get("Location")
    assert field in response.context["adminform"].form.errors
    assert _row(artist) == before


def test_admin_form_data_saves_when_nothing_is_wrong(client, artist):
    """The admin door test above would pass for any broken form: prove a clean post saves."""
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    url = reverse("admin:artists_artistprofile_change", args=[artist.pk])

    response = client.post(url, _admin_data(artist, tagline="Saved by staff"))

    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.tagline == "Saved by staff"


def test_the_api_and_page_forms_cover_every_editable_field():
    from artists.api.serializers import ProfileInputSerializer
    from artists.forms import ProfileFieldsForm

    assert set(ProfileInputSerializer().fields) == set(EDITABLE_FIELDS)
    assert set(ProfileFieldsForm(field_names=EDITABLE_FIELDS).fields) == set(EDITABLE_FIELDS)


# --- the media list filter --------------------------------------------------------------------


def test_an_unknown_media_category_is_refused_by_the_api_and_the_page(signed_in, artist_client):
    api = artist_client.get("/api/v1/artists/me/media", {"category": "secret"})
    page = signed_in.get("/studio/media/", {"category": "secret"})

    assert api.status_code == 400
    assert "category" in api.json()["error"]["details"]
    assert page.status_code == 400
    assert "Unknown category: secret." in page.content.decode()


@pytest.mark.parametrize("category", ["", *MediaCategory.values])
def test_known_media_categories_are_accepted_by_both_doors(signed_in, artist_client, category):
    assert artist_client.get("/api/v1/artists/me/media", {"category": category}).status_code == 200
    assert signed_in.get("/studio/media/", {"category": category}).status_code == 200
