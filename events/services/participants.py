"""Room membership (SPEC-events §2, §6 Participants): join, leave, update, approve, remove.

Invariants kept here (docs/rooms.md, "Participants, prizes and winners"):

* one row per (room, user) for ever (a unique constraint): leaving or being removed
  soft-deletes it, joining again revives it (``201`` new, ``200`` revived) — 50 simultaneous
  joins by one person make one row, the others answer ``409 already_active``;
* a room always keeps at least one organizer: an organizer can't leave (the policy), and the
  last organizer can't be demoted or removed (``409 last_organizer``);
* nobody becomes ``organizer`` or ``admin`` through this module (``policy.UNGRANTABLE_ROLES``,
  ``403 role_not_grantable``); a moderator can't change or remove an organizer or an admin;
* joining a room whose locked manifest has ``participant_registration`` asks the app first
  (3 s, :func:`events.webhooks.calls.webhook_call`, outside any transaction): ``accept: true``
  admits, ``accept: false`` refuses (``403 registration_refused`` with the app's reason, nothing
  written), anything else (timeout, error, invalid answer, open breaker, disabled app) admits
  the person as ``pending_approval`` and asks the organizers to approve;
* a person joining a room of an artist may opt in to the artist's fan list in the same
  transaction (messaging's fans service records the consent).

``by`` is the person acting, or ``None`` for an app's system call (the API checked the app's
scope and that the room is the app's).
"""

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from events import notifications, policy, realtime, selectors_rooms
from events.models import (
    Capability,
    Participant,
    ParticipantStatus,
    Role,
    Room,
    RoomStatus,
)
from events.webhooks.calls import webhook_call
from messaging.fans import selectors as fan_selectors
from messaging.fans import services as fan_services
from umbrella.errors import ApplicationError, NotFoundError

METADATA_MAX_BYTES = 4096
REASON_MAX_CHARS = 500
REGISTRATION_EVENT = "participant.registration"
MANAGER_ROLES = frozenset({Role.ORGANIZER, Role.ADMIN, Role.MODERATOR})
# Rows only an organizer (or admin, or staff) may change or remove.
PROTECTED_ROLES = frozenset({Role.ORGANIZER, Role.ADMIN})


def participant_data(participant: Participant) -> dict[str, Any]:
    """A participant as live events show it (no email: the display name only)."""
    return {
        "id": participant.pk,
        "user_id": participant.user_id,
        "display_name": participant.user.get_short_name() if participant.user_id else "",
        "role": participant.role,
        "status": participant.status,
    }


def check_metadata(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ApplicationError(
            "validation_error",
            "metadata must be a JSON object.",
            details={"metadata": ["Must be a JSON object."]},
        )
    if len(json.dumps(metadata, separators=(",", ":"))) > METADATA_MAX_BYTES:
        raise ApplicationError(
            "validation_error",
            f"metadata is larger than {METADATA_MAX_BYTES} bytes.",
            details={"metadata": [f"At most {METADATA_MAX_BYTES} bytes of JSON."]},
        )
    return metadata


def _lock_room(room: Room) -> str:
    """Lock the room's row for the rest of the transaction and return its status.

    Every membership change takes this lock first (then participant rows; the live event's
    sequence number is the room row again), so changes of one room's members run one at a time
    in one lock order: two organizers demoting each other at once can't leave none, and a
    permission is checked against roles nobody is changing meanwhile."""
    current = (
        Room.objects.select_for_update().filter(pk=room.pk).values_list("status", "deleted_at")
    ).first()
    if current is None or current[1] is not None:
        raise NotFoundError("not_found", "No such room.")
    policy.forget_roles(room)  # roles read before the lock may be stale
    return current[0]


def _registration_needed(room: Room) -> bool:
    manifest = room.app_manifest_version.manifest or {}
    return Capability.PARTICIPANT_REGISTRATION in (manifest.get("capabilities") or [])


def _check_registration_answer(answer: Any) -> None:
    if not isinstance(answer, dict) or not isinstance(answer.get("accept"), bool):
        raise ValueError("expected {accept: true} or {accept: false, reason}")
    reason = answer.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ValueError("reason must be a string")


def _ask_app(room: Room, user: User, metadata: dict[str, Any]) -> tuple[str, str]:
    """``("accept" | "refuse" | "fallback", reason)`` from the app's registration webhook."""
    result = webhook_call(
        app=room.app,
        capability=Capability.PARTICIPANT_REGISTRATION,
        event=REGISTRATION_EVENT,
        # docs/apps.md fixes this body: {room_id, user: {id, display_name}, metadata}.
        payload={
            "room_id": room.pk,
            "user": {"id": user.pk, "display_name": user.get_short_name()},
            "metadata": metadata,
        },
        answer_check=_check_registration_answer,
    )
    if not result.ok:
        return "fallback", result.outcome
    if result.answer["accept"]:
        return "accept", ""
    reason = (result.answer.get("reason") or "").strip()[:REASON_MAX_CHARS]
    return "refuse", reason or "The room's app did not accept you."


def _existing_refusal(row: Participant | None) -> None:
    if row is None or row.deleted_at is not None:
        return
    if row.status == ParticipantStatus.PENDING_APPROVAL:
        raise ApplicationError(
            "already_pending",
            "You have asked to join this room already; an organizer has to approve it.",
            details={"participant_id": row.pk},
            status=409,
        )
    raise ApplicationError(
        "already_active",
        "Already a participant of this room.",
        details={"participant_id": row.pk},
        status=409,
    )


def participant_join(
    *,
    room: Room,
    by: User | None,
    user: User | None = None,
    metadata: dict[str, Any] | None = None,
    fan_list_opt_in: bool = False,
) -> tuple[Participant, bool]:
    """``user`` (default: ``by``) joins ``room``; returns ``(participant, created)``.

    ``by`` joins themselves (policy ``room.join``); adding someone else needs
    ``participants.manage``; ``by=None`` is an app's system call. The room must be active
    (``409 room_not_active``). A live row is ``409 already_active`` (``already_pending`` while
    awaiting approval); a left row is revived (role back to ``participant``).

    ``fan_list_opt_in``: the person also asks for the news of the room's artist
    (:func:`events.selectors_rooms.room_artist`) and is put on the artist's fan list by
    :func:`messaging.fans.services.room_opt_in`, in the join's transaction: both happen or
    neither. Only for oneself (``400 validation_error`` when adding someone else); a room that
    is no artist's, or whose artist has no list open for sign-ups, is ``409 no_fan_list`` and
    nobody joins.
    """
    metadata = check_metadata(metadata)
    user = user or by
    if user is None:
        raise ApplicationError(
            "validation_error",
            "Say who joins: user_id.",
            details={"user_id": ["Required for an app's system call."]},
        )
    if by is not None and by.pk != user.pk:
        policy.require(by, policy.PARTICIPANTS_MANAGE, room)
    else:
        # A member asking again hears 409 (SPEC-events §6), not the policy's 403 — also one
        # whose other request made them a member a moment ago.
        _existing_refusal(room.participants.filter(user_id=user.pk).first())
        if by is not None:
            try:
                policy.require(by, policy.ROOM_JOIN, room)
            except ApplicationError as refusal:
                if refusal.status_code == 403:
                    _existing_refusal(room.participants.filter(user_id=user.pk).first())
                raise
    if not user.is_active or getattr(user, "deleted_at", None) is not None:
        raise NotFoundError("not_found", "No such user.")
    if room.status != RoomStatus.ACTIVE:
        raise ApplicationError(
            "room_not_active",
            "Only an active room can be joined.",
            details={"status": room.status},
            status=409,
        )
    _existing_refusal(room.participants.filter(user_id=user.pk).first())
    artist_id = _fan_list_artist(room, by=by, user=user) if fan_list_opt_in else None

    status = ParticipantStatus.ACTIVE
    if _registration_needed(room):
        # Outside any transaction: no lock is held while the app thinks (up to 3 s).
        verdict, reason = _ask_app(room, user, metadata)
        if verdict == "refuse":
            raise ApplicationError(
                "registration_refused", reason, details={"reason": reason}, status=403
            )
        if verdict == "fallback":
            status = ParticipantStatus.PENDING_APPROVAL
    return _join_write(
        room=room, user=user, metadata=metadata, status=status, fan_list_artist_id=artist_id
    )


def _fan_list_artist(room: Room, *, by: User | None, user: User) -> int:
    """The artist whose fan list ``user`` opts in to by joining ``room`` (checked before the
    app is asked; the list itself is found again under its lock when the fan is added)."""
    if by is None or by.pk != user.pk:
        message = "Only the person joining can opt in to an artist's fan list."
        raise ApplicationError(
            "validation_error",
            message,
            details={"fan_list_opt_in": [message]},
            field="fan_list_opt_in",
        )
    artist = selectors_rooms.room_artist(room)
    if artist is None:
        raise fan_services.no_fan_list(None, "no_artist")
    if fan_selectors.room_list(artist_id=artist.pk) is None:
        raise fan_services.no_fan_list(artist.pk, "no_open_list")
    return artist.pk


@transaction.atomic
def _join_write(
    *,
    room: Room,
    user: User,
    metadata: dict[str, Any],
    status: str,
    fan_list_artist_id: int | None = None,
) -> tuple[Participant, bool]:
    # Re-checked under the lock: the room may have closed while the app answered.
    current = _lock_room(room)
    if current != RoomStatus.ACTIVE:
        raise ApplicationError(
            "room_not_active",
            "Only an active room can be joined.",
            details={"status": current},
            status=409,
        )
    now = timezone.now()
    created = False
    row = Participant.objects.select_for_update().filter(room=room, user=user).first()
    if row is None:
        try:
            with transaction.atomic():  # a savepoint: a racing insert loses on the unique key
                row = Participant.objects.create(
                    room=room, user=user, status=status, metadata=metadata, joined_at=now
                )
            created = True
        except IntegrityError:
            row = Participant.objects.select_for_update().get(room=room, user=user)
    if not created:
        _existing_refusal(row)
        row.role = Role.PARTICIPANT
        row.status = status
        row.metadata = metadata
        row.joined_at = now
        row.deleted_at = None
        row.save(update_fields=["role", "status", "metadata", "joined_at", "deleted_at"])
    row.user = user
    if fan_list_artist_id is not None:
        # After the room's lock (the lock order: room, then the fan list); a list closed since
        # the check is 409 no_fan_list and undoes the join.
        fan_services.room_opt_in(artist_id=fan_list_artist_id, user=user, room_id=room.pk)
    realtime.publish(room, "participant:joined", participant_data(row))
    if status == ParticipantStatus.PENDING_APPROVAL:
        notifications.participant_pending(room=room, participant=row)
    policy.forget_roles(room)
    return row, created


def _lock_participant(room: Room, participant_id: Any) -> Participant:
    try:
        return (
            Participant.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=int(participant_id), room=room, deleted_at__isnull=True)
        )
    except (Participant.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFoundError("not_found", "No such participant in this room.") from None


def _organizers_left(room: Room, *, without: Participant) -> int:
    """Other live, active organizers of ``room`` (read under the room's lock)."""
    return (
        Participant.objects.filter(
            room=room,
            role=Role.ORGANIZER,
            status=ParticipantStatus.ACTIVE,
            deleted_at__isnull=True,
        )
        .exclude(pk=without.pk)
        .count()
    )


def _may_touch(by: User | None, room: Room, target: Participant) -> None:
    """A moderator manages participants and viewers (and moderators), never an organizer or
    an admin: those rows are the organizers' (and staff's)."""
    if by is None or target.role not in PROTECTED_ROLES:
        return
    if not policy.can(by, policy.ROOM_UPDATE, room):
        raise ApplicationError(
            "forbidden",
            "Only an organizer can change or remove an organizer.",
            details={"action": policy.PARTICIPANTS_MANAGE, "role": policy.role_of(by, room)},
            status=403,
        )


def _keep_an_organizer(room: Room, target: Participant) -> None:
    if target.role == Role.ORGANIZER and not _organizers_left(room, without=target):
        raise ApplicationError(
            "last_organizer",
            "A room keeps at least one organizer: this is the last one.",
            details={"participant_id": target.pk},
            status=409,
        )


@transaction.atomic
def participant_leave(*, room: Room, by: User) -> Participant:
    """``by`` leaves ``room`` (policy ``room.leave``: an organizer can't). A person awaiting
    approval may withdraw the request the same way."""
    _lock_room(room)
    row = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(room=room, user=by, deleted_at__isnull=True)
        .first()
    )
    if row is None or row.status != ParticipantStatus.PENDING_APPROVAL:
        policy.require(by, policy.ROOM_LEAVE, room)
    if row is None:  # pragma: no cover - the policy refuses non-members first
        raise NotFoundError("not_found", "You are not in this room.")
    row.deleted_at = timezone.now()
    row.save(update_fields=["deleted_at"])
    realtime.publish(room, "participant:left", participant_data(row))
    policy.forget_roles(room)
    return row


@transaction.atomic
def participant_remove(*, room: Room, by: User | None, participant_id: Any) -> Participant:
    """Remove a member (policy ``participants.manage``); the row is soft-deleted, so the person
    may join again. Not the last organizer; a moderator can't remove an organizer."""
    _lock_room(room)
    if by is not None:
        policy.require(by, policy.PARTICIPANTS_MANAGE, room)
    row = _lock_participant(room, participant_id)
    _may_touch(by, room, row)
    _keep_an_organizer(room, row)
    row.deleted_at = timezone.now()
    row.save(update_fields=["deleted_at"])
    realtime.publish(room, "participant:left", {**participant_data(row), "removed": True})
    policy.forget_roles(room)
    return row


@transaction.atomic
def participant_update(
    *,
    room: Room,
    by: User | None,
    participant_id: Any,
    role: str | None = None,
    metadata: dict[str, Any] | None = None,
    approve: bool = False,
) -> Participant:
    """Change a member's role and/or metadata, and/or approve a pending one (policy
    ``participants.manage``). Nobody is made organizer or admin here; a moderator can't touch
    an organizer's or admin's row; the last organizer keeps the role."""
    _lock_room(room)
    if by is not None:
        policy.require(by, policy.PARTICIPANTS_MANAGE, room)
    new_role = None
    if role is not None:
        new_role = str(role).lower()
        if new_role not in Role.values:
            raise ApplicationError(
                "validation_error",
                f"“{role}” is not a role.",
                details={"role": [f"One of {', '.join(Role.values)}."]},
            )
        if new_role in policy.UNGRANTABLE_ROLES:
            raise ApplicationError(
                "role_not_grantable",
                f"Nobody can be made {new_role} through the participant API.",
                details={"role": new_role},
                status=403,
            )
    new_metadata = check_metadata(metadata) if metadata is not None else None
    row = _lock_participant(room, participant_id)
    fields: list[str] = []
    if new_role is not None and new_role != row.role:
        _may_touch(by, room, row)
        _keep_an_organizer(room, row)
        row.role = new_role
        fields.append("role")
    if new_metadata is not None:
        row.metadata = new_metadata
        fields.append("metadata")
    if approve:
        if row.status != ParticipantStatus.PENDING_APPROVAL:
            raise ApplicationError(
                "not_pending",
                "This participant is not awaiting approval.",
                details={"participant_id": row.pk},
                status=409,
            )
        row.status = ParticipantStatus.ACTIVE
        fields.append("status")
    if fields:
        row.save(update_fields=[*fields, "updated_at"])
        realtime.publish(
            room, "participant:updated", {**participant_data(row), "changed": sorted(fields)}
        )
        policy.forget_roles(room)
    return row


def participant_approve(*, room: Room, by: User | None, participant_id: Any) -> Participant:
    """Admit a person awaiting approval (``409 not_pending`` otherwise)."""
    return participant_update(room=room, by=by, participant_id=participant_id, approve=True)
