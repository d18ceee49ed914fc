"""What the live room page shows (``/rooms/{id}/``, docs/rooms.md "Live room page"), read as one
consistent snapshot together with the room's last event sequence number.

The page is correct before its socket connects: it is rendered from this state, and its script
then subscribes with ``since_seq`` = the ``seq`` read here, so the socket replays exactly the
events after it. That only holds if the state and the number come from the **same moment**:
a service changes rows and takes the next number in one transaction (events.realtime), so one
snapshot sees both or neither. On PostgreSQL the reads run in one ``REPEATABLE READ, READ ONLY``
transaction (under the default ``READ COMMITTED`` each statement would see its own moment, and
an event committed between two of them would be shown twice or never); SQLite's transactions
are serializable anyway.

Nothing here writes: a quiz question whose time is up is closed **before** the snapshot (the
lazy close of events.services.quiz), and the quiz state is then read without closing.
Nothing here reveals the correct answer of an open question (events.selectors_quiz).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from events import policy
from events.models import (
    Capability,
    Draw,
    DrawCommitment,
    Participant,
    ParticipantStatus,
    Prize,
    Room,
    RoomStatus,
    Winner,
    WinnerMethod,
)
from events.notifications import draw_verify_path
from events.selectors_quiz import quiz_state
from events.selectors_rooms import room_get
from events.services.quiz import moment, quiz_close_due

# The page lists at most this many of each (the counts are exact); the script keeps the lists
# current from the live events.
PARTICIPANTS_SHOWN = 100
WINNERS_SHOWN = 200
DRAWS_SHOWN = 20


@dataclass
class RoomLiveState:
    room: Room
    seq: int  # the room's last event number in this snapshot
    server_now: str  # the server's clock at the snapshot, ms (the countdown's reference)
    role: str | None  # the viewer's role if a member (live, active), else None
    membership: str  # "anonymous" | "none" | "pending" | "member"
    user_id: int | None
    participant_id: int | None  # the viewer's live participant row (active or pending)
    can: dict[str, bool]
    commitment: DrawCommitment | None
    participants_count: int
    participants: list[dict[str, Any]]  # newest first
    prizes: list[dict[str, Any]]
    winners_count: int
    winners: list[dict[str, Any]]  # newest first
    draws: list[dict[str, Any]]  # newest first
    is_quiz: bool
    quiz: dict[str, Any] | None
    names: dict[int, str] = field(default_factory=dict)  # participant id -> display name

    def data(self) -> dict[str, Any]:
        """What the page hands its script (``json_script``): ids, numbers and names only."""
        return {
            "room_id": self.room.pk,
            "seq": self.seq,
            "server_now": self.server_now,
            "status": self.room.status,
            "membership": self.membership,
            "user_id": self.user_id,
            "role": self.role,
            "participant_id": self.participant_id,
            "can": self.can,
            "participants_count": self.participants_count,
            "names": {str(pid): name for pid, name in self.names.items()},
            "prizes": self.prizes,
            "winners_count": self.winners_count,
            "is_quiz": self.is_quiz,
            "quiz": self.quiz,
        }


@contextmanager
def snapshot() -> Iterator[None]:
    """One consistent, read-only view of the database for the reads inside (PostgreSQL:
    ``REPEATABLE READ``). Inside a transaction already (a test's), the caller's is used."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _name(user: Any) -> str:
    return str(user.get_short_name()) if user is not None else ""


def _membership(user: Any, row: Participant | None) -> str:
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    if row is None:
        return "none"
    if row.status == ParticipantStatus.PENDING_APPROVAL:
        return "pending"
    return "member"


def is_quiz_room(room: Room) -> bool:
    manifest = room.app_manifest_version.manifest or {}
    return Capability.QUIZ_VALIDATION in (manifest.get("capabilities") or [])


def room_live_state(room_id: object, user: Any) -> RoomLiveState:
    """The page's state for ``user``: ``404 not_found`` for a room they may not read."""
    if isinstance(room_id, int):
        quiz_close_due(room_id=room_id)  # a quiz question whose time is up closes first
    with snapshot():
        return _read(room_id, user)


def _read(room_id: object, user: Any) -> RoomLiveState:
    room = room_get(room_id, user)  # inside the snapshot: its event_seq is this moment's
    now = timezone.now()
    mine: Participant | None = None
    if getattr(user, "is_authenticated", False):
        mine = Participant.objects.live().filter(room=room, user_id=user.pk).first()
        active = mine is not None and mine.status == ParticipantStatus.ACTIVE
        policy.remember_role(room, user.pk, mine.role if mine is not None and active else None)
    role = policy.role_of(user, room)
    live_room = room.status == RoomStatus.ACTIVE
    can = {
        "join": live_room and mine is None and policy.can(user, policy.ROOM_JOIN, room),
        "leave": mine is not None
        and (
            mine.status == ParticipantStatus.PENDING_APPROVAL
            or policy.can(user, policy.ROOM_LEAVE, room)
        ),
        "subscribe": policy.can(user, policy.ROOM_SUBSCRIBE, room),
        "draw": policy.can(user, policy.WINNERS_DRAW, room),
        "manage": policy.can(user, policy.ROOM_UPDATE, room),
        "quiz_control": policy.can(user, policy.QUIZ_CONTROL, room),
        "quiz_answer": policy.can(user, policy.QUIZ_ANSWER, room),
    }
    commitment = DrawCommitment.objects.filter(room=room).first()
    members = Participant.objects.live().filter(room=room, status=ParticipantStatus.ACTIVE)
    shown = list(members.select_related("user").order_by("-joined_at", "-id")[:PARTICIPANTS_SHOWN])
    names = {p.pk: _name(p.user) for p in shown}
    participants = [
        {"id": p.pk, "user_id": p.user_id, "display_name": names[p.pk], "role": p.role}
        for p in shown
    ]
    prizes = [
        {
            "id": p.pk,
            "name": p.name,
            "description": p.description,
            "quantity": p.quantity,
            "quantity_remaining": p.quantity_remaining,
            "awarded": p.awarded,
        }
        for p in Prize.objects.live()
        .filter(room=room)
        .annotate(awarded=Count("winners", filter=Q(winners__revoked_at__isnull=True)))
        .order_by("created_at", "id")
    ]
    live_wins = Winner.objects.live().filter(room=room)
    won = list(
        live_wins.select_related("prize", "participant__user", "draw").order_by(
            "-created_at", "-id"
        )[:WINNERS_SHOWN]
    )
    for w in won:
        names.setdefault(w.participant_id, _name(w.participant.user))
    winners = [
        {
            "id": w.pk,
            "prize_id": w.prize_id,
            "prize_name": w.prize.name,
            "participant_id": w.participant_id,
            "display_name": names[w.participant_id],
            "method": w.method,
            "draw_number": w.draw.number if w.draw is not None else None,
            "verify_url": draw_verify_path(room.pk, w.draw.number) if w.draw else None,
        }
        for w in won
    ]
    draws_made = list(
        Draw.objects.filter(room=room)
        .select_related("prize")
        .defer("entrants", "app_answer")
        .order_by("-number")[:DRAWS_SHOWN]
    )
    unknown = {pid for d in draws_made for pid in d.result} - set(names)
    if unknown:
        for p in Participant.objects.filter(pk__in=unknown).select_related("user"):
            names[p.pk] = _name(p.user)
    draws = [
        {
            "number": d.number,
            "prize_id": d.prize_id,
            "prize_name": d.prize.name,
            "winners": [
                {"participant_id": pid, "display_name": names.get(pid, "")} for pid in d.result
            ],
            "by_app": d.method == WinnerMethod.APP,
            "fallback_used": d.fallback_used,
            "verify_url": draw_verify_path(room.pk, d.number),
        }
        for d in draws_made
    ]
    quiz = None
    if is_quiz_room(room):
        answering = mine.pk if mine is not None and role is not None else None
        quiz = quiz_state(room=room, participant_id=answering, close_due=False)
        for row in quiz["leaderboard"]:
            names.setdefault(row["participant_id"], row["display_name"])
    return RoomLiveState(
        room=room,
        seq=room.event_seq,
        server_now=moment(now) or "",
        role=role,
        membership=_membership(user, mine),
        user_id=user.pk if getattr(user, "is_authenticated", False) else None,
        participant_id=mine.pk if mine is not None else None,
        can=can,
        commitment=commitment,
        participants_count=members.count(),
        participants=participants,
        prizes=prizes,
        winners_count=live_wins.count(),
        winners=winners,
        draws=draws,
        is_quiz=quiz is not None,
        quiz=quiz,
        names=names,
    )
