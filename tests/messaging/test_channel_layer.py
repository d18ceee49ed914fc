"""The channel layer: in memory with no environment, Redis (channels-redis) when REDIS_URL is
set; and a socket hears a message through the Redis layer as it does in production."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.models import Role
from messaging import services
from tests.accounts.factories import UserFactory
from tests.messaging.conftest import run_async

BASE_DIR = Path(__file__).resolve().parents[2]
READ = "import json; from umbrella import settings as s; print(json.dumps(s.CHANNEL_LAYERS))"


def _layers(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)["default"]


def _host(address: str, timeout: float = 30.0) -> dict:
    return {"address": address, "socket_timeout": timeout, "socket_connect_timeout": 5.0}


def test_in_memory_by_default_and_redis_with_redis_url():
    assert _layers()["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    redis = _layers(REDIS_URL="redis://cache.internal:6379/2")
    assert redis["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert redis["CONFIG"]["hosts"] == [_host("redis://cache.internal:6379/2")]
    own = _layers(REDIS_URL="redis://a:6379/0", CHANNEL_LAYER_URL="redis://b:6379/1")
    assert own["CONFIG"]["hosts"] == [_host("redis://b:6379/1")]
    longer = _layers(REDIS_URL="redis://a:6379/0", CHANNEL_LAYER_SOCKET_TIMEOUT="60")
    assert longer["CONFIG"]["hosts"] == [_host("redis://a:6379/0", 60.0)]


def test_the_layers_connections_outwait_its_5_second_blocking_read():
    """channels-redis waits for messages with a 5 s BZPOPMIN; redis-py 8's default socket
    timeout is 5 s too, so an empty answer arriving a little late (a loaded machine) timed out
    and dropped the socket (1011). The configured host reaches redis-py's connections."""
    from channels_redis.core import RedisChannelLayer

    config = _layers(REDIS_URL="redis://cache.internal:6379/2")["CONFIG"]
    layer = RedisChannelLayer(**config)
    pool = layer.create_pool(0)
    assert pool.connection_kwargs["socket_timeout"] == 30.0
    assert pool.connection_kwargs["socket_timeout"] > 2 * layer.brpop_timeout
    assert pool.connection_kwargs["socket_connect_timeout"] == 5.0


@pytest.mark.django_db(transaction=True)
def test_a_socket_hears_a_message_through_redis(redis_channel_layer):
    from umbrella.asgi import application

    fan = UserFactory(role=Role.FAN)
    artist = UserFactory(role=Role.ARTIST)
    conversation, _ = services.conversation_open(user=fan, other_id=artist.pk)
    client = Client()
    client.force_login(artist)
    headers = [
        (b"host", b"testserver"),
        (b"origin", b"http://testserver"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/messaging/", headers=headers)
        connected, _ = await socket.connect(timeout=5)
        assert connected
        await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "subscribe", "conversation_id": conversation.pk})
        await socket.receive_json_from(timeout=5)
        await sync_to_async(services.message_send)(
            user=fan, conversation_id=conversation.pk, content="via Redis"
        )
        events = [await socket.receive_json_from(timeout=5) for _ in range(2)]
        await socket.disconnect()
        return events

    events = run_async(scenario)
    assert {event["type"] for event in events} == {"message.new", "inbox.updated"}
    new = next(event for event in events if event["type"] == "message.new")
    assert new["message"]["content"] == "via Redis"
