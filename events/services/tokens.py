"""App access tokens (SPEC-events §5): an app id and client secret exchanged for a 1-hour token.

The token is ``uat_`` + a value signed with the project's key (Django's ``Signer``, HMAC-SHA256,
its own salt) that names the credential it came from and when it expires. Nothing is stored for
it: the ``uat_`` prefix tells it apart from a person's access token (a JWT) at a glance.

Every use reads the credential and its app again (one query), so a token dies at once when:
its credential is revoked, the app is disabled or deleted, or an hour has passed. Its scopes are
not in the token: they are read live from the app's **current** manifest (``permissions``), so
a new manifest version that drops a scope takes it away from every token already issued, and
one that adds a scope gives it at once. A token is therefore never more than its app may do now.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone

from events.models import App, AppCredential, Scope
from events.services.credentials import client_secret_matches
from umbrella.errors import ApplicationError

APP_TOKEN_PREFIX = "uat_"  # noqa: S105 (a prefix, not a secret)
APP_TOKEN_TTL_SECONDS = 3600
_SALT = "events.app-token"
_SCOPES = frozenset(Scope.values)


def scopes_of(manifest: object) -> frozenset[str]:
    """The known scopes a manifest's ``permissions`` grants (anything else grants nothing)."""
    permissions = manifest.get("permissions") if isinstance(manifest, dict) else None
    if not isinstance(permissions, list):
        return frozenset()
    return frozenset(p for p in permissions if isinstance(p, str) and p in _SCOPES)


@dataclass(frozen=True)
class IssuedAppToken:
    access_token: str
    expires_in: int
    expires_at: datetime
    scopes: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class AppTokenHolder:
    """What a valid app token stands for, read live: the app, its credential, its scopes now."""

    app: App
    credential_id: int
    scopes: frozenset[str]
    expires_at: datetime


class AppTokenRefused(Exception):
    """An app token that is malformed, badly signed, expired, or whose credential or app is no
    longer live. ``message`` says which, for the app's developer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _revoked(credential: AppCredential, now: datetime) -> bool:
    # A rotation may leave the old credential a grace period: revoked_at in the future.
    return credential.revoked_at is not None and credential.revoked_at <= now


@transaction.atomic
def app_token_issue(*, app_id: str, app_secret: str) -> IssuedAppToken:
    """A new 1-hour token for the live app ``app_id`` whose live credential matches
    ``app_secret``.

    A wrong id and a wrong secret are one error (``401 invalid_client``) that does not say which;
    a deleted app counts as unknown. Only with the right secret does the caller learn more: the
    credential was revoked (``401 credential_revoked``) or the app is disabled
    (``403 app_disabled``). Records the credential's ``last_used_at``.
    """
    now = timezone.now()
    app = App.objects.live().filter(app_id=app_id).first()
    credentials = list(app.credentials.all()) if app is not None else []
    credential = next(
        (c for c in credentials if client_secret_matches(app_secret, c.secret_hash)), None
    )
    if app is None or credential is None:
        raise ApplicationError(
            "invalid_client", "The app id or the app secret is wrong.", status=401
        )
    if _revoked(credential, now):
        raise ApplicationError(
            "credential_revoked",
            "This app secret was revoked: use the app's current secret.",
            status=401,
        )
    if not app.is_active:
        raise ApplicationError(
            "app_disabled", "This app is disabled: it cannot get tokens.", status=403
        )
    AppCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    expires = int(now.timestamp()) + APP_TOKEN_TTL_SECONDS
    token = APP_TOKEN_PREFIX + signing.Signer(salt=_SALT).sign_object(
        {"c": credential.pk, "exp": expires}
    )
    return IssuedAppToken(
        access_token=token,
        expires_in=APP_TOKEN_TTL_SECONDS,
        expires_at=datetime.fromtimestamp(expires, tz=UTC),
        scopes=scopes_of(app.manifest),
    )


def is_app_token(token: str) -> bool:
    return token.startswith(APP_TOKEN_PREFIX)


def app_token_verify(*, token: str) -> AppTokenHolder:
    """The app ``token`` stands for, checked now; raises :class:`AppTokenRefused`.

    Checks the signature and expiry (no query), then reads the credential with its app (one
    query): revoked credential, disabled or deleted app refuse the token. Scopes come from the
    app's current manifest.
    """
    if not is_app_token(token):
        raise AppTokenRefused("This is not an app token.")
    try:
        claims = signing.Signer(salt=_SALT).unsign_object(token.removeprefix(APP_TOKEN_PREFIX))
    except (signing.BadSignature, ValueError) as exc:
        raise AppTokenRefused("The app token is malformed or not ours.") from exc
    credential_id, expires = (
        (claims.get("c"), claims.get("exp")) if isinstance(claims, dict) else (None, None)
    )
    if not isinstance(credential_id, int) or not isinstance(expires, int):
        raise AppTokenRefused("The app token is malformed or not ours.")
    now = timezone.now()
    if now.timestamp() >= expires:
        raise AppTokenRefused("The app token has expired: get a new one from /api/v1/apps/token.")
    credential = AppCredential.objects.select_related("app").filter(pk=credential_id).first()
    if credential is None or _revoked(credential, now):
        raise AppTokenRefused("The app secret this token came from was revoked.")
    app = credential.app
    if app.deleted_at is not None:
        raise AppTokenRefused("The app was deleted.")
    if not app.is_active:
        raise AppTokenRefused("The app is disabled.")
    return AppTokenHolder(
        app=app,
        credential_id=credential.pk,
        scopes=scopes_of(app.manifest),
        expires_at=datetime.fromtimestamp(expires, tz=UTC),
    )
