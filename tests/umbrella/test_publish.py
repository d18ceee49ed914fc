"""Group sends from sync code: one long-lived loop (and Redis connection) per process for the
Redis layer, ``async_to_sync`` for the in-memory one (umbrella/publish.py).

Each test runs in a thread of its own (``in_thread``): a browser test earlier in the same xdist
worker leaves Playwright's event loop running in the main thread, where sync code would look
like async code."""

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

from umbrella import publish


def in_thread(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(test, *args, **kwargs).result()

    return run


@in_thread
def test_sync_sends_share_one_loop_and_arrive_in_order(redis_channel_layer):
    channel = async_to_sync(redis_channel_layer.new_channel)()
    async_to_sync(redis_channel_layer.group_add)("publish-test", channel)
    for n in range(3):
        publish.group_send_all([("publish-test", {"type": "t", "n": n})])
    loop = publish._publisher_loop()
    assert publish._publisher_loop() is loop and loop.is_running()
    # channels-redis keeps connections per loop: the three sends made one entry, on that loop.
    assert loop in redis_channel_layer._layers

    async def three() -> list[int]:  # one loop for the receives: the layer buffers per loop
        return [(await redis_channel_layer.receive(channel))["n"] for _ in range(3)]

    assert async_to_sync(three)() == [0, 1, 2]


def test_a_fork_gets_its_own_loop(redis_channel_layer, monkeypatch):
    first = publish._publisher_loop()
    monkeypatch.setattr(publish, "_loop_pid", -1)  # as if this process were a forked child
    second = publish._publisher_loop()
    assert second is not first and second.is_running()


@in_thread
def test_an_unreachable_redis_raises_to_the_caller(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:9/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        with pytest.raises((OSError, TimeoutError, RedisConnectionError)):
            publish.group_send_all([("nobody", {"type": "t"})])
    finally:
        channel_layers.backends.clear()


@in_thread
def test_the_in_memory_layer_is_sent_to_on_the_callers_terms(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    layer = get_channel_layer()

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add("memory-test", channel)
        await asyncio.to_thread(publish.group_send_all, [("memory-test", {"type": "t", "n": 1})])
        return await asyncio.wait_for(layer.receive(channel), 5)

    try:
        assert asyncio.run(scenario())["n"] == 1
    finally:
        channel_layers.backends.clear()
