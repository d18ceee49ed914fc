"""Health: a free liveness probe, and deep checks that anonymous callers cannot multiply.

* ``GET /api/v1/health/live`` touches nothing: the process answers, so it is alive.
* ``GET /api/v1/health`` reports the database, cache, broker and storage, each on its own. The
  checks run at most once per ``HEALTH_CHECK_INTERVAL`` seconds; callers in between get the
  stored result (``checked_at`` says when it was taken), so a flood of anonymous calls costs
  cache reads, not database queries, broker connections and storage writes.
* A caller with ``X-Health-Token: <HEALTH_TOKEN>`` (when that setting is set) gets a fresh run.
"""

import contextlib
import hmac
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from umbrella.api import error_body, iso_timestamp
from umbrella.celery import app as celery_app
from umbrella.schema import raises


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # tasks run in-process: there is no broker to reach
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def check_storage() -> None:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


logger = logging.getLogger(__name__)

CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def run_checks() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure means "down"
            # Callers are anonymous: name the failure, keep hosts and paths in the log only.
            logger.warning("health check %s failed", name, exc_info=exc)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return results


RESULT_KEY = "health:result"
_local: dict[str, Any] = {}  # the last result in this process, for when the cache is down
_running = threading.Lock()


def _fresh_result() -> dict[str, Any]:
    return {"checks": run_checks(), "checked_at": iso_timestamp(datetime.now(UTC))}


def _store(result: dict[str, Any]) -> None:
    _local.update(result=result, at=time.monotonic())
    # A cache that is down has been reported by the cache check already.
    with contextlib.suppress(Exception):
        cache.set(RESULT_KEY, result, timeout=settings.HEALTH_CHECK_INTERVAL)


def _stored() -> dict[str, Any] | None:
    try:
        return cache.get(RESULT_KEY)
    except Exception:  # the cache is down: fall back to this process's last result
        if _local and time.monotonic() - _local["at"] < settings.HEALTH_CHECK_INTERVAL:
            return _local["result"]
        return None


def checks_at_most_once_per_interval(*, force: bool = False) -> dict[str, Any]:
    """The stored result while it is fresh, else one new run (one at a time per process)."""
    if not force and (stored := _stored()) is not None:
        return stored
    with _running:
        # Callers that queued behind a run take its result instead of running again.
        if not force and (stored := _stored()) is not None:
            return stored
        result = _fresh_result()
        _store(result)
        return result


def _has_health_token(request: Request) -> bool:
    expected = settings.HEALTH_TOKEN
    given = request.headers.get("X-Health-Token", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


_Check = inline_serializer(
    name="HealthCheck",
    fields={
        "ok": serializers.BooleanField(),
        "latency_ms": serializers.FloatField(),
        "error": serializers.CharField(required=False),
    },
)


class HealthApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="health",
        summary="Service health",
        description="Database, cache, broker and storage, each checked on its own. Public, "
        "not throttled. The checks run at most once per `HEALTH_CHECK_INTERVAL` seconds "
        "(`checked_at` says when); an `X-Health-Token` header with the `HEALTH_TOKEN` setting "
        "forces a fresh run. `503 service_unavailable` names what is down in `details.checks`.",
        extensions=raises("service_unavailable"),
        responses={
            (200, "application/json"): inline_serializer(
                name="Health",
                fields={
                    "status": serializers.ChoiceField(choices=["ok"]),
                    "checks": serializers.DictField(child=_Check),
                    "checked_at": serializers.DateTimeField(),
                },
            ),
        },
    )
    def get(self, request: Request) -> Response:
        result = checks_at_most_once_per_interval(force=_has_health_token(request))
        checks = result["checks"]
        down = sorted(name for name, check in checks.items() if not check["ok"])
        if down:
            body = error_body(
                "service_unavailable",
                f"Down: {', '.join(down)}.",
                {"checks": checks, "checked_at": result["checked_at"]},
            )
            return Response(body, status=503)
        return Response({"status": "ok", **result})


class LivenessApi(APIView):
    """The process is up and answering: no database, cache, broker or storage call."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="health_live",
        summary="Liveness",
        description="The process answers. Touches no database, cache, broker or storage: "
        "for load balancers that probe often.",
        responses={
            (200, "application/json"): inline_serializer(
                name="Liveness", fields={"status": serializers.ChoiceField(choices=["ok"])}
            )
        },
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})
