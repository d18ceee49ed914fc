"""The developer console's deliveries and dead letters pages, and its "Send test event"
button: what the owner sees, what the forms do, and 404 for anyone else."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from events.models import DeadLetter, WebhookDelivery
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.events.deliveries_helpers import app_at, script
from tests.events.factories import AppFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _attempt(app, n: int, **fields) -> WebhookDelivery:
    values = {
        "capability": "notifications",
        "event": "room.completed",
        "webhook_id": f"msg_page_{n}",
        "outcome": "success",
        "status_code": 200,
        "request_headers": {"webhook-id": f"msg_page_{n}", "x-umbrella-attempt": "1"},
        "request_body": '{"event":"room.completed","payload":{"room_id":7}}',
        "response_headers": {"x-app": "lottery"},
        "response_body": '{"received":true}',
        "created_at": timezone.now() - timedelta(minutes=n),
        **fields,
    }
    return WebhookDelivery.objects.create(app=app, **values)


def _letter(app, n: int = 1, **fields) -> DeadLetter:
    values = {
        "capability": "notifications",
        "event": "room.completed",
        "webhook_id": f"msg_dead_{app.pk}_{n}",
        "payload": {"room_id": n},
        "last_error": "HTTP 500",
        "attempts": 3,
        **fields,
    }
    return DeadLetter.objects.create(app=app, **values)


def _page(app, rest: str = "") -> str:
    return f"/developers/apps/{app.app_id}/{rest}"


def test_the_deliveries_page_lists_attempts_and_filters_by_outcome(
    client, django_assert_max_num_queries
):
    app = AppFactory()
    for n in range(4):
        _attempt(app, n, outcome="timeout" if n == 2 else "success")
    client.force_login(app.owner)
    client.get(_page(app, "deliveries/"))  # warm the session
    with django_assert_max_num_queries(6):  # session, user, app, page, (messages, unread)
        page = client.get(_page(app, "deliveries/"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="delivery-row"') == 4
    assert "Send test event" in html and 'value="notifications"' in html

    filtered = client.get(_page(app, "deliveries/"), {"outcome": "timeout"}).content.decode()
    assert filtered.count('data-testid="delivery-row"') == 1 and "msg_page_2" in filtered
    nothing = client.get(_page(app, "deliveries/"), {"outcome": "gone"}).content.decode()
    assert 'data-testid="no-deliveries"' in nothing
    ignored = client.get(_page(app, "deliveries/"), {"outcome": "<b>"}).content.decode()
    assert ignored.count('data-testid="delivery-row"') == 4  # a hand-edited link: no filter


def test_one_delivery_shows_its_request_and_response(client):
    app = AppFactory()
    row = _attempt(app, 1, outcome="http_error", status_code=500, error="HTTP 500")
    client.force_login(app.owner)
    html = client.get(_page(app, f"deliveries/{row.pk}/")).content.decode()
    assert "x-umbrella-attempt: 1" in html
    assert "{&quot;event&quot;:&quot;room.completed&quot;" in html  # escaped, shown as sent
    assert "x-app: lottery" in html and "HTTP 500" in html


def test_the_dead_letters_page_and_one_dead_letter(client):
    app = AppFactory()
    letter = _letter(app, 1)
    _letter(app, 2, requeued_at=timezone.now())
    client.force_login(app.owner)
    html = client.get(_page(app, "dead-letters/")).content.decode()
    assert html.count('data-testid="dead-letter-row"') == 2
    assert 'data-testid="replay-all"' in html and html.count('data-testid="requeued"') == 1
    assert "data-confirm=" in html  # replay and delete ask first

    one = client.get(_page(app, f"dead-letters/{letter.pk}/")).content.decode()
    assert "&quot;room_id&quot;: 1" in one and "HTTP 500" in one


def test_replay_from_the_page_delivers_it(client, hook_app, httpserver):
    letter = _letter(hook_app)
    app_server = script(httpserver, 200)
    client.force_login(hook_app.owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = client.post(_page(hook_app, f"dead-letters/{letter.pk}/replay/"), follow=True)
    assert answer.redirect_chain[-1][0] == _page(hook_app, "dead-letters/")
    assert f"Sending {letter.webhook_id} again." in answer.content.decode()
    assert app_server.ids() == [letter.webhook_id]
    assert not DeadLetter.objects.exists()


def test_replay_all_and_delete_from_the_page(client, hook_app, httpserver):
    letters = [_letter(hook_app, n) for n in range(2)]
    client.force_login(hook_app.owner)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        answer = client.post(_page(hook_app, "dead-letters/replay/"), follow=True)
    assert "Sending 2 messages again." in answer.content.decode() and len(callbacks) == 2
    assert DeadLetter.objects.filter(requeued_at__isnull=False).count() == 2

    again = client.post(_page(hook_app, f"dead-letters/{letters[0].pk}/replay/"), follow=True)
    assert "being sent again already" in again.content.decode()

    client.post(_page(hook_app, f"dead-letters/{letters[0].pk}/delete/"))
    assert list(DeadLetter.objects.values_list("pk", flat=True)) == [letters[1].pk]


def test_the_test_event_button_sends_and_shows_the_attempt(client, hook_app, httpserver):
    app_server = script(httpserver, 200)
    client.force_login(hook_app.owner)
    answer = client.post(
        _page(hook_app, "test-event/"), {"capability": "notifications"}, follow=True
    )
    row = WebhookDelivery.objects.get()
    assert answer.redirect_chain[-1][0] == _page(hook_app, f"deliveries/{row.pk}/")
    assert "The test event reached notifications" in answer.content.decode()
    assert app_server.ids() == [row.webhook_id] and row.event == "app.test"


def test_a_failing_test_event_says_so(client, hook_app, httpserver):
    script(httpserver, 500)
    client.force_login(hook_app.owner)
    answer = client.post(_page(hook_app, "test-event/"), follow=True)
    assert "The test event to notifications failed: HTTP 500." in answer.content.decode()
    breaker.reset(hook_app.app_id, "notifications")


def test_a_test_event_to_a_disabled_webhook_is_not_sent_and_says_why(client, hook_app, httpserver):
    app_server = script(httpserver, 200)
    hook_app.disabled_webhooks = ["notifications"]
    hook_app.save()
    client.force_login(hook_app.owner)
    answer = client.post(_page(hook_app, "test-event/"), follow=True)
    assert answer.redirect_chain[-1][0] == _page(hook_app, "deliveries/")
    assert "webhook is disabled" in answer.content.decode()
    assert app_server.requests == [] and not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    ("method", "rest"),
    [
        ("get", "deliveries/"),
        ("get", "deliveries/{delivery}/"),
        ("post", "test-event/"),
        ("get", "dead-letters/"),
        ("get", "dead-letters/{letter}/"),
        ("post", "dead-letters/{letter}/replay/"),
        ("post", "dead-letters/replay/"),
        ("post", "dead-letters/{letter}/delete/"),
    ],
)
def test_pages_are_404_for_others_and_ask_strangers_to_sign_in(client, method, rest):
    app = AppFactory()
    delivery, letter = _attempt(app, 1), _letter(app)
    path = _page(app, rest.format(delivery=delivery.pk, letter=letter.pk))
    assert getattr(client, method)(path).status_code == 302  # to sign in

    client.force_login(UserFactory())
    assert getattr(client, method)(path).status_code == 404
    letter.refresh_from_db()
    assert letter.requeued_at is None and WebhookDelivery.objects.count() == 1

    client.force_login(UserFactory(is_staff=True))
    if method == "get":
        assert client.get(path).status_code == 200


def test_replay_and_delete_need_post(client):
    app = AppFactory()
    letter = _letter(app)
    client.force_login(app.owner)
    assert client.get(_page(app, f"dead-letters/{letter.pk}/delete/")).status_code == 405
    assert client.get(_page(app, "test-event/")).status_code == 405
    assert DeadLetter.objects.exists()
