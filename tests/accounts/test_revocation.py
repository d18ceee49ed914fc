"""Every sign-in of a user dies with a password change or reset, deactivation, deletion or a role
change by staff: access tokens, refresh tokens and browser sessions, each attacked over HTTP.
"""

import re
from collections.abc import Callable

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import EndedSession, Role, User
from tests.accounts.conftest import REFRESH_URL, app_login, bearer
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
NEW_PASSWORD = "a-brand-new-passphrase-42"


def browser_login(email: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302 and response.url != reverse("account_login")
    return client


def staff_client() -> Client:
    staff = UserFactory(is_staff=True, is_superuser=True, role="")
    client = Client()
    client.force_login(staff)
    return client


def admin_change(user: User, **changes: object) -> None:
    """Save the user's admin change form with ``changes`` applied, as staff would."""
    data: dict[str, object] = {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "timezone": user.timezone,
        "onboarding_complete": "on" if user.onboarding_complete else "",
        "is_active": "on" if user.is_active else "",
    }
    for name, value in changes.items():
        data[name] = ("on" if value else "") if isinstance(value, bool) else value
    data = {key: value for key, value in data.items() if value != ""}
    response = staff_client().post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def change_password(user: User, client: Client) -> None:
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


def reset_password(user: User, client: Client) -> None:
    stranger = Client()  # the reset link is opened signed out, maybe on another device
    with TestCase.captureOnCommitCallbacks(execute=True):  # mail goes out after the commit
        stranger.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    path = "/accounts/" + link.group(0).split("/accounts/", 1)[1]
    page = stranger.get(path, follow=True)
    response = stranger.post(
        page.redirect_chain[-1][0] if page.redirect_chain else path,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


def deactivate(user: User, client: Client) -> None:
    admin_change(user, is_active=False)


def delete(user: User, client: Client) -> None:
    response = staff_client().post(
        "/admin/accounts/user/",
        {"action": "soft_delete", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302


def change_role(user: User, client: Client) -> None:
    # Staff change a role only while it is not locked (accounts.services.role_check, the same
    # rule as the onboarding API): so the account is one that has not finished onboarding.
    User.objects.filter(pk=user.pk).update(onboarding_complete=False)
    user.refresh_from_db()
    admin_change(user, role=Role.VENUE)


EVENTS: dict[str, tuple[Callable[[User, Client], None], str]] = {
    "password change": (change_password, "password_changed"),
    "password reset": (reset_password, "password_reset"),
    "deactivation": (deactivate, "deactivated"),
    "deletion": (delete, "deleted"),
    "role change": (change_role, "role_changed"),
}


@pytest.mark.parametrize("event", EVENTS)
def test_event_ends_every_access_token_refresh_token_and_browser_session(event):
    act, reason = EVENTS[event]
    user = UserFactory()
    app = APIClient()
    tokens = app_login(app, user.email)
    other_browser = browser_login(user.email)
    acting_browser = browser_login(user.email)
    assert app.get(ME, **bearer(tokens["access_token"])).status_code == 200
    assert other_browser.get(ME).status_code == 200

    act(user, acting_browser)

    # the access token: refused at once, for reads and writes (a 401, never a 500)
    read = app.get(ME, **bearer(tokens["access_token"]))
    assert read.status_code == 401, read.content
    assert read.json()["error"]["code"] == "invalid_token"
    write = app.patch(
        ME, {"display_name": "Still here"}, format="json", **bearer(tokens["access_token"])
    )
    assert write.status_code == 401, write.content
    # the refresh token: no new pair
    refreshed = app.post(REFRESH_URL, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code != 200, refreshed.content
    assert "access_token" not in refreshed.content.decode()
    # the other browser: signed out
    assert other_browser.get(ME).status_code in (401, 403)
    assert other_browser.get(reverse("dashboard")).status_code == 302
    # the device list says what happened to each ended session
    user.refresh_from_db()
    if event != "deletion" or EndedSession.objects.filter(user=user).exists():
        reasons = set(EndedSession.objects.filter(user=user).values_list("reason", flat=True))
        assert reasons == {reason}
    assert User.objects.get(pk=user.pk).display_name != "Still here"


def test_the_browser_that_changed_the_password_stays_signed_in_and_sees_why_others_ended():
    user = UserFactory()
    app = APIClient()
    tokens = app_login(app, user.email)
    browser = browser_login(user.email)

    change_password(user, browser)

    assert browser.get(reverse("dashboard")).status_code == 200
    ended = browser.get("/api/v1/auth/sessions/ended").json()
    assert [entry["reason"] for entry in ended] == ["password_changed"]
    assert ended[0]["reason_display"] == "Ended: the password was changed"
    page = browser.get(reverse("usersessions_list")).content.decode()
    assert "Recently ended" in page and "the password was changed" in page
    assert app.get(ME, **bearer(tokens["access_token"])).status_code == 401


def test_password_changed_by_staff_in_admin_ends_the_users_sign_ins():
    user = UserFactory()
    app = APIClient()
    tokens = app_login(app, user.email)

    response = staff_client().post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert app.get(ME, **bearer(tokens["access_token"])).status_code == 401
    assert EndedSession.objects.filter(user=user, reason="password_reset").exists()


def test_hard_deletion_in_admin_answers_401_not_500():
    user = UserFactory()
    app = APIClient()
    tokens = app_login(app, user.email)
    assert app.get(ME, **bearer(tokens["access_token"])).status_code == 200  # user now cached

    response = staff_client().post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    write = app.patch(
        ME, {"display_name": "Ghost"}, format="json", **bearer(tokens["access_token"])
    )
    assert write.status_code == 401, write.content


def test_unrelated_admin_edits_keep_the_user_signed_in():
    user = UserFactory()
    app = APIClient()
    tokens = app_login(app, user.email)

    admin_change(user, display_name="New name")

    assert app.get(ME, **bearer(tokens["access_token"])).json()["display_name"] == "New name"
    assert not EndedSession.objects.filter(user=user).exists()


@pytest.mark.parametrize("event", ["password change", "role change", "deletion"])
def test_sign_ins_missing_from_the_device_list_die_too(event):
    """The token generation and password are in every token and session hash: no row needed."""
    act, _ = EVENTS[event]
    user = UserFactory()
    app = APIClient()
    tokens = app_login(app, user.email)
    other_browser = browser_login(user.email)
    acting_browser = browser_login(user.email)
    UserSession.objects.filter(user=user).delete()  # the per-session revocation cannot find them

    act(user, acting_browser)

    assert app.get(ME, **bearer(tokens["access_token"])).status_code == 401
    refreshed = app.post(REFRESH_URL, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code != 200
    assert other_browser.get(reverse("dashboard")).status_code == 302
