"""The developer console as one product, in a real Chromium: register an app by pasting its
manifest (a bad one first: the problems stand next to the field), copy the secrets shown once,
the overview, versions (publish 1.1.0, deprecate 1.0.0), deliveries (a test event to a real
local HTTP server standing in for the app: the attempt with its request and response), dead
letters (replay one), metrics. Every page is in the console's frame (its tab marked) and passes
axe (the project's rule: no serious or critical violation, at 1280 and 390 px)."""

import json

import pytest

from events.models import App, DeadLetter, WebhookDelivery
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.events.deliveries_helpers import NOTIFY, Scripted
from tests.events.factories import manifest

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in_by_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, live_server, user) -> None:
    sign_in_by_cookie(page.context, user, live_server.url)


def _tab(page: Page, name: str) -> None:
    """The console's frame is there with ``name`` as the current tab."""
    tabs = page.get_by_test_id("console-tabs")
    expect(tabs.get_by_role("link", name=name, exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(tabs.locator("[aria-current]")).to_have_count(1)


def _paste(page: Page, label: str, data: object) -> None:
    page.get_by_label(label).fill(json.dumps(data, indent=2))


def test_a_developer_walks_the_console(page, live_server, httpserver, settings, accessible):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True  # the stand-in app is on 127.0.0.1
    app_server = Scripted(200)
    httpserver.expect_request(NOTIFY, method="POST").respond_with_handler(app_server)
    base_url = httpserver.url_for("/").rstrip("/")
    developer = UserFactory()
    _sign_in(page, live_server, developer)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm on destructive forms

    # The empty console.
    page.goto("/developers/apps/")
    _tab(page, "Your apps")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    accessible(page, "console-apps-empty")

    # Register: a bad manifest first; its problems stand next to the field, by JSON path.
    page.get_by_test_id("register-app").click()
    _tab(page, "Register an app")
    accessible(page, "console-new")
    bad = manifest(base_url=base_url)
    bad["webhooks"]["notifications"]["timeout_ms"] = 999_999
    del bad["meta"]["version"]
    _paste(page, "Manifest (JSON)", bad)
    page.get_by_test_id("register").click()
    problems = page.get_by_test_id("manifest-problems")
    expect(problems).to_contain_text("$.webhooks.notifications.timeout_ms")
    expect(problems).to_contain_text("$.meta")
    expect(page.locator(".field.has-error").get_by_label("Manifest (JSON)")).to_be_visible()
    assert not App.objects.exists()
    accessible(page, "console-new-refused")

    # The good one: the secrets are shown once.
    _paste(page, "Manifest (JSON)", manifest(base_url=base_url))
    page.get_by_test_id("register").click()
    secrets = page.get_by_test_id("secrets")
    expect(secrets.get_by_test_id("client-secret")).to_contain_text("_")
    expect(secrets.get_by_test_id("webhook-secret")).to_contain_text("whsec_")
    app = App.objects.get(owner=developer)
    accessible(page, "console-secrets")
    page.get_by_role("button", name="I have copied them").click()

    # Overview.
    _tab(page, "Overview")
    expect(page.get_by_role("heading", level=1)).to_contain_text(app.name)
    expect(page.get_by_test_id("secrets")).to_have_count(0)  # never shown again
    accessible(page, "console-overview")

    # Versions: publish 1.1.0, then deprecate 1.0.0.
    page.get_by_test_id("console-tabs").get_by_role("link", name="Versions").click()
    _tab(page, "Versions")
    newer = manifest(base_url=base_url)
    newer["meta"]["version"] = "1.1.0"
    _paste(page, "New version's manifest (JSON)", newer)
    page.get_by_test_id("publish").click()
    expect(page.locator('[data-testid="version-row"][data-version="1.1.0"]')).to_contain_text(
        "Current"
    )
    page.get_by_label("Version", exact=True).select_option("1.0.0")
    page.get_by_label("Why").fill("1.1.0 fixes the draw.")
    page.get_by_test_id("deprecate").click()
    expect(page.locator('[data-testid="version-row"][data-version="1.0.0"]')).to_contain_text(
        "Deprecated"
    )
    expect(page.locator(".messages")).to_be_visible()
    accessible(page, "console-versions")

    # Deliveries: a test event reaches the stand-in app; its attempt shows request and response.
    page.get_by_test_id("console-tabs").get_by_role("link", name="Deliveries").click()
    _tab(page, "Deliveries")
    expect(page.get_by_test_id("no-deliveries")).to_be_visible()
    accessible(page, "console-deliveries-empty")
    page.get_by_test_id("send-test-event").click()
    expect(page.locator(".messages")).to_contain_text("The test event reached notifications")
    row = WebhookDelivery.objects.get(app=app)
    assert app_server.ids() == [row.webhook_id]
    expect(page.get_by_role("heading", level=2)).to_contain_text(row.webhook_id)
    expect(page.locator("main")).to_contain_text('{"received": true}')
    expect(page.locator("main")).to_contain_text("webhook-signature")
    expect(page.get_by_test_id("console-tabs").locator("[aria-current]")).to_have_text("Deliveries")
    accessible(page, "console-delivery")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Deliveries").click()
    _tab(page, "Deliveries")
    expect(page.locator("main table")).to_contain_text(row.webhook_id)
    accessible(page, "console-deliveries")

    # Dead letters: one message that failed every attempt; replay it from its page.
    letter = DeadLetter.objects.create(
        app=app,
        capability="notifications",
        event="room.completed",
        webhook_id="msg_e2e_dead",
        payload={"room_id": 7},
        last_error="HTTP 500",
        attempts=3,
    )
    page.get_by_test_id("console-tabs").get_by_role("link", name="Dead letters").click()
    _tab(page, "Dead letters")
    expect(page.locator("main")).to_contain_text(letter.webhook_id)
    accessible(page, "console-dead-letters")
    page.get_by_test_id("dead-letter-row").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(letter.webhook_id)
    accessible(page, "console-dead-letter")
    page.get_by_test_id("replay").click()
    expect(page.locator(".messages")).to_contain_text(f"Sending {letter.webhook_id} again.")
    _tab(page, "Dead letters")
    expect(page.get_by_test_id("no-dead-letters")).to_be_visible()
    assert letter.webhook_id in app_server.ids()
    accessible(page, "console-dead-letters-empty")

    # Metrics.
    page.get_by_test_id("console-tabs").get_by_role("link", name="Metrics").click()
    _tab(page, "Metrics")
    expect(page.locator(".metrics-charts canvas")).to_have_count(3)
    accessible(page, "console-metrics")

    # The console's list now has the app.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Developer console"
    ).click()
    expect(page.get_by_test_id("app-row")).to_contain_text(app.name)
    accessible(page, "console-apps")
    assert not errors, errors
    for capability in ("notifications", "winner_selection"):
        breaker.reset(app.app_id, capability)


def test_the_staff_page_is_in_the_console_frame(page, live_server, accessible):
    staff = UserFactory(is_staff=True)
    _sign_in(page, live_server, staff)
    page.goto("/staff/webhooks/")
    _tab(page, "Webhook health")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook health")
    accessible(page, "staff-webhooks-empty")
