"""Who may do what in a room: the matrix of SPEC-events §2, in one place.

Every door (API views, pages, the WebSocket consumer, admin, services) asks :func:`can` or
:func:`require`; nothing else decides a room permission. The rules are ``rules`` predicates over
``(user, room)``; the person's role in the room is read once per (room object, user) and kept on
the room object, so a page that asks ten questions makes one query.

Roles: ``admin`` has every room permission; ``organizer``; ``moderator``; ``participant``;
``viewer``. A member is a live (not left), active (not pending approval) participant row.
Staff (``is_staff``) may do everything a room allows anyone to do, but are eligible to win or to
answer a quiz only as participants. Status rules (joining needs an active room, a draw needs
stock…) are the services' business, with their own error codes; this module is about *who*.

App scopes (SPEC-events §2) for each action are :data:`SCOPES`; the API checks them
(events.scopes) on top of the role when an app acts for a user.
"""

from typing import Any

import rules

from events.models import ParticipantStatus, Role, Room, Scope
from umbrella.errors import ApplicationError, NotFoundError

# Actions (the rows of SPEC-events §2).
ROOM_CREATE = "room.create"
ROOM_READ = "room.read"
ROOM_UPDATE = "room.update"  # settings, status, visibility, delete, upgrade manifest
ROOM_JOIN = "room.join"
ROOM_LEAVE = "room.leave"
PARTICIPANTS_MANAGE = "participants.manage"  # change role/metadata, remove, approve pending
PRIZES_MANAGE = "prizes.manage"
WINNERS_DRAW = "winners.draw"  # draw winners, select a winner
WINNERS_REVOKE = "winners.revoke"
ROOM_WIN = "room.win"  # eligible to win
ROOM_SUBSCRIBE = "room.subscribe"
QUIZ_CONTROL = "quiz.control"  # start, next question, end
QUIZ_ANSWER = "quiz.answer"

ACTIONS = (
    ROOM_CREATE,
    ROOM_READ,
    ROOM_UPDATE,
    ROOM_JOIN,
    ROOM_LEAVE,
    PARTICIPANTS_MANAGE,
    PRIZES_MANAGE,
    WINNERS_DRAW,
    WINNERS_REVOKE,
    ROOM_WIN,
    ROOM_SUBSCRIBE,
    QUIZ_CONTROL,
    QUIZ_ANSWER,
)

# The app scope each action needs when an app calls it (None: not open to apps).
SCOPES: dict[str, Scope | None] = {
    ROOM_CREATE: Scope.ROOMS_WRITE,
    ROOM_READ: Scope.ROOMS_READ,
    ROOM_UPDATE: Scope.ROOMS_WRITE,
    ROOM_JOIN: Scope.PARTICIPANTS_WRITE,
    ROOM_LEAVE: None,
    PARTICIPANTS_MANAGE: Scope.PARTICIPANTS_WRITE,
    PRIZES_MANAGE: Scope.PRIZES_WRITE,
    WINNERS_DRAW: Scope.WINNERS_WRITE,
    WINNERS_REVOKE: Scope.WINNERS_WRITE,
    ROOM_WIN: None,
    ROOM_SUBSCRIBE: Scope.REALTIME_SUBSCRIBE,
    QUIZ_CONTROL: None,
    QUIZ_ANSWER: None,
}

# Roles nobody can be given through the participant API (SPEC-events §2 invariants).
UNGRANTABLE_ROLES = frozenset({Role.ORGANIZER, Role.ADMIN})

_CACHE = "_policy_roles"


def role_of(user: Any, room: Room) -> str | None:
    """``user``'s role in ``room`` if a member (live, active), else None. One query per
    (room object, user); :func:`remember_role` fills it when the caller already knows."""
    if user is None or not user.is_authenticated or room.pk is None:
        return None
    cache: dict[int, str | None] = room.__dict__.setdefault(_CACHE, {})
    if user.pk not in cache:
        cache[user.pk] = (
            room.participants.live()
            .filter(user_id=user.pk, status=ParticipantStatus.ACTIVE)
            .values_list("role", flat=True)
            .first()
        )
    return cache[user.pk]


def remember_role(room: Room, user_id: int, role: str | None) -> None:
    """Tell the policy ``user_id``'s role in ``room`` (read with the room, or just changed)."""
    room.__dict__.setdefault(_CACHE, {})[user_id] = role


def forget_roles(room: Room) -> None:
    room.__dict__.pop(_CACHE, None)


def _has_role(*roles: str) -> Any:
    wanted = frozenset(roles)

    @rules.predicate(name=f"has_role({','.join(sorted(roles))})")
    def predicate(user: Any, room: Room) -> bool:
        return role_of(user, room) in wanted

    return predicate


@rules.predicate
def is_staff(user: Any, room: Room | None = None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


@rules.predicate
def is_signed_in(user: Any, room: Room | None = None) -> bool:
    return bool(user is not None and user.is_authenticated)


@rules.predicate
def is_public(user: Any, room: Room) -> bool:
    return room.is_public


is_member = _has_role(*Role.values)
is_admin = _has_role(Role.ADMIN)
is_organizer = _has_role(Role.ORGANIZER, Role.ADMIN)
is_manager = _has_role(Role.ORGANIZER, Role.MODERATOR, Role.ADMIN)
is_participant = _has_role(Role.PARTICIPANT)
is_leaver = _has_role(Role.ADMIN, Role.MODERATOR, Role.PARTICIPANT, Role.VIEWER)

RULES = rules.RuleSet()
RULES.add_rule(ROOM_CREATE, is_signed_in)
RULES.add_rule(ROOM_READ, is_public | is_member | is_staff)
RULES.add_rule(ROOM_UPDATE, is_organizer | is_staff)
RULES.add_rule(ROOM_JOIN, is_signed_in & ~is_member)
RULES.add_rule(ROOM_LEAVE, is_leaver)
RULES.add_rule(PARTICIPANTS_MANAGE, is_manager | is_staff)
RULES.add_rule(PRIZES_MANAGE, is_manager | is_staff)
RULES.add_rule(WINNERS_DRAW, is_manager | is_staff)
RULES.add_rule(WINNERS_REVOKE, is_organizer | is_staff)
RULES.add_rule(ROOM_WIN, is_participant)
RULES.add_rule(ROOM_SUBSCRIBE, is_member | is_staff)
RULES.add_rule(QUIZ_CONTROL, is_organizer | is_staff)
RULES.add_rule(QUIZ_ANSWER, is_participant)


def can(user: Any, action: str, room: Room | None = None) -> bool:
    if action not in RULES:
        raise KeyError(f"unknown room action {action!r}")
    return bool(RULES.test_rule(action, user, room))


def require(user: Any, action: str, room: Room | None = None) -> None:
    """Raise unless ``user`` may do ``action``: a room they may not read is ``404 not_found``
    (a private room's existence is not revealed); anything else is ``403 forbidden``."""
    if room is not None and action != ROOM_READ and not can(user, ROOM_READ, room):
        raise NotFoundError("not_found", "No such room.")
    if can(user, action, room):
        return
    if action == ROOM_READ:
        raise NotFoundError("not_found", "No such room.")
    if user is None or not user.is_authenticated:
        raise ApplicationError("not_authenticated", "Sign in first.", status=401)
    raise ApplicationError(
        "forbidden",
        "Your role in this room does not allow this.",
        details={"action": action, "role": role_of(user, room) if room else None},
        status=403,
    )
