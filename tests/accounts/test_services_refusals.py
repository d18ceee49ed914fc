"""Refusals of the account services, checked by code, message and field (found by mutation
testing: see docs/testing.md). The API's serializers catch most of these first, so they are
called here directly, as admin, pages and tasks call them."""

import pytest

from accounts import services
from accounts.models import User
from tests.accounts.factories import NewUserFactory, UserFactory
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def test_a_blank_display_name_is_required_by_name():
    user = UserFactory(display_name="Kept")

    error = refused(services.user_update, user=user, data={"display_name": "   "})

    assert (error.code, error.message) == ("validation_error", "A display name is required.")
    assert error.details == {"display_name": ["This field is required."]}
    assert User.objects.get(pk=user.pk).display_name == "Kept"


def test_a_blank_time_zone_is_refused_as_a_time_zone():
    user = UserFactory()

    error = refused(services.user_update, user=user, data={"timezone": ""})

    assert error.code == "validation_error"
    assert list(error.details) == ["timezone"]
    assert error.message == error.details["timezone"][0]


def test_profile_values_are_trimmed():
    user = UserFactory()

    services.user_update(user=user, data={"display_name": "  Ann  ", "timezone": " Europe/Berlin "})

    user = User.objects.get(pk=user.pk)
    assert (user.display_name, user.timezone) == ("Ann", "Europe/Berlin")


def test_a_missing_time_zone_is_a_validation_error_not_a_crash():
    user = UserFactory()

    error = refused(services.user_update, user=user, data={"timezone": None})

    assert error.code == "validation_error" and "timezone" in error.details


def test_an_unknown_role_is_refused_by_the_service_too():
    user = NewUserFactory()

    error = refused(services.onboarding_choose_role, user=user, role="admin", display_name="X")

    assert (error.code, error.message) == ("invalid_role", "Choose artist, venue or fan.")
    assert error.details == {"role": ["Invalid choice."]}
    assert User.objects.get(pk=user.pk).role == ""


def test_a_blank_display_name_at_role_choice_is_required_by_name():
    user = NewUserFactory()

    error = refused(services.onboarding_choose_role, user=user, role="fan", display_name="  ")

    assert (error.code, error.message) == ("validation_error", "A display name is required.")
    assert error.details == {"display_name": ["This field is required."]}
    assert not User.objects.get(pk=user.pk).onboarding_complete


def test_onboarding_cannot_complete_without_a_role():
    user = NewUserFactory()

    error = refused(services.onboarding_complete, user=user)

    assert (error.code, error.message) == ("role_required", "Choose a role first.")
    assert not User.objects.get(pk=user.pk).onboarding_complete


def test_a_locked_role_names_the_reason_on_the_role_field():
    user = UserFactory()  # an onboarded fan

    error = refused(services.onboarding_choose_role, user=user, role="artist", display_name="X")

    assert (error.code, error.status_code) == ("role_locked", 409)
    assert error.message and error.details == {"role": [error.message]}
    assert User.objects.get(pk=user.pk).role == "fan"


def test_ending_someone_elses_or_no_session_is_not_found_and_ending_ones_own_is_recorded():
    from allauth.usersessions.models import UserSession
    from rest_framework.test import APIClient

    from accounts.models import EndedSession
    from tests.accounts.conftest import app_login

    user, other = UserFactory(), UserFactory()
    app_login(APIClient(), user.email)
    app_login(APIClient(), other.email)
    theirs = UserSession.objects.get(user=other)

    error = refused(services.device_session_end, user=user, session_id=theirs.pk)

    assert (error.code, error.message, error.status_code) == ("not_found", "No such session.", 404)
    assert UserSession.objects.filter(pk=theirs.pk).exists()
    services.device_session_end(user=user, session_id=UserSession.objects.get(user=user).pk)
    assert list(EndedSession.objects.filter(user=user).values_list("reason", flat=True)) == [
        "ended"
    ]


def test_choosing_the_same_role_again_is_not_a_role_change():
    user = UserFactory()  # an onboarded fan: the role is locked

    services.role_check(user=user, role="fan")
    services.onboarding_choose_role(user=user, role="fan", display_name="New Name")

    assert User.objects.get(pk=user.pk).display_name == "New Name"


def test_staff_cannot_leave_an_onboarded_account_without_role_or_staff_status():
    user = UserFactory(role="", is_staff=True)  # an onboarded staff account with no role

    error = refused(services.user_check_staff_edit, user=user, role="", is_staff=False)

    assert error.code == "validation_error" and list(error.details) == ["is_staff"]
    services.user_check_staff_edit(user=user, role="", is_staff=True)  # staff need no role
