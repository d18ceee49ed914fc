"""The demo's live rooms (issue 12): the built-in Lottery and Quiz apps registered, an active
lottery at a gig with two prizes and a dozen fans, an active quiz with a prize, and a completed
lottery whose draw the verification page can check. Safe to run again.

Registering is ``manage.py register_builtin_apps`` itself (one code path: through the API in
process, the secrets written to ``.builtin_apps.json``), so ``bin/dev`` runs only
``seed_demo``. Everything else goes through the services: ``room_create``, ``room_activate``
(which makes the draw commitment), ``prize_create``, ``participant_join``, ``room_draw`` and
``room_complete``.

The built-in apps' process is not running while ``bin/dev`` seeds (it starts after), so the
completed room's draw asks the Lottery app, gets no answer, and falls back to the platform's
verifiable draw (``fallback_used``, the organizer told): the verification page recomputes its
winners. Nothing here needs the apps' process.

Each room is found again by its organizer and name; a run fills in what a room still lacks
(activation, prizes, participants, the draw, completion), so an interrupted run heals.
"""

from collections.abc import Callable
from datetime import UTC
from typing import Any

from django.core.management import call_command
from django.db import transaction

from accounts.demo import ensure_user
from accounts.models import Role as AccountRole
from accounts.models import User
from events.models import App, Draw, Participant, Prize, Role, Room, RoomStatus
from events.services import draws, participants, prizes, rooms
from marketplace.models import Gig, GigStatus
from umbrella.errors import ApplicationError

LOTTERY_APP = "app_lottery"
QUIZ_APP = "app_quiz"
VENUE = "venue@demo.umbrella.test"
ARTIST = "artist@demo.umbrella.test"

# A dozen fans with accounts (password: the demo password), who fill the rooms. fan@ (Sam Fan)
# is left out on purpose: signed in as them, you join a room yourself.
DEMO_FANS = [
    (f"fan{n}@demo.umbrella.test", name)
    for n, name in enumerate(
        [
            "Maya Chen",
            "Leo Park",
            "Priya Nair",
            "Tom Becker",
            "Ines Duarte",
            "Kofi Mensah",
            "Hana Sato",
            "Ruben Ortiz",
            "Ella Novak",
            "Jonah Reed",
            "Zara Ali",
            "Finn Walsh",
        ],
        start=2,
    )
]

QUIZ_QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "q1",
        "text": "Which city is Nova Reyes from?",
        "options": ["Austin", "Nashville", "Chicago", "New Orleans"],
        "correct_index": 0,
        "time_limit_s": 20,
    },
    {
        "id": "q2",
        "text": "What is the name of Nova's new single?",
        "options": ["Slow Motion", "Night Drive", "Blue Lantern", "Red River"],
        "correct_index": 1,
        "time_limit_s": 20,
    },
    {
        "id": "q3",
        "text": "How many strings does a standard guitar have?",
        "options": ["Four", "Five", "Six", "Seven"],
        "correct_index": 2,
        "time_limit_s": 15,
    },
    {
        "id": "q4",
        "text": "Which of these is a tempo marking?",
        "options": ["Forte", "Allegro", "Staccato", "Legato"],
        "correct_index": 1,
        "time_limit_s": 20,
    },
    {
        "id": "q5",
        "text": "What does an encore come after?",
        "options": ["The soundcheck", "The opening act", "The last song of the set"],
        "correct_index": 2,
        "time_limit_s": 15,
    },
]

# organizer, name, app, the gig's title at the organizer's venue (or None), settings, prizes
# (name, quantity, description), how many demo fans join, and the status it ends in.
ROOMS: list[dict[str, Any]] = [
    {
        "organizer": VENUE,
        "name": "Weekend Headliner prize draw",
        "description": "Join before the encore: two prizes are drawn live on stage, and anyone "
        "can check the draw was fair.",
        "app": LOTTERY_APP,
        "gig": "Weekend Headliner",
        "settings": {"ticket_count": 250, "theme": "Blue Lantern nights"},
        "prizes": [
            ("Signed tour poster", 3, "A poster of the tour, signed by the band."),
            ("Backstage pass for two", 1, "Meet the band after the show."),
        ],
        "fans": 12,
        "status": RoomStatus.ACTIVE,
    },
    {
        "organizer": ARTIST,
        "name": "Night Drive listening quiz",
        "description": "Five questions about the new single and music in general: the fastest "
        "right answers win a signed vinyl.",
        "app": QUIZ_APP,
        "gig": None,
        "settings": {"questions": QUIZ_QUESTIONS},
        "prizes": [("Signed vinyl of Night Drive", 1, "The first pressing, signed by Nova.")],
        "fans": 6,
        "status": RoomStatus.ACTIVE,
    },
    {
        "organizer": VENUE,
        "name": "Sunday Residency encore draw",
        "description": "The winners chose the encore. The draw is over: check it on its "
        "verification page.",
        "app": LOTTERY_APP,
        "gig": "Sunday Residency",
        "settings": {"theme": "Encore picks"},
        "prizes": [("Pick the encore", 2, "Choose the last song of the night.")],
        "fans": 8,
        "status": RoomStatus.COMPLETED,
    },
]


class _Lines:
    """A command's output stream that hands each line to the seed's ``say``."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say

    def write(self, text: str) -> None:
        for line in text.splitlines():
            if line.strip():
                self.say(f"apps      {line}")

    def flush(self) -> None:
        pass


def seed(say: Callable[[str], None]) -> None:
    register_builtin_apps(say)
    fans = [ensure_user(email, name, role=AccountRole.FAN)[0] for email, name in DEMO_FANS]
    say(f"fans      {len(fans)} demo fans ({DEMO_FANS[0][0]} … {DEMO_FANS[-1][0]})")
    for spec in ROOMS:
        try:
            with transaction.atomic():
                seed_room(spec, fans, say)
        except ApplicationError as refusal:  # e.g. an app disabled by staff: the rest goes on
            say(f"skipped   room “{spec['name']}”: {refusal.code}: {refusal.message}")


def register_builtin_apps(say: Callable[[str], None]) -> None:
    """Both built-in apps registered (or upgraded) through the API, their secrets stored: the
    management command's own code path, in this run's transaction."""
    lines = _Lines(say)
    call_command("register_builtin_apps", stdout=lines, stderr=lines)


def _gig(organizer: User, title: str | None) -> Gig | None:
    if title is None:
        return None
    return (
        Gig.objects.filter(venue__user=organizer, title=title)
        .exclude(status=GigStatus.CANCELLED)
        .order_by("-id")
        .first()
    )


def seed_room(spec: dict[str, Any], fans: list[User], say: Callable[[str], None]) -> Room | None:
    """One demo room, created or completed to its spec (see :data:`ROOMS`)."""
    organizer = User.objects.filter(email=spec["organizer"]).first()
    app = App.objects.live().filter(app_id=spec["app"]).first()
    if organizer is None or app is None:
        say(f"skipped   room “{spec['name']}” ({spec['organizer']} or {spec['app']} missing)")
        return None
    room = (
        Room.objects.live()
        .filter(created_by=organizer, name=spec["name"], app=app)
        .order_by("id")
        .first()
    )
    created = room is None
    if room is None:
        gig = _gig(organizer, spec["gig"])
        settings = dict(spec["settings"])
        if gig is not None and spec["app"] == LOTTERY_APP:
            settings["draw_date"] = gig.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        room = rooms.room_create(
            by=organizer,
            app=app,
            name=spec["name"],
            description=spec["description"],
            app_settings=settings,
            is_public=True,
            gig_id=gig.pk if gig is not None else None,
        )
    if room.status == RoomStatus.DRAFT:
        room = rooms.room_activate(room=room, by=organizer)  # the draw commitment, here
    if room.status != RoomStatus.ACTIVE:
        say(f"exists    room “{room.name}” ({room.status}) /rooms/{room.pk}/")
        return room
    made, added = _prizes(room, organizer, spec["prizes"])
    joined = _fans_join(room, fans[: spec["fans"]])
    drawn = ""
    if spec["status"] == RoomStatus.COMPLETED:
        drawn = _draw(room, organizer, made)
        room = rooms.room_complete(room=room, by=organizer)
    if created:
        verb = "created"
    elif added or joined or spec["status"] == RoomStatus.COMPLETED:
        verb = "completed"  # an earlier run stopped half-way
    else:
        verb = "exists"
    entrants = Participant.objects.live().filter(room=room, role=Role.PARTICIPANT).count()
    say(
        f"{verb:<9} room “{room.name}” ({app.name}, {room.status}; prizes {len(made)}, "
        f"participants {entrants}{drawn}) /rooms/{room.pk}/"
    )
    return room


def _prizes(
    room: Room, organizer: User, specs: list[tuple[str, int, str]]
) -> tuple[list[Prize], int]:
    """The room's demo prizes (made if missing) and how many were made now."""
    made, added = [], 0
    for name, quantity, description in specs:
        prize = Prize.objects.live().filter(room=room, name=name).first()
        if prize is None:
            prize = prizes.prize_create(
                room=room, by=organizer, name=name, quantity=quantity, description=description
            )
            added += 1
        made.append(prize)
    return made, added


def _fans_join(room: Room, fans: list[User]) -> int:
    """Each fan joins the room themselves (a fan who was ever in it is left as they are)."""
    been = set(Participant.objects.filter(room=room).values_list("user_id", flat=True))
    joined = 0
    for fan in fans:
        if fan.pk not in been:
            participants.participant_join(room=room, by=fan)
            joined += 1
    return joined


def _draw(room: Room, organizer: User, made: list[Prize]) -> str:
    """Every unit of the room's prizes drawn, once (a room with a draw is not drawn again)."""
    if Draw.objects.filter(room=room).exists():
        return ""
    result = draws.room_draw(room=room, by=organizer, prize_ids=[prize.pk for prize in made])
    how = "the platform's draw" if result.fallback_used else "the app's draw"
    return f"; {len(result.winners)} winners by {how}, draw #{result.draws[0].number}"
