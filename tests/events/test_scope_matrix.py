"""The app scope matrix (SPEC-events §2): every app-callable endpoint by every scope, for system
calls and for an app acting for a user. An app granted only scope S may call an endpoint iff S is
the scope the endpoint needs (or it needs none).

The endpoints come from ``events.scopes.APP_ENDPOINTS``. When a row is added there (the rooms
issue adds most of them), add to :data:`CALLS` how to call it: the first test fails until then.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.models import Role, User
from events import scopes
from events.models import App, AppManifestVersion, Room, RoomStatus, Scope
from events.scopes import APP_ENDPOINTS, AppScopes, UserOrApp, require_role
from tests.accounts.conftest import bearer
from tests.accounts.factories import UserFactory
from tests.events.appauth import (
    acting,
    app_with_secret,
    minted_user_token,
    system,
    token_for,
    user_token,
)
from tests.events.factories import RoomFactory
from tests.events.members_helpers import scope_world

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """What the calls need: the user the app acts for (and reads), the calling app, and whatever
    the rooms issue adds (a room, a prize ...)."""

    user: User
    app: App

    def room(self, **fields: Any) -> Room:
        """A public room of the calling app organized by the user (a draft unless told)."""
        return RoomFactory(app=self.app, created_by=self.user, **fields)

    def newer_version(self) -> str:
        """A second manifest version of the calling app (settings still fit: automatic)."""
        newer = {**self.app.manifest, "meta": {**self.app.manifest["meta"], "version": "9.0.0"}}
        AppManifestVersion.objects.create(app=self.app, version="9.0.0", manifest=newer)
        return "9.0.0"


def _app_event(world: World) -> tuple[str, Any]:
    """An app event in a room of the calling app (the app made last), the user a member."""
    from events.models import App
    from tests.events.factories import ParticipantFactory, RoomFactory

    app = App.objects.latest("pk")
    room = RoomFactory(app=app)
    ParticipantFactory(room=room, user=world.user)
    return f"/api/v1/rooms/{room.pk}/events", {"event": f"app:{app.app_id}:ping", "data": {}}


def _drawn_room(world: World, *, drawn: bool) -> tuple[int, int]:
    """(room id, prize id) of an active room of the app under test (the last one made), its
    organizer ``world.user``, one entrant; ``drawn``: with draw 1 made. (The draws part.)"""
    from events.models import App, RoomStatus
    from events.services.draws import room_draw
    from tests.events.factories import ParticipantFactory, PrizeFactory, RoomFactory

    app = App.objects.order_by("-pk").first()
    room = RoomFactory(app=app, created_by=world.user, status=RoomStatus.ACTIVE)
    prize = PrizeFactory(room=room, quantity=2)
    ParticipantFactory(room=room)
    ParticipantFactory(room=room)
    if drawn:
        room_draw(room=room, by=world.user, prize_ids=[prize.pk], count=1)
    return room.pk, prize.pk


def _draw_call(world: World) -> tuple[str, Any]:
    room_id, prize_id = _drawn_room(world, drawn=False)
    return f"/api/v1/rooms/{room_id}/draw", {"prize_ids": [prize_id]}


def _members(world: World, rest: str) -> str:
    return f"/api/v1/rooms/{scope_world(world).room.pk}/{rest}"


# (endpoint, method) -> (path, JSON body or None) for that world
CALLS: dict[tuple[str, str], Callable[[World], tuple[str, Any]]] = {
    ("apps.me", "GET"): lambda world: ("/api/v1/apps/me", None),
    ("users.profile", "GET"): lambda world: (f"/api/v1/users/{world.user.pk}", None),
    ("rooms.list", "GET"): lambda world: ("/api/v1/rooms/", None),
    ("rooms.list", "POST"): lambda world: ("/api/v1/rooms/", {"name": "Matrix room"}),
    ("rooms.detail", "GET"): lambda world: (f"/api/v1/rooms/{world.room().pk}", None),
    ("rooms.detail", "PATCH"): lambda world: (f"/api/v1/rooms/{world.room().pk}", {"name": "N"}),
    ("rooms.detail", "DELETE"): lambda world: (f"/api/v1/rooms/{world.room().pk}", None),
    ("rooms.upgrade_manifest", "POST"): lambda world: (
        f"/api/v1/rooms/{world.room().pk}/upgrade-manifest",
        {"target_version": world.newer_version()},
    ),
    ("rooms.activate", "POST"): lambda world: (f"/api/v1/rooms/{world.room().pk}/activate", None),
    ("rooms.complete", "POST"): lambda world: (
        f"/api/v1/rooms/{world.room(status=RoomStatus.ACTIVE).pk}/complete",
        None,
    ),
    ("rooms.cancel", "POST"): lambda world: (f"/api/v1/rooms/{world.room().pk}/cancel", None),
    ("rooms.events", "POST"): _app_event,
    ("rooms.draw", "POST"): _draw_call,
    ("rooms.draws", "GET"): lambda world: (
        f"/api/v1/rooms/{_drawn_room(world, drawn=True)[0]}/draws/",
        None,
    ),
    ("rooms.draw_detail", "GET"): lambda world: (
        f"/api/v1/rooms/{_drawn_room(world, drawn=True)[0]}/draws/1",
        None,
    ),
    ("rooms.quiz", "GET"): lambda world: (
        f"/api/v1/rooms/{_drawn_room(world, drawn=False)[0]}/quiz",
        None,
    ),
    # A room's participants, prizes and winners (tests/events/members_helpers.scope_world).
    ("rooms.participants", "GET"): lambda world: (_members(world, "participants/"), None),
    ("rooms.participants", "POST"): lambda world: (
        _members(world, "participants/"),
        {"user_id": scope_world(world).newcomer.pk},
    ),
    ("rooms.participant", "GET"): lambda world: (
        _members(world, f"participants/{scope_world(world).viewer.pk}"),
        None,
    ),
    ("rooms.participant", "PATCH"): lambda world: (
        _members(world, f"participants/{scope_world(world).viewer.pk}"),
        {"role": "moderator"},
    ),
    ("rooms.participant", "DELETE"): lambda world: (
        _members(world, f"participants/{scope_world(world).viewer.pk}"),
        None,
    ),
    ("rooms.prizes", "GET"): lambda world: (_members(world, "prizes/"), None),
    ("rooms.prizes", "POST"): lambda world: (_members(world, "prizes/"), {"name": "Mug"}),
    ("rooms.prize", "GET"): lambda world: (
        _members(world, f"prizes/{scope_world(world).prize.pk}"),
        None,
    ),
    ("rooms.prize", "PATCH"): lambda world: (
        _members(world, f"prizes/{scope_world(world).prize.pk}"),
        {"quantity": 7},
    ),
    ("rooms.prize", "DELETE"): lambda world: (
        _members(world, f"prizes/{scope_world(world).prize.pk}"),
        None,
    ),
    ("rooms.winners", "GET"): lambda world: (_members(world, "winners/"), None),
    ("rooms.winners", "POST"): lambda world: (
        _members(world, "winners/"),
        {
            "prize_id": scope_world(world).prize.pk,
            "participant_id": scope_world(world).participant.pk,
        },
    ),
    ("rooms.winner", "DELETE"): lambda world: (
        _members(world, f"winners/{scope_world(world).winner.pk}"),
        None,
    ),
}
ALLOWED = {200, 201, 204}


def _table() -> set[tuple[str, str]]:
    return {(endpoint, method) for endpoint, methods in APP_ENDPOINTS.items() for method in methods}


def _views() -> list[Any]:
    found = []

    def walk(patterns: list[URLPattern | URLResolver]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            else:
                view = getattr(pattern.callback, "view_class", None)
                if view is not None:
                    found.append(view)

    walk(get_resolver().url_patterns)
    return found


def test_every_row_of_the_table_has_its_calls_here():
    assert set(CALLS) == _table()
    assert all(
        scope is None or scope in Scope.values
        for m in APP_ENDPOINTS.values()
        for scope in m.values()
    )


def test_every_app_callable_view_is_in_the_table_and_checks_scopes():
    named = {v.app_endpoint: v for v in _views() if getattr(v, "app_endpoint", None)}
    assert set(named) == set(APP_ENDPOINTS)
    for view in named.values():
        assert AppScopes in view.permission_classes, view


def _call(api_client, world: World, endpoint: str, method: str, headers: dict[str, str]):
    path, body = CALLS[(endpoint, method)](world)
    return getattr(api_client, method.lower())(path, body, format="json", **headers)


def _headers(mode: str, token: str, world: World) -> dict[str, str]:
    return system(token) if mode == "system" else acting(minted_user_token(world.user), token)


MATRIX = [
    pytest.param(endpoint, method, granted, id=f"{endpoint}-{method}-{granted}")
    for endpoint, method in sorted(CALLS)
    for granted in Scope.values
]


@pytest.mark.parametrize("mode", ["system", "acting"])
@pytest.mark.parametrize(("endpoint", "method", "granted"), MATRIX)
def test_an_app_with_only_one_scope_calls_an_endpoint_iff_it_is_the_one_needed(
    api_client, endpoint, method, granted, mode
):
    required = APP_ENDPOINTS[endpoint][method]
    app, secret = app_with_secret(permissions=[granted])
    world = World(user=UserFactory(), app=app)

    response = _call(
        api_client, world, endpoint, method, _headers(mode, token_for(app, secret), world)
    )

    if required is None or granted == required:
        assert response.status_code in ALLOWED, response.content
    else:
        assert response.status_code == 403, response.content
        error = response.json()["error"]
        assert error["code"] == "app_permission_denied"
        assert error["details"] == {"required": [required], "granted": [granted]}
        assert required in error["message"]


@pytest.mark.parametrize("mode", ["system", "acting"])
@pytest.mark.parametrize(("endpoint", "method"), sorted(CALLS), ids="-".join)
def test_an_app_with_no_scope_calls_only_endpoints_that_need_none(
    api_client, endpoint, method, mode
):
    required = APP_ENDPOINTS[endpoint][method]
    app, secret = app_with_secret(permissions=[])
    world = World(user=UserFactory(), app=app)

    response = _call(
        api_client, world, endpoint, method, _headers(mode, token_for(app, secret), world)
    )

    if required is None:
        assert response.status_code in ALLOWED
    else:
        assert response.status_code == 403
        assert response.json()["error"]["details"] == {"required": [required], "granted": []}


# --- acting for a user needs the user's role and the app's scope -------------------------------


class OrganizeApi(APIView):
    """A stand-in for a room action (the rooms issue's kind): the scope `rooms:write` for apps,
    and a role for the user: here the account role ``venue`` plays the room's organizer."""

    app_endpoint = "test.organize"
    permission_classes = [UserOrApp, AppScopes]

    def post(self, request: Request) -> Response:
        require_role(
            role=getattr(request.user, "role", "") or None, allowed=["venue"], action="organize"
        )
        return Response({"ok": True})


@pytest.fixture
def organize(monkeypatch):
    monkeypatch.setitem(scopes.APP_ENDPOINTS, "test.organize", {"POST": Scope.ROOMS_WRITE})

    def call(**headers):
        request = APIRequestFactory().post("/api/v1/test/organize", {}, format="json", **headers)
        return OrganizeApi.as_view()(request)

    return call


@pytest.mark.parametrize(
    ("scope", "role", "status", "code"),
    [
        ("rooms:write", Role.VENUE, 200, None),
        ("rooms:write", Role.FAN, 403, "forbidden"),
        ("rooms:read", Role.VENUE, 403, "app_permission_denied"),
        ("rooms:read", Role.FAN, 403, "app_permission_denied"),  # the scope is checked first
    ],
)
def test_acting_for_a_user_needs_both_the_scope_and_the_role(organize, scope, role, status, code):
    user = UserFactory(role=role)
    app, secret = app_with_secret(permissions=[scope])

    response = organize(**acting(minted_user_token(user), token_for(app, secret)))

    assert response.status_code == status
    if code == "forbidden":
        assert response.data["error"]["code"] == "forbidden"
        assert response.data["error"]["details"] == {"required_roles": ["venue"], "role": "fan"}
    elif code:
        assert response.data["error"]["code"] == code
        assert response.data["error"]["details"]["required"] == ["rooms:write"]


@pytest.mark.parametrize(("role", "status"), [(Role.VENUE, 200), (Role.FAN, 403)])
def test_a_person_alone_needs_only_the_role(organize, role, status):
    response = organize(**bearer(minted_user_token(UserFactory(role=role))))
    assert response.status_code == status
    if status == 403:
        assert response.data["error"]["code"] == "forbidden"


def test_a_system_call_has_no_role(organize):
    """No user, no role: an app alone cannot do what needs a user's role."""
    app, secret = app_with_secret(permissions=["rooms:write"])
    response = organize(**system(token_for(app, secret)))
    assert response.status_code == 403
    assert response.data["error"] == {
        "code": "forbidden",
        "message": "Your role (none) cannot organize: it needs venue.",
        "details": {"required_roles": ["venue"], "role": None},
    }


def test_options_describes_an_endpoint_to_an_app_without_its_scope(monkeypatch):
    """DRF's OPTIONS tries the permissions of each write method: a missing scope leaves the
    write out of the description instead of refusing the OPTIONS request."""
    monkeypatch.setitem(scopes.APP_ENDPOINTS, "test.organize", {"POST": Scope.ROOMS_WRITE})
    app, secret = app_with_secret(permissions=["rooms:read"])
    request = APIRequestFactory().options("/api/v1/test/organize", **system(token_for(app, secret)))

    response = OrganizeApi.as_view()(request)

    assert response.status_code == 200
    assert "actions" not in response.data


def test_a_minted_token_acts_like_a_signed_in_one(api_client):
    """The matrix mints users' tokens instead of signing them in; both are accepted alike."""
    user = UserFactory()
    app, secret = app_with_secret(permissions=["users:read"])
    path = f"/api/v1/users/{user.pk}"
    for token in (user_token(user), minted_user_token(user)):
        response = api_client.get(path, **acting(token, token_for(app, secret)))
        assert response.status_code == 200, response.content
        assert response.json()["id"] == user.pk
