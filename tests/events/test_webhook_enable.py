"""Calling a webhook again (``events.services.apps.app_webhook_enable``): off the 410 list and its
circuit breaker closed, through every door alike: the service, ``POST /api/v1/apps/{app_id}/
webhooks/{capability}/enable``, the console's button and the admin action."""

import uuid

import pytest
import redis
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from events.models import App
from events.services import apps as services
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory
from umbrella.errors import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("closed_breakers")]


@pytest.fixture
def app() -> App:
    # A fresh app id per test: with REDIS_URL the breakers live in Redis, shared by the workers.
    return AppFactory(app_id=f"app_en_{uuid.uuid4().hex[:10]}", disabled_webhooks=["notifications"])


def _open(app: App, capability: str = "notifications") -> None:
    for _ in range(breaker.FAILURES_TO_OPEN):
        breaker.record_failure(app.app_id, capability)
    assert breaker.state(app.app_id, capability) == "open"


def test_enabling_takes_it_off_the_410_list_and_closes_its_breaker_after_commit(
    app, django_capture_on_commit_callbacks
):
    _open(app)
    _open(app, "winner_selection")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.app_webhook_enable(app=app, capability="notifications", by=app.owner)
        assert breaker.state(app.app_id, "notifications") == "open"  # not before the commit
    for callback in callbacks:
        callback()

    app.refresh_from_db()
    assert app.disabled_webhooks == []
    assert breaker.state(app.app_id, "notifications") == "closed"
    assert breaker.snapshot(app.app_id, "notifications").failures == 0
    assert breaker.state(app.app_id, "winner_selection") == "open"  # only that capability


def test_enabling_a_webhook_that_was_not_off_still_closes_its_breaker(
    app, django_capture_on_commit_callbacks
):
    _open(app, "winner_selection")
    with django_capture_on_commit_callbacks(execute=True):
        services.app_webhook_enable(app=app, capability="winner_selection", by=app.owner)
    app.refresh_from_db()
    assert app.disabled_webhooks == ["notifications"]
    assert breaker.state(app.app_id, "winner_selection") == "closed"


@pytest.mark.parametrize(
    ("capability", "who", "code"),
    [("quiz_validation", "owner", "validation_error"), ("notifications", "stranger", "not_found")],
)
def test_a_refused_enable_leaves_list_and_breaker_alone(
    app, django_capture_on_commit_callbacks, capability, who, code
):
    _open(app)
    by = app.owner if who == "owner" else UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ApplicationError) as caught,
    ):
        services.app_webhook_enable(app=app, capability=capability, by=by)
    assert caught.value.code == code
    assert callbacks == []
    app.refresh_from_db()
    assert app.disabled_webhooks == ["notifications"]
    assert breaker.state(app.app_id, "notifications") == "open"


def test_a_breaker_store_that_cannot_be_reached_makes_reset_say_so(monkeypatch, caplog):
    # A real client of a Redis that is not there (nothing listens on port 1).
    down = breaker.RedisBackend(redis.Redis(port=1, socket_connect_timeout=0.5))
    monkeypatch.setattr(breaker, "backend", lambda: down)
    assert breaker.reset("app_x", "notifications") is False
    assert "reset of app_x notifications lost" in caplog.text


# --- the API ----------------------------------------------------------------------------------


def test_the_api_enables_it_for_the_owner(api_client, app, django_capture_on_commit_callbacks):
    _open(app)
    api_client.force_authenticate(app.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/apps/{app.app_id}/webhooks/notifications/enable")
    assert response.status_code == 200
    body = response.json()
    assert body["app_id"] == app.app_id
    assert body["disabled_webhooks"] == []
    assert "manifest" in body
    assert breaker.state(app.app_id, "notifications") == "closed"


def test_staff_may_enable_it_too(api_client, app, django_capture_on_commit_callbacks):
    api_client.force_authenticate(UserFactory(is_staff=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/apps/{app.app_id}/webhooks/notifications/enable")
    assert response.status_code == 200
    assert response.json()["disabled_webhooks"] == []


@pytest.mark.parametrize(
    ("who", "capability", "status", "code"),
    [
        ("stranger", "notifications", 404, "not_found"),
        ("owner", "quiz_validation", 400, "validation_error"),
        ("owner", "no_such_thing", 400, "validation_error"),
        ("anonymous", "notifications", 401, "not_authenticated"),
    ],
)
def test_a_refused_api_enable_changes_nothing(
    api_client, app, django_capture_on_commit_callbacks, who, capability, status, code
):
    _open(app)
    if who == "owner":
        api_client.force_authenticate(app.owner)
    elif who == "stranger":
        api_client.force_authenticate(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/apps/{app.app_id}/webhooks/{capability}/enable")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    app.refresh_from_db()
    assert app.disabled_webhooks == ["notifications"]
    assert breaker.state(app.app_id, "notifications") == "open"


def test_an_unknown_app_is_the_same_404_as_a_strangers(api_client, app):
    api_client.force_authenticate(UserFactory())
    stranger = api_client.post(f"/api/v1/apps/{app.app_id}/webhooks/notifications/enable")
    missing = api_client.post("/api/v1/apps/app_no_such_app/webhooks/notifications/enable")
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json() == missing.json()


def test_the_route_is_in_the_openapi_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/apps/{app_id}/webhooks/{capability}/enable"]["post"]
    assert operation["operationId"] == "apps_webhook_enable"
    assert {p["name"] for p in operation["parameters"]} == {"app_id", "capability"}
    assert {"200", "400", "401", "404"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AppDetail"
    }


# --- the console and admin ----------------------------------------------------------------------


def test_the_console_button_goes_through_the_service(app, django_capture_on_commit_callbacks):
    _open(app)
    client = Client()
    client.force_login(app.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/developers/apps/{app.app_id}/webhooks/enable/", {"capability": "notifications"}
        )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.disabled_webhooks == []
    assert breaker.state(app.app_id, "notifications") == "closed"


def test_the_admin_action_goes_through_the_service(client, django_capture_on_commit_callbacks):
    app = AppFactory(disabled_webhooks=["notifications", "winner_selection"])
    other = AppFactory(disabled_webhooks=["notifications"])
    untouched = AppFactory()
    for target in (app, other):
        _open(target)
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:events_app_changelist"),
            {"action": "enable_webhooks", "_selected_action": [app.pk, untouched.pk]},
            follow=True,
        )

    page = response.content.decode()
    assert response.status_code == 200
    assert app.app_id + " (notifications, winner_selection)" in page
    assert untouched.app_id + " (none was off)" in page
    app.refresh_from_db()
    other.refresh_from_db()
    assert app.disabled_webhooks == []
    assert breaker.state(app.app_id, "notifications") == "closed"
    assert other.disabled_webhooks == ["notifications"]  # not chosen
    assert breaker.state(other.app_id, "notifications") == "open"
