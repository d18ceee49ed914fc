"""Staff's admin for the app platform: apps read, their breakers reset through the breaker's
own function; attempts, dead letters and incidents read-only with their filters."""

import pytest
from django.urls import reverse

from accounts.models import User
from events.models import AppHealth, AppIncident, IncidentKind, Outcome
from events.services.credentials import webhook_secret_issue
from events.webhooks import breaker
from tests.events.appserver import AppServer, answer
from tests.events.factories import AppFactory, manifest
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


# --- disable, enable, replay: the services of events.services.apps and .deliveries ----------


def test_disable_and_enable_go_through_the_app_services(staff):
    app, other = AppFactory(), AppFactory()
    url = reverse("admin:events_app_changelist")

    disabled = staff.post(
        url, {"action": "disable_app", "_selected_action": [app.pk]}, follow=True
    ).content.decode()

    app.refresh_from_db()
    other.refresh_from_db()
    assert not app.is_active and other.is_active
    assert f"Disabled: {app.app_id}." in disabled
    staff.post(url, {"action": "enable_app", "_selected_action": [app.pk]})
    app.refresh_from_db()
    assert app.is_active


def test_replay_dead_letters_sends_them_again_with_their_webhook_ids(
    staff, settings, django_capture_on_commit_callbacks
):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    with AppServer() as server:
        server.route("/hooks/notify", answer(200, {}))
        app = AppFactory(manifest=manifest(base_url=server.base_url))
        webhook_secret_issue(app=app)
        dead_letters(app, 3)
        ids = set(app.dead_letters.values_list("webhook_id", flat=True))

        with django_capture_on_commit_callbacks(execute=True):
            response = staff.post(
                reverse("admin:events_app_changelist"),
                {"action": "replay_dead_letters", "_selected_action": [app.pk]},
                follow=True,
            )

        assert f"Dead letters queued again: {app.app_id} (3 replayed)." in (
            response.content.decode()
        )
        assert {hit.headers["webhook-id"] for hit in server.hits("/hooks/notify")} == ids
    assert not app.dead_letters.exists()


def test_a_refused_replay_is_reported_and_sends_nothing(staff):
    app = AppFactory(is_active=False)
    dead_letters(app, 2)

    response = staff.post(
        reverse("admin:events_app_changelist"),
        {"action": "replay_dead_letters", "_selected_action": [app.pk]},
        follow=True,
    )

    assert "The app is disabled" in response.content.decode()
    assert app.dead_letters.filter(requeued_at__isnull=True).count() == 2
