"""Reads of a room's participants, prizes and winners (SPEC-events §6), for the API, pages and
admin. The room itself comes from :func:`events.selectors_rooms.room_get` (its read rule); these
functions only shape the lists, each with a fixed number of queries whatever the page holds.

Who sees what: everyone who may read the room sees its active members, its live prizes and its
winners. People awaiting approval and members' ``metadata`` (what they joined with, what the app
stored) are shown only to those who manage participants (and to the room's app).
"""

from typing import Any

from django.db.models import QuerySet

from events import policy
from events.models import (
    Participant,
    ParticipantStatus,
    Prize,
    Room,
    Winner,
)
from umbrella.errors import NotFoundError


def sees_everything(user: Any, room: Room, *, app: bool = False) -> bool:
    """Pending people and metadata: managers of the room, staff, and the room's app."""
    return app or policy.can(user, policy.PARTICIPANTS_MANAGE, room)


def participants_of(
    room: Room,
    *,
    everything: bool,
    role: str | None = None,
    status: str | None = None,
) -> QuerySet[Participant]:
    """The room's live participants (not left), oldest first, with their users."""
    rows = Participant.objects.live().filter(room=room).select_related("user")
    if not everything:
        rows = rows.filter(status=ParticipantStatus.ACTIVE)
    if role:
        rows = rows.filter(role=role)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("joined_at", "id")


def participant_of(room: Room, participant_id: Any, *, everything: bool) -> Participant:
    try:
        return participants_of(room, everything=everything).get(pk=int(participant_id))
    except (Participant.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFoundError("not_found", "No such participant in this room.") from None


def prizes_of(room: Room) -> QuerySet[Prize]:
    """The room's live prizes, in the order they were made."""
    return Prize.objects.live().filter(room=room).order_by("created_at", "id")


def prize_of(room: Room, prize_id: Any) -> Prize:
    try:
        return prizes_of(room).get(pk=int(prize_id))
    except (Prize.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFoundError("not_found", "No such prize in this room.") from None


def winners_of(
    room: Room,
    *,
    prize_id: int | None = None,
    include_revoked: bool = False,
) -> QuerySet[Winner]:
    """The room's winners (live ones unless ``include_revoked``), oldest first, with the
    prize and the winner's user."""
    rows = Winner.objects.filter(room=room).select_related("prize", "participant__user")
    if not include_revoked:
        rows = rows.live()
    if prize_id is not None:
        rows = rows.filter(prize_id=prize_id)
    return rows.order_by("created_at", "id")
