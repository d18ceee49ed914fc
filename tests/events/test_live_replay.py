"""Reconnecting without gap or duplicate (SPEC-events §7, issue 12): a socket that subscribes
with ``since_seq`` gets exactly the events after it, from the log, then live ones — including
events published while it subscribes, and live events that reach it late or out of order.
Each test runs on the in-memory channel layer and on channels-redis.

The races are made deterministic where they can be: an event whose transaction committed before
the socket read the room but whose send is held back until after the socket joined (an
``on_commit`` callback registered before the service's, waiting on a signal); an event whose
transaction is still open while the socket subscribes (PostgreSQL: the read does not wait for
the row lock). Then a burst from two concurrent publishers while subscribing, for good measure.
"""

import asyncio
import threading
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections, transaction
from django.utils import timezone

from events import realtime
from events.models import Room, RoomEvent, RoomStatus
from tests.events.factories import ParticipantFactory, RoomFactory
from tests.events.live_helpers import (
    connect,
    layer,  # noqa: F401 (fixture)
    publish,
    publish_many,
    receive_until,
    run_async,
    subscribe,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("layer")]


def in_thread(function: Any, *args: Any) -> Any:
    """Run blocking ``function`` in a thread of its own: never in the thread the consumer's
    database calls use (they would wait for each other)."""
    return sync_to_async(function, thread_sensitive=False)(*args)


@pytest.fixture
def room():
    return RoomFactory(status=RoomStatus.ACTIVE)


@pytest.fixture
def member(room):
    return ParticipantFactory(room=room).user


def last_seq(room: Room) -> int:
    return Room.objects.get(pk=room.pk).event_seq


def seqs(messages: list[dict]) -> list[int]:
    return [m["seq"] for m in messages if m["type"] == "test:tick"]


def test_a_reconnecting_socket_gets_exactly_what_it_missed_then_live_ones(room, member):
    async def scenario():
        first = await connect(member)
        await subscribe(first, room.pk)
        seen = await in_thread(publish_many, room.pk, 3)
        before = await receive_until(first, seen[-1])
        await first.disconnect()
        missed = await in_thread(publish_many, room.pk, 4)  # while away
        second = await connect(member)
        answer = await subscribe(second, room.pk, since_seq=seen[-1])
        live = await in_thread(publish_many, room.pk, 2)
        after = await receive_until(second, live[-1])
        nothing = await second.receive_nothing(timeout=0.3)
        await second.disconnect()
        return seen, before, missed, answer, live, after, nothing

    seen, before, missed, answer, live, after, nothing = run_async(scenario)
    assert seqs(before) == seen
    assert answer["type"] == "room:subscribed"
    assert answer["data"] | {"timestamp": None} == {
        "room_id": room.pk,
        "timestamp": None,
        "last_seq": missed[-1],
        "complete": True,
    }
    assert seqs(after) == missed + live == list(range(seen[-1] + 1, live[-1] + 1))
    assert nothing is True


def test_since_zero_replays_the_whole_log(room, member):
    publish_many(room.pk, 2)
    everything = list(RoomEvent.objects.filter(room=room).values_list("seq", flat=True))

    async def scenario():
        socket = await connect(member)
        answer = await subscribe(socket, room.pk, since_seq=0)
        got = await receive_until(socket, everything[-1])
        await socket.disconnect()
        return answer, got

    answer, got = run_async(scenario)
    assert answer["data"]["complete"] is True
    assert [m["seq"] for m in got] == everything == list(range(1, everything[-1] + 1))


def test_a_socket_further_behind_than_the_log_is_told_so(room, member):
    publish_many(room.pk, 5)
    kept = last_seq(room) - 2
    RoomEvent.objects.filter(room=room, seq__lte=kept).update(
        created_at=timezone.now() - realtime.KEEP_EVENTS - realtime.KEEP_EVENTS
    )
    realtime.events_prune()

    async def scenario():
        socket = await connect(member)
        answer = await subscribe(socket, room.pk, since_seq=1)
        got = await receive_until(socket, kept + 2)
        await socket.disconnect()
        return answer, got

    answer, got = run_async(scenario)
    assert answer["data"]["complete"] is False  # the client reloads the room's state instead
    assert seqs(got) == [kept + 1, kept + 2]


def _publish_held(room_id: int, committed: threading.Event, go: threading.Event) -> int:
    """Publish and commit at once, but send only once ``go`` is set (after-commit callbacks
    run in order: this one waits before the service's send)."""
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: (committed.set(), go.wait(20)))
            room = Room.objects.get(pk=room_id)
            return realtime.publish(room, "test:tick", {}).seq
    finally:
        connections.close_all()


def test_an_event_committed_before_the_subscribe_and_sent_after_it_comes_once(room, member):
    publish_many(room.pk, 3)
    since = last_seq(room) - 2
    committed, go = threading.Event(), threading.Event()

    async def scenario():
        socket = await connect(member)
        held = asyncio.ensure_future(in_thread(_publish_held, room.pk, committed, go))
        await in_thread(committed.wait, 20)
        answer = await subscribe(socket, room.pk, since_seq=since)  # replays it from the log
        replayed = await receive_until(socket, since + 3)
        go.set()  # now its live copy reaches the socket, which drops it
        seq = await held
        after = await in_thread(publish, room.pk)
        got = await receive_until(socket, after)
        await socket.disconnect()
        return answer, replayed, seq, got

    answer, replayed, seq, got = run_async(scenario)
    assert answer["data"]["last_seq"] == seq == since + 3
    assert seqs(replayed) == [since + 1, since + 2, since + 3]
    assert seqs(got) == [since + 4]


@pytest.mark.postgres
def test_an_event_still_uncommitted_while_subscribing_comes_live_once(room, member):
    base = last_seq(room)
    published, go = threading.Event(), threading.Event()

    def publish_open() -> int:
        try:
            with transaction.atomic():
                seq = realtime.publish(Room.objects.get(pk=room.pk), "test:tick", {}).seq
                published.set()
                go.wait(20)  # the row stays locked, the event uncommitted, meanwhile
            return seq
        finally:
            connections.close_all()

    async def scenario():
        socket = await connect(member)
        pending = asyncio.ensure_future(in_thread(publish_open))
        await in_thread(published.wait, 20)
        answer = await subscribe(socket, room.pk, since_seq=base)
        go.set()
        seq = await pending
        later = await in_thread(publish, room.pk)
        got = await receive_until(socket, later)
        await socket.disconnect()
        return answer, seq, later, got

    answer, seq, later, got = run_async(scenario)
    assert answer["data"]["last_seq"] == base  # it read the room before the commit
    assert seqs(got) == [seq, later] == [base + 1, base + 2]


def test_a_live_event_that_arrives_late_is_filled_from_the_log_and_not_repeated(room, member):
    """Two services commit one after the other, but the second's send arrives first."""
    base = last_seq(room)
    committed, go = threading.Event(), threading.Event()

    async def scenario():
        socket = await connect(member)
        await subscribe(socket, room.pk)
        held = asyncio.ensure_future(in_thread(_publish_held, room.pk, committed, go))
        await in_thread(committed.wait, 20)
        second = await in_thread(publish, room.pk)  # sent at once
        got = await receive_until(socket, second)
        go.set()
        first = await held
        third = await in_thread(publish, room.pk)
        got += await receive_until(socket, third)
        await socket.disconnect()
        return first, second, third, got

    first, second, third, got = run_async(scenario)
    assert [first, second, third] == [base + 1, base + 2, base + 3]
    assert seqs(got) == [base + 1, base + 2, base + 3]


@pytest.mark.postgres
def test_subscribing_during_a_burst_of_concurrent_publishers_gets_consecutive_seqs(room, member):
    publish_many(room.pk, 3)
    since = last_seq(room) - 1
    per_publisher = 40

    async def scenario():
        socket = await connect(member)
        burst = [
            asyncio.ensure_future(in_thread(publish_many, room.pk, per_publisher)) for _ in range(2)
        ]
        while await in_thread(last_seq, room) < since + 5:  # the burst has begun
            await asyncio.sleep(0.005)
        answer = await subscribe(socket, room.pk, since_seq=since)
        published = sorted(s for done in await asyncio.gather(*burst) for s in done)
        got = await receive_until(socket, published[-1])
        nothing = await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return answer, published, got, nothing

    answer, published, got, nothing = run_async(scenario)
    last = published[-1]
    assert since < answer["data"]["last_seq"] < last  # subscribed in the middle of the burst
    assert [m["seq"] for m in got] == list(range(since + 1, last + 1))
    assert nothing is True
