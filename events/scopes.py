"""The app side of the events policy (SPEC-events §2): which endpoints an app may call, with
which scope, and the refusals.

**The table.** :data:`APP_ENDPOINTS` maps an endpoint name to the HTTP methods an app may use
there and the scope each needs (``None``: any app, no scope). An API view becomes callable by
apps by naming its row (``app_endpoint = "users.profile"``) and putting :class:`AppScopes` among
its permissions. Every other endpoint refuses app tokens (``403 app_not_allowed``, in
``events.auth``), and so do the methods a row does not list. ``HEAD`` is ``GET``; ``OPTIONS`` is
allowed on any listed endpoint. The rooms issue adds its rows here; the parametrised matrix in
``tests/events/test_scope_matrix.py`` must then get a request for each (it fails until it does).

**The refusals.**

* An app without the scope: ``403 app_permission_denied`` with
  ``details: {"required": [...], "granted": [...]}`` (the app's scopes now).
* A user (alone, or with an app acting for them) without the role an action needs:
  ``403 forbidden`` with ``details: {"required_roles": [...], "role": ...}``.
* Acting for a user needs both; the scope is checked first (by the permission, before the view
  loads anything), so an app without the scope always hears about the scope.

A request with no app (a person's token or session) is not subject to scopes at all.
"""

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, NamedTuple

from rest_framework import exceptions, permissions

from events.models import Scope
from umbrella.errors import ApplicationError

if TYPE_CHECKING:
    from events.auth import AppPrincipal

# endpoint name -> {HTTP method: the scope it needs, or None for any app}
APP_ENDPOINTS: dict[str, dict[str, Scope | None]] = {
    "apps.me": {"GET": None},  # GET /api/v1/apps/me: the calling app and its scopes
    "users.profile": {"GET": Scope.USERS_READ},  # GET /api/v1/users/{id}: a public profile
    # Rooms (events/api/rooms.py): /api/v1/rooms/, /rooms/{id}, its upgrade and transitions.
    "rooms.list": {"GET": Scope.ROOMS_READ, "POST": Scope.ROOMS_WRITE},
    "rooms.detail": {
        "GET": Scope.ROOMS_READ,
        "PATCH": Scope.ROOMS_WRITE,
        "DELETE": Scope.ROOMS_WRITE,
    },
    "rooms.upgrade_manifest": {"POST": Scope.ROOMS_WRITE},
    "rooms.activate": {"POST": Scope.ROOMS_WRITE},
    "rooms.complete": {"POST": Scope.ROOMS_WRITE},
    "rooms.cancel": {"POST": Scope.ROOMS_WRITE},
    "rooms.events": {"POST": Scope.REALTIME_PUBLISH},  # POST /api/v1/rooms/{id}/events
    # Draws (events/api/draws.py): draw in the app's rooms, read a room's draws.
    "rooms.draw": {"POST": Scope.WINNERS_WRITE},  # POST /api/v1/rooms/{id}/draw
    "rooms.draws": {"GET": Scope.ROOMS_READ},  # GET /api/v1/rooms/{id}/draws/
    "rooms.draw_detail": {"GET": Scope.ROOMS_READ},  # GET /api/v1/rooms/{id}/draws/{number}
    "rooms.quiz": {"GET": Scope.ROOMS_READ},  # GET /api/v1/rooms/{id}/quiz (events/api/quiz.py)
    # A room's participants, prizes and winners (events/api/members.py).
    "rooms.participants": {"GET": Scope.PARTICIPANTS_READ, "POST": Scope.PARTICIPANTS_WRITE},
    "rooms.participant": {
        "GET": Scope.PARTICIPANTS_READ,
        "PATCH": Scope.PARTICIPANTS_WRITE,
        "DELETE": Scope.PARTICIPANTS_WRITE,
    },
    "rooms.prizes": {"GET": Scope.PRIZES_READ, "POST": Scope.PRIZES_WRITE},
    "rooms.prize": {
        "GET": Scope.PRIZES_READ,
        "PATCH": Scope.PRIZES_WRITE,
        "DELETE": Scope.PRIZES_WRITE,
    },
    "rooms.winners": {"GET": Scope.WINNERS_READ, "POST": Scope.WINNERS_WRITE},
    "rooms.winner": {"DELETE": Scope.WINNERS_WRITE},
}


class AppRule(NamedTuple):
    endpoint: str
    scope: Scope | None


def app_rule(view: Any, method: str) -> AppRule | None:
    """What an app needs to call ``method`` on ``view``; ``None`` if apps may not call it."""
    endpoint = getattr(view, "app_endpoint", None)
    methods = APP_ENDPOINTS.get(endpoint) if isinstance(endpoint, str) else None
    if endpoint is None or methods is None:
        return None
    method = method.upper()
    if method == "OPTIONS":
        return AppRule(endpoint, None)
    if method == "HEAD":
        method = "GET"
    if method not in methods:
        return None
    return AppRule(endpoint, methods[method])


def app_principal(request: Any) -> "AppPrincipal | None":
    """The app that makes ``request`` (system call or acting for a user), or ``None``."""
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_app", False) else None


class AppPermissionDenied(ApplicationError, exceptions.PermissionDenied):
    """An app lacks a scope. Also a DRF ``PermissionDenied``, so that DRF's ``OPTIONS``
    metadata (which tries the view's permissions for each method) treats it as a refusal."""

    status_code = 403


class RoleForbidden(ApplicationError, exceptions.PermissionDenied):
    """A user lacks the role an action needs (alone, or with an app acting for them)."""

    status_code = 403


def require_scope(request: Any, *scopes: str) -> None:
    """Refuse an app that lacks any of ``scopes``; a request without an app passes."""
    principal = app_principal(request)
    if principal is None:
        return
    missing = [scope for scope in scopes if scope not in principal.scopes]
    if missing:
        raise AppPermissionDenied(
            "app_permission_denied",
            f"The app {principal.app_id} lacks the scope {', '.join(missing)}: add it to the "
            "manifest's permissions (a new manifest version).",
            details={"required": list(scopes), "granted": sorted(principal.scopes)},
        )


def require_role(*, role: str | None, allowed: Collection[str], action: str) -> None:
    """Refuse a user whose ``role`` (e.g. their role in a room; ``None`` for none) is not one
    of ``allowed`` for ``action``."""
    if role not in allowed:
        raise RoleForbidden(
            "forbidden",
            f"Your role ({role or 'none'}) cannot {action}: it needs {' or '.join(allowed)}.",
            details={"required_roles": list(allowed), "role": role},
        )


class AppScopes(permissions.BasePermission):
    """The scope :data:`APP_ENDPOINTS` requires for this view and method, when an app calls.

    Not a user check: put the user-side permissions next to it (``IsAuthenticated`` refuses
    system calls, whose user is anonymous: use :class:`UserOrApp` or :class:`AppOnly`)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if app_principal(request) is None:
            return True
        rule = app_rule(view, request.method)
        if rule is None:  # events.auth refused it already; kept for OPTIONS' per-method checks
            return False
        if rule.scope is not None:
            require_scope(request, rule.scope)
        return True

    def error_codes_for(self, *, view: Any, method: str) -> tuple[str, ...]:
        rule = app_rule(view, method)
        return ("app_permission_denied",) if rule and rule.scope else ()


class AppOnly(permissions.BasePermission):
    """Only an app may call (a system call or acting for a user): a person alone gets
    ``403 app_required``, no credentials ``401``."""

    message = "Only an app can call this endpoint: send an app token (see docs/events.md)."
    code = "app_required"

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method == "OPTIONS" or not hasattr(view, request.method.lower()):
            return True  # describing the endpoint, or a method it lacks (405), is for anyone
        return app_principal(request) is not None

    def error_codes_for(self, *, view: Any, method: str) -> tuple[str, ...]:
        return (self.code,)


class UserOrApp(permissions.BasePermission):
    """A signed-in user, or an app (a system call has no user)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return app_principal(request) is not None or bool(user and user.is_authenticated)
