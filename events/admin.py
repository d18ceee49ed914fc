"""Staff's door to the app platform. Apps are registered, versioned and rotated through the API
and the developer console (their services), so here they are read, not edited; what staff do
to them goes through the same functions as everywhere else:

- **reset breaker**: ``events.webhooks.breaker.reset`` for each of the app's webhook
  capabilities (closed, counts forgotten), the function the re-enable path uses.

Webhook attempts, dead letters, incidents and health checks are records written by the
platform: read-only lists with filters. Nothing is deleted here: attempts are pruned after 90
days, dead letters are replayed or deleted from the console, incidents close by themselves.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

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
from events.webhooks import breaker


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
    actions = ["reset_breaker"]

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
