"""Apps and their manifests: registration, versions, deprecation, secret rotation, switches.

Who may do what: the app's owner or staff; anyone else gets ``404 not_found``, as if the app did
not exist (its existence is not leaked). Disabling and enabling a whole app is for staff only.
Every function here is one state change in one transaction; the pages, the API and admin call
them alike.

Decisions (docs/events.md, "Apps and manifests"):

- A new version must be strictly higher by semver precedence (``1.0.0+build`` equals ``1.0.0``);
  two publishes at once are serialised by a row lock on the app, so exactly one of two equal
  versions wins. The old manifest stays in history unchanged.
- Removing a capability that active rooms use is refused with the number of rooms
  (``events.usage``; rooms register their query in the next issue).
- Signing-secret rotation: the new ``whsec_`` is live at once and shown once; every older live
  secret expires after the grace period (default 24 h, 0-168 h; 0 ends them now). During the
  grace every live secret signs, so an app can switch without missing a call. At most
  :data:`WEBHOOK_SECRETS_MAX_LIVE` are live at once.
- Client-secret rotation revokes the older client secrets at once (a leaked secret must stop
  working now; the app fetches a new token with the new secret).
"""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from events import notifications, usage
from events.manifest import manifest_validate, version_above
from events.models import APP_ID_PATTERN, App, AppCredential, AppManifestVersion, WebhookSecret
from events.selectors_apps import app_managed
from events.services.credentials import credential_issue, webhook_secret_issue
from events.webhooks import breaker
from umbrella.errors import ApplicationError, NotFoundError

APPS_MAX_PER_OWNER = 50
WEBHOOK_SECRETS_MAX_LIVE = 3
ID_ATTEMPTS = 5  # generated app ids: tries before giving up under a storm of equal names
GRACE_HOURS_DEFAULT = 24
GRACE_HOURS_MAX = 168
REASON_MAX_LENGTH = 500
# Words of the API's paths under /apps/ (``/apps/token``), never an app id.
RESERVED_APP_IDS = frozenset({"token"})


@dataclass(frozen=True)
class Registration:
    """A new app and its two secrets, in plain text this once (never stored: the client secret
    is hashed; the signing secret is stored, but shown only here and at rotation)."""

    app: App
    client_secret: str
    webhook_secret: str


def _locked(app: App, by: User) -> App:
    return app_managed(app_id=app.app_id, user=by, lock=True)


def _require_staff(by: User) -> None:
    if not by.is_staff:
        raise ApplicationError(
            "permission_denied", "Only staff can disable or enable an app.", status=403
        )


def _new_app_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "app"
    base = f"app_{slug}"
    if not App.objects.filter(app_id=base).exists():
        return base
    n = 2
    while App.objects.filter(app_id=f"{base}_{n}").exists():
        n += 1
    return f"{base}_{n}"


@transaction.atomic
def app_register(*, owner: User, manifest: Any, app_id: str | None = None) -> Registration:
    """A new app owned by ``owner``: its first manifest version, a client secret and a signing
    secret. ``app_id`` is chosen from ``meta.name`` unless given (then it must be free)."""
    if owner.needs_onboarding:
        raise ApplicationError(
            "onboarding_required", "Finish onboarding before registering an app.", status=403
        )
    manifest_validate(manifest)
    if app_id in RESERVED_APP_IDS:
        raise ApplicationError(
            "app_id_taken",
            f"The app id {app_id} is reserved.",
            details={"app_id": [f"{app_id} is reserved: choose another."]},
            status=409,
        )
    if app_id is not None and not re.fullmatch(APP_ID_PATTERN, app_id):
        raise ApplicationError(
            "validation_error",
            "An app id is 3 to 64 lower-case letters, digits and _, starting with a letter.",
            details={"app_id": ["3 to 64 of a-z, 0-9 and _, starting with a letter."]},
        )
    # The owner's row lock makes the per-owner limit exact under concurrent registrations.
    User.objects.select_for_update().filter(pk=owner.pk).first()
    if App.objects.live().filter(owner=owner).count() >= APPS_MAX_PER_OWNER:
        raise ApplicationError(
            "too_many_apps",
            f"You have {APPS_MAX_PER_OWNER} apps, the most allowed.",
            status=409,
        )
    meta = manifest["meta"]
    wanted = app_id or _new_app_id(meta["name"])
    for attempt in range(ID_ATTEMPTS):
        try:
            with transaction.atomic():
                app = App.objects.create(
                    app_id=wanted,
                    owner=owner,
                    name=meta["name"],
                    manifest=manifest,
                    manifest_version=meta["version"],
                )
            break
        except IntegrityError as error:
            if app_id is not None or attempt == ID_ATTEMPTS - 1:
                raise ApplicationError(
                    "app_id_taken",
                    f"The app id {wanted} is taken.",
                    details={"app_id": [f"{wanted} is taken: choose another."]},
                    status=409,
                ) from error
            # A registration of the same name took the generated id meanwhile.
            wanted = f"{_new_app_id(meta['name'])[:57]}_{secrets.token_hex(3)}"
    AppManifestVersion.objects.create(app=app, version=meta["version"], manifest=manifest)
    _credential, client_secret = credential_issue(app=app)
    signing = webhook_secret_issue(app=app)
    return Registration(app=app, client_secret=client_secret, webhook_secret=signing.secret)


@transaction.atomic
def app_version_publish(*, app: App, manifest: Any, by: User) -> AppManifestVersion:
    """Publish ``manifest`` as the app's new current version: strictly higher (semver), and
    not removing a capability that active rooms use. The previous version stays in history."""
    app_managed(app_id=app.app_id, user=by)  # strangers learn nothing, not even manifest errors
    manifest_validate(manifest)
    locked = _locked(app, by)
    version = manifest["meta"]["version"]
    current = locked.manifest_version
    if not version_above(version, current):
        raise ApplicationError(
            "version_not_higher",
            f"Version {version} is not higher than the current {current}.",
            details={"version": version, "current_version": current},
            status=409,
        )
    removed = set(locked.manifest.get("capabilities", [])) - set(manifest["capabilities"])
    rooms = usage.active_rooms_using(app=locked, capabilities=removed)
    if rooms:
        names = ", ".join(sorted(removed))
        raise ApplicationError(
            "capability_in_use",
            f"{rooms} active room{'s' if rooms > 1 else ''} use{'' if rooms > 1 else 's'} "
            f"{names}: it can't be removed while they do.",
            details={"capabilities": sorted(removed), "rooms": rooms},
            status=409,
        )
    row = AppManifestVersion.objects.create(app=locked, version=version, manifest=manifest)
    locked.manifest = manifest
    locked.manifest_version = version
    locked.name = manifest["meta"]["name"]
    capabilities = set(manifest["capabilities"])
    locked.disabled_webhooks = [c for c in locked.disabled_webhooks if c in capabilities]
    locked.save(
        update_fields=["manifest", "manifest_version", "name", "disabled_webhooks", "updated_at"]
    )
    return row


@transaction.atomic
def app_version_deprecate(*, app: App, version: str, reason: str, by: User) -> AppManifestVersion:
    """Mark an older version deprecated, with a reason; organizers of draft and active rooms
    still on it are notified. The current version can't be deprecated (publish a newer one)."""
    locked = _locked(app, by)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(
            "validation_error",
            f"Say why, in 1 to {REASON_MAX_LENGTH} characters.",
            details={"reason": [f"Say why, in 1 to {REASON_MAX_LENGTH} characters."]},
        )
    row = AppManifestVersion.objects.select_for_update().filter(app=locked, version=version).first()
    if row is None:
        raise NotFoundError("not_found", f"The app has no version {version}.")
    if row.version == locked.manifest_version:
        raise ApplicationError(
            "version_is_current",
            f"{version} is the current version: publish a newer one before deprecating it.",
            status=409,
        )
    if row.deprecated_at is not None:
        raise ApplicationError(
            "already_deprecated", f"{version} is already deprecated.", status=409
        )
    row.deprecated_at = timezone.now()
    row.deprecation_reason = reason
    row.save(update_fields=["deprecated_at", "deprecation_reason"])
    notifications.version_deprecated(
        usage.organizers_on_version(app=locked, version=version), app=locked, version=version
    )
    return row


@transaction.atomic
def app_webhook_secret_rotate(
    *, app: App, by: User, grace_hours: int = GRACE_HOURS_DEFAULT
) -> WebhookSecret:
    """A new signing secret, live at once; the older live ones expire ``grace_hours`` from now
    (0: now). Until then every live secret signs each call."""
    locked = _locked(app, by)
    if not 0 <= grace_hours <= GRACE_HOURS_MAX:
        raise ApplicationError(
            "validation_error",
            f"The grace period is 0 to {GRACE_HOURS_MAX} hours.",
            details={"grace_hours": [f"0 to {GRACE_HOURS_MAX} hours."]},
        )
    now = timezone.now()
    ends = now + timedelta(hours=grace_hours)
    older = list(WebhookSecret.objects.select_for_update().live(now).filter(app=locked))
    if grace_hours and len(older) + 1 > WEBHOOK_SECRETS_MAX_LIVE:
        raise ApplicationError(
            "too_many_secrets",
            f"{len(older)} signing secrets are live (at most {WEBHOOK_SECRETS_MAX_LIVE}): wait "
            "for the oldest to expire, or rotate with a grace of 0 hours to end them now.",
            status=409,
        )
    for secret in older:
        if secret.expires_at is None or secret.expires_at > ends:
            secret.expires_at = ends
            secret.save(update_fields=["expires_at"])
    return webhook_secret_issue(app=locked)


@transaction.atomic
def app_credential_rotate(*, app: App, by: User) -> tuple[AppCredential, str]:
    """A new client secret (shown once); every older one is revoked now."""
    locked = _locked(app, by)
    AppCredential.objects.filter(app=locked, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return credential_issue(app=locked)


def _set_active(app: App, by: User, active: bool) -> App:
    locked = _locked(app, by)
    _require_staff(by)
    if locked.is_active != active:
        locked.is_active = active
        locked.save(update_fields=["is_active", "updated_at"])
    return locked


@transaction.atomic
def app_disable(*, app: App, by: User) -> App:
    """Staff: no more webhook calls or app tokens for this app (its rows stay)."""
    return _set_active(app, by, False)


@transaction.atomic
def app_enable(*, app: App, by: User) -> App:
    return _set_active(app, by, True)


@transaction.atomic
def app_webhook_enable(*, app: App, capability: str, by: User) -> App:
    """Call ``capability``'s webhook again: it is taken off the list a 410 Gone put it on (if it
    was there) and, once that is committed, its circuit breaker is closed with its counts
    forgotten, so the next call goes at once instead of waiting out an open breaker. Running it
    twice does no harm. The console's button, ``POST /apps/{app_id}/webhooks/{capability}/enable``
    and the admin action all come here."""
    locked = _locked(app, by)
    if capability not in locked.manifest.get("webhooks", {}):
        raise ApplicationError(
            "validation_error",
            f"The app has no {capability} webhook.",
            details={"capability": [f"The app has no {capability} webhook."]},
        )
    if capability in locked.disabled_webhooks:
        locked.disabled_webhooks = [c for c in locked.disabled_webhooks if c != capability]
        locked.save(update_fields=["disabled_webhooks", "updated_at"])
    # After commit: a rolled-back enable must not close the breaker either.
    transaction.on_commit(partial(breaker.reset, locked.app_id, capability))
    return locked
