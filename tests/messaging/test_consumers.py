"""The messaging WebSocket through the whole ASGI application (umbrella/asgi.py): who may
connect (session cookie from this site, or an access token), and what each socket hears.

Channels' ``WebsocketCommunicator`` is driven from plain tests with ``run_async`` (conftest); the
database is used with real commits (``transactional_db``) because the consumer's queries and
the services' after-commit events run outside the test's transaction.
"""

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.models import Role
from messaging import services
from tests.accounts.conftest import app_login
from tests.accounts.factories import UserFactory
from tests.messaging.conftest import run_async
from umbrella.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/messaging/"
SITE = [(b"host", b"testserver"), (b"origin", b"http://testserver")]


def _cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def _run(scenario: Any) -> Any:
    return run_async(scenario)


async def _connect(headers: list, subprotocols: list[str] | None = None) -> tuple[Any, Any]:
    socket = WebsocketCommunicator(application, PATH, headers=headers, subprotocols=subprotocols)
    connected, detail = await socket.connect(timeout=5)
    return socket, (connected, detail)


@pytest.fixture
def people(db):
    fan = UserFactory(role=Role.FAN, display_name="Sam Fan")
    artist = UserFactory(role=Role.ARTIST, display_name="Nova Reyes")
    conversation, _ = services.conversation_open(user=fan, other_id=artist.pk)
    return fan, artist, conversation


# --- who may connect ------------------------------------------------------------------------------


def test_no_cookie_and_no_token_is_refused():
    async def scenario():
        socket, (connected, code) = await _connect(SITE)
        await socket.disconnect()
        return connected, code

    assert _run(scenario) == (False, 4401)


def test_a_session_cookie_from_this_site_connects(people):
    fan, _, _ = people
    cookie = _cookie(fan)

    async def scenario():
        socket, (connected, _) = await _connect([*SITE, cookie])
        hello = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return connected, hello

    assert _run(scenario) == (True, {"type": "hello", "user_id": fan.pk})
    assert services.is_online(fan.pk)


@pytest.mark.parametrize(
    "origin",
    [[(b"origin", b"https://evil.example")], [(b"origin", b"null")], []],
    ids=["another-site", "null", "no-origin"],
)
def test_a_session_cookie_from_another_origin_is_refused(people, origin):
    fan, _, _ = people
    cookie = _cookie(fan)

    async def scenario():
        socket, (connected, _) = await _connect([(b"host", b"testserver"), *origin, cookie])
        await socket.disconnect()
        return connected

    assert _run(scenario) is False


def test_an_access_token_connects_by_header_or_subprotocol(people):
    from rest_framework.test import APIClient

    fan, _, _ = people

    token = app_login(APIClient(), fan.email)["access_token"]

    async def scenario():
        by_header, (one, _) = await _connect([(b"authorization", f"Bearer {token}".encode())])
        first = await by_header.receive_json_from(timeout=5)
        await by_header.disconnect()
        by_protocol, (two, _) = await _connect([], subprotocols=["umbrella.v1", f"bearer.{token}"])
        second = await by_protocol.receive_json_from(timeout=5)
        chosen = by_protocol.scope.get("subprotocols")
        await by_protocol.disconnect()
        return one, first, two, second, chosen

    one, first, two, second, chosen = _run(scenario)
    assert one and two
    assert first["user_id"] == second["user_id"] == fan.pk
    assert "umbrella.v1" in chosen


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_a_bad_token_is_refused(token):
    async def scenario():
        socket, (connected, _) = await _connect(
            [(b"authorization", f"Bearer {token}".encode()), *SITE]
        )
        await socket.disconnect()
        return connected

    assert _run(scenario) is False


def test_a_revoked_token_is_refused(people):
    from rest_framework.test import APIClient

    from accounts.authentication import access_token_user

    fan, _, _ = people
    token = app_login(APIClient(), fan.email)["access_token"]
    assert access_token_user(token) is not None
    fan.set_password("another-Long-passphrase-9")
    fan.save()  # a password change makes older tokens stale

    async def scenario():
        socket, (connected, _) = await _connect([(b"authorization", f"Bearer {token}".encode())])
        await socket.disconnect()
        return connected

    assert _run(scenario) is False


# --- what a socket hears -------------------------------------------------------------------------


def test_a_subscriber_hears_new_messages_read_receipts_and_its_badge(people):
    fan, artist, conversation = people
    fan_cookie, artist_cookie = _cookie(fan), _cookie(artist)

    async def scenario():
        fan_socket, _ = await _connect([*SITE, fan_cookie])
        artist_socket, _ = await _connect([*SITE, artist_cookie])
        for socket in (fan_socket, artist_socket):
            await socket.receive_json_from(timeout=5)  # hello
            await socket.send_json_to({"type": "subscribe", "conversation_id": conversation.pk})
            assert await socket.receive_json_from(timeout=5) == {
                "type": "subscribed",
                "conversation_id": conversation.pk,
            }
        message = await sync_to_async(services.message_send)(
            user=fan, conversation_id=conversation.pk, content="Live hello"
        )
        heard = [await artist_socket.receive_json_from(timeout=5) for _ in range(2)]
        await sync_to_async(services.conversation_mark_read)(
            user=artist, conversation_id=conversation.pk
        )
        fan_heard = []
        while not await fan_socket.receive_nothing(timeout=0.3):
            fan_heard.append(await fan_socket.receive_json_from(timeout=5))
        await fan_socket.disconnect()
        await artist_socket.disconnect()
        return message, heard, fan_heard

    message, heard, fan_heard = _run(scenario)
    new = next(event for event in heard if event["type"] == "message.new")
    assert new["message"]["id"] == message.pk and new["message"]["content"] == "Live hello"
    inbox = next(event for event in heard if event["type"] == "inbox.updated")
    assert inbox["conversation_id"] == conversation.pk
    assert (inbox["unread_count"], inbox["unread_total"]) == (1, 1)
    assert inbox["last_message_preview"] == "Live hello"
    receipt = next(event for event in fan_heard if event["type"] == "messages.read")
    assert (receipt["reader_id"], receipt["up_to"]) == (artist.pk, message.pk)


def test_a_user_cannot_subscribe_to_someone_elses_conversation(people):
    fan, _artist, conversation = people
    stranger = UserFactory(role=Role.ARTIST)
    cookie = _cookie(stranger)

    async def scenario():
        socket, _ = await _connect([*SITE, cookie])
        await socket.receive_json_from(timeout=5)  # hello
        await socket.send_json_to({"type": "subscribe", "conversation_id": conversation.pk})
        refusal = await socket.receive_json_from(timeout=5)
        await sync_to_async(services.message_send)(
            user=fan, conversation_id=conversation.pk, content="private"
        )
        heard_nothing = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return refusal, heard_nothing

    refusal, heard_nothing = _run(scenario)
    assert refusal["type"] == "error" and refusal["code"] == "not_found"
    assert refusal["conversation_id"] == conversation.pk
    assert heard_nothing


@pytest.mark.parametrize(
    "sent",
    ['"text"', "{not json", '{"type": "subscribe", "conversation_id": "1"}', '{"type": "shout"}'],
)
def test_bad_input_gets_an_error_event_and_the_socket_stays(people, sent):
    fan, _, _ = people
    cookie = _cookie(fan)

    async def scenario():
        socket, _ = await _connect([*SITE, cookie])
        await socket.receive_json_from(timeout=5)
        await socket.send_to(text_data=sent)
        error = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return error, pong

    error, pong = _run(scenario)
    assert error["type"] == "error" and error["code"] == "bad_request"
    assert pong == {"type": "pong"}


def test_the_ws_process_answers_its_health_check_and_nothing_else():
    from channels.testing import HttpCommunicator

    from umbrella.asgi import websocket_application

    async def scenario():
        ok = await HttpCommunicator(websocket_application, "GET", "/ws/health").get_response()
        page = await HttpCommunicator(websocket_application, "GET", "/").get_response()
        return ok["status"], ok["body"], page["status"]

    assert _run(scenario) == (200, b"ok", 404)


# --- an account that goes while its socket is open -----------------------------------------------


@pytest.mark.parametrize("how", ["deactivated", "deleted", "removed"])
def test_a_gone_accounts_open_sockets_close(people, how):
    from accounts import services as accounts_services
    from accounts.models import SessionEndReason

    _, artist, conversation = people
    cookie = _cookie(artist)

    def go() -> None:
        if how == "deactivated":  # staff in admin: the account's state changes
            artist.is_active = False
            artist.save(update_fields=["is_active"])
            accounts_services.user_state_saved(user=artist)
            accounts_services.user_access_changed(user=artist, reason=SessionEndReason.DEACTIVATED)
        elif how == "deleted":
            accounts_services.user_soft_delete(user=artist)
        else:
            accounts_services.user_hard_delete(user=artist)

    async def scenario():
        socket, (connected, _) = await _connect([*SITE, cookie])
        assert connected
        await socket.receive_json_from(timeout=5)  # hello
        await socket.send_json_to({"type": "subscribe", "conversation_id": conversation.pk})
        await socket.receive_json_from(timeout=5)  # subscribed
        await sync_to_async(go)()
        closed = await socket.receive_output(timeout=5)
        return closed

    closed = _run(scenario)
    assert closed == {"type": "websocket.close", "code": 4403}
