"""Display names lose bidi controls and invisible characters at every door: the API, the pages,
provider sign-up (allauth) and admin. One normaliser (umbrella/text.py) behind all of them."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.conftest import bearer
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.accounts.test_provider_token import (  # noqa: F401 (the fixture is used by name)
    GOOGLE_CLIENT,
    google_token,
    key_server,
    sign_in,
)

pytestmark = pytest.mark.django_db

# (typed, stored)
TRICKS = [
    ("\u202eNova Reyes", "Nova Reyes"),  # right-to-left override
    ("Nova\u200b \u200dReyes", "Nova Reyes"),  # zero-width space and joiner
    ("Nova\u2066 Reyes\u2069", "Nova Reyes"),  # isolates
    ("\ufeffNova\u00a0\u00a0Reyes\u200e", "Nova Reyes"),  # BOM, non-breaking spaces, LRM mark
    ("Nova\tReyes\x07", "Nova Reyes"),  # tab and BEL
    ("Beyonce\u0301", "Beyoncé"),  # NFC
]
INVISIBLE_ONLY = "\u200b\u202e\u2060\u3164"


@pytest.mark.parametrize(("typed", "stored"), TRICKS)
def test_api_patch_me_cleans_the_name(api_client, user, tokens, typed, stored):
    response = api_client.patch(
        "/api/v1/me", {"display_name": typed}, format="json", **bearer(tokens["access_token"])
    )

    assert response.status_code == 200, response.content
    assert response.json()["display_name"] == stored
    user.refresh_from_db()
    assert user.display_name == stored


@pytest.mark.parametrize(("typed", "stored"), TRICKS)
def test_api_onboarding_role_cleans_the_name(api_client, typed, stored):
    user = NewUserFactory()
    api_client.force_authenticate(user)

    response = api_client.post(
        "/api/v1/onboarding/role", {"role": "fan", "display_name": typed}, format="json"
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.display_name == stored


@pytest.mark.parametrize(("typed", "stored"), TRICKS)
def test_settings_and_onboarding_pages_clean_the_name(client, typed, stored):
    onboarding_user, settings_user = NewUserFactory(), UserFactory()

    client.force_login(onboarding_user)
    client.post(reverse("onboarding"), {"role": "fan", "display_name": typed})
    client.force_login(settings_user)
    client.post(reverse("settings"), {"display_name": typed, "timezone": "UTC"})

    onboarding_user.refresh_from_db()
    settings_user.refresh_from_db()
    assert onboarding_user.display_name == stored
    assert settings_user.display_name == stored


def test_a_name_of_only_invisible_characters_is_refused_at_every_door(client, api_client):
    user = UserFactory(display_name="Before")
    api_client.force_authenticate(user)
    client.force_login(user)

    api = api_client.patch("/api/v1/me", {"display_name": INVISIBLE_ONLY}, format="json")
    page = client.post(reverse("settings"), {"display_name": INVISIBLE_ONLY, "timezone": "UTC"})
    newcomer = NewUserFactory(display_name="")
    api_client.force_authenticate(newcomer)
    role = api_client.post(
        "/api/v1/onboarding/role", {"role": "fan", "display_name": INVISIBLE_ONLY}, format="json"
    )

    assert api.status_code == 400
    assert api.json()["error"]["details"] == {"display_name": ["This field is required."]}
    assert page.status_code == 200 and 'id="id_display_name_error"' in page.content.decode()
    assert role.status_code == 400
    user.refresh_from_db()
    newcomer.refresh_from_db()
    assert user.display_name == "Before"
    assert (newcomer.role, newcomer.display_name) == ("", "")


def test_provider_sign_up_cleans_the_name_from_the_id_token(api_client, key_server):  # noqa: F811
    token = google_token(name="\u202eMobile\u200b Person\u2066")

    response = sign_in(api_client, "google", token, GOOGLE_CLIENT)

    assert response.status_code == 200, response.content
    assert User.objects.get(email="mobile.person@example.com").display_name == "Mobile Person"


def test_admin_refuses_a_name_with_hidden_characters(client):
    staff = User.objects.create_superuser(email="boss@example.com", password="x" * 12)
    user = UserFactory(display_name="Before")
    client.force_login(staff)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "email": user.email,
        "display_name": "Nova\u202eReyes",
        "role": user.role,
        "onboarding_complete": "on",
        "timezone": "UTC",
        "is_active": "on",
    }

    refused = client.post(url, form)
    saved = client.post(url, {**form, "display_name": "Nova Reyes"})

    assert refused.status_code == 200
    assert "U+202E" in refused.content.decode()
    assert saved.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Nova Reyes"
