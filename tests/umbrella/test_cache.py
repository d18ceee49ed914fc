"""``umbrella.cache.RedisCache.clear`` empties only its own keys (its ``KEY_PREFIX``), so the
Celery broker's queue in the same Redis database and the other pytest-xdist workers survive."""

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import caches

from umbrella.cache import RedisCache


@pytest.fixture
def redis_cache():
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    return cache


def test_clear_deletes_only_keys_under_its_own_prefix(redis_cache):
    raw = redis_cache._cache.get_client(write=True)
    tag = uuid.uuid4().hex  # the Redis database is shared: our own names only
    neighbour = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"{redis_cache.key_prefix}x{tag}"})
    queue = f"celery-{tag}"
    redis_cache.set_many({f"mine-{tag}-{n}": n for n in range(1500)})  # more than one batch
    neighbour.set("theirs", 1)
    raw.lpush(queue, "a task")
    try:
        redis_cache.clear()

        assert redis_cache.get_many([f"mine-{tag}-{n}" for n in range(1500)]) == {}
        assert neighbour.get("theirs") == 1  # a prefix that merely starts with ours survives
        assert raw.lrange(queue, 0, -1) == [b"a task"]
    finally:
        raw.delete(queue)
        neighbour.clear()


def test_each_xdist_worker_has_its_own_cache_prefix(redis_cache):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        pytest.skip("not running under pytest-xdist")
    assert redis_cache.key_prefix.endswith(f"-{worker}")
    assert os.environ["CACHE_KEY_PREFIX"] == redis_cache.key_prefix
