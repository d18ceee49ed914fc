"""Rooms with people in every role, for the members tests (participants, prizes, winners)."""

from dataclasses import dataclass
from typing import Any

import pytest

from accounts.models import User
from events.models import Participant, ParticipantStatus, Role, Room, RoomEvent, RoomStatus
from events.services.credentials import webhook_secret_issue
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory, ParticipantFactory, RoomFactory, manifest
from umbrella.errors import ApplicationError

# The people of the matrices (SPEC-events §2 rows, plus the pending, the staff and anonymous).
PEOPLE = (
    "admin",
    "organizer",
    "moderator",
    "participant",
    "viewer",
    "pending",
    "non_member",
    "anonymous",
    "staff",
)


@dataclass
class Cast:
    room: Room
    users: dict[str, Any]  # person -> User (None for anonymous)
    rows: dict[str, Participant]  # person -> their participant row (members and pending)

    def user(self, person: str) -> User | None:
        return self.users[person]


def cast_room(*, is_public: bool = True, status: str = RoomStatus.ACTIVE, **room: Any) -> Cast:
    """An active room with one person in each role; the organizer is the creator."""
    created = RoomFactory(status=status, is_public=is_public, **room)
    users: dict[str, Any] = {"organizer": created.created_by}
    rows = {"organizer": created.participants.get(user=created.created_by)}
    for person, role in (
        ("admin", Role.ADMIN),
        ("moderator", Role.MODERATOR),
        ("participant", Role.PARTICIPANT),
        ("viewer", Role.VIEWER),
    ):
        rows[person] = ParticipantFactory(room=created, role=role)
        users[person] = rows[person].user
    rows["pending"] = ParticipantFactory(
        room=created, role=Role.PARTICIPANT, status=ParticipantStatus.PENDING_APPROVAL
    )
    users["pending"] = rows["pending"].user
    users["non_member"] = UserFactory()
    users["staff"] = UserFactory(is_staff=True)
    users["anonymous"] = None
    return Cast(room=created, users=users, rows=rows)


def registering_app(base_url: str) -> Any:
    """An app whose manifest asks it to register participants (3 s), with a signing secret."""
    app = AppFactory(
        manifest=manifest(
            base_url=base_url,
            capabilities=["winner_selection", "participant_registration", "notifications"],
            webhooks={
                "winner_selection": "/hooks/winners",
                "participant_registration": "/hooks/register",
                "notifications": {"path": "/hooks/notify", "async": True},
            },
            fallbacks={"participant_registration": "pending_approval"},
        )
    )
    webhook_secret_issue(app=app)
    return app


@dataclass
class ScopeWorld:
    """What the scope matrix's calls of the members endpoints need (tests/events/
    test_scope_matrix.py): an active room of the calling app organized by the world's user,
    with a participant, a viewer, a prize and a winner."""

    room: Room
    participant: Participant
    viewer: Participant
    prize: Any
    winner: Any
    newcomer: User


def scope_world(world: Any) -> ScopeWorld:
    """Built once per world. The room belongs to the app made last (the matrix makes the
    calling app just before calling): a system call reaches only its own app's rooms."""
    from events.models import App, WinnerMethod
    from tests.events.factories import PrizeFactory

    if "_members" not in world.__dict__:
        app = App.objects.order_by("-pk").first() or AppFactory()
        room = RoomFactory(status=RoomStatus.ACTIVE, app=app, created_by=world.user)
        participant = ParticipantFactory(room=room)
        prize = PrizeFactory(room=room, quantity=5)
        winner_row = ParticipantFactory(room=room)
        from events.models import Prize, Winner

        winner = Winner.objects.create(
            room=room, prize=prize, participant=winner_row, method=WinnerMethod.MANUAL
        )
        Prize.objects.filter(pk=prize.pk).update(quantity_remaining=4)
        world.__dict__["_members"] = ScopeWorld(
            room=room,
            participant=participant,
            viewer=ParticipantFactory(room=room, role=Role.VIEWER),
            prize=prize,
            winner=winner,
            newcomer=UserFactory(),
        )
    return world.__dict__["_members"]


def refused(call: Any, **kwargs: Any) -> ApplicationError:
    """The ApplicationError ``call(**kwargs)`` raises (the test fails if it raises none)."""
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def error_shape(error: ApplicationError) -> tuple[str, str, Any, int]:
    """A refusal whole: code, message, details and HTTP status."""
    return error.code, error.message, error.details, error.status_code


def events_data(room: Room, type: str) -> list[dict[str, Any]]:
    """The data of the room's live events of one type, in order, without the room id and the
    time every event carries."""
    return [
        {k: v for k, v in e.data.items() if k not in ("room_id", "timestamp")}
        for e in RoomEvent.objects.filter(room=room, type=type).order_by("seq")
    ]
