"""Standard Webhooks signatures and the headers of every call (SPEC-events §4).

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, one per live
signing secret, space-separated: during a rotation the app may hold either secret and still
verify. We sign with our own few lines of :mod:`hmac`; the tests verify with the independent
``standardwebhooks`` library, so a mistake here cannot hide behind the same mistake there.
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from events.services.credentials import webhook_secret_key

WEBHOOK_ID_PREFIX = "msg_"
USER_AGENT = "Umbrella-Webhooks/1"


def new_webhook_id() -> str:
    """A fresh message id (``msg_`` + 22 url-safe characters, 128 random bits). Retries of one
    message reuse it: apps dedupe on it."""
    return WEBHOOK_ID_PREFIX + secrets.token_urlsafe(16)


def signature(*, key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,…`` signature of ``{id}.{timestamp}.{body}`` with the HMAC key ``key``."""
    signed = b"%s.%d.%s" % (webhook_id.encode(), timestamp, body)
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(
    *, signing_secrets: Iterable[str], webhook_id: str, timestamp: int, body: bytes
) -> str:
    """``webhook-signature``: one signature per ``whsec_…`` secret, space-separated."""
    return " ".join(
        signature(key=webhook_secret_key(s), webhook_id=webhook_id, timestamp=timestamp, body=body)
        for s in signing_secrets
    )


def webhook_headers(
    *,
    signing_secrets: Iterable[str],
    webhook_id: str,
    timestamp: int,
    body: bytes,
    timeout_ms: int,
    attempt: int,
) -> dict[str, str]:
    """Every header of a webhook call (besides ``host`` and ``content-length``, which the
    transport adds), lower-case as Standard Webhooks writes them."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            signing_secrets=signing_secrets, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
        "x-umbrella-timeout-ms": str(timeout_ms),
        "x-umbrella-attempt": str(attempt),
    }
