"""The console's metrics chart and the staff webhook-health page in a real Chromium: uPlot draws
the three charts under the site's Content-Security-Policy (no violation, no script error), and
both pages pass axe at 1280 and 390 px."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from events.models import AppIncident, IncidentKind, Outcome
from tests.events.factories import AppFactory
from tests.events.observe_data import attempts, dead_letters

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, Page, expect

from tests.e2e.a11y import PHONE, horizontal_overflow
from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_as(browser: Browser, live_server, user) -> tuple[Page, list[str]]:
    """A page signed in as ``user``, and the list its console errors go to."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    sign_in_by_cookie(context, user, live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def test_the_metrics_chart_draws_under_the_csp(browser, live_server, accessible, screenshot):
    app = AppFactory()
    now = timezone.now()
    for hours in range(0, 20, 3):
        attempts(app, [120, 250, 900], at=now - timedelta(hours=hours, minutes=10))
    attempts(app, [5000], outcome=Outcome.TIMEOUT, at=now - timedelta(hours=2))
    page, errors = open_as(browser, live_server, app.owner)

    page.goto(f"/developers/apps/{app.app_id}/metrics/")

    expect(page.locator(".metrics-charts .uplot")).to_have_count(3)
    expect(page.locator(".metrics-charts canvas")).to_have_count(3)
    assert page.locator(".metrics-charts figcaption").all_inner_texts() == [
        "Calls",
        "Success rate",
        "p95 latency",
    ]
    assert not errors, errors  # a CSP violation is reported as a console error
    screenshot(page, "console-metrics")
    page.get_by_role("link", name="Last hour").click()
    expect(page.locator(".metrics-charts canvas")).to_have_count(3)
    accessible(page, "console-metrics")
    assert not errors, errors
    page.context.close()


def test_the_charts_follow_the_window_without_a_horizontal_scroll(browser, live_server):
    """Charts drawn at 1280 px never widen a phone's page, not even before they are drawn
    again at the new width (the column clips them), and then they fit it."""
    app = AppFactory()
    attempts(app, [120, 250, 900], at=timezone.now() - timedelta(hours=1))
    page, errors = open_as(browser, live_server, app.owner)
    page.goto(f"/developers/apps/{app.app_id}/metrics/")
    expect(page.locator(".metrics-charts canvas")).to_have_count(3)
    wide = page.locator(".metrics-charts canvas").first.bounding_box()
    assert wide is not None and wide["width"] > 1000

    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) == 0  # at once: no timer has run yet
    page.wait_for_function(
        "() => [...document.querySelectorAll('.metrics-charts canvas')]"
        ".every(c => c.getBoundingClientRect().width <= document.documentElement.clientWidth)"
    )
    assert horizontal_overflow(page) == 0
    assert not errors, errors
    page.context.close()


def test_the_staff_page_is_accessible(browser, live_server, accessible, screenshot):
    staff = User.objects.create_superuser(email="ops@example.com", password="x" * 12)
    app = AppFactory()
    attempts(app, [100] * 10)
    attempts(app, [4000] * 5, outcome=Outcome.TIMEOUT)
    dead_letters(app, 4)
    AppIncident.objects.create(
        app=app, capability="winner_selection", kind=IncidentKind.SUCCESS_RATE, detail="66.7 %"
    )
    page, errors = open_as(browser, live_server, staff)

    page.goto("/staff/webhooks/")

    expect(page.get_by_role("heading", name="Webhook health")).to_be_visible()
    expect(page.get_by_test_id("open-incident")).to_have_count(1)
    screenshot(page, "staff-webhooks")
    accessible(page, "staff-webhooks")
    assert not errors, errors
    page.context.close()
