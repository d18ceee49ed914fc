"""Staff's door to rooms (imported by events/admin.py). Rooms are created with validated
settings through the API and pages, so here staff read them, rename them, switch their
visibility, move them through their statuses and delete them, each through the room services
(events.services.rooms: the same checks, audit rows and live events as everywhere else).
Participants and prizes show inline, read-only; the audit is a read-only record."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.selectors import request_user
from artists.admin import RecordAdmin
from events.models import Participant, Prize, Room, RoomAudit
from events.services import rooms as services
from umbrella.errors import ApplicationError


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ParticipantInline(_ReadOnlyInline):
    model = Participant
    fields = ("user", "role", "status", "joined_at", "deleted_at")
    readonly_fields = fields


class PrizeInline(_ReadOnlyInline):
    model = Prize
    fields = ("name", "quantity", "quantity_remaining", "deleted_at")
    readonly_fields = fields


class AuditInline(_ReadOnlyInline):
    model = RoomAudit
    fields = ("created_at", "action", "from_status", "to_status", "by", "detail")
    readonly_fields = fields


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "app", "status", "is_public", "gig", "created_by", "created_at"]
    list_filter = ["status", "is_public", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "app__app_id", "created_by__email"]
    list_select_related = ["app", "gig", "created_by"]
    fields = (
        "name",
        "description",
        "is_public",
        "app",
        "app_manifest_version",
        "status",
        "gig",
        "created_by",
        "app_settings",
        "event_seq",
        "created_at",
        "updated_at",
        "deleted_at",
    )
    readonly_fields = fields[3:]
    inlines = [ParticipantInline, PrizeInline, AuditInline]
    actions = ["activate", "complete", "cancel", "soft_delete"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Room]:
        return super().get_queryset(request).select_related("app", "app_manifest_version")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # settings are validated against a manifest: the API and pages create

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a hard delete would skip the service
        return actions

    def save_model(self, request: HttpRequest, obj: Room, form: Any, change: bool) -> None:
        try:
            services.room_update(
                room=obj,
                by=request_user(request),
                name=form.cleaned_data.get("name"),
                description=form.cleaned_data.get("description"),
                is_public=form.cleaned_data.get("is_public"),
            )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: Room) -> None:
        services.room_delete(room=obj, by=request_user(request))

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Room],
        act: Callable[..., Any],
        done: str,
    ) -> None:
        """``act(room=, by=)`` for every chosen room; a refusal is reported, the others go on."""
        names = []
        for room in queryset:
            try:
                act(room=room, by=request_user(request))
            except ApplicationError as error:
                self.message_user(request, f"{room.name}: {error.message}", messages.ERROR)
            else:
                names.append(room.name)
        if names:
            self.message_user(request, f"{done}: {', '.join(names)}.", messages.SUCCESS)

    @admin.action(description="Activate (draft → active; makes the draw commitment)")
    def activate(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        self._each(request, queryset, services.room_activate, "Activated")

    @admin.action(description="Complete (active → completed)")
    def complete(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        self._each(request, queryset, services.room_complete, "Completed")

    @admin.action(description="Cancel (draft or active → cancelled)")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        self._each(request, queryset, services.room_cancel, "Cancelled")

    @admin.action(description="Delete (soft: hidden everywhere, kept for the record)")
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[Room]) -> None:
        live: Callable[..., Any] = services.room_delete
        self._each(request, queryset.filter(deleted_at__isnull=True), live, "Deleted")


@admin.register(RoomAudit)
class RoomAuditAdmin(RecordAdmin):
    list_display = ["created_at", "room", "action", "from_status", "to_status", "by"]
    list_filter = ["action"]
    search_fields = ["room__name", "by__email"]
    list_select_related = ["room", "by"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
