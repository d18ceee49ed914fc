"""Account pages through Django's test client (the browser journey is in tests/e2e)."""

import re

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.accounts.conftest import app_login, bearer
from tests.accounts.factories import PASSWORD, NewUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_verification_and_sign_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # mail goes out after the commit
        response = client.post(
            reverse("account_signup"),
            {"email": "new.person@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")

    # not signed in until the address is verified
    assert client.get(reverse("dashboard")).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        login = client.post(
            reverse("account_login"), {"login": "new.person@example.com", "password": PASSWORD}
        )
    assert login.url == reverse("account_email_verification_sent")

    assert len(mail.outbox) == 2  # one email at sign-up, a reminder at the refused sign-in
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = link.group(0).split("testserver", 1)[-1]
    confirm = client.post(path)
    assert confirm.status_code == 302

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "new.person@example.com", "password": PASSWORD}
    )
    assert response.url == reverse("onboarding")


def test_sign_in_with_wrong_password_says_so(client):
    user = UserFactory()

    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong-1"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_pages_redirect_to_onboarding_until_it_is_done(client):
    user = NewUserFactory()
    client.force_login(user)

    assert client.get(reverse("dashboard")).url == reverse("onboarding")
    assert client.get(reverse("settings")).url == reverse("onboarding")
    assert client.get(reverse("landing")).status_code == 200  # the landing page stays open


def test_fan_onboarding_page(client):
    user = NewUserFactory()
    client.force_login(user)

    response = client.post(reverse("onboarding"), {"role": "fan", "display_name": "Fern"})

    assert response.url == reverse("dashboard")
    user.refresh_from_db()
    assert user.onboarding_complete and user.display_name == "Fern"
    assert "Fern" in client.get(reverse("dashboard")).content.decode()


def test_onboarding_form_errors_are_shown_next_to_the_field(client):
    client.force_login(NewUserFactory())

    response = client.post(reverse("onboarding"), {"role": "wizard", "display_name": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="field-error" id="id_role_error"' in html
    assert 'class="field-error" id="id_display_name_error"' in html
    assert User.objects.get().role == ""


def test_artist_choosing_role_continues_in_the_artist_wizard(client):
    user = NewUserFactory()
    client.force_login(user)

    response = client.post(reverse("onboarding"), {"role": "artist", "display_name": "Nova"})

    assert response.url == reverse("artist-onboarding")
    user.refresh_from_db()
    assert user.role == "artist" and not user.onboarding_complete
    # coming back to the generic onboarding page resumes the artist wizard
    assert client.get(reverse("onboarding")).url == reverse("artist-onboarding")


def test_login_page_shows_provider_buttons_disabled_without_keys(client, settings):
    settings.GOOGLE_CLIENT_ID = ""
    settings.APPLE_CLIENT_ID = ""

    html = client.get(reverse("account_login")).content.decode()

    assert re.search(r'<button[^>]*disabled[^>]*data-provider="google"', html)
    assert re.search(r'<button[^>]*disabled[^>]*data-provider="apple"', html)
    assert "not set up on this server" in html


def test_settings_page_rejects_unknown_timezone(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("settings"), {"display_name": "Ok", "timezone": "Nowhere/Land"})

    assert response.status_code == 200
    assert "not a known time zone" in response.content.decode()
    user.refresh_from_db()
    assert user.timezone == "UTC"


def test_device_sessions_page_lists_and_ends_sessions():
    user = UserFactory()
    phone = app_login(APIClient(HTTP_USER_AGENT="UmbrellaPhone/1.0"), user.email)
    client = Client(HTTP_USER_AGENT="DesktopBrowser/2.0")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    browser_key = client.session.session_key

    html = client.get(reverse("usersessions_list")).content.decode()

    assert "127.0.0.1" in html
    assert "UmbrellaPhone/1.0" in html and "DesktopBrowser/2.0" in html

    # "sign out other sessions": the phone's session ends, this browser stays signed in
    response = client.post(reverse("usersessions_list"))

    assert response.status_code == 302
    remaining = UserSession.objects.filter(user=user)
    assert [s.session_key for s in remaining] == [browser_key]
    assert APIClient().get("/api/v1/me", **bearer(phone["access_token"])).status_code == 401
    html = client.get(reverse("usersessions_list")).content.decode()
    active, _, ended = html.partition('id="ended-sessions"')
    assert "UmbrellaPhone/1.0" not in active and "DesktopBrowser/2.0" in active
    # the ended one is listed below, with why it ended
    assert "UmbrellaPhone/1.0" in ended and "Ended from the device list" in ended


def test_security_headers(client):
    response = client.get(reverse("landing"))

    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_password_reset_by_email(client, django_capture_on_commit_callbacks):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = "/accounts/" + link.group(0).split("/accounts/", 1)[1]
    form_page = client.get(path, follow=True)  # allauth moves the key into the session
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert response.status_code == 302
    client.logout()
    signed_in = client.post(
        reverse("account_login"), {"login": user.email, "password": "a-brand-new-passphrase"}
    )
    assert signed_in.status_code == 302 and signed_in.url != reverse("account_login")
