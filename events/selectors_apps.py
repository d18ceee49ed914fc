"""Reads of apps and their history, with who may see them: an app's owner, and staff (every
app). Writes are in :mod:`events.services.apps`.

**The one access rule** of the console, the API and the services: an app's owner or staff may
see and manage it (its manifest, versions, secrets, deliveries, dead letters, metrics); anyone
else gets the same ``404 not_found`` as for an app that does not exist, so its existence is not
revealed. :func:`may_manage` is the rule, :func:`app_managed` the read every door uses.
"""

from django.db.models import QuerySet

from accounts.models import User
from events.models import App, AppCredential, AppManifestVersion, AppQuerySet, WebhookSecret
from umbrella.errors import NotFoundError


def may_manage(user: User, app: App) -> bool:
    """Whether ``user`` may see and manage ``app``: its owner, or staff."""
    return bool(user.is_authenticated and (user.is_staff or app.owner_id == user.pk))


def app_managed(*, app_id: str, user: User, lock: bool = False) -> App:
    """The live app ``app_id`` if ``user`` may manage it, else ``404 not_found``.

    ``lock`` takes the app's row lock (inside the caller's transaction), for services that
    change it."""
    rows = App.objects.live().select_related("owner")
    if lock:
        rows = rows.select_for_update(of=("self",))
    app = rows.filter(app_id=app_id).first()
    if app is None or not may_manage(user, app):
        raise NotFoundError("not_found", "No such app.")
    return app


def apps_visible(*, user: User) -> AppQuerySet:
    """The caller's own live apps; staff: every live app. Ordered by app id."""
    rows = App.objects.live().select_related("owner").order_by("app_id")
    return rows if user.is_staff else rows.filter(owner=user)


def apps_for_rooms() -> AppQuerySet:
    """Apps a new room can be run by: live and enabled (each has a current manifest), by name.
    Only what a choice shows is read (a manifest is read for the chosen app alone)."""
    return (
        App.objects.live()
        .filter(is_active=True)
        .only("id", "app_id", "name")
        .order_by("name", "app_id")
    )


def apps_for_filter() -> AppQuerySet:
    """Apps the room list filters by: every live app (a disabled one still has rooms)."""
    return App.objects.live().only("id", "app_id", "name").order_by("name", "app_id")


def versions_of(*, app: App) -> QuerySet[AppManifestVersion]:
    """Every published version of ``app``, newest first (publishing order is semver order)."""
    return AppManifestVersion.objects.filter(app=app).order_by("-published_at", "-id")


def live_webhook_secrets(*, app: App) -> list[WebhookSecret]:
    return list(WebhookSecret.objects.live().filter(app=app).order_by("-created_at", "-id"))


def live_credentials(*, app: App) -> list[AppCredential]:
    return list(
        AppCredential.objects.filter(app=app, revoked_at__isnull=True).order_by("-created_at")
    )
