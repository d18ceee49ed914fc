"""Staff's door to the app platform. Apps are registered, versioned and rotated through the API
and the developer console (their services), so here they are read, not edited; what staff do
to them goes through the same functions as everywhere else:

- **reset breaker**: ``events.webhooks.breaker.reset`` for each of the app's webhook
  capabilities (closed, counts forgotten), the function the re-enable path uses;
- **call webhooks again**: ``events.services.apps.app_webhook_enable`` for each webhook a 410
  Gone switched off (the console's **Re-enable** button and ``POST …/webhooks/{capability}/
  enable``): back on the list of called webhooks, breaker closed;
- **disable / enable app**: ``events.services.apps.app_disable`` / ``app_enable`` (the console's
  staff switch);
- **replay dead letters**: ``events.services.deliveries.dead_letters_replay(all=True)`` (the
  console's "Replay all": the oldest batch per call, letters being replayed skipped).

Webhook attempts, dead letters, incidents and health checks are records written by the
platform: read-only lists with filters. Nothing is deleted here: attempts are pruned after 90
days, dead letters are replayed or deleted from the console, incidents close by themselves.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from accounts.models import User
from accounts.selectors import request_user
from artists.admin import RecordAdmin
from events import metrics
from events.models import (
    App,
    AppHealth,
    AppIncident,
    AppManifestVersion,
    DeadLetter,
    WebhookDelivery,
)
from events.notifications import console_path
from events.services import apps as app_services
from events.services import deliveries as delivery_services
from events.webhooks import breaker
from umbrella.errors import ApplicationError


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(ReadOnlyInline):
    model = AppManifestVersion
    fields = ("version", "published_at", "deprecated_at", "deprecation_reason")
    readonly_fields = fields


class OpenIncidentInline(ReadOnlyInline):
    model = AppIncident
    verbose_name_plural = "open incidents"
    fields = ("kind", "capability", "severity", "detail", "opened_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AppIncident]:
        return super().get_queryset(request).filter(closed_at__isnull=True)


class HealthInline(ReadOnlyInline):
    model = AppHealth
    fields = (
        "consecutive_failures",
        "last_checked_at",
        "last_ok_at",
        "last_status_code",
        "last_error",
    )
    readonly_fields = fields


@admin.register(App)
class AppAdmin(RecordAdmin):
    list_display = [
        "app_id",
        "name",
        "owner",
        "manifest_version",
        "is_active",
        "webhooks_disabled",
        "created_at",
    ]
    list_filter = ["is_active", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["app_id", "name", "owner__email"]
    list_select_related = ["owner"]
    readonly_fields = (
        "app_id",
        "name",
        "owner",
        "manifest_version",
        "is_active",
        "disabled_webhooks",
        "links",
        "manifest",
        "created_at",
        "updated_at",
        "deleted_at",
    )
    fields = readonly_fields
    inlines = [HealthInline, OpenIncidentInline, VersionInline]
    actions = [
        "reset_breaker",
        "enable_webhooks",
        "disable_app",
        "enable_app",
        "replay_dead_letters",
    ]

    @admin.display(description="webhooks off (410)")
    def webhooks_disabled(self, obj: App) -> str:
        return ", ".join(obj.disabled_webhooks) or "—"

    @admin.display(description="pages")
    def links(self, obj: App) -> str:
        return format_html(
            '<a href="{}">console</a> · <a href="{}">metrics</a>',
            console_path(obj),
            console_path(obj, "metrics/"),
        )

    @admin.action(description="Reset the circuit breakers (every webhook capability)")
    def reset_breaker(self, request: HttpRequest, queryset: QuerySet[App]) -> None:
        done = []
        for app in queryset:
            capabilities = metrics.app_capabilities(app)
            for capability in capabilities:
                breaker.reset(app.app_id, capability)
            done.append(f"{app.app_id} ({', '.join(capabilities) or 'no webhooks'})")
        self.message_user(request, f"Breakers reset: {'; '.join(done)}.", messages.SUCCESS)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[App],
        act: Callable[[App, User], str],
        done: str,
    ) -> None:
        """``act(app, by)`` (a service call; what it returns is added to the app's name) for
        every chosen app; a refusal is reported and the others go on."""
        names = []
        for app in queryset:
            try:
                result = act(app, request_user(request))
            except ApplicationError as error:
                self.message_user(request, f"{app.app_id}: {error.message}", messages.ERROR)
            else:
                names.append(app.app_id + result)
        if names:
            self.message_user(request, f"{done}: {', '.join(names)}.", messages.SUCCESS)

    @admin.action(description="Call again the webhooks switched off by a 410 Gone")
    def enable_webhooks(self, request: HttpRequest, queryset: QuerySet[App]) -> None:
        def enable(app: App, by: User) -> str:
            capabilities = list(app.disabled_webhooks)
            for capability in capabilities:
                app_services.app_webhook_enable(app=app, capability=capability, by=by)
            return f" ({', '.join(capabilities) or 'none was off'})"

        self._each(request, queryset, enable, "Webhooks called again")

    @admin.action(description="Disable the apps (no webhook calls, no app tokens)")
    def disable_app(self, request: HttpRequest, queryset: QuerySet[App]) -> None:
        def disable(app: App, by: User) -> str:
            app_services.app_disable(app=app, by=by)
            return ""

        self._each(request, queryset, disable, "Disabled")

    @admin.action(description="Enable the apps")
    def enable_app(self, request: HttpRequest, queryset: QuerySet[App]) -> None:
        def enable(app: App, by: User) -> str:
            app_services.app_enable(app=app, by=by)
            return ""

        self._each(request, queryset, enable, "Enabled")

    @admin.action(description="Replay the apps' dead letters")
    def replay_dead_letters(self, request: HttpRequest, queryset: QuerySet[App]) -> None:
        def replay(app: App, by: User) -> str:
            result = delivery_services.dead_letters_replay(app=app, by=by, all=True)
            left = f", {result.remaining} left: run again" if result.remaining else ""
            return f" ({len(result.replayed)} replayed{left})"

        self._each(request, queryset, replay, "Dead letters queued again")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RecordAdmin):
    list_display = [
        "created_at",
        "app",
        "capability",
        "event",
        "webhook_id",
        "attempt",
        "outcome",
        "status_code",
        "duration_ms",
    ]
    list_filter = ["outcome", "capability", "created_at"]
    search_fields = ["webhook_id", "app__app_id", "event"]
    list_select_related = ["app"]
    raw_id_fields = ["app"]
    show_full_result_count = False  # millions of rows: no COUNT(*) of the whole table


@admin.register(DeadLetter)
class DeadLetterAdmin(RecordAdmin):
    list_display = [
        "failed_at",
        "app",
        "capability",
        "event",
        "webhook_id",
        "attempts",
        "requeued_at",
        "short_error",
    ]
    list_filter = ["capability", ("requeued_at", admin.EmptyFieldListFilter), "failed_at"]
    search_fields = ["webhook_id", "app__app_id", "event"]
    list_select_related = ["app"]
    raw_id_fields = ["app"]

    @admin.display(description="last error")
    def short_error(self, obj: DeadLetter) -> str:
        return obj.last_error[:80]


@admin.register(AppIncident)
class AppIncidentAdmin(RecordAdmin):
    list_display = ["opened_at", "app", "capability", "kind", "severity", "closed_at", "detail"]
    list_filter = ["kind", "severity", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["app__app_id", "detail"]
    list_select_related = ["app"]


# Rooms, and a room's participants, prizes, winners and draws (issue 12): their own modules.
from events import admin_members, admin_rooms  # noqa: E402, F401
