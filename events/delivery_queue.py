"""The queue of due webhook deliveries: a Redis list that a worker drains in batches.

Why not one Celery message per delivery: a Celery worker fetches, tracks and acknowledges each
message with about three Redis round trips of its own and runs each task through its tracer,
which cost more than the delivery itself (docs/events.md, "Async deliveries" → "Benchmark").
Here a delivery's first attempt (and a replay) is **one** ``RPUSH`` after the caller's commit,
and the worker takes up to :data:`BATCH` of them per round trip.

* **Enqueue** (:func:`push`, after commit): ``RPUSH`` of the message (the task's JSON
  arguments) onto the due list and, in the same script, ``SET NX`` of the *draining* flag; the
  caller that set it sends one Celery task, ``events.webhook_drain``. While a drain runs,
  enqueueing sends nothing more.
* **Drain** (:func:`drain`, that task, ``acks_late``): claims up to :data:`BATCH` messages
  in one script (``LPOP`` with a count, each copied into the *claimed* sorted set with the claim
  time), delivers them together (:func:`events.services.deliveries.webhook_deliver_many`), then
  removes them from the claimed set (the acknowledgement), and loops until the list is empty; then
  it clears the flag and checks the list once more (a message pushed meanwhile is not stranded).
  :data:`LANES` batches are under way at once (threads), so one's waits overlap another's work.
  A drain hands over to a fresh task after :data:`DRAIN_SECONDS` so it never holds a worker slot
  for long.
* **A worker killed mid-batch** leaves its messages in the claimed set: any later claim first
  moves the ones claimed longer ago than the broker's visibility timeout
  (``CELERY_VISIBILITY_TIMEOUT``, as for Celery's own unacknowledged messages) back to the head
  of the list. The killed drain's Celery message is given back by the broker likewise, the
  draining flag expires after :data:`FLAG_SECONDS`, and beat runs a drain every minute
  (``events.webhook_drain``) in case both were lost. A message claimed twice is sent at most
  once more, with the same ``webhook-id`` (the delivery checks that it is not settled first).
* **A batch that raises** (the database gone): its messages stay claimed and come back after
  the visibility timeout; the task fails and is logged.
* **Retries and deferrals** (with a countdown) stay Celery messages (``events.webhook_deliver``
  with an ETA): they are the failure path, and Celery holds ETA messages without blocking.
* **Without Redis, or with eager Celery** (the embedded default, the tests) there is no list:
  :func:`available` is ``False`` and deliveries go through ``events.webhook_deliver`` as before.

Keys (under the cache's key prefix) carry the Celery queue's name, so deployments (or test
workers) sharing one Redis keep apart.
"""

import hashlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from redis.exceptions import NoScriptError

from umbrella.cache import redis_client

logger = logging.getLogger(__name__)

BATCH = 100
LANES = 4
DRAIN_SECONDS = 20.0
FLAG_SECONDS = 60

# KEYS: due list, draining flag. ARGV: flag ttl, message… → 1 when this push set the flag.
_PUSH = """
redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 1 end
return 0
"""
# KEYS: due list, claimed set, draining flag. ARGV: count, now, stale after (s), flag ttl.
# Claimed messages older than ``stale after`` go back to the head of the list first.
_CLAIM = """
local n, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, n)
for i = #stale, 1, -1 do
  redis.call('LPUSH', KEYS[1], stale[i])
  redis.call('ZREM', KEYS[2], stale[i])
end
redis.call('EXPIRE', KEYS[3], ARGV[4])
local items = redis.call('LPOP', KEYS[1], n)
if not items then return {} end
for _, item in ipairs(items) do redis.call('ZADD', KEYS[2], now, item) end
return items
"""
# KEYS: due list, draining flag. Clears the flag; sets it again (returns 1) when messages are
# waiting, so the caller goes on draining.
_RELEASE = """
redis.call('DEL', KEYS[2])
if redis.call('LLEN', KEYS[1]) > 0 then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
  return 1
end
return 0
"""


def _client() -> Any | None:
    return redis_client(cache)


def available() -> bool:
    """Whether deliveries go through the list: Redis is there and Celery is not eager."""
    from umbrella.celery import app as celery_app

    return _client() is not None and not celery_app.conf.task_always_eager


def _keys() -> tuple[str, str, str]:
    from umbrella.celery import app as celery_app

    base = f"events:deliveries:{celery_app.conf.task_default_queue}"
    return (
        cache.make_and_validate_key(f"{base}:due"),
        cache.make_and_validate_key(f"{base}:claimed"),
        cache.make_and_validate_key(f"{base}:draining"),
    )


# Redis names scripts by their SHA-1 (an identifier here, not a security measure).
_SHAS = {
    s: hashlib.sha1(s.encode(), usedforsecurity=False).hexdigest()
    for s in (_PUSH, _CLAIM, _RELEASE)
}


def _eval(client: Any, script: str, keys: list[str], args: list[Any]) -> Any:
    try:  # EVALSHA straight away: one round trip
        return client.evalsha(_SHAS[script], len(keys), *keys, *args)
    except NoScriptError:  # a restarted or flushed Redis
        return client.eval(script, len(keys), *keys, *args)


def push(messages: list[dict[str, Any]]) -> None:
    """Queue ``messages`` (each the keyword arguments of ``events.webhook_deliver``) and make
    sure a drain is coming. Call it after the commit."""
    client = _client()
    if client is None:
        raise RuntimeError("the delivery list needs Redis")
    due, _claimed, flag = _keys()
    encoded = [json.dumps(m, separators=(",", ":"), sort_keys=True) for m in messages]
    if _eval(client, _PUSH, [due, flag], [FLAG_SECONDS, *encoded]):
        _send_drain()


def _send_drain() -> None:
    from events.tasks import webhook_drain_task

    webhook_drain_task.apply_async()


def stale_after() -> float:
    """Seconds after which a claimed message counts as lost (its worker died): the broker's
    visibility timeout, as for Celery's own unacknowledged messages."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    return float(options.get("visibility_timeout", 3600))


def claim(count: int) -> list[str]:
    """Up to ``count`` due messages (JSON), now claimed; stale claims are taken back first."""
    client = _client()
    if client is None:
        return []
    due, claimed, flag = _keys()
    items = _eval(
        client,
        _CLAIM,
        [due, claimed, flag],
        [count, repr(time.time()), stale_after(), FLAG_SECONDS],
    )
    return [i.decode() if isinstance(i, bytes) else str(i) for i in items or []]


def done(items: list[str]) -> None:
    """Acknowledge claimed messages: they were delivered (or settled otherwise)."""
    client = _client()
    if client is not None and items:
        client.zrem(_keys()[1], *items)


def release() -> bool:
    """Clear the draining flag; ``True`` (flag set again) when messages are waiting."""
    client = _client()
    if client is None:
        return False
    due, _claimed, flag = _keys()
    return bool(_eval(client, _RELEASE, [due, flag], [FLAG_SECONDS]))


def drain(*, seconds: float = DRAIN_SECONDS, batch: int | None = None) -> int:
    """Deliver due messages in batches until the list is empty (or ``seconds`` passed: then
    a fresh drain task takes over). :data:`LANES` batches are under way at once (each lane a
    thread with its own database connection), so one batch's waits (the database, the app's
    answers) overlap another's work. Returns how many messages it took."""
    ends = time.monotonic() + seconds
    size = batch or BATCH
    taken = 0
    while True:
        if LANES == 1:
            results = [_lane(ends, size, own_connection=False)]
        else:
            with ThreadPoolExecutor(LANES, thread_name_prefix="webhook-drain") as lanes:
                futures = [lanes.submit(_lane, ends, size) for _ in range(LANES)]
                results = [future.result() for future in futures]
        taken += sum(n for n, _ in results)
        if any(out_of_time for _, out_of_time in results):
            _send_drain()  # the flag stays set: this one hands over
            return taken
        if not release():
            return taken


def _lane(ends: float, size: int, *, own_connection: bool = True) -> tuple[int, bool]:
    """Claim, deliver, acknowledge, until the list is empty: (messages taken, out of time)."""
    from events.tasks import webhook_deliver_batch

    taken = 0
    try:
        while True:
            items = claim(size)
            if not items:
                return taken, False
            messages = []
            for item in items:
                try:
                    messages.append(json.loads(item))
                except ValueError:
                    logger.error("not a delivery message: %r", item[:200])
            webhook_deliver_batch(messages)  # raises: the messages stay claimed and come back
            done(items)
            taken += len(items)
            if time.monotonic() > ends:
                return taken, True
    finally:
        if own_connection:
            connections.close_all()  # this thread's, opened for its batches


def pending() -> tuple[int, int]:
    """(due, claimed): for the staff pages and the tests."""
    client = _client()
    if client is None:
        return 0, 0
    due, claimed, _flag = _keys()
    return int(client.llen(due)), int(client.zcard(claimed))


def clear() -> None:
    """Forget every due and claimed message and the draining flag (the benchmark's fresh
    start; never in production: those messages would be lost)."""
    client = _client()
    if client is not None:
        client.delete(*_keys())
