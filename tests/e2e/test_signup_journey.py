"""A new fan's first visit, in a real browser: sign up, verify the email, sign in, onboard,
see the dashboard and the device list, sign out. Plus the sign-in page's social buttons and
form errors.
"""

import re
from urllib.parse import urlsplit

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail

from accounts.models import Role, User
from tests.accounts.factories import PASSWORD, UserFactory

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "umbrella-in-the-rain-42"
CONFIRM_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+/")


def _label(text: str) -> re.Pattern[str]:
    """A field's label, with or without Django's ":" suffix."""
    return re.compile(rf"^{re.escape(text)}:?$")


def _path(url: str) -> str:
    """Path (and query) of a URL: the email's link is opened against the live server."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _confirmation_link(email: str) -> str:
    """The link in the verification email. allauth builds it from HEADLESS_FRONTEND_URLS, i.e.
    on ``SITE_URL``, not on the host the request came to."""
    messages = [message for message in mail.outbox if email in message.to]
    assert len(messages) == 1, f"expected one verification email to {email}, got {len(messages)}"
    body = messages[0].body
    match = CONFIRM_LINK.search(body)
    assert match, f"no confirmation link in the email:\n{body}"
    return match.group(0)


def _sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label(_label("Email")).fill(email)
    page.get_by_label(_label("Password")).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_new_fan_signs_up_verifies_onboards_and_signs_out(
    page: Page, live_server, settings, screenshot, accessible
):
    email = "new.fan@example.com"

    # Sign up.
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    page.get_by_label(_label("Email")).fill(email)
    page.get_by_label(_label("Password")).fill(NEW_PASSWORD)
    page.get_by_label(_label("Password (again)")).fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign up", exact=True).click()

    # "Verify your email": the email went out while the page was being answered.
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    link = _confirmation_link(email)
    # The email greets from the site's name, not from the host that served the request.
    assert "Hello from Umbrella!" in mail.outbox[-1].body
    assert link.startswith(f"{settings.SITE_URL}/accounts/confirm-email/")

    # Confirm (a GET only shows the Confirm button: ACCOUNT_CONFIRM_EMAIL_ON_GET is False).
    page.goto(_path(link))
    expect(page.get_by_role("heading", name="Confirm email address")).to_be_visible()
    expect(page.get_by_text(email).first).to_be_visible()
    page.get_by_role("button", name="Confirm", exact=True).click()

    # Same browser that signed up: allauth signs in on confirmation. Sign in by hand otherwise.
    expect(page).to_have_url(re.compile(r"/(onboarding|accounts/login)/"))
    if "/accounts/login/" in page.url:
        _sign_in(page, email, NEW_PASSWORD)

    # Onboarding: a new user has no role yet.
    expect(page).to_have_url(re.compile(r"/onboarding/$"))
    expect(page.get_by_role("heading", name="Welcome to Umbrella")).to_be_visible()
    page.get_by_role("radio", name="Fan").check()
    page.get_by_label(_label("Display name")).fill("Rain Dancer")
    page.get_by_role("button", name="Continue").click()

    # Dashboard, greeting the fan by name.
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", name="Hello, Rain Dancer")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Welcome to Umbrella, Rain Dancer!")
    user = User.objects.get(email=email)
    assert (user.role, user.display_name, user.onboarding_complete) == (
        Role.FAN,
        "Rain Dancer",
        True,
    )
    assert user.emailaddress_set.get(email=email).verified
    screenshot(page, "dashboard")
    accessible(page, "fan dashboard")

    # Devices: this browser's session is listed and marked current.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Devices").click()
    expect(page).to_have_url(re.compile(r"/accounts/sessions/$"))
    expect(page.get_by_role("heading", name="Devices")).to_be_visible()
    user_agent = page.evaluate("navigator.userAgent")
    rows = page.get_by_role("row").filter(has_text=user_agent)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Current")
    assert UserSession.objects.filter(user=user).count() == 1
    screenshot(page, "sessions")
    accessible(page, "devices")

    # Sign out from the nav; the dashboard then asks for a sign-in.
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(f"{live_server.url}/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("sign-out")).to_have_count(0)
    assert not UserSession.objects.filter(user=user).exists()

    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/dashboard/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_login_page_shows_social_buttons_disabled_with_reason(
    page: Page, live_server, settings, screenshot
):
    settings.GOOGLE_CLIENT_ID = ""
    settings.APPLE_CLIENT_ID = ""

    page.goto("/accounts/login/")

    for provider in ("Google", "Apple"):
        button = page.get_by_role("button", name=f"Continue with {provider}")
        expect(button).to_be_visible()
        expect(button).to_be_disabled()
        expect(button).to_have_accessible_description(
            re.compile(rf"{provider} sign-in is not set up on this server")
        )
    # Email and password still work: that form is there and enabled.
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_enabled()
    screenshot(page, "login")


def test_wrong_password_shows_error_at_the_form(page: Page, live_server, screenshot):
    user = UserFactory(email="fan@example.com")

    page.goto("/accounts/login/")
    _sign_in(page, user.email, PASSWORD + "-wrong")

    form = page.locator("form").filter(has=page.get_by_role("button", name="Sign in", exact=True))
    expect(form).to_contain_text("The email address and/or password you specified are not correct.")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    # What was typed stays; the password does not.
    expect(page.get_by_label(_label("Email"))).to_have_value(user.email)
    expect(page.get_by_label(_label("Password"))).to_have_value("")
    expect(page.get_by_test_id("sign-out")).to_have_count(0)
    screenshot(page, "login-error")
