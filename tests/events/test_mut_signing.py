"""events.webhooks.signing and events.services.credentials, pinned where mutation testing
(docs/testing.md, "Events: the rest of the platform") found the suite silent: how much randomness
a secret and a message id carry, the few characters of a client secret that are kept to tell it
apart (and no more), and the user agent an app sees on every call."""

import base64

import pytest

from events.models import AppCredential, WebhookDelivery
from events.services.credentials import credential_issue, webhook_secret_issue
from events.webhooks.calls import webhook_call
from events.webhooks.signing import new_webhook_id
from tests.events.appserver import AppServer, verifying
from tests.events.factories import AppFactory, manifest


def _random_bytes(text: str) -> int:
    """How many bytes a url-safe base64 string (no padding) encodes."""
    return len(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


@pytest.mark.django_db
def test_a_client_secret_is_32_random_bytes_and_only_its_first_ten_characters_are_kept():
    app = AppFactory()
    made = [credential_issue(app=app) for _ in range(3)]

    for credential, secret in made:
        assert secret.startswith("ucs_") and len(secret) == 4 + 43
        assert _random_bytes(secret.removeprefix("ucs_")) == 32
        stored = AppCredential.objects.get(pk=credential.pk)
        # what the console shows to tell the secrets apart: "ucs_" and 6 characters, never more
        assert stored.prefix == secret[:10]
    assert len({secret for _, secret in made}) == 3


def test_a_message_id_is_msg_and_22_characters_of_128_random_bits():
    for _ in range(20):
        webhook_id = new_webhook_id()
        assert webhook_id.startswith("msg_") and len(webhook_id) == 4 + 22
        assert _random_bytes(webhook_id.removeprefix("msg_")) == 16


@pytest.mark.django_db
def test_every_call_says_who_sends_it_and_records_its_headers_lower_case():
    with AppServer() as server:
        app = AppFactory(manifest=manifest(base_url=server.base_url))
        secret = webhook_secret_issue(app=app)
        server.route("/hooks/winners", verifying(secret.secret, {"winners": []}))
        result = webhook_call(
            app=app, capability="winner_selection", event="draw.requested", payload={"n": 1}
        )

    assert result.ok
    [hit] = server.hits("/hooks/winners")
    assert hit.headers["user-agent"] == "Umbrella-Webhooks/1"
    recorded = WebhookDelivery.objects.get(pk=result.delivery_id).request_headers
    assert recorded["user-agent"] == "Umbrella-Webhooks/1"
    assert set(recorded) == {
        "content-type",
        "user-agent",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "x-umbrella-timeout-ms",
        "x-umbrella-attempt",
    }
