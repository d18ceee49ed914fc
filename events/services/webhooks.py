"""Turning an app's webhook off (it answered 410 Gone) and on again.

A 410 means "this endpoint is gone for good" (Standard Webhooks): the platform stops calling that
capability's webhook until the owner re-enables it, and tells the owner once. The list lives in
``App.disabled_webhooks``; both writes lock the app row, so concurrent 410s disable (and notify)
once and a re-enable never loses a concurrent disable of another capability.
"""

from django.db import transaction

from events import notifications
from events.models import App
from events.webhooks import breaker


@transaction.atomic
def webhook_disable(*, app_id: int, capability: str) -> bool:
    """Disable ``capability``'s webhook of the app with primary key ``app_id``. ``True`` when it
    was enabled until now (the owner was notified); ``False`` when it already was disabled."""
    app = App.objects.select_for_update().get(pk=app_id)
    if capability in app.disabled_webhooks:
        return False
    app.disabled_webhooks = [*app.disabled_webhooks, capability]
    app.save(update_fields=["disabled_webhooks", "updated_at"])
    notifications.webhook_disabled(app, capability=capability)
    return True


@transaction.atomic
def webhook_enable(*, app_id: int, capability: str) -> bool:
    """Call ``capability``'s webhook again, starting with a closed breaker. ``True`` when it was
    disabled until now."""
    app = App.objects.select_for_update().get(pk=app_id)
    if capability not in app.disabled_webhooks:
        return False
    app.disabled_webhooks = [c for c in app.disabled_webhooks if c != capability]
    app.save(update_fields=["disabled_webhooks", "updated_at"])
    transaction.on_commit(lambda: breaker.reset(app.app_id, capability))
    return True
