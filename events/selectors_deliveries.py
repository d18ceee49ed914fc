"""Reads of the delivery log and the dead letters, for the API and the developer console.

Visibility lives here: an app's deliveries and dead letters are its owner's and staff's; anyone
else gets ``404`` (as if the app did not exist).
"""

from django.db.models import QuerySet

from accounts.models import User
from events.models import App, DeadLetter, Outcome, WebhookDelivery
from events.services.deliveries import can_manage
from umbrella.errors import NotFoundError

# The heavy columns, read only on one attempt's page.
DELIVERY_DETAIL_FIELDS = ("request_headers", "request_body", "response_headers", "response_body")


def app_managed(*, app_id: str, user: User) -> App:
    """The live app ``app_id`` if ``user`` owns it or is staff; else ``404``."""
    app = App.objects.live().filter(app_id=app_id).first()
    if app is None or not can_manage(user, app):
        raise NotFoundError("not_found", "No such app.")
    return app


def deliveries_of(
    *,
    app: App,
    outcome: str | None = None,
    capability: str | None = None,
    event: str | None = None,
    webhook_id: str | None = None,
) -> QuerySet[WebhookDelivery]:
    """``app``'s attempts, newest first, without the request and response bodies."""
    rows = WebhookDelivery.objects.filter(app=app).defer(*DELIVERY_DETAIL_FIELDS)
    if outcome:
        rows = rows.filter(outcome=outcome.lower())
    if capability:
        rows = rows.filter(capability=capability)
    if event:
        rows = rows.filter(event=event)
    if webhook_id:
        rows = rows.filter(webhook_id=webhook_id)
    return rows.order_by("-created_at", "-id")


def delivery_of(*, app: App, delivery_id: int) -> WebhookDelivery:
    row = WebhookDelivery.objects.filter(app=app, pk=delivery_id).first()
    if row is None:
        raise NotFoundError("not_found", "No such delivery.")
    return row


def dead_letters_of(*, app: App) -> QuerySet[DeadLetter]:
    """``app``'s dead letters, the latest failure first, without their payloads."""
    return DeadLetter.objects.filter(app=app).defer("payload").order_by("-failed_at", "-id")


def dead_letter_of(*, app: App, dead_letter_id: int) -> DeadLetter:
    row = DeadLetter.objects.filter(app=app, pk=dead_letter_id).first()
    if row is None:
        raise NotFoundError("not_found", "No such dead letter.")
    return row


def outcome_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Outcome.choices]
