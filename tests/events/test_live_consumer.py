"""The rooms' WebSocket (/ws/rooms/) through the whole ASGI application (umbrella.asgi): who may
connect and subscribe, what members hear, what a bad message gets, and what happens to the
socket of someone who leaves, or of a deleted room. Each test runs on the in-memory channel
layer and on channels-redis (``layer``), with committed rows (``transaction=True``): the
consumer and the services' after-commit sends run outside the test's transaction."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone

from events import realtime
from events.models import Participant, Role, Room, RoomStatus
from events.services.winners import lock_prize, winners_award
from tests.accounts.factories import UserFactory
from tests.events.factories import ParticipantFactory, PrizeFactory, RoomFactory
from tests.events.live_helpers import (
    SITE,
    connect,
    layer,  # noqa: F401 (fixture)
    publish,
    receive_until,
    run_async,
    subscribe,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("layer")]


@pytest.fixture
def room():
    return RoomFactory(status=RoomStatus.ACTIVE, is_public=True)


@pytest.fixture
def member(room):
    return ParticipantFactory(room=room).user


# --- who may connect and subscribe --------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [SITE, [(b"authorization", b"Bearer garbage")], [(b"host", b"testserver"), (b"cookie", b"x")]],
    ids=["nothing", "bad-token", "cookie-without-origin"],
)
def test_an_anonymous_socket_is_refused_with_a_reason(headers):
    from channels.testing import WebsocketCommunicator

    from umbrella.asgi import application

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/rooms/", headers=headers)
        await socket.connect(timeout=10)
        closed = await socket.receive_output(timeout=10)
        await socket.wait()
        return closed

    closed = run_async(scenario)
    assert closed["type"] == "websocket.close"
    assert closed["code"] == 4401
    assert closed["reason"].startswith("not_authenticated")


def test_an_access_token_connects_and_subscribes(room, member):
    from tests.events.appauth import minted_user_token

    token = minted_user_token(member)

    async def scenario():
        socket = await connect(headers=[(b"authorization", f"Bearer {token}".encode())])
        answer = await subscribe(socket, room.pk)
        await socket.disconnect()
        return answer

    answer = run_async(scenario)
    assert answer["type"] == "room:subscribed"
    assert answer["data"]["room_id"] == room.pk


def test_a_member_subscribes_and_hears_what_services_publish(room, member):
    prize = PrizeFactory(room=room, quantity=2)
    winner = ParticipantFactory(room=room)

    def award() -> None:
        with transaction.atomic():
            locked = lock_prize(room, prize.pk)
            winners_award(
                room=room, prize=locked, participant_ids=[winner.pk], method="manual", by=None
            )

    async def scenario():
        socket = await connect(member)
        answer = await subscribe(socket, room.pk)
        await sync_to_async(award)()
        event = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        return answer, event

    answer, event = run_async(scenario)
    before = Room.objects.get(pk=room.pk).event_seq - 1  # draw:committed at activation, at least
    assert answer["type"] == "room:subscribed"
    assert answer["seq"] == answer["data"]["last_seq"] == before
    assert answer["data"]["complete"] is True
    assert set(answer["data"]) == {"room_id", "timestamp", "last_seq", "complete"}
    assert event["type"] == "winner:selected"
    assert event["seq"] == before + 1
    assert event["data"]["room_id"] == room.pk
    assert event["data"]["timestamp"]
    assert event["data"]["participant_id"] == winner.pk


@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
def test_a_non_member_is_refused_and_hears_nothing(room, member, public):
    Room.objects.filter(pk=room.pk).update(is_public=public)
    stranger = UserFactory()

    async def scenario():
        socket = await connect(stranger)
        answer = await subscribe(socket, room.pk)
        await sync_to_async(publish)(room.pk)
        nothing = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return answer, nothing

    answer, nothing = run_async(scenario)
    assert answer["type"] == "error"
    # a public room says why; a private one does not admit it exists
    assert answer["data"]["code"] == ("forbidden" if public else "not_found")
    assert answer["data"]["room_id"] == room.pk
    assert answer["data"]["message"]
    assert nothing is True


def test_a_pending_member_or_a_leaver_is_refused(room):
    pending = ParticipantFactory(room=room, status="pending_approval").user
    left = ParticipantFactory(room=room, deleted_at=timezone.now()).user

    async def scenario():
        answers = []
        for user in (pending, left):
            socket = await connect(user)
            answers.append((await subscribe(socket, room.pk))["data"]["code"])
            await socket.disconnect()
        return answers

    assert run_async(scenario) == ["forbidden", "forbidden"]


def test_staff_may_follow_any_room(room):
    staff = UserFactory(is_staff=True)

    async def scenario():
        socket = await connect(staff)
        answer = await subscribe(socket, room.pk)
        await socket.disconnect()
        return answer

    assert run_async(scenario)["type"] == "room:subscribed"


def test_an_unknown_or_deleted_room_is_not_found(room, member):
    Room.objects.filter(pk=room.pk).update(deleted_at=timezone.now())

    async def scenario():
        socket = await connect(member)
        answers = [await subscribe(socket, room.pk), await subscribe(socket, room.pk + 1000)]
        await socket.disconnect()
        return answers

    assert [a["data"]["code"] for a in run_async(scenario)] == ["not_found", "not_found"]


# --- bad messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [
        "not json",
        "[1, 2]",
        '{"data": {}}',
        '{"type": "room:dance", "data": {}}',
        '{"type": "room:subscribe", "data": "x"}',
        '{"type": "room:subscribe", "data": {"room_id": "1"}}',
        '{"type": "room:subscribe", "data": {"room_id": true}}',
        '{"type": "room:subscribe", "data": {"room_id": 1, "since_seq": -1}}',
        '{"type": "room:unsubscribe", "data": {}}',
    ],
)
def test_a_bad_message_gets_an_error_and_the_socket_stays_open(room, member, sent):
    async def scenario():
        socket = await connect(member)
        await socket.send_to(text_data=sent)
        error = await socket.receive_json_from(timeout=10)
        still = await subscribe(socket, room.pk)  # the socket still works
        await socket.disconnect()
        return error, still

    error, still = run_async(scenario)
    assert error["type"] == "error"
    assert error["data"]["code"] == "bad_request"
    assert error["data"]["timestamp"]
    assert "seq" in error
    assert still["type"] == "room:subscribed"


def test_subscriptions_per_socket_are_limited(member):
    from events.consumers import MAX_SUBSCRIPTIONS

    rooms = [ParticipantFactory(user=member).room for _ in range(MAX_SUBSCRIPTIONS + 1)]

    async def scenario():
        socket = await connect(member)
        answers = [(await subscribe(socket, r.pk))["type"] for r in rooms]
        again = await subscribe(socket, rooms[0].pk)  # subscribed already: not one more
        await socket.disconnect()
        return answers, again

    answers, again = run_async(scenario)
    assert answers == ["room:subscribed"] * MAX_SUBSCRIPTIONS + ["error"]
    assert again["type"] == "room:subscribed"


def test_quiz_messages_go_to_the_quiz_handler(room, member):
    async def scenario():
        socket = await connect(member)
        await socket.send_json_to({"type": "quiz:start", "data": {"room_id": room.pk}})
        answer = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        return answer

    answer = run_async(scenario)
    assert answer["type"] == "error"  # until the quiz helper's handler lands
    assert answer["data"]["room_id"] == room.pk
    assert answer["data"]["code"] != "bad_request"


# --- unsubscribing, leaving, deleted rooms ------------------------------------------------------


def test_unsubscribe_stops_the_events(room, member):
    async def scenario():
        socket = await connect(member)
        await subscribe(socket, room.pk)
        await socket.send_json_to({"type": "room:unsubscribe", "data": {"room_id": room.pk}})
        answer = await socket.receive_json_from(timeout=10)
        await sync_to_async(publish)(room.pk)
        nothing = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return answer, nothing

    answer, nothing = run_async(scenario)
    assert answer["type"] == "room:unsubscribed"
    assert answer["data"]["reason"] == "unsubscribed"
    assert nothing is True


def _leave(participant: Participant) -> None:
    """What the members' leave service does: soft-delete, and tell the room."""
    with transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(deleted_at=timezone.now())
        realtime.publish(participant.room, "participant:left", {"user_id": participant.user_id})


def test_a_member_who_leaves_stops_hearing_the_room_and_others_go_on(room):
    leaver = ParticipantFactory(room=room)
    stayer = ParticipantFactory(room=room).user

    async def scenario():
        gone = await connect(leaver.user)
        here = await connect(stayer)
        await subscribe(gone, room.pk)
        await subscribe(here, room.pk)
        await sync_to_async(_leave)(leaver)
        told = [await gone.receive_json_from(timeout=10) for _ in range(2)]
        seen = await here.receive_json_from(timeout=10)
        await sync_to_async(publish)(room.pk)
        nothing = await gone.receive_nothing(timeout=0.5)
        later = await here.receive_json_from(timeout=10)
        await gone.disconnect()
        await here.disconnect()
        return told, seen, nothing, later

    told, seen, nothing, later = run_async(scenario)
    assert [m["type"] for m in told] == ["participant:left", "room:unsubscribed"]
    assert told[1]["data"]["reason"] == "membership_ended"
    assert seen["type"] == "participant:left"
    assert nothing is True
    assert later["seq"] == seen["seq"] + 1


def test_a_deleted_room_unsubscribes_everyone(room, member):
    def delete() -> None:
        with transaction.atomic():
            Room.objects.filter(pk=room.pk).update(deleted_at=timezone.now())
            realtime.publish(room, "room:deleted", {})

    async def scenario():
        socket = await connect(member)
        await subscribe(socket, room.pk)
        await sync_to_async(delete)()
        told = [await socket.receive_json_from(timeout=10) for _ in range(2)]
        await socket.disconnect()
        return told

    told = run_async(scenario)
    assert [m["type"] for m in told] == ["room:deleted", "room:unsubscribed"]
    assert told[1]["data"]["reason"] == "room_deleted"


def test_a_role_change_of_someone_else_keeps_the_socket(room, member):
    other = ParticipantFactory(room=room)

    def promote() -> None:
        with transaction.atomic():
            Participant.objects.filter(pk=other.pk).update(role=Role.MODERATOR)
            realtime.publish(room, "participant:updated", {"user_id": other.user_id})

    async def scenario():
        socket = await connect(member)
        await subscribe(socket, room.pk)
        await sync_to_async(promote)()
        seen = await socket.receive_json_from(timeout=10)
        await sync_to_async(publish)(room.pk)
        after = await receive_until(socket, seen["seq"] + 1)
        await socket.disconnect()
        return seen, after

    seen, after = run_async(scenario)
    assert seen["type"] == "participant:updated"
    assert [m["type"] for m in after] == ["test:tick"]


def test_an_app_event_reaches_the_members_sockets(room, member):
    from rest_framework.test import APIClient

    from tests.events.appauth import app_with_secret, system, token_for

    app, secret = app_with_secret(permissions=["realtime:publish"])
    Room.objects.filter(pk=room.pk).update(app=app)
    token = token_for(app, secret)
    event = f"app:{app.app_id}:countdown"

    def post() -> int:
        response = APIClient().post(
            f"/api/v1/rooms/{room.pk}/events",
            {"event": event, "data": {"left": 3}},
            format="json",
            **system(token),
        )
        assert response.status_code == 201, response.content
        return response.json()["seq"]

    async def scenario():
        socket = await connect(member)
        await subscribe(socket, room.pk)
        seq = await sync_to_async(post)()
        got = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        return seq, got

    seq, got = run_async(scenario)
    assert got["type"] == event
    assert got["seq"] == seq
    assert got["data"]["left"] == 3
    assert got["data"]["room_id"] == room.pk
