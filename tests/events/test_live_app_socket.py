"""Apps on the rooms' WebSocket (scope ``realtime:subscribe``; docs/rooms.md, "Apps on the
socket"): an app's own socket follows its own app's rooms, an app acting for a person follows
what that person may follow, and either needs the scope; refused tokens close the socket with a
reason, an expired one closes it, and apps do not send quiz messages. Through the whole ASGI
application, on the in-memory channel layer (the first test on channels-redis too: who may
subscribe is decided before any layer is involved)."""

from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from events.consumers import CLOSE_UNAUTHENTICATED
from events.models import RoomStatus
from tests.accounts.factories import UserFactory
from tests.events.appauth import app_with_secret, minted_user_token, token_for
from tests.events.factories import ParticipantFactory, RoomFactory
from tests.events.live_helpers import (
    PATH,
    SITE,
    cookie,
    layer,  # noqa: F401 (fixture)
    publish,
    run_async,
    subscribe,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


SUBSCRIBE = "realtime:subscribe"


@pytest.fixture
def app_and_token():
    app, secret = app_with_secret(permissions=[SUBSCRIBE, "rooms:read"])
    return app, token_for(app, secret)


@pytest.fixture
def own_room(app_and_token):
    return RoomFactory(app=app_and_token[0], status=RoomStatus.ACTIVE, is_public=False)


def bearer(token: str) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {token}".encode())]


def acting(user_token: str, app_token: str) -> list[tuple[bytes, bytes]]:
    return [*bearer(user_token), (b"x-app-token", app_token.encode())]


async def opened(headers, subprotocols=None) -> tuple[WebsocketCommunicator, dict | None]:
    """A socket and, when the server closed it at once, the close message (else None)."""
    from umbrella.asgi import application

    socket = WebsocketCommunicator(application, PATH, headers=headers, subprotocols=subprotocols)
    connected, _ = await socket.connect(timeout=10)
    assert connected
    if await socket.receive_nothing(timeout=0.3):
        return socket, None
    return socket, await socket.receive_output(timeout=1)


def hear_one(headers, room_id, *, subprotocols=None):
    """Subscribe ``room_id``, publish one event there; the answer and what the socket heard."""

    async def scenario():
        socket, closed = await opened(headers, subprotocols)
        assert closed is None, closed
        answer = await subscribe(socket, room_id)
        await sync_to_async(publish)(room_id, "test:tick", {"n": 1})
        heard = await socket.receive_nothing(timeout=0.5) or await socket.receive_json_from(1)
        await socket.disconnect()
        return answer, heard

    return run_async(scenario)


def closed_with(headers, subprotocols=None) -> dict:
    async def scenario():
        socket, closed = await opened(headers, subprotocols)
        await socket.wait()
        return closed

    closed = run_async(scenario)
    assert closed is not None and closed["type"] == "websocket.close"
    return closed


# --- the app's own socket --------------------------------------------------------------------


@pytest.mark.usefixtures("layer")
def test_an_apps_own_socket_follows_its_own_room(app_and_token, own_room):
    _app, token = app_and_token
    answer, heard = hear_one(bearer(token), own_room.pk)
    assert answer["type"] == "room:subscribed"
    assert answer["data"]["room_id"] == own_room.pk
    assert heard["type"] == "test:tick"
    assert heard["data"]["n"] == 1
    assert heard["seq"] == answer["data"]["last_seq"] + 1


def test_the_app_token_may_come_as_a_subprotocol(app_and_token, own_room):
    _app, token = app_and_token
    answer, heard = hear_one([], own_room.pk, subprotocols=["umbrella.v1", f"bearer.{token}"])
    assert answer["type"] == "room:subscribed"
    assert heard["type"] == "test:tick"


@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
def test_an_apps_own_socket_does_not_follow_another_apps_room(app_and_token, public):
    _app, token = app_and_token
    other = RoomFactory(status=RoomStatus.ACTIVE, is_public=public)  # another app's room
    answer, heard = hear_one(bearer(token), other.pk)
    assert answer["type"] == "error"
    assert answer["data"]["code"] == "not_found"
    assert heard is True  # nothing


def test_an_app_without_the_scope_is_refused_and_hears_nothing():
    app, secret = app_with_secret(permissions=["rooms:read"])
    room = RoomFactory(app=app, status=RoomStatus.ACTIVE)
    answer, heard = hear_one(bearer(token_for(app, secret)), room.pk)
    assert answer["type"] == "error"
    assert answer["data"]["code"] == "app_permission_denied"
    assert SUBSCRIBE in answer["data"]["message"]
    assert app.app_id in answer["data"]["message"]
    assert heard is True


# --- an app acting for a person ------------------------------------------------------------------


def test_an_app_acting_for_a_member_follows_the_room(app_and_token):
    _app, token = app_and_token
    room = RoomFactory(status=RoomStatus.ACTIVE)  # any app's room: the person's right decides
    member = ParticipantFactory(room=room).user
    answer, heard = hear_one(acting(minted_user_token(member), token), room.pk)
    assert answer["type"] == "room:subscribed"
    assert heard["type"] == "test:tick"


def test_the_acting_app_token_may_come_as_a_subprotocol(app_and_token):
    _app, token = app_and_token
    room = RoomFactory(status=RoomStatus.ACTIVE)
    member = ParticipantFactory(room=room).user
    offered = ["umbrella.v1", f"bearer.{minted_user_token(member)}", f"app.{token}"]
    answer, _heard = hear_one([], room.pk, subprotocols=offered)
    assert answer["type"] == "room:subscribed"


def test_an_app_acting_for_a_non_member_gets_the_persons_refusal(app_and_token, own_room):
    _app, token = app_and_token
    stranger = UserFactory()
    answer, heard = hear_one(acting(minted_user_token(stranger), token), own_room.pk)
    assert answer["type"] == "error"
    assert answer["data"]["code"] == "not_found"  # a private room: not even its own app's helps
    assert heard is True


def test_an_app_acting_for_a_member_still_needs_the_scope():
    app, secret = app_with_secret(permissions=["rooms:read"])
    room = RoomFactory(status=RoomStatus.ACTIVE)
    member = ParticipantFactory(room=room).user
    answer, heard = hear_one(acting(minted_user_token(member), token_for(app, secret)), room.pk)
    assert answer["data"]["code"] == "app_permission_denied"
    assert heard is True


# --- refused tokens ------------------------------------------------------------------------------


def test_a_bad_app_token_closes_the_socket_with_the_reason(app_and_token):
    _app, token = app_and_token
    closed = closed_with(bearer(token[:-3] + "xyz"))
    assert closed["code"] == CLOSE_UNAUTHENTICATED
    assert closed["reason"].startswith("invalid_token: ")
    assert len(closed["reason"].encode()) <= 123


def test_a_disabled_apps_token_closes_the_socket(app_and_token):
    app, token = app_and_token
    type(app).objects.filter(pk=app.pk).update(is_active=False)
    closed = closed_with(bearer(token))
    assert closed["code"] == CLOSE_UNAUTHENTICATED
    assert "disabled" in closed["reason"]


def test_an_x_app_token_needs_the_persons_access_token(app_and_token):
    _app, token = app_and_token
    member = UserFactory()
    alone = closed_with([(b"x-app-token", token.encode())])
    twice = closed_with(acting(token, token))  # an app token is not a person's
    by_cookie = closed_with([*SITE, cookie(member), (b"x-app-token", token.encode())])
    for closed in (alone, twice, by_cookie):
        assert closed["code"] == CLOSE_UNAUTHENTICATED
        assert closed["reason"].startswith("invalid_token: ")


def test_a_person_without_an_app_is_unchanged(own_room):
    member = ParticipantFactory(room=own_room).user
    answer, heard = hear_one(bearer(minted_user_token(member)), own_room.pk)
    assert answer["type"] == "room:subscribed"
    assert heard["type"] == "test:tick"


# --- what an app's socket may not do, and when it ends -------------------------------------------


@pytest.mark.parametrize("kind", ["quiz:start", "quiz:answer", "quiz:next_question", "quiz:end"])
def test_apps_do_not_send_quiz_messages(app_and_token, own_room, kind):
    _app, token = app_and_token

    async def scenario():
        socket, _closed = await opened(bearer(token))
        await socket.send_json_to({"type": kind, "data": {"room_id": own_room.pk}})
        error = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        return error

    error = run_async(scenario)
    assert error["type"] == "error"
    assert error["data"]["code"] == "app_not_allowed"
    assert error["data"]["room_id"] == own_room.pk


def test_the_socket_closes_when_the_app_token_expires(app_and_token, own_room):
    _app, token = app_and_token

    async def scenario():
        socket, _closed = await opened(bearer(token))
        answer = await subscribe(socket, own_room.pk)
        with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=5), tick=True):
            await sync_to_async(publish)(own_room.pk)
            closed = await socket.receive_output(timeout=5)
        await socket.wait()
        return answer, closed

    answer, closed = run_async(scenario)
    assert answer["type"] == "room:subscribed"
    assert closed["type"] == "websocket.close"
    assert closed["code"] == CLOSE_UNAUTHENTICATED
    assert closed["reason"].startswith("token_expired")
