"""Helpers of the live-room tests: the real ASGI application over a chosen channel layer, signed
in sockets, and events published by services in their own transactions."""

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections, transaction
from django.test import Client

from events import realtime
from events.models import Room

PATH = "/ws/rooms/"
SITE = [(b"host", b"testserver"), (b"origin", b"http://testserver")]


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings):
    """Each test twice: on the in-memory layer, and on channels-redis (skipped without
    REDIS_URL). In memory too, the layer is the test's own (never the shared Redis prefix)."""
    if request.param == "redis":
        yield request.getfixturevalue("redis_channel_layer")
        return
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


def run_async(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async scenario from a plain test in a thread of its own (see
    tests/messaging/conftest.py), closing that thread's database connections after."""

    def in_thread() -> Any:
        try:
            return async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


def cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def connect(user: Any = None, headers: list | None = None) -> WebsocketCommunicator:
    """A socket of ``user`` (session cookie from this site), connected."""
    from umbrella.asgi import application

    if headers is None:
        headers = [*SITE, await sync_to_async(cookie)(user)] if user is not None else SITE
    socket = WebsocketCommunicator(application, PATH, headers=headers)
    connected, code = await socket.connect(timeout=10)
    assert connected, code
    return socket


async def subscribe(socket: WebsocketCommunicator, room_id: int, **extra: Any) -> dict:
    await socket.send_json_to({"type": "room:subscribe", "data": {"room_id": room_id, **extra}})
    return await socket.receive_json_from(timeout=10)


async def receive_until(socket: WebsocketCommunicator, seq: int) -> list[dict]:
    """Every message up to the event numbered ``seq``."""
    got = []
    while True:
        message = await socket.receive_json_from(timeout=10)
        got.append(message)
        if message.get("seq") == seq and message["type"] not in ("error", "room:subscribed"):
            return got


def publish(room_id: int, type: str = "test:tick", data: dict | None = None) -> int:
    """Publish one event as a service does (inside its transaction); its seq."""
    try:
        with transaction.atomic():
            room = Room.objects.select_for_update().get(pk=room_id)
            return realtime.publish(room, type, data or {}).seq
    finally:
        connections.close_all()


def publish_many(room_id: int, count: int) -> list[int]:
    """``count`` events, each in its own transaction (a burst of service calls)."""
    seqs = []
    for i in range(count):
        with transaction.atomic():
            room = Room.objects.get(pk=room_id)
            seqs.append(realtime.publish(room, "test:tick", {"i": i}).seq)
    connections.close_all()
    return seqs
