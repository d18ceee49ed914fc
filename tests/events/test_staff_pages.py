"""The staff webhook-health page (/staff/webhooks/) and the console's metrics tab
(/developers/apps/<app_id>/metrics/): who sees them, what they show, constant queries, and a
chart with no inline script."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders

from accounts.models import User
from events.models import AppHealth, AppIncident, IncidentKind, Outcome
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory
from tests.events.observe_data import attempts, dead_letters

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
STAFF_URL = "/staff/webhooks/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _breakers_closed_after():
    yield
    breaker.MEMORY.clear()


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser(email="ops@example.com", password="x" * 12))
    return client


def open_breaker(app, capability: str) -> None:
    for _ in range(breaker.FAILURES_TO_OPEN):
        breaker.record_failure(app.app_id, capability)


def metrics_url(app) -> str:
    return f"/developers/apps/{app.app_id}/metrics/"


# --- the staff page -------------------------------------------------------------------------


def test_staff_see_every_app_with_breakers_rates_p95_dead_letters_and_incidents(staff_client):
    good, bad = AppFactory(app_id="app_good"), AppFactory(app_id="app_bad")
    attempts(good, [100] * 20, at=NOW - timedelta(hours=3))
    attempts(bad, [4000] * 10, outcome=Outcome.TIMEOUT, at=NOW - timedelta(hours=1))
    attempts(bad, [200] * 10, at=NOW - timedelta(hours=2))
    attempts(bad, [300], at=NOW - timedelta(hours=25))  # outside the 24 hours
    dead_letters(bad, 7)
    open_breaker(bad, "winner_selection")
    AppIncident.objects.create(
        app=bad, capability="winner_selection", kind=IncidentKind.SUCCESS_RATE, detail="50 %"
    )
    AppHealth.objects.create(
        app=bad, consecutive_failures=4, last_checked_at=NOW, last_error="HTTP 503"
    )
    AppHealth.objects.create(app=good, last_checked_at=NOW, last_ok_at=NOW)

    page = staff_client.get(STAFF_URL)

    assert page.status_code == 200
    html = page.content.decode()
    bad_rows = section(html, "app-app_bad")
    assert "open" in breakers(bad_rows)[0] and "closed" in breakers(bad_rows)[1]
    assert "50.0 %" in bad_rows and "4,000 ms" in bad_rows  # success rate, p95
    assert "<td>7</td>" in bad_rows  # dead letters (notifications)
    assert "failing" in bad_rows and "HTTP 503" in bad_rows
    assert "1 open" in bad_rows
    assert f'href="{metrics_url(bad)}"' in bad_rows
    good_rows = section(html, "app-app_good")
    assert "100.0 %" in good_rows and breakers(good_rows) == ["closed", "closed"]
    assert ">ok<" in good_rows
    assert html.count('data-testid="open-incident"') == 1 and "50 %" in html


def section(html: str, testid: str) -> str:
    match = re.search(rf'<tbody id="[^"]*" data-testid="{testid}">(.*?)</tbody>', html, re.S)
    assert match, testid
    return match.group(1)


def breakers(html: str) -> list[str]:
    return re.findall(r'data-testid="breaker">([^<]*)<', html)


def test_the_staff_page_reads_in_constant_queries(staff_client, django_assert_max_num_queries):
    def make(n: int) -> None:
        for _ in range(n):
            app = AppFactory()
            attempts(app, [10, 20, 30])
            dead_letters(app, 2)
            AppIncident.objects.create(app=app, kind=IncidentKind.HEALTH)
            AppHealth.objects.create(app=app, consecutive_failures=3, last_checked_at=NOW)

    make(2)
    staff_client.get(STAFF_URL)  # the device session is recorded on the first request
    # the site's own (session, user, device, unread counts) and the page's: apps (with owner
    # and health), stats (+ the durations on SQLite), dead letters, the apps' open incidents,
    # the open incidents list
    with django_assert_max_num_queries(12) as few:
        staff_client.get(STAFF_URL)
    make(10)
    with django_assert_max_num_queries(12) as many:
        page = staff_client.get(STAFF_URL)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert page.content.decode().count('data-testid="open-incident"') == 12


def test_the_staff_page_pages_past_50_apps(staff_client):
    for n in range(51):
        AppFactory(app_id=f"app_n{n:03d}")
    first = staff_client.get(STAFF_URL).content.decode()
    second = staff_client.get(STAFF_URL, {"page": 2}).content.decode()
    assert "app_n049" in first and "app_n050" not in first and "?page=2" in first
    assert "app_n050" in second and "app_n000" not in second


def test_not_staff_get_a_404_and_the_signed_out_the_sign_in_page(client):
    signed_out = client.get(STAFF_URL)
    assert signed_out.status_code == 302 and "/accounts/login/" in signed_out["Location"]

    client.force_login(UserFactory())
    assert client.get(STAFF_URL).status_code == 404


def test_an_empty_platform(staff_client):
    page = staff_client.get(STAFF_URL).content.decode()
    assert "No apps yet." in page and "No open incidents." in page


# --- the console's metrics tab --------------------------------------------------------------


def test_the_owner_sees_the_metrics_and_the_chart_data(client):
    app = AppFactory()
    attempts(app, list(range(1, 101)), at=NOW - timedelta(minutes=20))
    attempts(app, [3000], outcome=Outcome.TIMEOUT, at=NOW - timedelta(minutes=20))
    AppIncident.objects.create(
        app=app, kind=IncidentKind.SLOW, capability="winner_selection", detail="slow p95"
    )
    client.force_login(app.owner)

    page = client.get(metrics_url(app), {"window": "1h"})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-current="page" data-testid="window-1h"' in html
    rows = re.findall(r'<tr data-testid="capability-row">(.*?)</tr>', html, re.S)
    assert "winner_selection" in rows[0] and "<td>101</td>" in rows[0]
    assert "99.0 %" in rows[0] and "<td>1</td>" in rows[0]  # success rate, timeouts
    assert "notifications" in rows[1]
    assert "slow p95" in html
    data = json.loads(
        re.search(
            r'<script id="metrics-chart-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert data["window"] == "1h" and len(data["points"]) == 12
    assert data["points"][8]["calls"] == 101 and data["points"][8]["success"] == 99.01
    assert data["points"][0] == {
        "t": int((NOW - timedelta(hours=1)).timestamp()),
        "calls": 0,
        "failures": 0,
        "success": None,
        "p95": None,
    }


def test_the_chart_can_show_one_capability_and_an_unknown_window_is_the_default(client):
    app = AppFactory()
    attempts(app, [10], at=NOW - timedelta(hours=2))
    attempts(app, [10], capability="notifications", at=NOW - timedelta(hours=2))
    client.force_login(app.owner)

    html = client.get(
        metrics_url(app), {"window": "nope", "capability": "notifications"}
    ).content.decode()

    assert 'aria-current="page" data-testid="window-24h"' in html
    data = json.loads(re.search(r'type="application/json">(.*?)</script>', html, re.S).group(1))
    assert len(data["points"]) == 24 and sum(p["calls"] for p in data["points"]) == 1


def test_the_page_has_no_inline_script_and_ships_uplot_with_its_licence(client):
    app = AppFactory()
    client.force_login(app.owner)

    page = client.get(metrics_url(app))

    html = page.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    for attributes, body in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert 'type="application/json"' in attributes or not body.strip()
    assert "uPlot-1.6.32.iife.min.js" in html and "events/metrics-chart.js" in html
    csp = page["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    for name in ("uPlot-1.6.32.iife.min.js", "uPlot-1.6.32.min.css", "uPlot.LICENSE"):
        assert finders.find(f"events/vendor/{name}"), name
    assert "MIT License" in Path(finders.find("events/vendor/uPlot.LICENSE")).read_text()


def test_staff_see_any_apps_metrics_others_get_a_404(client):
    app = AppFactory()
    client.force_login(UserFactory())
    assert client.get(metrics_url(app)).status_code == 404
    client.force_login(User.objects.create_superuser(email="s@example.com", password="x" * 12))
    assert client.get(metrics_url(app)).status_code == 200
    client.logout()
    assert client.get(metrics_url(app)).status_code == 302
