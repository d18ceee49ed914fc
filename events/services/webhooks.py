"""Turning an app's webhook off because it answered 410 Gone.

A 410 means "this endpoint is gone for good" (Standard Webhooks): the platform stops calling that
capability's webhook until the owner re-enables it (``events.services.apps.app_webhook_enable``,
the console's door), and tells the owner once. The list lives in ``App.disabled_webhooks``; the
write locks the app row, so concurrent 410s disable (and notify) once and never lose a concurrent
change to another capability.
"""

from django.db import transaction

from events import notifications
from events.models import App


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
