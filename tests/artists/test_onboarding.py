"""The five onboarding steps, through the API (the same services serve the page wizard)."""

import pytest
from rest_framework.test import APIClient

from artists.models import ArtistProfile
from tests.accounts.factories import NewUserFactory, UserFactory

pytestmark = pytest.mark.django_db

STEP = "/api/v1/artists/me/onboarding/{}"
STEPS = [
    {"stage_name": "Nova Reyes", "location_city": "Austin", "location_country": "us"},
    {
        "tagline": "Late-night folk.",
        "bio": "Songs about long drives and short summers, played on a battered guitar "
        "in small rooms.",
    },
    {"primary_genre": "Indie", "performance_types": ["solo", "band"], "influences": ["Bon Iver"]},
    {"base_rate_flat": 45000, "available_weekends": True},
    {"years_performing": 6},
]


@pytest.fixture
def new_artist():
    user = NewUserFactory(role="artist")
    client = APIClient()
    client.force_authenticate(user)
    return user, client


def test_steps_in_order_complete_onboarding_and_lift_the_gate(new_artist):
    user, client = new_artist
    for number, data in enumerate(STEPS, start=1):
        response = client.put(STEP.format(number), data, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["completed_steps"] == number

    user.refresh_from_db()
    assert user.onboarding_complete
    profile = ArtistProfile.objects.get(user=user)
    assert profile.slug == "nova-reyes"
    assert profile.location_country == "US"
    assert profile.primary_genre == "indie"
    assert profile.base_rate_flat == 45000
    assert client.get("/api/v1/artists/me/onboarding").json()["next_step"] is None


def test_state_shows_where_the_artist_left_off(new_artist):
    _, client = new_artist
    client.put(STEP.format(1), STEPS[0], format="json")
    client.put(STEP.format(2), STEPS[1], format="json")

    state = client.get("/api/v1/artists/me/onboarding").json()

    assert state["completed_steps"] == 2 and state["next_step"] == 3
    assert [s["complete"] for s in state["steps"]] == [True, True, False, False, False]
    assert state["steps"][0]["values"]["stage_name"] == "Nova Reyes"


def test_a_step_cannot_be_skipped(new_artist):
    _, client = new_artist

    response = client.put(STEP.format(3), STEPS[2], format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "step_out_of_order"
    assert response.json()["error"]["details"] == {"next_step": 1}
    assert not ArtistProfile.objects.exists()


def test_a_step_refuses_another_steps_fields(new_artist):
    _, client = new_artist

    response = client.put(STEP.format(1), {**STEPS[0], "bio": "sneaky"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"bio"}
    assert not ArtistProfile.objects.exists()


def test_a_step_refuses_fields_no_step_takes(new_artist):
    _, client = new_artist

    response = client.put(STEP.format(1), {**STEPS[0], "verified": True}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"verified"}
    assert not ArtistProfile.objects.exists()


def test_missing_required_fields_are_named_and_nothing_is_saved(new_artist):
    _, client = new_artist
    client.put(STEP.format(1), STEPS[0], format="json")

    response = client.put(STEP.format(2), {"tagline": ""}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"tagline", "bio"}
    assert ArtistProfile.objects.get().onboarding_step == 1


def test_earlier_steps_can_be_revisited(new_artist):
    _, client = new_artist
    client.put(STEP.format(1), STEPS[0], format="json")
    client.put(STEP.format(2), STEPS[1], format="json")

    response = client.put(STEP.format(1), {**STEPS[0], "location_city": "Dallas"}, format="json")

    assert response.status_code == 200
    profile = ArtistProfile.objects.get()
    assert profile.location_city == "Dallas" and profile.onboarding_step == 2


def test_unknown_step_is_404(new_artist):
    _, client = new_artist
    assert client.put(STEP.format(6), {}, format="json").status_code == 404


def test_only_artists_have_artist_onboarding():
    client = APIClient()
    client.force_authenticate(UserFactory(role="fan"))

    response = client.put(STEP.format(1), STEPS[0], format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_an_artist"
    assert not ArtistProfile.objects.exists()


def test_slugs_are_unique_and_never_reserved_words():
    first, second, third = (NewUserFactory(role="artist") for _ in range(3))
    for user, name in ((first, "Echo"), (second, "Echo"), (third, "Me")):
        client = APIClient()
        client.force_authenticate(user)
        client.put(STEP.format(1), {**STEPS[0], "stage_name": name}, format="json")

    slugs = set(ArtistProfile.objects.values_list("slug", flat=True))
    assert slugs == {"echo", "echo-2", "me-artist"}


def test_onboarding_pages_resume_at_the_next_step(client):
    user = NewUserFactory(role="artist")
    client.force_login(user)
    client.post("/onboarding/artist/1/", STEPS[0])

    assert client.get("/onboarding/artist/").url == "/onboarding/artist/2/"
    assert client.get("/onboarding/artist/4/").url == "/onboarding/artist/2/"  # no skipping
    assert client.get("/dashboard/").url == "/onboarding/"  # the gate holds until the end


def test_onboarding_page_shows_errors_next_to_fields(client):
    user = NewUserFactory(role="artist")
    client.force_login(user)

    response = client.post(
        "/onboarding/artist/1/",
        {"stage_name": "X", "location_city": "Y", "location_country": "USA"},
    )

    assert response.status_code == 200
    assert 'id="id_location_country_error"' in response.content.decode()
    assert not ArtistProfile.objects.exists()
