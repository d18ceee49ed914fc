"""The permission matrix of SPEC-events §2, written out here independently of events/policy.py,
checked in full: every person (the five roles, a person awaiting approval, a signed-in
non-member, anonymous, staff) by every action of ``events.policy.ACTIONS`` by a public and a
private room — first against the policy itself, then at the API for the members endpoints
(participants, prizes, winners), so the doors answer what the table says.

Reading the table: ✔ allowed, ✖ refused. A refusal is ``404`` when the person may not read the
room (a private room's existence is not revealed), else ``401`` for anonymous, else ``403``.
"""

import warnings
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from events import policy
from events.models import Participant, Prize, Role, RoomEvent, Winner
from tests.events.factories import ParticipantFactory, PrizeFactory
from tests.events.members_helpers import PEOPLE, Cast, cast_room
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

# SPEC-events §2, one row per action. Columns are PEOPLE:
#   admin organizer moderator participant viewer pending non_member anonymous staff
# Notes, where the spec's table is read for the people it does not name:
# - room admin has every room permission except those tied to being a mere participant
#   (winning, answering) and can leave (it is not the organizer);
# - a person awaiting approval is not a member yet: they read what anyone reads and may join
#   (the service then answers 409 already_pending);
# - staff may do everything a room allows anybody, but win/answer only as participants and
#   have nothing to leave.
TABLE = {
    # action               adm org mod par vie pen non ano stf
    policy.ROOM_CREATE: "✔ ✔ ✔ ✔ ✔ ✔ ✔ ✖ ✔",
    policy.ROOM_READ: "✔ ✔ ✔ ✔ ✔ p p p ✔",  # p: public rooms only
    policy.ROOM_UPDATE: "✔ ✔ ✖ ✖ ✖ ✖ ✖ ✖ ✔",
    policy.ROOM_JOIN: "✖ ✖ ✖ ✖ ✖ ✔ ✔ ✖ ✔",
    policy.ROOM_LEAVE: "✔ ✖ ✔ ✔ ✔ ✖ ✖ ✖ ✖",
    policy.PARTICIPANTS_MANAGE: "✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖ ✔",
    policy.PRIZES_MANAGE: "✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖ ✔",
    policy.WINNERS_DRAW: "✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖ ✔",
    policy.WINNERS_REVOKE: "✔ ✔ ✖ ✖ ✖ ✖ ✖ ✖ ✔",
    policy.ROOM_WIN: "✖ ✖ ✖ ✔ ✖ ✖ ✖ ✖ ✖",
    policy.ROOM_SUBSCRIBE: "✔ ✔ ✔ ✔ ✔ ✖ ✖ ✖ ✔",
    policy.QUIZ_CONTROL: "✔ ✔ ✖ ✖ ✖ ✖ ✖ ✖ ✔",
    policy.QUIZ_ANSWER: "✖ ✖ ✖ ✔ ✖ ✖ ✖ ✖ ✖",
}
READERS_OF_PRIVATE = {"admin", "organizer", "moderator", "participant", "viewer", "staff"}


def allowed(action: str, person: str, public: bool) -> bool:
    mark = dict(zip(PEOPLE, TABLE[action].split(), strict=True))[person]
    return mark == "✔" or (mark == "p" and public)


def expected(action: str, person: str, public: bool) -> str:
    """``ok``, ``404``, ``401`` or ``403`` for the policy's ``require``."""
    if action == policy.ROOM_CREATE:  # not about a room
        return "ok" if allowed(action, person, public) else "401"
    if not public and person not in READERS_OF_PRIVATE:
        return "404"
    if allowed(action, person, public):
        return "ok"
    return "401" if person == "anonymous" else "403"


@dataclass
class World:
    """A room with one person in each role, and a prize (3, 2 left) won once by another member."""

    cast: Cast
    prize: Prize
    winner: Winner


def _made(public: bool) -> World:
    cast = cast_room(is_public=public)
    prize = PrizeFactory(room=cast.room, quantity=3)
    other = ParticipantFactory(room=cast.room)
    winner = Winner.objects.create(room=cast.room, prize=prize, participant=other, method="manual")
    Prize.objects.filter(pk=prize.pk).update(quantity_remaining=2)
    return World(cast=cast, prize=prize, winner=winner)


@pytest.fixture(scope="module")
def _worlds(module_rows) -> dict[bool, World]:
    """One public and one private room, made once: ~900 tests read them; what a test writes
    through the API is rolled back after it (``module_rows``)."""
    return {public: _made(public) for public in (True, False)}


@pytest.fixture
def world(_worlds, public) -> World:
    found = _worlds[public]
    if not Participant.objects.filter(pk=found.cast.rows["admin"].pk).exists():
        # The module's rows were gone once under CI (5 December 2026: on one xdist worker, 133
        # cases from the 173rd on answered as for a non-member; cause not found, not seen in
        # serial or in later parallel runs). Made again for this test (and rolled back with
        # it), and said, so the table is still checked and the loss is visible.
        warnings.warn(f"the module's rooms were gone: made again for {public=}", stacklevel=1)
        found = _worlds[public] = _made(public)
    policy.forget_roles(found.cast.room)  # roles are read afresh in each test
    return found


def outcome(user, action, room) -> str:
    try:
        policy.require(user, action, room)
    except ApplicationError as refusal:
        return str(refusal.status_code)
    return "ok"


def test_the_table_covers_every_action_and_person():
    assert set(TABLE) == set(policy.ACTIONS)
    assert all(len(row.split()) == len(PEOPLE) for row in TABLE.values())


@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("action", policy.ACTIONS)
def test_the_policy_matches_the_spec(action, person, public, world):
    cast = world.cast
    user = cast.user(person) or AnonymousUser()
    room = None if action == policy.ROOM_CREATE else cast.room

    assert outcome(user, action, room) == expected(action, person, public)
    if expected(action, person, public) != "404":  # can() answers who; require() also hides
        assert policy.can(user, action, room) == allowed(action, person, public)


# --- the same matrix at the API, for the members endpoints -------------------------------------

# (name, method, path under /api/v1/rooms/{id}/, body, the action it needs, status when allowed)
ENDPOINTS = [
    ("participants-list", "get", "participants/", None, policy.ROOM_READ, 200),
    ("participants-join", "post", "participants/", {}, policy.ROOM_JOIN, 201),
    ("participant-read", "get", "participants/{viewer}", None, policy.ROOM_READ, 200),
    (
        "participant-update",
        "patch",
        "participants/{viewer}",
        {"role": "moderator"},
        policy.PARTICIPANTS_MANAGE,
        200,
    ),
    (
        "participant-remove",
        "delete",
        "participants/{viewer}",
        None,
        policy.PARTICIPANTS_MANAGE,
        204,
    ),
    ("participants-leave", "delete", "participants/me", None, policy.ROOM_LEAVE, 204),
    ("prizes-list", "get", "prizes/", None, policy.ROOM_READ, 200),
    ("prizes-create", "post", "prizes/", {"name": "Mug"}, policy.PRIZES_MANAGE, 201),
    ("prize-read", "get", "prizes/{prize}", None, policy.ROOM_READ, 200),
    ("prize-update", "patch", "prizes/{prize}", {"quantity": 5}, policy.PRIZES_MANAGE, 200),
    ("prize-delete", "delete", "prizes/{prize}", None, policy.PRIZES_MANAGE, 204),
    ("winners-list", "get", "winners/", None, policy.ROOM_READ, 200),
    (
        "winners-pick",
        "post",
        "winners/",
        {"prize_id": "{prize}", "participant_id": "{participant}"},
        policy.WINNERS_DRAW,
        201,
    ),
    ("winner-revoke", "delete", "winners/{winner}", None, policy.WINNERS_REVOKE, 204),
]


def api_expected(name: str, method: str, action: str, success: int, person: str, public: bool):
    """The status the API answers, from the table: writes need credentials first (401 before
    the room is looked up); a member joining again and a pending person leaving are the
    service's cases (409 already_active, 204 withdrawn)."""
    if person == "anonymous" and method != "get":
        return 401
    if name == "participants-join":
        if not public and person not in READERS_OF_PRIVATE:
            return 404
        if person in READERS_OF_PRIVATE - {"staff"}:
            return 409  # already_active
        if person == "pending":
            return 409  # already_pending
    if name == "participants-leave" and person == "pending":
        return 404 if not public else 204  # withdrawing the request
    result = expected(action, person, public)
    return success if result == "ok" else int(result)


def fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {k: int(fill(v, ids)) if str(v).startswith("{") else v for k, v in value.items()}
    return value


@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "action", "success"),
    ENDPOINTS,
    ids=[e[0] for e in ENDPOINTS],
)
def test_the_api_answers_the_table(
    name, method, path, body, action, success, person, public, world
):
    cast, room, prize, winner = world.cast, world.cast.room, world.prize, world.winner
    ids = {
        "viewer": cast.rows["viewer"].pk,
        "prize": prize.pk,
        "participant": cast.rows["participant"].pk,
        "winner": winner.pk,
    }
    client = Client()
    if cast.user(person) is not None:
        client.force_login(cast.user(person))
    before = RoomEvent.objects.filter(room=room).count()
    members = Participant.objects.live().filter(room=room).count()

    response = getattr(client, method)(
        f"/api/v1/rooms/{room.pk}/{fill(path, ids)}",
        fill(body, ids),
        content_type="application/json",
    )

    want = api_expected(name, method, action, success, person, public)
    assert response.status_code == want, response.content
    if want >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}
        if method != "get":  # a refusal changed nothing
            assert RoomEvent.objects.filter(room=room).count() == before
            assert Participant.objects.live().filter(room=room).count() == members
            assert Participant.objects.get(pk=ids["viewer"]).role == Role.VIEWER
            assert Prize.objects.get(pk=prize.pk).quantity_remaining == 2
            assert Winner.objects.live().filter(room=room).count() == 1
