"""Switching role mid-onboarding: allowed until the artist wizard saves a step, then locked.

The attack: choose "artist", save step 1 (a profile, a slug), then choose "fan" to finish
onboarding at once and publish the half-built profile. Refused at every door.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Role, User
from artists import services as artist_services
from artists.models import ArtistProfile
from tests.accounts.factories import NewUserFactory
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

ROLE = "/api/v1/onboarding/role"
STEP1 = {"stage_name": "Half Built", "location_city": "Austin", "location_country": "us"}


@pytest.fixture
def artist_after_step_one():
    user = NewUserFactory()
    client = APIClient()
    client.force_authenticate(user)
    chosen = client.post(ROLE, {"role": "artist", "display_name": "Hal"}, format="json")
    assert chosen.status_code == 200
    user.refresh_from_db()  # force_authenticate keeps this very object
    step = client.put("/api/v1/artists/me/onboarding/1", STEP1, format="json")
    assert step.status_code == 200, step.content
    return user, client


def test_api_refuses_switching_to_fan_after_the_first_artist_step(artist_after_step_one):
    user, client = artist_after_step_one

    response = client.post(ROLE, {"role": "fan", "display_name": "Hal"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "role_locked"
    user.refresh_from_db()
    assert user.role == Role.ARTIST and not user.onboarding_complete
    anonymous = APIClient()
    assert anonymous.get("/api/v1/artists/half-built").status_code == 404
    assert "half-built" not in anonymous.get("/api/v1/artists/?q=Half").content.decode()


def test_page_refuses_switching_to_fan_after_the_first_artist_step(artist_after_step_one):
    user, _ = artist_after_step_one
    browser = Client()
    browser.force_login(user)

    response = browser.post("/onboarding/", {"role": "fan", "display_name": "Hal"}, format="json")

    assert response.status_code == 200
    assert "your role stays artist" in response.content.decode()
    user.refresh_from_db()
    assert user.role == Role.ARTIST and not user.onboarding_complete
    assert Client().get("/artists/half-built/").status_code == 404


def test_switching_before_any_artist_step_is_allowed():
    user = NewUserFactory()
    client = APIClient()
    client.force_authenticate(user)
    client.post(ROLE, {"role": "artist", "display_name": "Hal"}, format="json")
    user.refresh_from_db()

    response = client.post(ROLE, {"role": "fan", "display_name": "Hal"}, format="json")

    assert response.status_code == 200
    assert response.json()["onboarding_complete"] is True
    assert not ArtistProfile.objects.exists()


def test_resaving_the_same_role_after_step_one_is_fine(artist_after_step_one):
    user, client = artist_after_step_one

    response = client.post(ROLE, {"role": "artist", "display_name": "Hal Renamed"}, format="json")

    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).display_name == "Hal Renamed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_role_switch_racing_the_first_artist_step_never_leaves_a_fan_with_a_profile():
    for _ in range(5):
        user = NewUserFactory(role=Role.ARTIST, display_name="Hal")

        def switch(user=user):
            return services.onboarding_choose_role(user=user, role=Role.FAN, display_name="Hal")

        def first_step(user=user):
            return artist_services.onboarding_save_step(user=user, number=1, data=dict(STEP1))

        calls = iter([switch, first_step])
        run_together(lambda calls=calls: next(calls)(), 2)

        user.refresh_from_db()
        has_profile = ArtistProfile.objects.filter(user=user).exists()
        assert (user.role, has_profile) in {(Role.FAN, False), (Role.ARTIST, True)}
        assert not (user.onboarding_complete and has_profile)
