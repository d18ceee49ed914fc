"""The providers a campaign is sent through, and how their errors are read.

**Email** goes through Django's email API: ``CAMPAIGNS_EMAIL_BACKEND`` when set, else
``EMAIL_BACKEND`` (console by default; Resend through django-anymail in production). Resend
accepts an ``Idempotency-Key`` HTTP header on ``POST /emails`` (a second request with the key
within 24 hours sends nothing and answers like the first); anymail's Resend backend puts its
``esp_extra`` into the JSON body, so :class:`ResendEmailBackend` takes ``idempotency_key`` out
of ``esp_extra`` and sends it as that header.

**SMS** goes through ``SMS_BACKEND`` (like ``EMAIL_BACKEND``): :class:`ConsoleSmsBackend` by
default, :class:`TwilioSmsBackend` in production, :class:`LocmemSmsBackend` in tests. Twilio
has no idempotency key for sending a message, so a send interrupted between our claim and its
answer is *reconciled* before it is tried again: :meth:`find_sent` looks in Twilio's message log
for a message to that number, from our sender, with the same text, since the claim.
"""

import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from anymail.backends.resend import EmailBackend as AnymailResendBackend
from anymail.backends.resend import ResendPayload
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.module_loading import import_string


class ProviderError(Exception):
    """A provider refused or failed a send. ``permanent``: trying again would fail the same
    way (an invalid number, a refused address); otherwise it is retried with backoff."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def _permanent_status(status: int | None) -> bool:
    return status is not None and 400 <= status < 500 and status not in (408, 409, 429)


# --- email ------------------------------------------------------------------------------------


class _IdempotentResendPayload(ResendPayload):
    def set_esp_extra(self, extra: dict[str, Any]) -> None:
        extra = dict(extra)
        key = extra.pop("idempotency_key", None)
        if key:
            self.headers["Idempotency-Key"] = str(key)
        super().set_esp_extra(extra)


class ResendEmailBackend(AnymailResendBackend):
    """anymail's Resend backend, plus ``esp_extra={"idempotency_key": ...}`` sent as Resend's
    ``Idempotency-Key`` header."""

    def build_message_payload(self, message: Any, defaults: Any) -> ResendPayload:
        return _IdempotentResendPayload(message, defaults, self)


def _resend_error_name(error: AnymailAPIError) -> str:
    response = getattr(error, "response", None)
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        return ""
    return str(body.get("name", "")) if isinstance(body, dict) else ""


def email_connection() -> BaseEmailBackend:
    return get_connection(settings.CAMPAIGNS_EMAIL_BACKEND or None)


def send_email(message: Any, *, connection: BaseEmailBackend) -> str:
    """Send one campaign email; the provider's message id ("" when it gives none)."""
    message.connection = connection
    try:
        message.send()
    except AnymailRecipientsRefused as error:
        raise ProviderError(f"The address was refused: {error}", permanent=True) from error
    except AnymailAPIError as error:
        status = getattr(error, "status_code", None)
        if status == 409 and _resend_error_name(error) == "invalid_idempotent_request":
            # Resend already took a request with this delivery's key (an attempt whose answer
            # was lost) and refuses this one only because its text differs (the unsubscribe
            # link is signed with the time): that email was sent. Its id is unknown here;
            # tracking events find the delivery by the key in the metadata.
            return ""
        raise ProviderError(str(error)[:500], permanent=_permanent_status(status)) from error
    except OSError as error:
        raise ProviderError(f"Email provider unreachable: {error}", permanent=False) from error
    status = getattr(message, "anymail_status", None)
    return str(getattr(status, "message_id", "") or "") if status else ""


# --- SMS ----------------------------------------------------------------------------------------


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, key: str) -> str:
        """Send ``body`` to ``to`` (E.164); the provider's message id. ``key`` is unique per
        delivery. Raises :class:`ProviderError`."""

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The id of a message already sent to ``to`` with ``body`` since ``since``, if the
        provider can tell; ``None`` otherwise."""


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend


class ConsoleSmsBackend:
    """Writes each SMS to standard output (development)."""

    def send(self, *, to: str, body: str, key: str) -> str:
        sys.stdout.write(f"SMS to {to} [{key}]\n{body}\n{'-' * 40}\n")
        sys.stdout.flush()
        return f"console-{key}"

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        return None


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    key: str
    sid: str


outbox: list[SentSms] = []
_outbox_lock = threading.Lock()


class LocmemSmsBackend:
    """Keeps each SMS in :data:`outbox` (tests), like Django's locmem email backend."""

    def send(self, *, to: str, body: str, key: str) -> str:
        with _outbox_lock:
            sid = f"SM{len(outbox) + 1:032d}"
            outbox.append(SentSms(to, body, key, sid))
        return sid

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        with _outbox_lock:
            return next((m.sid for m in outbox if m.to == to and m.body == body), None)


class TwilioSmsBackend:
    """Twilio's Messages API through the ``twilio`` SDK: ``TWILIO_ACCOUNT_SID``,
    ``TWILIO_AUTH_TOKEN``, and either ``TWILIO_MESSAGING_SERVICE_SID`` or ``TWILIO_FROM_NUMBER``.
    ``TWILIO_API_BASE_URL`` points the SDK elsewhere (tests run a local server there)."""

    def __init__(self) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=settings.CAMPAIGNS_PROVIDER_TIMEOUT_SECONDS),
        )
        if settings.TWILIO_API_BASE_URL:
            self.client.api.base_url = settings.TWILIO_API_BASE_URL

    def _sender(self) -> dict[str, str]:
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            return {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
        return {"from_": settings.TWILIO_FROM_NUMBER}

    def send(self, *, to: str, body: str, key: str) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            message = self.client.messages.create(to=to, body=body, **self._sender())
        except TwilioRestException as error:
            raise ProviderError(
                f"Twilio {error.status} ({error.code}): {error.msg}"[:500],
                permanent=_permanent_status(error.status),
            ) from error
        except (TwilioException, OSError) as error:
            raise ProviderError(f"Twilio unreachable: {error}"[:500], permanent=False) from error
        return str(message.sid)

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        from twilio.base.exceptions import TwilioException

        filters: dict[str, Any] = {"to": to, "date_sent_after": since, "limit": 50}
        if settings.TWILIO_FROM_NUMBER:
            filters["from_"] = settings.TWILIO_FROM_NUMBER
        try:
            for message in self.client.messages.list(**filters):
                if message.body == body and message.direction != "inbound":
                    return str(message.sid)
        except (TwilioException, OSError) as error:
            raise ProviderError(f"Twilio unreachable: {error}"[:500], permanent=False) from error
        return None
