"""Run in a separate process by tests/events/test_breaker.py: one more process sharing the
breaker through Redis. Imports nothing that needs Django settings."""

import multiprocessing.synchronize

import redis

from events.webhooks.breaker import RedisBackend


def fail(url: str, key: str, times: int, now: float, start: multiprocessing.synchronize.Event):
    backend = RedisBackend(redis.Redis.from_url(url))
    start.wait(10)
    return sum(backend.failure(key, now) for _ in range(times))


def probe(url: str, key: str, tries: int, now: float, start: multiprocessing.synchronize.Event):
    backend = RedisBackend(redis.Redis.from_url(url))
    start.wait(10)
    return sum(backend.allow(key, now, 30.0) for _ in range(tries))
