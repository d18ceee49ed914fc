"""The deliveries, dead letters and test event API (/api/v1/apps/{app_id}/…): status, body,
filters, query counts, and that a refused request changed nothing."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from events.models import DeadLetter, WebhookDelivery
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.events.deliveries_helpers import app_at, script
from tests.events.factories import AppFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _attempt(app, n: int, **fields) -> WebhookDelivery:
    values = {
        "capability": "notifications",
        "event": "room.completed",
        "webhook_id": f"msg_{n}",
        "attempt": 1,
        "outcome": "success",
        "status_code": 200,
        "request_headers": {"webhook-id": f"msg_{n}"},
        "request_body": '{"event":"room.completed","payload":{}}',
        "response_headers": {"content-type": "application/json"},
        "response_body": "{}",
        "created_at": timezone.now() - timedelta(minutes=n),
        **fields,
    }
    return WebhookDelivery.objects.create(app=app, **values)


def _letter(app, n: int, **fields) -> DeadLetter:
    values = {
        "capability": "notifications",
        "event": "room.completed",
        "webhook_id": f"msg_dead_{app.pk}_{n}",
        "payload": {"n": n},
        "last_error": "HTTP 500",
        "attempts": 3,
        "failed_at": timezone.now() - timedelta(minutes=n),
        **fields,
    }
    return DeadLetter.objects.create(app=app, **values)


def _url(app, rest: str) -> str:
    return f"/api/v1/apps/{app.app_id}/{rest}"


# --- reads ------------------------------------------------------------------------------------


def test_the_delivery_log_pages_and_filters(django_assert_max_num_queries):
    app = AppFactory()
    for n in range(25):
        _attempt(app, n, outcome="timeout" if n % 5 == 0 else "success", status_code=None)
    _attempt(app, 99, capability="winner_selection", event="draw", webhook_id="msg_x")
    _attempt(AppFactory(), 100)  # another app's
    api = client_for(app.owner)

    with django_assert_max_num_queries(2):  # the app, the page (force_authenticate: no user)
        page = api.get(_url(app, "deliveries/"))
    assert page.status_code == 200, page.json()
    body = page.json()
    assert len(body["results"]) == 20 and body["next"] and body["previous"] is None
    first = body["results"][0]
    assert first["webhook_id"] == "msg_0" and first["outcome"] == "timeout"
    assert set(first) == {
        "id",
        "capability",
        "event",
        "webhook_id",
        "attempt",
        "url",
        "status_code",
        "duration_ms",
        "outcome",
        "error",
        "created_at",
    }
    assert first["created_at"].endswith("Z")
    with django_assert_max_num_queries(2):
        rest = api.get(body["next"]).json()
    assert len(rest["results"]) == 6 and rest["next"] is None

    timeouts = api.get(_url(app, "deliveries/"), {"outcome": "TIMEOUT"}).json()["results"]
    assert [r["webhook_id"] for r in timeouts] == [f"msg_{n}" for n in (0, 5, 10, 15, 20)]
    by_capability = api.get(_url(app, "deliveries/"), {"capability": "winner_selection"})
    assert [r["webhook_id"] for r in by_capability.json()["results"]] == ["msg_x"]
    by_event = api.get(_url(app, "deliveries/"), {"event": "draw"}).json()["results"]
    assert [r["webhook_id"] for r in by_event] == ["msg_x"]
    by_id = api.get(_url(app, "deliveries/"), {"webhook_id": "msg_3"}).json()["results"]
    assert [r["webhook_id"] for r in by_id] == ["msg_3"]

    bad = api.get(_url(app, "deliveries/"), {"outcome": "lost"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "validation_error"
    assert "outcome" in bad.json()["error"]["details"]


def test_one_delivery_shows_its_request_and_response():
    app = AppFactory()
    row = _attempt(app, 1, outcome="http_error", status_code=500, error="HTTP 500")
    answer = client_for(app.owner).get(_url(app, f"deliveries/{row.pk}"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["request_headers"] == {"webhook-id": "msg_1"}
    assert body["request_body"] == '{"event":"room.completed","payload":{}}'
    assert body["response_headers"] == {"content-type": "application/json"}
    assert (body["response_body"], body["status_code"], body["error"]) == ("{}", 500, "HTTP 500")


def test_dead_letters_list_and_detail(django_assert_max_num_queries):
    app = AppFactory()
    letters = [_letter(app, n) for n in range(3)]
    _letter(AppFactory(), 9)
    api = client_for(app.owner)
    with django_assert_max_num_queries(3):  # the app, the count, the page
        listed = api.get(_url(app, "dead-letters/"))
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == [x.pk for x in letters]
    assert "payload" not in body["results"][0] and body["results"][0]["requeued_at"] is None

    one = api.get(_url(app, f"dead-letters/{letters[1].pk}")).json()
    assert one["payload"] == {"n": 1} and one["attempts"] == 3 and one["last_error"] == "HTTP 500"


@pytest.mark.parametrize(
    ("method", "rest"),
    [
        ("get", "deliveries/"),
        ("get", "deliveries/{delivery}"),
        ("get", "dead-letters/"),
        ("get", "dead-letters/{letter}"),
        ("delete", "dead-letters/{letter}"),
        ("post", "dead-letters/{letter}/replay"),
        ("post", "dead-letters/replay"),
        ("post", "test-event"),
    ],
)
def test_anyone_but_the_owner_and_staff_gets_404_and_changes_nothing(method, rest):
    app = AppFactory()
    delivery, letter = _attempt(app, 1), _letter(app, 1)
    path = _url(app, rest.format(delivery=delivery.pk, letter=letter.pk))
    data = {"all": True} if rest == "dead-letters/replay" else {}

    refused = getattr(client_for(UserFactory()), method)(path, data, format="json")
    assert refused.status_code == 404, refused.json()
    assert refused.json()["error"]["code"] == "not_found"
    letter.refresh_from_db()
    assert letter.requeued_at is None
    assert WebhookDelivery.objects.count() == 1

    anonymous = getattr(APIClient(), method)(path, data, format="json")
    assert anonymous.status_code == 401


def test_staff_read_any_app():
    app = AppFactory()
    _attempt(app, 1)
    staff = client_for(UserFactory(is_staff=True))
    assert len(staff.get(_url(app, "deliveries/")).json()["results"]) == 1


def test_another_apps_rows_are_not_found_through_this_app():
    mine, theirs = AppFactory(), AppFactory()
    delivery, letter = _attempt(theirs, 1), _letter(theirs, 1)
    api = client_for(mine.owner)
    assert api.get(_url(mine, f"deliveries/{delivery.pk}")).status_code == 404
    assert api.get(_url(mine, f"dead-letters/{letter.pk}")).status_code == 404
    assert api.delete(_url(mine, f"dead-letters/{letter.pk}")).status_code == 404
    assert DeadLetter.objects.filter(pk=letter.pk).exists()


# --- writes -----------------------------------------------------------------------------------


def test_delete_a_dead_letter():
    app = AppFactory()
    letter = _letter(app, 1)
    answer = client_for(app.owner).delete(_url(app, f"dead-letters/{letter.pk}"))
    assert answer.status_code == 204
    assert not DeadLetter.objects.exists()


def test_replay_one_through_the_api_delivers_it(hook_app, httpserver):
    letter = _letter(hook_app, 1)
    app_server = script(httpserver, 200)
    api = client_for(hook_app.owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = api.post(_url(hook_app, f"dead-letters/{letter.pk}/replay"))
    assert answer.status_code == 202, answer.json()
    assert answer.json()["id"] == letter.pk and answer.json()["requeued_at"]
    assert app_server.ids() == [letter.webhook_id] and app_server.attempts() == ["4"]
    assert not DeadLetter.objects.exists()


def test_replay_refusals_change_nothing(hook_app):
    letter = _letter(hook_app, 1)
    api = client_for(hook_app.owner)
    with TestCase.captureOnCommitCallbacks(execute=False):
        assert api.post(_url(hook_app, f"dead-letters/{letter.pk}/replay")).status_code == 202
        again = api.post(_url(hook_app, f"dead-letters/{letter.pk}/replay"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_requeued"

    other = _letter(hook_app, 2)
    hook_app.disabled_webhooks = ["notifications"]
    hook_app.save()
    refused = api.post(_url(hook_app, f"dead-letters/{other.pk}/replay"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "webhook_disabled"
    bulk = api.post(_url(hook_app, "dead-letters/replay"), {"ids": [other.pk]}, format="json")
    assert bulk.status_code == 409 and bulk.json()["error"]["code"] == "webhook_disabled"
    other.refresh_from_db()
    assert other.requeued_at is None


def test_bulk_replay_input_is_checked(hook_app):
    letter = _letter(hook_app, 1)
    api = client_for(hook_app.owner)
    path = _url(hook_app, "dead-letters/replay")
    for data in ({}, {"ids": [letter.pk], "all": True}, {"ids": []}, {"every": True}):
        answer = api.post(path, data, format="json")
        assert answer.status_code == 400, (data, answer.json())
        assert answer.json()["error"]["code"] == "validation_error"
    missing = api.post(path, {"ids": [letter.pk, 10**9]}, format="json")
    assert missing.status_code == 404
    assert missing.json()["error"]["details"] == {"missing": [10**9]}
    letter.refresh_from_db()
    assert letter.requeued_at is None


def test_bulk_replay_of_all(hook_app, httpserver):
    letters = [_letter(hook_app, n) for n in range(3)]
    app_server = script(httpserver, 200)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = client_for(hook_app.owner).post(
            _url(hook_app, "dead-letters/replay"), {"all": True}, format="json"
        )
    assert answer.status_code == 202, answer.json()
    assert sorted(answer.json()["replayed"]) == sorted(x.pk for x in letters)
    assert answer.json() | {"replayed": []} == {"replayed": [], "skipped": [], "remaining": 0}
    assert sorted(app_server.ids()) == sorted(x.webhook_id for x in letters)
    assert not DeadLetter.objects.exists()


def test_send_a_test_event(hook_app, httpserver):
    app_server = script(httpserver, 200)
    secret = hook_app.webhook_secrets.get().secret
    answer = client_for(hook_app.owner).post(_url(hook_app, "test-event"), {}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["ok"] is True and body["outcome"] == "success" and body["status_code"] == 200
    assert body["capability"] == "notifications" and body["answer"] == {"received": True}
    [request] = app_server.requests
    assert request["headers"]["webhook-id"] == body["webhook_id"]
    row = WebhookDelivery.objects.get(pk=body["delivery_id"])
    Webhook(secret).verify(row.request_body, request["headers"])  # signed like any delivery
    assert row.event == "app.test"


def test_a_failing_test_event_is_reported_not_raised(hook_app, httpserver):
    script(httpserver, 503)
    body = client_for(hook_app.owner).post(_url(hook_app, "test-event")).json()
    assert (body["ok"], body["outcome"], body["status_code"]) == (False, "http_error", 503)
    assert WebhookDelivery.objects.get().outcome == "http_error"
    breaker.reset(hook_app.app_id, "notifications")


def test_a_test_event_to_a_missing_webhook_is_409_and_sends_nothing(hook_app, httpserver):
    app_server = script(httpserver, 200)
    answer = client_for(hook_app.owner).post(
        _url(hook_app, "test-event"), {"capability": "quiz_validation"}, format="json"
    )
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_webhook"
    unknown = client_for(hook_app.owner).post(
        _url(hook_app, "test-event"), {"capability": "notifications", "x": 1}, format="json"
    )
    assert unknown.status_code == 400
    assert app_server.requests == [] and not WebhookDelivery.objects.exists()
