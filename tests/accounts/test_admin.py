"""The user admin keeps the account services' rules (issue 6, item 1)."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, User
from artists.models import ArtistProfile
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.admin_forms import change_form_data
from tests.artists.factories import ArtistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    return client


def change(staff, user: User, **changes):
    url = f"/admin/accounts/user/{user.pk}/change/"
    return staff.post(url, change_form_data(staff.get(url), **changes))


def test_an_onboarded_artist_cannot_be_made_a_fan(staff):
    artist = ArtistProfileFactory()

    response = change(staff, artist.user, role=Role.FAN)

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    artist.user.refresh_from_db()
    assert artist.user.role == Role.ARTIST
    assert APIClient().get(f"/api/v1/artists/{artist.slug}").status_code == 200


def test_an_onboarded_fan_cannot_be_made_an_artist(staff):
    fan = UserFactory()

    response = change(staff, fan, role=Role.ARTIST)

    assert response.status_code == 200
    fan.refresh_from_db()
    assert fan.role == Role.FAN


def test_the_role_of_someone_who_has_not_started_their_wizard_may_change(staff):
    user = NewUserFactory(role=Role.ARTIST)

    response = change(staff, user, role=Role.FAN)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.role == Role.FAN


def test_once_the_artist_wizard_saved_a_step_the_role_is_locked_in_admin_too(staff):
    """As through the onboarding page and API: a half-built profile never ends up a fan's."""
    user = NewUserFactory(role=Role.ARTIST)
    profile = ArtistProfileFactory(user=user, onboarding_step=1)

    response = change(staff, user, role=Role.FAN)

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.role == Role.ARTIST
    assert ArtistProfile.objects.filter(pk=profile.pk, user=user).exists()


def test_onboarding_state_is_not_edited_in_admin(staff):
    user = NewUserFactory()

    response = change(staff, user, onboarding_complete="on")

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.onboarding_complete


def test_removing_staff_from_an_account_without_a_role_is_a_form_error(staff):
    admin_only = User.objects.create_superuser(email="ops@example.com", password="x" * 12)

    response = change(staff, admin_only, is_staff=None)

    assert response.status_code == 200
    assert "is_staff" in response.context["adminform"].form.errors
    admin_only.refresh_from_db()
    assert admin_only.is_staff


def test_deactivating_an_artist_hides_the_profile_like_the_api_would(staff):
    artist = ArtistProfileFactory()

    response = change(staff, artist.user, is_active=None)

    assert response.status_code == 302
    assert APIClient().get(f"/api/v1/artists/{artist.slug}").status_code == 404
