import base64
import hashlib
import hmac
import time

import pytest
from standardwebhooks.webhooks import Webhook

from events.models import WebhookSecret
from events.services.credentials import (
    client_secret_matches,
    credential_issue,
    webhook_secret_issue,
    webhook_secret_key,
)
from tests.events.factories import AppFactory

pytestmark = pytest.mark.django_db


def test_a_client_secret_is_stored_only_as_its_hash():
    app = AppFactory()
    credential, secret = credential_issue(app=app)
    credential.refresh_from_db()
    assert secret.startswith("ucs_")
    assert secret not in (credential.secret_hash, credential.prefix)
    assert secret.startswith(credential.prefix)
    assert client_secret_matches(secret, credential.secret_hash)
    assert not client_secret_matches(secret + "x", credential.secret_hash)


def test_a_signing_secret_is_in_the_standard_webhooks_format():
    """The independent library accepts our secret and verifies an HMAC made with its key."""
    secret = webhook_secret_issue(app=AppFactory()).secret
    assert secret.startswith("whsec_")
    assert len(webhook_secret_key(secret)) == 24
    msg_id, timestamp, body = "msg_1", int(time.time()), '{"a": 1}'
    digest = hmac.new(
        webhook_secret_key(secret), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256
    ).digest()
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
    assert Webhook(secret).verify(body, headers) == {"a": 1}
    assert WebhookSecret.objects.live().filter(secret=secret).exists()
