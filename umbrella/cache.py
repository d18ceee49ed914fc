"""Django's Redis cache backend, reusing its ``redis.Redis`` client objects.

Django builds a new ``redis.Redis`` for every cache call. With redis-py 8 that constructor costs
about 0.17 ms (it fills a table of response callbacks), which is more than the round trip to a
local Redis. A client object is thread-safe and only wraps the connection pool, so one per pool
is enough. Measured on ``GET /api/v1/me``: two cache calls per request, 0.35 ms saved.
"""

import contextlib
import re
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import NoScriptError


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    # Django's private helpers (not in django-stubs), same calls as the method this replaces.
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def clear(self) -> None:
        """Delete this cache's keys only: those under its ``KEY_PREFIX``.

        Django's ``clear()`` runs ``FLUSHDB``, which would also empty whatever else lives in the
        Redis database: the Celery broker's queues (``CELERY_BROKER_URL`` defaults to
        ``REDIS_URL``), and under pytest-xdist the other test workers' keys (each worker has its
        own prefix, see tests/xdist_isolation.py).
        """
        client = self._cache.get_client(write=True)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)


# --- several cache operations in one round trip ---------------------------------------------

# Reads some keys and, unless the key at index ``skip`` (1-based among the reads, 0 = none) is
# present, adds one to each counter key (created with its TTL). One EVALSHA: a token-
# authenticated API request reads its cached user and revocation entry and counts its rate
# window in a single round trip instead of two.
_READ_AND_COUNT_LUA = """
local reads = tonumber(ARGV[1])
local skip = tonumber(ARGV[2])
local out = {}
for i = 1, reads do
  out[i] = redis.call('GET', KEYS[i])
end
if skip == 0 or not out[skip] then
  for i = reads + 1, #KEYS do
    out[i] = redis.call('INCR', KEYS[i])
    redis.call('EXPIRE', KEYS[i], ARGV[i - reads + 2], 'NX')
  end
end
return out
"""
_SCRIPT: list[Any] = []  # a redis-py ``Script`` (its SHA1), made on first use


def redis_client(cache: Any) -> Any | None:
    """The ``redis.Redis`` behind a Django Redis cache (for writing), or ``None``."""
    client_for = getattr(getattr(cache, "_cache", None), "get_client", None)
    return client_for(None, write=True) if client_for is not None else None


def increment(cache: Any, key: str, ttl: int) -> int:
    """Add one to ``key`` (created with ``ttl`` seconds to live); return the new count.

    On Redis one round trip (``INCR`` and ``EXPIRE NX``, pipelined without ``MULTI``: the two
    commands arrive together and nothing else needs to be atomic with them).
    """
    client = redis_client(cache)
    if client is not None:
        full_key = cache.make_and_validate_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, ttl, nx=True)
        return int(pipe.execute()[0])
    cache.add(key, 0, timeout=ttl)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1


def uncount(cache: Any, keys: list[str]) -> None:
    """Take back one count of each key (counted by :func:`read_and_count` for a request that
    then failed). Keys that have expired meanwhile are left alone."""
    for key in keys:
        with contextlib.suppress(ValueError):
            cache.decr(key)


def read_and_count(
    cache: Any, reads: list[str], counters: list[tuple[str, int]], *, unless: str | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """``cache.get_many(reads)``, and one more count on each ``(key, ttl)`` of ``counters``
    unless the key ``unless`` (one of ``reads``) is present: one round trip on Redis.

    Returns the values found (as ``get_many``) and the new count of each counter ({} when
    ``unless`` was present). Other caches: the same, in several calls.
    """
    client = redis_client(cache)
    if client is None:
        found = cache.get_many(reads)
        if unless is not None and unless in found:
            return found, {}
        return found, {key: increment(cache, key, ttl) for key, ttl in counters}
    if not _SCRIPT:
        _SCRIPT.append(client.register_script(_READ_AND_COUNT_LUA))
    keys = [cache.make_and_validate_key(key) for key in reads]
    keys += [cache.make_and_validate_key(key) for key, _ttl in counters]
    skip = reads.index(unless) + 1 if unless is not None else 0
    args = [len(reads), skip, *(ttl for _key, ttl in counters)]
    try:  # EVALSHA directly: redis-py's Script wrapper costs a third as much again in CPU
        reply = client.evalsha(_SCRIPT[0].sha, len(keys), *keys, *args)
    except NoScriptError:  # a restarted or flushed Redis: load the script (the wrapper does)
        reply = _SCRIPT[0](keys=keys, args=args, client=client)
    loads = cache._cache._serializer.loads
    values = zip(reads, reply, strict=False)
    found = {key: loads(value) for key, value in values if value is not None}
    counted = reply[len(reads) :]  # empty when ``unless`` was present
    return found, {key: int(n) for (key, _ttl), n in zip(counters, counted, strict=False)}
