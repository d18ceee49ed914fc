"""App credentials and webhook signing secrets: how they are made and stored.

A client secret is 32 random bytes (``ucs_`` + urlsafe base64), shown once and stored as its
SHA-256 (a high-entropy secret needs no slow hash: nobody can guess it, and the token exchange
stays fast). A signing secret is ``whsec_`` + base64 of 24 random bytes, the Standard Webhooks
format; it is stored as it is, because signing needs the key.
"""

import base64
import hashlib
import hmac
import secrets

from django.db import transaction

from events.models import App, AppCredential, WebhookSecret

CLIENT_SECRET_PREFIX = "ucs_"  # noqa: S105 (a prefix, not a secret)
WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def client_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(client_secret_hash(secret), secret_hash)


def webhook_secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_…`` secret."""
    return base64.b64decode(secret.removeprefix(WEBHOOK_SECRET_PREFIX))


@transaction.atomic
def credential_issue(*, app: App) -> tuple[AppCredential, str]:
    """A new client secret for ``app``: the row and the plain secret (never stored)."""
    secret = CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)
    prefix = secret[: len(CLIENT_SECRET_PREFIX) + 6]
    credential = AppCredential.objects.create(
        app=app, prefix=prefix, secret_hash=client_secret_hash(secret)
    )
    return credential, secret


@transaction.atomic
def webhook_secret_issue(*, app: App) -> WebhookSecret:
    """A new signing secret for ``app``, live at once and with no end (a rotation sets the
    older ones' ``expires_at``)."""
    secret = WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()
    return WebhookSecret.objects.create(app=app, secret=secret)
