"""Live rooms in the bench (issue 12): the room list, ``GET /api/v1/rooms/``, signed in as the
bench user, with varied filters.

**Data** (``seed_rooms``, from ``python -m bench.seed``): 3 bench apps (``app_bench_0``…, owned
by ``bench-rooms-owner@bench.umbrella.local``) and :data:`ROOMS` rooms, room ``n`` generated
from its number: app ``n % 3``, public unless ``n % 4 == 0`` (a quarter private), status by
``n % 10`` (50 % active, 20 % draft, 20 % completed, 10 % cancelled), 2 % deleted; each with its
organizer and 0 to 5 participants from 200 bench room users. The bench user belongs to every
25th room (a third of those as viewer), so the list's "public or mine" test and the role
subquery both have work to do. Only a missing or different count is seeded again.

**Requests**: no filter (35 %), a status or two in any case (30 %), an app (15 %),
``is_public`` (10 %), status + app (10 %); 15 % ask for ``page_size=50``.
**Checks**: the envelope; every row has an id, is in the asked statuses, of the asked app and
visibility; rows newest first.
"""

import random
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from bench import bodies

ROOMS = 5_000
APPS = 3
ROOM_USERS = 200
STATUSES = ["active"] * 5 + ["draft"] * 2 + ["completed"] * 2 + ["cancelled"]
OWNER_EMAIL = "bench-rooms-owner@bench.umbrella.local"


def app_id(n: int) -> str:
    return f"app_bench_{n}"


def room_fields(n: int) -> dict[str, Any]:
    return {
        "name": f"Bench room {n}",
        "app": n % APPS,
        "is_public": n % 4 != 0,
        "status": STATUSES[n % 10],
        "deleted": n % 50 == 7,
    }


def seed_rooms(*, bench_email: str) -> str:
    """Seed the bench rooms (see the module's docstring); returns what it did."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Role as AccountRole
    from accounts.models import User
    from events.models import App, AppManifestVersion, Participant, Role, Room

    bench_user = User.objects.get(email=bench_email)
    if Room.objects.filter(name__startswith="Bench room ").count() == ROOMS:
        return f"bench rooms: {ROOMS} already there"
    with transaction.atomic():
        Room.objects.filter(name__startswith="Bench room ").delete()
        owner, _ = User.objects.get_or_create(
            email=OWNER_EMAIL,
            defaults={
                "display_name": "Bench rooms",
                "role": AccountRole.FAN,
                "onboarding_complete": True,
            },
        )
        users = list(User.objects.filter(email__startswith="bench-room-user-"))
        if len(users) < ROOM_USERS:
            User.objects.bulk_create(
                User(
                    email=f"bench-room-user-{i:04d}@bench.umbrella.local",
                    display_name=f"Room user {i}",
                    role=AccountRole.FAN,
                    onboarding_complete=True,
                )
                for i in range(len(users), ROOM_USERS)
            )
            users = list(User.objects.filter(email__startswith="bench-room-user-"))
        versions = []
        for a in range(APPS):
            manifest = {
                "meta": {"name": f"Bench app {a}", "version": "1.0.0"},
                "base_url": "http://127.0.0.1:9",
                "capabilities": [],
                "permissions": ["rooms:read"],
                "settings": {"type": "object"},
            }
            app, _ = App.objects.get_or_create(
                app_id=app_id(a),
                defaults={
                    "owner": owner,
                    "name": f"Bench app {a}",
                    "manifest": manifest,
                    "manifest_version": "1.0.0",
                },
            )
            version, _ = AppManifestVersion.objects.get_or_create(
                app=app, version="1.0.0", defaults={"manifest": manifest}
            )
            versions.append((app, version))
        now = timezone.now()
        rooms = []
        for n in range(ROOMS):
            fields = room_fields(n)
            app, version = versions[fields["app"]]
            rooms.append(
                Room(
                    name=fields["name"],
                    app=app,
                    app_manifest_version=version,
                    app_settings={"n": n},
                    status=fields["status"],
                    is_public=fields["is_public"],
                    created_by=users[n % len(users)],
                    deleted_at=now if fields["deleted"] else None,
                    created_at=now - timedelta(minutes=ROOMS - n),
                    updated_at=now,
                )
            )
        Room.objects.bulk_create(rooms, batch_size=2000)
        members = []
        for n, room in enumerate(rooms):
            rng = random.Random(f"bench-room-{n}")
            taken = {room.created_by_id}
            members.append(Participant(room=room, user_id=room.created_by_id, role=Role.ORGANIZER))
            for user in rng.sample(users, rng.randrange(6)):
                if user.pk not in taken:
                    taken.add(user.pk)
                    members.append(Participant(room=room, user=user))
            if n % 25 == 0:
                role = Role.VIEWER if n % 75 == 0 else Role.PARTICIPANT
                members.append(Participant(room=room, user=bench_user, role=role))
        Participant.objects.bulk_create(members, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_room; ANALYZE events_participant")
    return f"bench rooms: {ROOMS} rooms, {len(members)} participants seeded"


def rooms_call(artists: int, rng: random.Random) -> Any:
    from bench.endpoints import Call

    query: dict[str, Any] = {}
    pick = rng.random()
    statuses: list[str] = []
    app = None
    public = None
    if 0.35 <= pick < 0.65:
        statuses = rng.sample(["active", "draft", "completed", "cancelled"], rng.choice([1, 2]))
    elif pick < 0.80:
        app = app_id(rng.randrange(APPS))
    elif pick < 0.90:
        public = rng.random() < 0.5
    elif pick >= 0.90:
        statuses, app = ["active"], app_id(rng.randrange(APPS))
    if statuses:
        query["status"] = ",".join(s.upper() if rng.random() < 0.2 else s for s in statuses)
    if app:
        query["app"] = app
    if public is not None:
        query["is_public"] = "true" if public else "false"
    if rng.random() < 0.15:
        query["page_size"] = 50
    path = "/api/v1/rooms/" + (f"?{urlencode(query)}" if query else "")
    return Call(path, {}, check_rooms(statuses, app, public))


def check_rooms(statuses: list[str], app: str | None, public: bool | None) -> Any:
    def check(body: bytes) -> str | None:
        rows = bodies.page_rows(body)
        if isinstance(rows, str):
            return rows
        if not rows:
            return "no rooms"
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("id"), int):
                return "a row without an id"
            if statuses and row.get("status") not in statuses:
                return "a row of another status"
            if app and row.get("app") != app:
                return "a row of another app"
            if public is not None and row.get("is_public") is not public:
                return "a row of the other visibility"
        stamps = [row.get("created_at") for row in rows]
        if stamps != sorted(stamps, reverse=True):
            return "not newest first"
        return None

    return check
