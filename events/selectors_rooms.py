"""Reads of rooms used across the events platform.

The app platform's two rules about rooms (events.usage) are answered here: how many active
rooms of an app use some capabilities (a room uses every capability of the manifest version it
is locked to), and who organizes the draft and active rooms on a version.
"""

from collections.abc import Iterable

from django.db.models import Count, Q

from accounts.models import User
from events import policy
from events.models import App, AppManifestVersion, Participant, Role, Room, RoomStatus
from umbrella.errors import NotFoundError


def active_rooms_using(*, app: App, capabilities: frozenset[str]) -> int:
    """Active (live) rooms of ``app`` whose locked version has any of ``capabilities``."""
    versions = (
        AppManifestVersion.objects.filter(app=app)
        .annotate(
            active_rooms=Count(
                "rooms",
                filter=Q(rooms__status=RoomStatus.ACTIVE, rooms__deleted_at__isnull=True),
            )
        )
        .filter(active_rooms__gt=0)
        .values_list("manifest", "active_rooms")
    )
    return sum(
        count
        for manifest, count in versions
        if capabilities & set((manifest or {}).get("capabilities") or [])
    )


def organizers_on_version(*, app: App, version: str) -> Iterable[User]:
    """Organizers (and room admins) of draft and active rooms of ``app`` on ``version``."""
    user_ids = (
        Participant.objects.live()
        .filter(
            role__in=(Role.ORGANIZER, Role.ADMIN),
            room__app=app,
            room__app_manifest_version__version=version,
            room__status__in=(RoomStatus.DRAFT, RoomStatus.ACTIVE),
            room__deleted_at__isnull=True,
        )
        .values("user_id")
    )
    return User.objects.filter(pk__in=user_ids, is_active=True)


def room_get(room_id: object, user: object) -> Room:
    """The live room ``room_id`` if ``user`` may read it (policy ``room.read``), else
    ``404 not_found`` — a private room's existence is not revealed."""
    try:
        room = (
            Room.objects.live()
            .select_related("app", "app_manifest_version")
            .get(
                pk=int(room_id)  # type: ignore[call-overload]
            )
        )
    except (Room.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFoundError("not_found", "No such room.") from None
    policy.require(user, policy.ROOM_READ, room)
    return room
