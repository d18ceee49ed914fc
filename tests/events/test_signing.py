"""Our Standard Webhooks signatures, checked with the independent ``standardwebhooks`` library
(SPEC-events §4): the headers, their format, and a rotation where either secret verifies."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from events.models import WebhookSecret
from events.services.credentials import webhook_secret_issue
from events.webhooks.calls import webhook_call
from events.webhooks.signing import new_webhook_id, signature_header, webhook_headers
from tests.events.appserver import AppServer, verifying
from tests.events.factories import AppFactory, manifest

SECRET_A = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET_B = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


def _headers(body: bytes, secrets: list[str], **kw: object) -> dict[str, str]:
    defaults: dict = {"webhook_id": "msg_abc", "timestamp": int(time.time())}
    defaults |= {"timeout_ms": 5000, "attempt": 1} | kw
    return webhook_headers(signing_secrets=secrets, body=body, **defaults)


def test_every_header_of_the_contract_is_there_and_well_formed():
    body = b'{"room_id":1}'
    headers = _headers(body, [SECRET_A], timeout_ms=2000, attempt=3)
    assert headers["webhook-id"] == "msg_abc"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5
    assert headers["webhook-signature"].startswith("v1,")
    assert " " not in headers["webhook-signature"]
    assert headers["x-umbrella-timeout-ms"] == "2000"
    assert headers["x-umbrella-attempt"] == "3"
    assert headers["content-type"] == "application/json"


def test_the_independent_library_verifies_our_signature():
    body = '{"event":"room.created","data":{"name":"Zürich night"}}'.encode()
    headers = _headers(body, [SECRET_A])
    assert Webhook(SECRET_A).verify(body, headers) == {
        "event": "room.created",
        "data": {"name": "Zürich night"},
    }


def test_a_changed_body_id_or_timestamp_fails_verification():
    body = b'{"a":1}'
    headers = _headers(body, [SECRET_A])
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET_A).verify(b'{"a":2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET_A).verify(body, {**headers, "webhook-id": "msg_other"})
    with pytest.raises(WebhookVerificationError):
        stamp = str(int(headers["webhook-timestamp"]) - 1)
        Webhook(SECRET_A).verify(body, {**headers, "webhook-timestamp": stamp})
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET_B).verify(body, headers)


def test_during_a_rotation_each_live_secret_signs_and_either_verifies():
    body = b'{"a":1}'
    headers = _headers(body, [SECRET_B, SECRET_A])
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    assert all(s.startswith("v1,") for s in signatures)
    assert Webhook(SECRET_A).verify(body, headers) == {"a": 1}
    assert Webhook(SECRET_B).verify(body, headers) == {"a": 1}


def test_the_signature_is_deterministic_for_one_id_timestamp_and_body():
    args = {"webhook_id": "msg_1", "timestamp": 1700000000, "body": b"{}"}
    once = signature_header(signing_secrets=[SECRET_A], **args)
    assert once == signature_header(signing_secrets=[SECRET_A], **args)
    assert once != signature_header(signing_secrets=[SECRET_A], **{**args, "timestamp": 1})


def test_message_ids_are_prefixed_and_unique():
    ids = {new_webhook_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("msg_") and len(i) <= 64 for i in ids)


@pytest.mark.django_db
def test_a_call_during_rotation_verifies_with_either_secret_and_not_with_an_expired_one():
    """Through the real call: the app holding the old secret, the new one, or an expired one."""
    with AppServer() as server:
        app = AppFactory(manifest=manifest(base_url=server.base_url))
        expired = webhook_secret_issue(app=app)
        old = webhook_secret_issue(app=app)
        new = webhook_secret_issue(app=app)
        WebhookSecret.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        WebhookSecret.objects.filter(pk=old.pk).update(
            expires_at=timezone.now() + timedelta(days=1)
        )
        results = {}
        for name, secret in (("old", old), ("new", new), ("expired", expired)):
            server.route("/hooks/winners", verifying(secret.secret, {"winners": []}))
            results[name] = webhook_call(
                app=app, capability="winner_selection", event="draw.requested", payload={"n": 1}
            )
    assert results["old"].ok
    assert results["new"].ok
    assert results["expired"].status_code == 401
    assert not results["expired"].ok
    signatures = server.hits("/hooks/winners")[0].headers["webhook-signature"].split(" ")
    assert len(signatures) == 2  # the two live secrets, not the expired one
