"""An app's live signing secrets for the hot path, cached in-process, a rotation seen at once.

Every webhook call signs with every live secret of the app. Reading them is a query per call;
here they are kept per app in this process for at most :data:`CACHE_SECONDS`, under a **stamp**:

* The stamp is a Redis string per app (``events:secrets:<pk>`` under the cache's prefix), read in
  the **same round trip** as the breaker's admission (:func:`events.webhooks.breaker.
  admit_and_read`), so the cache costs no round trip of its own.
* Any write to the app's secrets (a rotation's new secret and the older ones' new expiry, an
  issue, a delete) sets the stamp to a fresh random value **after its transaction commits**
  (:func:`secrets_changed`, connected to ``WebhookSecret``'s ``post_save``/``post_delete`` in
  ``events.apps``), and drops this process's entry at once (so a call later in the same
  transaction, or in the same process, sees the change before the commit too). A call that
  starts after the rotation committed reads the new stamp, misses, and queries: the new secret
  signs at once, in every process.
* A cached entry keeps each secret's ``expires_at`` and filters at use, so a grace period that
  ends does not wait for the cache either.
* Inside a transaction block the cache is neither read nor filled: the transaction may see
  secrets that are not committed (or that it wrote itself), and webhook calls belong outside
  transactions anyway.
* No Redis (the embedded default: one process) or Redis unreachable: the stamp is this process's
  own counter, or there is none and every call queries (never a stale secret because of an
  outage).
"""

import logging
import secrets as random_tokens
import threading
import time
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from events.models import WebhookSecret
from umbrella.cache import redis_client

logger = logging.getLogger(__name__)

CACHE_SECONDS = 10.0
STAMP_TTL_SECONDS = 7 * 24 * 3600  # a lost stamp only costs one query: it is read as ''

Rows = tuple[tuple[str, datetime | None], ...]
_lock = threading.Lock()
_cache: dict[int, tuple[str, float, Rows]] = {}
_local_stamps: dict[int, int] = {}  # without Redis


def stamp_key(app_pk: int) -> str | None:
    """The full Redis key of the app's stamp, or ``None`` without Redis."""
    if redis_client(cache) is None:
        return None
    return cache.make_and_validate_key(f"events:secrets:{app_pk}")


def local_stamp(app_pk: int) -> str:
    with _lock:
        return f"local:{_local_stamps.get(app_pk, 0)}"


def live_secrets(app_pk: int, *, stamp: str | None) -> list[str]:
    """The app's live secrets, newest first. ``stamp`` is the app's current stamp (``None``:
    unknown, so no cache)."""
    now_mono = time.monotonic()
    rows: Rows | None = None
    if connection.in_atomic_block:  # it may see (or have written) rows not committed yet
        stamp = None
    if stamp is not None:
        with _lock:
            hit = _cache.get(app_pk)
        if hit is not None and hit[0] == stamp and now_mono - hit[1] < CACHE_SECONDS:
            rows = hit[2]
    if rows is None:
        rows = tuple(
            WebhookSecret.objects.live()
            .filter(app_id=app_pk)
            .order_by("-created_at", "-id")
            .values_list("secret", "expires_at")
        )
        if stamp is not None:
            with _lock:
                _cache[app_pk] = (stamp, now_mono, rows)
    now = timezone.now()
    return [secret for secret, expires_at in rows if expires_at is None or expires_at > now]


def _new_stamp(app_pk: int) -> None:
    with _lock:
        _local_stamps[app_pk] = _local_stamps.get(app_pk, 0) + 1
        _cache.pop(app_pk, None)
    client = redis_client(cache)
    key = stamp_key(app_pk)
    if client is not None and key is not None:
        try:
            client.set(key, random_tokens.token_hex(8), ex=STAMP_TTL_SECONDS)
        except RedisError:  # other processes' entries then end within CACHE_SECONDS
            logger.warning("secrets stamp of app %s not renewed: Redis unreachable", app_pk)


def secrets_changed(sender: Any, instance: WebhookSecret, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` of a ``WebhookSecret``: forget the app's entry now, and give
    the app a new stamp once the write commits (every process then reloads)."""
    app_pk = instance.app_id
    with _lock:
        _cache.pop(app_pk, None)
    transaction.on_commit(lambda: _new_stamp(app_pk))


def clear() -> None:
    """Forget every entry (tests)."""
    with _lock:
        _cache.clear()
