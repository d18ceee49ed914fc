"""``ArtistProfile.listed``, discovery's stored copy of "the owner is public", stays in step with
the account through every service that changes its role, onboarding or activity.

Each path below changes the account the way the product does (services, the admin form) and
then checks the stored flag against the rule computed from the user, and the list endpoint
against the profile endpoint (which still reads the user). Drop ``user_state_changed`` from any
one of those paths and its case fails.
"""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Role, User
from artists import services
from artists.models import ArtistProfile, owner_is_public
from tests.accounts.factories import NewUserFactory
from tests.admin_forms import change_form_data
from tests.artists.factories import ArtistProfileFactory
from tests.artists.test_onboarding import STEPS

pytestmark = pytest.mark.django_db


def _listed_by_api(profile: ArtistProfile) -> bool:
    rows = APIClient().get("/api/v1/artists/", {"q": profile.stage_name}).json()["results"]
    return profile.pk in {row["id"] for row in rows}


def _visible_by_api(profile: ArtistProfile) -> bool:
    return APIClient().get(f"/api/v1/artists/{profile.slug}").status_code == 200


def assert_in_step(profile: ArtistProfile, *, listed: bool) -> None:
    profile.refresh_from_db()
    user = User.objects.get(pk=profile.user_id)
    assert profile.listed is owner_is_public(user) is listed
    assert _listed_by_api(profile) is _visible_by_api(profile) is listed


def _staff(client) -> None:
    staff = User.objects.filter(email="boss@example.com").first()
    client.force_login(
        staff or User.objects.create_superuser(email="boss@example.com", password="x" * 12)
    )


def _admin(client, user: User, **changes) -> None:
    _staff(client)
    url = f"/admin/accounts/user/{user.pk}/change/"
    response = client.post(url, change_form_data(client.get(url), **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_onboarding_lists_the_artist_only_after_the_last_step(django_capture_on_commit_callbacks):
    user = NewUserFactory(role="")
    user = account_services.onboarding_choose_role(user=user, role=Role.ARTIST, display_name="Nova")
    for number, data in enumerate(STEPS[:-1], start=1):
        services.onboarding_save_step(user=user, number=number, data=data)
    profile = ArtistProfile.objects.get(user=user)
    assert_in_step(profile, listed=False)

    with django_capture_on_commit_callbacks(execute=True):  # cached list pages go stale
        services.onboarding_save_step(user=user, number=len(STEPS), data=STEPS[-1])

    assert_in_step(profile, listed=True)


def _soft_delete(client, profile: ArtistProfile) -> None:
    account_services.user_soft_delete(user=profile.user)


def _admin_deactivate(client, profile: ArtistProfile) -> None:
    _admin(client, profile.user, is_active=None)


def _admin_soft_delete_action(client, profile: ArtistProfile) -> None:
    _staff(client)
    client.post(
        "/admin/accounts/user/",
        {"action": "soft_delete", "_selected_action": [profile.user_id]},
    )


HIDE: list[Callable] = [_soft_delete, _admin_deactivate, _admin_soft_delete_action]


@pytest.mark.parametrize("hide", HIDE, ids=lambda f: f.__name__.strip("_"))
def test_every_path_that_hides_an_account_unlists_its_profile(
    client, hide, django_capture_on_commit_callbacks
):
    profile = ArtistProfileFactory(stage_name="Velvet Harbor")
    other = ArtistProfileFactory(stage_name="Velvet Harbor Two")
    assert_in_step(profile, listed=True)

    with django_capture_on_commit_callbacks(execute=True):
        hide(client, profile)

    assert_in_step(profile, listed=False)
    assert_in_step(other, listed=True)  # one account's change touches only its own profile


def test_reactivating_an_account_in_admin_lists_it_again(
    client, django_capture_on_commit_callbacks
):
    profile = ArtistProfileFactory(stage_name="Velvet Harbor")
    with django_capture_on_commit_callbacks(execute=True):
        _admin_deactivate(client, profile)
    assert_in_step(profile, listed=False)

    with django_capture_on_commit_callbacks(execute=True):
        _admin(client, User.objects.get(pk=profile.user_id), is_active="on")

    assert_in_step(profile, listed=True)


def test_a_new_profile_starts_unlisted_until_onboarding_completes():
    user = NewUserFactory(role=Role.ARTIST)

    profile = services.onboarding_save_step(user=user, number=1, data=STEPS[0])

    assert profile.listed is False


def test_the_sync_is_one_statement_and_none_when_already_in_step(django_assert_num_queries):
    profile = ArtistProfileFactory()
    user = User.objects.get(pk=profile.user_id)

    with django_assert_num_queries(1):
        services.artist_listed_sync(user)
    user.is_active = False
    with django_assert_num_queries(1):
        services.artist_listed_sync(user)

    profile.refresh_from_db()
    assert profile.listed is False
