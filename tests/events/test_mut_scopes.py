"""The app side of the events policy (events.scopes), pinned where mutation testing
(docs/testing.md, "Events") found the suite silent: the rule of each method, and the exact
refusals (code, message, details) of a missing scope and a missing role.

The requests are DRF's own (``APIRequestFactory``) with a real :class:`AppPrincipal` as
``request.auth``, which is what ``events.auth`` puts there for an app."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from events import scopes
from events.auth import AppPrincipal
from events.models import App, Scope
from events.scopes import (
    AppOnly,
    AppPermissionDenied,
    AppRule,
    AppScopes,
    RoleForbidden,
    UserOrApp,
    app_principal,
    app_rule,
    require_role,
    require_scope,
)
from tests.events.factories import AppFactory

pytestmark = pytest.mark.django_db


class Organize:
    app_endpoint = "test.organize"

    def get(self) -> None: ...

    def post(self) -> None: ...


class Unlisted:
    def get(self) -> None: ...


@pytest.fixture
def organize(monkeypatch):
    monkeypatch.setitem(
        scopes.APP_ENDPOINTS, "test.organize", {"GET": None, "POST": Scope.ROOMS_WRITE}
    )
    return Organize()


def _principal(*granted: str) -> AppPrincipal:
    app = App.objects.filter(app_id="app_lottery").first() or AppFactory(app_id="app_lottery")
    return AppPrincipal(
        app=app,
        app_id=app.app_id,
        scopes=frozenset(granted),
        credential_id=1,
        expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )


def _request(method: str, *, auth: object = None, user: object = None) -> Request:
    request = Request(getattr(APIRequestFactory(), method.lower())("/api/v1/x"))
    request.user = user if user is not None else AnonymousUser()
    request.auth = auth
    return request


def test_each_method_has_its_rule(organize):
    assert app_rule(organize, "get") == AppRule("test.organize", None)
    assert app_rule(organize, "HEAD") == AppRule("test.organize", None)
    assert app_rule(organize, "post") == AppRule("test.organize", Scope.ROOMS_WRITE)
    assert app_rule(organize, "OPTIONS") == AppRule("test.organize", None)
    assert app_rule(organize, "DELETE") is None
    assert app_rule(Unlisted(), "GET") is None
    unknown = Organize()
    unknown.app_endpoint = "test.nowhere"
    assert app_rule(unknown, "OPTIONS") is None
    odd = Organize()
    odd.app_endpoint = 3  # type: ignore[assignment]
    assert app_rule(odd, "GET") is None


def test_a_missing_scope_is_refused_naming_what_is_needed_and_what_is_granted():
    request = _request("POST", auth=_principal("rooms:read", "users:read"))
    with pytest.raises(AppPermissionDenied) as caught:
        require_scope(request, "rooms:write", "users:read", "prizes:read")
    error = caught.value
    assert (error.code, error.status_code) == ("app_permission_denied", 403)
    assert error.message == (
        "The app app_lottery lacks the scope rooms:write, prizes:read: add it to the "
        "manifest's permissions (a new manifest version)."
    )
    assert error.details == {
        "required": ["rooms:write", "users:read", "prizes:read"],
        "granted": ["rooms:read", "users:read"],
    }
    require_scope(request, "users:read")  # granted: passes
    require_scope(_request("POST"), "rooms:write")  # no app: not subject to scopes


def test_a_missing_role_is_refused_naming_the_roles_allowed():
    with pytest.raises(RoleForbidden) as caught:
        require_role(role="fan", allowed=["venue", "artist"], action="organize")
    error = caught.value
    assert (error.code, error.status_code) == ("forbidden", 403)
    assert error.message == "Your role (fan) cannot organize: it needs venue or artist."
    assert error.details == {"required_roles": ["venue", "artist"], "role": "fan"}
    require_role(role="artist", allowed=["venue", "artist"], action="organize")


def test_only_an_app_is_an_app_principal():
    principal = _principal()
    assert app_principal(_request("GET", auth=principal)) is principal
    assert app_principal(_request("GET", auth="a-jwt")) is None
    assert app_principal(_request("GET")) is None


def test_app_scopes_checks_apps_only_and_names_its_refusal(organize):
    permission = AppScopes()
    assert permission.has_permission(_request("POST"), organize) is True
    assert permission.has_permission(_request("GET", auth=_principal()), organize) is True
    assert permission.has_permission(_request("DELETE", auth=_principal()), organize) is False
    with pytest.raises(AppPermissionDenied):
        permission.has_permission(_request("POST", auth=_principal("rooms:read")), organize)
    assert permission.has_permission(_request("POST", auth=_principal("rooms:write")), organize)
    assert permission.error_codes_for(view=organize, method="POST") == ("app_permission_denied",)
    assert permission.error_codes_for(view=organize, method="GET") == ()
    assert permission.error_codes_for(view=organize, method="DELETE") == ()


def test_app_only_lets_anyone_describe_it_and_only_apps_call_it(organize):
    permission = AppOnly()
    assert permission.code == "app_required"
    assert permission.error_codes_for(view=organize, method="GET") == ("app_required",)
    assert permission.has_permission(_request("OPTIONS"), organize) is True
    assert permission.has_permission(_request("DELETE"), organize) is True  # a 405 for anyone
    assert permission.has_permission(_request("GET"), organize) is False
    assert permission.has_permission(_request("GET", auth=_principal()), organize) is True


def test_user_or_app_needs_one_of_them(organize):
    from tests.accounts.factories import UserFactory

    permission = UserOrApp()
    assert permission.has_permission(_request("GET"), organize) is False
    assert permission.has_permission(_request("GET", auth=_principal()), organize) is True
    assert permission.has_permission(_request("GET", user=UserFactory()), organize) is True


def test_app_only_lets_anyone_ask_an_api_view_for_options(organize):
    from rest_framework.views import APIView

    class OrganizeApi(APIView):
        def get(self, request):  # pragma: no cover - not called
            return None

    assert AppOnly().has_permission(_request("OPTIONS"), OrganizeApi()) is True
    assert AppOnly().has_permission(_request("GET"), OrganizeApi()) is False
