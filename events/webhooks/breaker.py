"""The circuit breaker per (app, capability) of SPEC-events §4, shared by every process.

States::

    closed ──5 consecutive failures──▶ open ──60 s after the last failure──▶ half_open
      ▲                                  ▲                                      │
      └──────────3 successes─────────────┼───────────── a failure ──────────────┘

* **closed**: every call goes; a success resets the failure count; the 5th failure in a row
  opens the breaker (:func:`record_failure` returns ``True`` for that one transition, so the
  caller notifies once per incident).
* **open**: nothing is sent. A failure that was already in flight moves "the last failure"
  later.
* **half_open**: one call at a time goes: :func:`allow` hands out a single *probe lease*
  (the probe's timeout plus a margin) and refuses everyone else while it is held, however many
  callers race for it. Its success frees the lease for the next probe; the 3rd success in a row
  closes the breaker. A failure re-opens it for another 60 s (not a new incident: no second
  notification). A probe whose process died simply lets its lease run out.

A healthy app costs one round trip per call: :func:`admit` tells the caller when the breaker is
closed with no failure on record, and the caller then skips :func:`record_success` (there is
nothing to reset). The one difference from recording every success: a success whose call
*started* before a concurrent call's failure was counted does not reset that failure (it is
ordered by when it was admitted, not by when it ended). Failures are always counted, so this can
only make a breaker open a little sooner under a race, never later.

Where the state lives: with ``REDIS_URL`` set, in one Redis hash per pair under the cache's key
prefix, read and written by one Lua script per operation, so concurrent callers in different
processes never lose a count and exactly one of them gets the probe. Without Redis (the embedded
default: one process), in a dictionary behind a lock.

The clock is Python's ``time.time()``, passed into the script, not Redis' ``TIME``: tests move
it with time-machine, and the web and worker machines keep NTP time anyway.
"""

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from django.core.cache import cache
from redis.exceptions import NoScriptError, RedisError

from umbrella.cache import redis_client

FAILURES_TO_OPEN = 5
OPEN_SECONDS = 60.0
SUCCESSES_TO_CLOSE = 3
DEFAULT_LEASE_SECONDS = 35.0  # the longest timeout (30 s) and a margin
KEY_TTL_SECONDS = 24 * 3600  # a pair nobody called for a day is forgotten (closed)

logger = logging.getLogger(__name__)

State = Literal["closed", "open", "half_open"]


@dataclass(frozen=True)
class Snapshot:
    """What the staff page shows about one (app, capability)."""

    state: State
    failures: int  # consecutive failures counted while closed
    successes: int  # successes in half_open
    last_failure_at: float | None  # unix time
    probe_at: float | None  # when a probe may go (open), else None


def _snapshot(raw: dict[str, str], now: float) -> Snapshot:
    stored = raw.get("s", "closed")
    last = float(raw["t"]) if raw.get("t") else None
    probe_at = last + OPEN_SECONDS if stored == "open" and last is not None else None
    # An open breaker whose 60 s are over lets the next call through: report it as half-open.
    state = "half_open" if probe_at is not None and now >= probe_at else stored
    return Snapshot(
        state=state,  # type: ignore[arg-type]
        failures=int(float(raw.get("f", 0))),
        successes=int(float(raw.get("ok", 0))),
        last_failure_at=last,
        probe_at=probe_at,
    )


# What :func:`admit` answers: refused, allowed, or allowed with nothing counted at all (closed
# and no failure on record), in which case a success has nothing to reset.
REFUSED, ALLOWED, ALLOWED_CLEAN = 0, 1, 2


class Backend(Protocol):
    def admit(self, key: str, now: float, lease: float) -> int: ...
    def allow(self, key: str, now: float, lease: float) -> bool: ...
    def success(self, key: str, now: float) -> None: ...
    def failure(self, key: str, now: float) -> bool: ...
    def read(self, key: str) -> dict[str, str]: ...
    def read_many(self, keys: Sequence[str]) -> list[dict[str, str]]: ...
    def reset(self, key: str) -> None: ...


# One script, one operation per call (ARGV[1]); the hash fields are
# s = state, f = consecutive failures, ok = half-open successes, t = last failure (unix s),
# p = probe lease end (unix s). A missing hash is a closed breaker with no failures.
_LUA = """
local key, op, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
local to_open, open_s, to_close = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local lease, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local s = redis.call('HGET', key, 's') or 'closed'
local function admit()
  if s == 'closed' then return 2 - redis.call('EXISTS', key) end
  if s == 'open' then
    if now < tonumber(redis.call('HGET', key, 't')) + open_s then return 0 end
    redis.call('HSET', key, 's', 'half_open', 'ok', 0, 'p', now + lease)
  else
    if now < tonumber(redis.call('HGET', key, 'p') or '0') then return 0 end
    redis.call('HSET', key, 'p', now + lease)
  end
  redis.call('EXPIRE', key, ttl)
  return 1
end
if op == 'allow' then
  -- KEYS[2], when given, is a key read in the same round trip (the app's secrets stamp)
  if KEYS[2] then return {admit(), redis.call('GET', KEYS[2]) or ''} end
  return admit()
elseif op == 'success' then
  if s == 'closed' then
    if redis.call('EXISTS', key) == 1 then redis.call('DEL', key) end
  elseif s == 'half_open' then
    if redis.call('HINCRBY', key, 'ok', 1) >= to_close then
      redis.call('DEL', key)
    else
      redis.call('HSET', key, 'p', 0)
      redis.call('EXPIRE', key, ttl)
    end
  end
  return 0
elseif op == 'failure' then
  local opened = 0
  if s == 'closed' then
    if redis.call('HINCRBY', key, 'f', 1) >= to_open then
      redis.call('HSET', key, 's', 'open')
      opened = 1
    end
    redis.call('HSET', key, 't', now)
  elseif s == 'half_open' then
    redis.call('HSET', key, 's', 'open', 't', now, 'ok', 0, 'p', 0)
  else
    if now > tonumber(redis.call('HGET', key, 't')) then redis.call('HSET', key, 't', now) end
  end
  redis.call('EXPIRE', key, ttl)
  return opened
end
return redis.error_reply('unknown breaker operation ' .. op)
"""


class RedisBackend:
    """The shared state: one Lua script call per operation (atomic across processes)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.script = client.register_script(_LUA)

    def _eval(self, op: str, keys: list[str], now: float, lease: float = 0.0) -> Any:
        args = [op, repr(now), FAILURES_TO_OPEN, OPEN_SECONDS, SUCCESSES_TO_CLOSE, lease]
        args.append(KEY_TTL_SECONDS)
        try:  # EVALSHA straight away (umbrella.cache does the same): one round trip
            return self.client.evalsha(self.script.sha, len(keys), *keys, *args)
        except NoScriptError:  # a restarted or flushed Redis: the wrapper loads the script
            return self.script(keys=keys, args=args)

    def _run(self, op: str, key: str, now: float, lease: float = 0.0) -> int:
        return int(self._eval(op, [key], now, lease))

    def admit(self, key: str, now: float, lease: float) -> int:
        return self._run("allow", key, now, lease)

    def admit_and_read(self, key: str, now: float, lease: float, other: str) -> tuple[int, str]:
        """:meth:`admit`, and the value of the string key ``other`` ('' when missing), in one
        round trip."""
        admitted, value = self._eval("allow", [key, other], now, lease)
        return int(admitted), value.decode() if isinstance(value, bytes) else str(value)

    def allow(self, key: str, now: float, lease: float) -> bool:
        return self.admit(key, now, lease) != REFUSED

    def success(self, key: str, now: float) -> None:
        self._run("success", key, now)

    def failure(self, key: str, now: float) -> bool:
        return self._run("failure", key, now) == 1

    def read(self, key: str) -> dict[str, str]:
        raw = self.client.hgetall(key)
        return {k.decode(): v.decode() for k, v in raw.items()}

    def read_many(self, keys: Sequence[str]) -> list[dict[str, str]]:
        """Every hash of ``keys``, in one round trip (a pipeline of HGETALLs, no MULTI)."""
        if not keys:
            return []
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        return [{k.decode(): v.decode() for k, v in raw.items()} for raw in pipe.execute()]

    def reset(self, key: str) -> None:
        self.client.delete(key)


@dataclass
class _Pair:
    s: str = "closed"
    f: int = 0
    ok: int = 0
    t: float = 0.0
    p: float = 0.0


class MemoryBackend:
    """The same rules in one process (the embedded default has one), behind a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pairs: dict[str, _Pair] = {}

    def admit(self, key: str, now: float, lease: float) -> int:
        with self.lock:
            pair = self.pairs.get(key)
            if pair is None:
                return ALLOWED_CLEAN
            if pair.s == "closed":
                return ALLOWED
            if pair.s == "open":
                if now < pair.t + OPEN_SECONDS:
                    return REFUSED
                pair.s, pair.ok, pair.p = "half_open", 0, now + lease
                return ALLOWED
            if now < pair.p:
                return REFUSED
            pair.p = now + lease
            return ALLOWED

    def allow(self, key: str, now: float, lease: float) -> bool:
        return self.admit(key, now, lease) != REFUSED

    def success(self, key: str, now: float) -> None:
        with self.lock:
            pair = self.pairs.get(key)
            if pair is None or pair.s == "open":
                return
            pair.ok += 1
            if pair.s == "closed" or pair.ok >= SUCCESSES_TO_CLOSE:
                del self.pairs[key]
            else:
                pair.p = 0.0

    def failure(self, key: str, now: float) -> bool:
        with self.lock:
            pair = self.pairs.setdefault(key, _Pair())
            if pair.s == "closed":
                pair.f += 1
                pair.t = now
                if pair.f >= FAILURES_TO_OPEN:
                    pair.s = "open"
                    return True
            elif pair.s == "half_open":
                pair.s, pair.t, pair.ok, pair.p = "open", now, 0, 0.0
            else:
                pair.t = max(pair.t, now)
            return False

    def read(self, key: str) -> dict[str, str]:
        with self.lock:
            pair = self.pairs.get(key)
            return {} if pair is None else {k: str(v) for k, v in vars(pair).items()}

    def read_many(self, keys: Sequence[str]) -> list[dict[str, str]]:
        return [self.read(key) for key in keys]

    def reset(self, key: str) -> None:
        with self.lock:
            self.pairs.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.pairs.clear()


MEMORY = MemoryBackend()
_REDIS: dict[int, RedisBackend] = {}


def backend() -> Backend:
    """Redis when the cache is Redis (``REDIS_URL``), else this process's memory."""
    client = redis_client(cache)
    if client is None:
        return MEMORY
    found = _REDIS.get(id(client))
    if found is None or found.client is not client:
        found = _REDIS[id(client)] = RedisBackend(client)
    return found


def _key(app_id: str, capability: str) -> str:
    name = f"events:breaker:{app_id}:{capability}"
    return cache.make_and_validate_key(name) if redis_client(cache) is not None else name


# allow / record_success / record_failure *fail open*: when Redis cannot be reached the call
# goes (its own timeout still bounds it) and the outcome is not counted, rather than every
# draw and registration failing with the breaker's store. Logged, so it is seen.


def allow(app_id: str, capability: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> bool:
    """May a call to this (app, capability) go now? In half-open, ``True`` hands the caller the
    one probe for ``lease_seconds`` (pass the call's timeout plus a margin); it must then
    report the outcome with :func:`record_success` or :func:`record_failure`."""
    return admit(app_id, capability, lease_seconds=lease_seconds) != REFUSED


def admit(app_id: str, capability: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> int:
    """:func:`allow` that says more, in the same single round trip: :data:`REFUSED`,
    :data:`ALLOWED`, or :data:`ALLOWED_CLEAN` (closed, and not one failure on record). After
    ``ALLOWED_CLEAN`` a success need not be recorded (:func:`record_success` would find nothing
    to reset): the hot path of a healthy app is one Redis round trip per call, not two. A failure
    is always recorded."""
    try:
        return backend().admit(_key(app_id, capability), time.time(), lease_seconds)
    except RedisError:
        logger.warning("breaker store unreachable: %s %s allowed", app_id, capability)
        return ALLOWED


def admit_and_read(
    app_id: str, capability: str, other_key: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS
) -> tuple[int, str | None]:
    """:func:`admit`, plus the value of the (full, prefixed) Redis key ``other_key`` read in the
    same round trip: ``''`` when the key is missing, ``None`` when there is no Redis (or it cannot
    be reached): the caller then has no shared value to go by."""
    store = backend()
    try:
        if isinstance(store, RedisBackend):
            return store.admit_and_read(
                _key(app_id, capability), time.time(), lease_seconds, other_key
            )
        return store.admit(_key(app_id, capability), time.time(), lease_seconds), None
    except RedisError:
        logger.warning("breaker store unreachable: %s %s allowed", app_id, capability)
        return ALLOWED, None


def record_success(app_id: str, capability: str) -> None:
    try:
        backend().success(_key(app_id, capability), time.time())
    except RedisError:
        logger.warning("breaker store unreachable: success of %s %s lost", app_id, capability)


def record_failure(app_id: str, capability: str) -> bool:
    """Count a failure; ``True`` when this failure just opened a closed breaker (notify then).
    A failed half-open probe re-opens it and returns ``False``: same incident."""
    try:
        return backend().failure(_key(app_id, capability), time.time())
    except RedisError:
        logger.warning("breaker store unreachable: failure of %s %s lost", app_id, capability)
        return False


def snapshot(app_id: str, capability: str) -> Snapshot:
    return _snapshot(backend().read(_key(app_id, capability)), time.time())


def states(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], State]:
    """The state of each (app id, capability) of ``pairs``, read in **one** round trip however
    many there are (the staff page shows hundreds). ``"unknown"`` is never answered: a store
    that cannot be reached raises, as :func:`snapshot` does."""
    wanted = list(dict.fromkeys(pairs))
    raws = backend().read_many([_key(app_id, capability) for app_id, capability in wanted])
    now = time.time()
    return {pair: _snapshot(raw, now).state for pair, raw in zip(wanted, raws, strict=True)}


def state(app_id: str, capability: str) -> State:
    """``closed``, ``open`` or ``half_open`` (also an open breaker whose 60 s are over: the next
    call will be its probe)."""
    return snapshot(app_id, capability).state


def reset(app_id: str, capability: str) -> bool:
    """Close the breaker and forget its counts (staff's "reset breaker", a re-enabled webhook).
    ``False`` when the store cannot be reached (logged): while it can't, calls go anyway (the
    breaker fails open), so there is nothing to undo meanwhile."""
    try:
        backend().reset(_key(app_id, capability))
    except RedisError:
        logger.warning("breaker store unreachable: reset of %s %s lost", app_id, capability)
        return False
    return True
