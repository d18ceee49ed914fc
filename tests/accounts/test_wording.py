"""One voice across our pages and allauth's: the site's name in emails, sentence case, and
"Devices" for signed-in sessions."""

import pytest
from django.core import mail

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_emails_greet_from_the_site_name_not_the_host(client, settings):
    settings.SITE_NAME = "Umbrella"

    client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "password1": "umbrella-rain-42!",
            "password2": "umbrella-rain-42!",
        },
        HTTP_HOST="127.0.0.1:8000",
    )

    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Hello from Umbrella!" in body
    assert "Hello from 127.0.0.1" not in body


def test_allauth_pages_use_our_wording(client):
    login = client.get("/accounts/login/").content.decode()
    assert ">Sign in<" in login.replace("\n", "").replace("  ", "")
    assert "Sign In" not in login

    client.force_login(UserFactory())
    devices = client.get("/accounts/sessions/").content.decode()
    assert "Sessions" not in devices and "Sign Out" not in devices
    assert "Devices" in devices


def test_signed_in_menu_finds_artists_and_pages_have_a_favicon(client):
    client.force_login(UserFactory())

    html = client.get("/dashboard/").content.decode()
    assert '<a href="/artists/">Find artists</a>' in html
    assert 'rel="icon" href="/static/favicon.svg"' in html


def test_admin_has_the_favicon(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = client.get("/admin/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html
