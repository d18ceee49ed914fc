"""``GET /api/v1/health``: database, cache, broker and storage, each reported on its own."""

import logging
import time
import uuid
from collections.abc import Callable
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

from umbrella.api import error_body
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
        "not throttled. `503 service_unavailable` names what is down in `details.checks`.",
        extensions=raises("service_unavailable"),
        responses={
            (200, "application/json"): inline_serializer(
                name="Health",
                fields={
                    "status": serializers.ChoiceField(choices=["ok"]),
                    "checks": serializers.DictField(child=_Check),
                },
            ),
        },
    )
    def get(self, request: Request) -> Response:
        checks = run_checks()
        down = sorted(name for name, result in checks.items() if not result["ok"])
        if down:
            body = error_body(
                "service_unavailable", f"Down: {', '.join(down)}.", {"checks": checks}
            )
            return Response(body, status=503)
        return Response({"status": "ok", "checks": checks})
