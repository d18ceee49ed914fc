"""The console's deliveries and dead letters pages when there is nothing to list: an empty state
that says what the list is and what to do next (send a test event, see the deliveries), in the
style of the project's other empty states (``empty-state``)."""

import re

import pytest

from events.models import WebhookDelivery
from tests.events.deliveries_helpers import app_at, script
from tests.events.factories import AppFactory, manifest

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook_app(httpserver, settings):
    yield from app_at(httpserver, settings)


def _page(app, rest: str) -> str:
    return f"/developers/apps/{app.app_id}/{rest}"


def _empty_state(html: str, testid: str) -> str:
    found = re.search(
        rf'<section class="empty-state" data-testid="{testid}">(.*?)</section>', html, re.S
    )
    assert found, f"no {testid} empty state"
    return found.group(1)


def test_no_deliveries_explains_the_log_and_offers_a_test_event(client, hook_app, httpserver):
    app_server = script(httpserver, 200)
    client.force_login(hook_app.owner)

    html = client.get(_page(hook_app, "deliveries/")).content.decode()

    state = _empty_state(html, "no-deliveries")
    assert "<h3>No deliveries yet</h3>" in state
    assert "every call Umbrella makes to your app's webhooks" in state
    assert 'data-testid="empty-send-test-event"' in state
    assert f'action="{_page(hook_app, "test-event/")}"' in state
    assert 'name="capability" value="notifications"' in state

    # The button does what it says: a signed test event, its attempt shown.
    answer = client.post(_page(hook_app, "test-event/"), {"capability": "notifications"})
    row = WebhookDelivery.objects.get()
    assert answer["Location"] == _page(hook_app, f"deliveries/{row.pk}/")
    assert app_server.ids() == [row.webhook_id]
    listed = client.get(_page(hook_app, "deliveries/")).content.decode()
    assert 'data-testid="no-deliveries"' not in listed
    assert listed.count('data-testid="delivery-row"') == 1


def test_an_app_without_webhooks_is_told_to_publish_one(client):
    data = manifest(capabilities=["prize_fund"], permissions=[])
    del data["webhooks"], data["fallbacks"]
    app = AppFactory(manifest=data)
    client.force_login(app.owner)

    state = _empty_state(client.get(_page(app, "deliveries/")).content.decode(), "no-deliveries")

    assert "declares no webhook" in state
    assert f'href="{_page(app, "versions/")}"' in state
    assert "empty-send-test-event" not in state


def test_a_filter_or_a_page_with_nothing_says_so_and_leads_back(client, hook_app):
    client.force_login(hook_app.owner)

    filtered = client.get(_page(hook_app, "deliveries/"), {"outcome": "gone"}).content.decode()
    state = _empty_state(filtered, "no-deliveries")
    assert "No “gone” deliveries" in state and '<a href="?">Show every outcome</a>' in state
    assert "empty-send-test-event" not in state

    far = client.get(_page(hook_app, "deliveries/"), {"page": 5}).content.decode()
    assert "No deliveries on this page" in _empty_state(far, "no-deliveries")


def test_no_dead_letters_explains_them_and_points_to_the_deliveries(client, hook_app):
    client.force_login(hook_app.owner)

    html = client.get(_page(hook_app, "dead-letters/")).content.decode()

    state = _empty_state(html, "no-dead-letters")
    assert "No dead letters: every message got through" in state
    assert "410 Gone" in state and "replay" in state
    assert f'href="{_page(hook_app, "deliveries/")}"' in state
    assert 'data-testid="replay-all"' not in html  # nothing to replay
    far = client.get(_page(hook_app, "dead-letters/"), {"page": 3}).content.decode()
    assert "No dead letters on this page" in _empty_state(far, "no-dead-letters")
