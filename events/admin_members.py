"""Staff's door to a room's participants, prizes, winners and draws (issue 12).

They are records written by the room services, so here they are read; what staff do to them
goes through the same services as the API (staff may do everything a room allows, policy):

- participants: **approve** (``participant_approve``) and **remove** (``participant_remove``:
  never the last organizer);
- prizes: **delete** (``prize_delete``: soft when the prize has winners or draws);
- winners: **revoke** (``winner_revoke``: the unit goes back to the prize).

Draws are never changed: they are the public, verifiable record.
Imported by :mod:`events.admin` (Django discovers only ``admin.py``).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from accounts.selectors import request_user
from artists.admin import RecordAdmin
from events.models import Draw, Participant, Prize, Winner
from events.services import participants as participant_services
from events.services import prizes as prize_services
from events.services import winners as winner_services
from umbrella.errors import ApplicationError


def _each(
    model_admin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    queryset: QuerySet[Any],
    act: Callable[[Any, User], object],
    done: str,
) -> None:
    """``act(row, by)`` (a service call) for every chosen row; a refusal is reported and the
    others go on."""
    names = []
    for row in queryset:
        try:
            act(row, request_user(request))
        except ApplicationError as error:
            model_admin.message_user(request, f"{row}: {error.message}", messages.ERROR)
        else:
            names.append(str(row.pk))
    if names:
        model_admin.message_user(request, f"{done}: {', '.join(names)}.", messages.SUCCESS)


@admin.register(Participant)
class ParticipantAdmin(RecordAdmin):
    list_display = ["id", "room", "user", "role", "status", "joined_at", "deleted_at"]
    list_filter = ["role", "status", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["room__name", "user__email", "user__display_name"]
    list_select_related = ["room", "user"]
    raw_id_fields = ["room", "user"]
    actions = ["approve", "remove"]

    @admin.action(description="Approve the people awaiting approval")
    def approve(self, request: HttpRequest, queryset: QuerySet[Participant]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda row, by: participant_services.participant_approve(
                room=row.room, by=by, participant_id=row.pk
            ),
            "Approved",
        )

    @admin.action(description="Remove from their room (they may join again)")
    def remove(self, request: HttpRequest, queryset: QuerySet[Participant]) -> None:
        _each(
            self,
            request,
            queryset.filter(deleted_at__isnull=True),
            lambda row, by: participant_services.participant_remove(
                room=row.room, by=by, participant_id=row.pk
            ),
            "Removed",
        )


@admin.register(Prize)
class PrizeAdmin(RecordAdmin):
    list_display = ["id", "name", "room", "quantity", "quantity_remaining", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "room__name"]
    list_select_related = ["room"]
    raw_id_fields = ["room"]
    actions = ["delete_prizes"]

    @admin.action(description="Delete the prizes (kept in the record if they have winners)")
    def delete_prizes(self, request: HttpRequest, queryset: QuerySet[Prize]) -> None:
        _each(
            self,
            request,
            queryset.filter(deleted_at__isnull=True),
            lambda row, by: prize_services.prize_delete(room=row.room, by=by, prize_id=row.pk),
            "Deleted",
        )


@admin.register(Winner)
class WinnerAdmin(RecordAdmin):
    list_display = ["id", "room", "prize", "participant", "method", "created_at", "revoked_at"]
    list_filter = ["method", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["room__name", "prize__name", "participant__user__email"]
    list_select_related = ["room", "prize", "participant"]
    raw_id_fields = ["room", "prize", "participant", "draw", "selected_by", "revoked_by"]
    actions = ["revoke"]

    @admin.action(description="Revoke the wins (the units go back to their prizes)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Winner]) -> None:
        _each(
            self,
            request,
            queryset.filter(revoked_at__isnull=True),
            lambda row, by: winner_services.winner_revoke(room=row.room, by=by, winner_id=row.pk),
            "Revoked",
        )


@admin.register(Draw)
class DrawAdmin(RecordAdmin):
    list_display = ["id", "room", "number", "prize", "method", "fallback_used", "created_at"]
    list_filter = ["method", "fallback_used"]
    search_fields = ["room__name", "entrants_hash", "revealed"]
    list_select_related = ["room", "prize"]
    raw_id_fields = ["room", "prize", "created_by"]


__all__ = ["DrawAdmin", "ParticipantAdmin", "PrizeAdmin", "WinnerAdmin"]
