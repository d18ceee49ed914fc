"""Channel-layer group sends from synchronous code (views, services' after-commit hooks, tasks).

``async_to_sync(layer.group_send)`` starts a new event loop per call, and ``channels-redis``
keeps its connections per event loop: every publish from a sync view opened (and closed) a new
Redis connection — ~18 ms of a message send under load (bench/README.md, "Live fan-out"). Here
a Redis layer is driven from one long-lived loop per process, in a daemon thread started on
first use (and again after a fork, so gunicorn's and Celery's forked workers each get their
own), and the caller waits for the sends to finish, so errors and ordering stay as they were.

The in-memory layer (the default without ``REDIS_URL``: ``bin/dev`` on its own, most tests)
holds ``asyncio`` queues tied to the loop its consumers run in, so it keeps ``async_to_sync``,
which joins that loop when there is one. Called from async code, the sends are scheduled on
the running loop and kept until they finish; the caller does not wait.
"""

import asyncio
import os
import threading
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

TIMEOUT_SECONDS = 5.0

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_pending: set[Any] = set()  # sends started from async code, kept until they finish


def _publisher_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            _loop, _loop_pid = asyncio.new_event_loop(), os.getpid()
            threading.Thread(
                target=_loop.run_forever, name="channel-layer-publisher", daemon=True
            ).start()
        return _loop


def group_send_all(sends: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """``group_send`` each ``(group, message)`` in order. Raises what the layer raised (or
    ``TimeoutError``) when called from sync code; the caller decides whether that matters."""
    layer = get_channel_layer()
    if layer is None:
        return
    sends = list(sends)

    async def send_all() -> None:
        for group, message in sends:
            await layer.group_send(group, message)

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # sync code: a view, an after-commit hook, a task, a test
        if isinstance(layer, InMemoryChannelLayer):
            async_to_sync(send_all)()
        else:
            future = asyncio.run_coroutine_threadsafe(send_all(), _publisher_loop())
            future.result(timeout=TIMEOUT_SECONDS)
    else:  # async code on this thread: do not block its loop
        _pending.add(task := asyncio.ensure_future(send_all()))
        task.add_done_callback(_pending.discard)
