"""Django's Redis cache backend, reusing its ``redis.Redis`` client objects.

Django builds a new ``redis.Redis`` for every cache call. With redis-py 8 that constructor costs
about 0.17 ms (it fills a table of response callbacks), which is more than the round trip to a
local Redis. A client object is thread-safe and only wraps the connection pool, so one per pool
is enough. Measured on ``GET /api/v1/me``: two cache calls per request, 0.35 ms saved.
"""

import re
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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
