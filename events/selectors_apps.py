"""Reads of apps and their history, with who may see them: an app's owner, and staff (every
app). Writes are in :mod:`events.services.apps`."""

from django.db.models import QuerySet

from accounts.models import User
from events.models import App, AppCredential, AppManifestVersion, AppQuerySet, WebhookSecret


def apps_visible(*, user: User) -> AppQuerySet:
    """The caller's own live apps; staff: every live app. Ordered by app id."""
    rows = App.objects.live().select_related("owner").order_by("app_id")
    return rows if user.is_staff else rows.filter(owner=user)


def versions_of(*, app: App) -> QuerySet[AppManifestVersion]:
    """Every published version of ``app``, newest first (publishing order is semver order)."""
    return AppManifestVersion.objects.filter(app=app).order_by("-published_at", "-id")


def live_webhook_secrets(*, app: App) -> list[WebhookSecret]:
    return list(WebhookSecret.objects.live().filter(app=app).order_by("-created_at", "-id"))


def live_credentials(*, app: App) -> list[AppCredential]:
    return list(
        AppCredential.objects.filter(app=app, revoked_at__isnull=True).order_by("-created_at")
    )
