"""Thin receivers: anymail's tracking signal and the marketplace's booking hook, each handing
over to a service."""

from typing import Any

from messaging.campaigns import services


def email_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's ``tracking`` signal (Resend's webhook at /anymail/resend/tracking/)."""
    esp_event: dict[str, Any] = event.esp_event if isinstance(event.esp_event, dict) else {}
    data: dict[str, Any] = esp_event["data"] if isinstance(esp_event.get("data"), dict) else {}
    bounce: dict[str, Any] = data["bounce"] if isinstance(data.get("bounce"), dict) else {}
    # Resend says "Permanent" or "Transient"; without a type a bounce counts as hard.
    permanent = str(bounce.get("type") or "Permanent").lower() != "transient"
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    key = metadata.get("delivery")
    services.email_event(
        event_type=str(event.event_type),
        message_id=event.message_id,
        delivery_key=key if isinstance(key, str) else None,
        at=event.timestamp,
        permanent=permanent,
    )


def booking_accepted(booking_id: int) -> None:
    """After an accepted booking commits: the announcement draft, in a task."""
    from messaging.tasks import announce_booking_task

    announce_booking_task.apply_async(kwargs={"booking_id": booking_id})
