"""Staff's admin for the app platform: apps read, their breakers reset through the breaker's
own function; attempts, dead letters and incidents read-only with their filters."""

import pytest
from django.urls import reverse

from accounts.models import User
from events.models import AppHealth, AppIncident, IncidentKind, Outcome
from events.webhooks import breaker
from tests.events.factories import AppFactory
from tests.events.observe_data import attempts, dead_letters

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _breakers_closed_after():
    yield
    breaker.MEMORY.clear()


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    return client


def test_reset_breaker_closes_every_capability_of_the_chosen_apps(staff):
    app, other = AppFactory(), AppFactory()
    for target in (app, other):
        for capability in ("winner_selection", "notifications"):
            for _ in range(breaker.FAILURES_TO_OPEN):
                breaker.record_failure(target.app_id, capability)
    assert breaker.state(app.app_id, "notifications") == "open"

    response = staff.post(
        reverse("admin:events_app_changelist"),
        {"action": "reset_breaker", "_selected_action": [app.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert f"Breakers reset: {app.app_id} (winner_selection, notifications)" in (
        response.content.decode()
    )
    assert breaker.state(app.app_id, "winner_selection") == "closed"
    assert breaker.state(app.app_id, "notifications") == "closed"
    assert breaker.snapshot(app.app_id, "notifications").failures == 0
    assert breaker.state(other.app_id, "winner_selection") == "open"  # not chosen


def test_the_app_page_shows_health_open_incidents_and_versions(staff):
    app = AppFactory()
    AppHealth.objects.create(app=app, consecutive_failures=4, last_error="HTTP 503")
    AppIncident.objects.create(app=app, kind=IncidentKind.HEALTH, detail="down since noon")
    AppIncident.objects.create(
        app=app, kind=IncidentKind.SLOW, detail="old and closed", closed_at="2026-01-01T00:00Z"
    )

    page = staff.get(reverse("admin:events_app_change", args=[app.pk])).content.decode()

    assert "HTTP 503" in page and "down since noon" in page and "old and closed" not in page
    assert app.manifest_version in page
    assert f"/developers/apps/{app.app_id}/metrics/" in page


def test_the_app_list_filters_and_searches(staff):
    AppFactory(app_id="app_alpha", is_active=False)
    AppFactory(app_id="app_beta")
    url = reverse("admin:events_app_changelist")

    inactive = staff.get(url, {"is_active__exact": "0"}).content.decode()
    found = staff.get(url, {"q": "beta"}).content.decode()

    assert "app_alpha" in inactive and "app_beta" not in inactive
    assert "app_beta" in found and "app_alpha" not in found


def test_records_are_read_only_with_filters(staff):
    app = AppFactory()
    attempts(app, [10], outcome=Outcome.TIMEOUT)
    attempts(app, [20])
    dead_letters(app, 2)
    AppIncident.objects.create(app=app, kind=IncidentKind.HEALTH)

    for name in ("app", "webhookdelivery", "deadletter", "appincident"):
        assert staff.get(reverse(f"admin:events_{name}_changelist")).status_code == 200
        assert staff.get(reverse(f"admin:events_{name}_add")).status_code == 403
    timeouts = staff.get(
        reverse("admin:events_webhookdelivery_changelist"), {"outcome__exact": "timeout"}
    ).content.decode()
    assert timeouts.count('class="field-outcome">') == 1 and "timeout" in timeouts
    open_ones = staff.get(
        reverse("admin:events_appincident_changelist"), {"closed_at__isempty": "1"}
    )
    assert open_ones.status_code == 200
    delivery = app.deliveries.first()
    detail = staff.get(reverse("admin:events_webhookdelivery_change", args=[delivery.pk]))
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    letter = app.dead_letters.first()
    assert (
        staff.post(reverse("admin:events_deadletter_delete", args=[letter.pk]), {"post": "yes"})
    ).status_code == 403
    assert app.dead_letters.count() == 2


def test_apps_are_not_deleted_from_admin(staff):
    app = AppFactory()
    url = reverse("admin:events_app_changelist")
    actions = staff.get(url).context["action_form"].fields["action"].choices
    assert "delete_selected" not in dict(actions)
    assert staff.get(reverse("admin:events_app_delete", args=[app.pk])).status_code == 403
