"""Draws (events.services.draws), pinned where the mutation run found them loose
(docs/mutation/rooms-draws.md): the app's answer checked item by item with each reason named,
who is eligible, when the app is not asked, the refusals whole (code, message, details, status),
the fallback's reason as organizers read it, and what a draw publishes."""

import json
from types import SimpleNamespace

import pytest
from django.db.models import F
from redis.exceptions import RedisError

from accounts.models import Notification
from events import draws
from events.models import (
    Draw,
    DrawCommitment,
    Participant,
    ParticipantStatus,
    Prize,
    Role,
    Room,
    RoomEvent,
    RoomStatus,
    WebhookDelivery,
    Winner,
    WinnerMethod,
)
from events.services import draws as service
from events.services.draws import InvalidAnswer, parse_answer, room_draw
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.events import draws_reference as ref
from tests.events.appserver import answer
from tests.events.factories import (
    WINNERS_HOOK,
    AppFactory,
    ParticipantFactory,
    PrizeFactory,
    RoomFactory,
    manifest,
)
from tests.events.members_helpers import error_shape, events_data, refused

# --- parse_answer: the app's answer, item by item ----------------------------------------------


def parsed(answer, *, eligible=(5, 6, 7), count=2, stock=2):
    return parse_answer(answer, prize_id=9, eligible=set(eligible), count=count, stock=stock)


def why_invalid(answer, **kwargs) -> str:
    with pytest.raises(InvalidAnswer) as error:
        parsed(answer, **kwargs)
    return str(error.value)


def item(pid=5, prize=9, **more):
    return {"participant_id": pid, "prize_id": prize, **more}


def test_a_valid_answer_gives_its_pairs_in_order_with_their_metadata():
    answer = {"winners": [item(7, metadata={"rank": 1}), item(5, metadata=None), item(6)]}
    assert parsed(answer, count=3, stock=3) == [(7, {"rank": 1}), (5, {}), (6, {})]


@pytest.mark.parametrize("answer", [None, [], "winners", {"winners": {}}, {"winner": []}])
def test_an_answer_without_a_winners_list_is_refused(answer):
    assert why_invalid(answer) == 'expected {"winners": [...]}'


def test_each_broken_item_is_named_by_its_index():
    ok = item(5)
    assert why_invalid({"winners": [ok, "x"]}) == "winners[1] is not an object"
    not_eligible = "winners[1].participant_id is not an eligible participant"
    for pid in (8, "6", 6.0, None, True):
        assert why_invalid({"winners": [ok, item(pid)]}) == not_eligible, pid
    not_the_prize = "winners[1].prize_id is not the prize drawn (9)"
    for prize in (10, "9", 9.0, None):
        assert why_invalid({"winners": [ok, item(6, prize)]}) == not_the_prize, prize
    assert why_invalid({"winners": [ok, item(6, metadata=[1])]}) == (
        "winners[1].metadata is not an object"
    )
    assert why_invalid({"winners": [ok, item(5)]}) == "winners[1] repeats participant 5"


def test_a_boolean_is_no_participant_or_prize_id_even_where_it_equals_one():
    answer = {"winners": [item(True)]}
    assert why_invalid(answer, eligible=(1, 5)) == (
        "winners[0].participant_id is not an eligible participant"
    )
    with pytest.raises(InvalidAnswer) as error:
        parse_answer({"winners": [item(5, True)]}, prize_id=1, eligible={5}, count=1, stock=1)
    assert str(error.value) == "winners[0].prize_id is not the prize drawn (1)"


def test_between_one_and_the_smaller_of_count_and_stock_winners():
    three = {"winners": [item(5), item(6), item(7)]}
    assert why_invalid({"winners": []}) == "0 winners; between 1 and 2 expected"
    assert why_invalid(three, count=2, stock=5) == "3 winners; between 1 and 2 expected"
    assert why_invalid(three, count=5, stock=2) == "3 winners; between 1 and 2 expected"
    assert [pid for pid, _meta in parsed(three, count=3, stock=3)] == [5, 6, 7]


# --- allows_multiple_wins and eligible_entrants -------------------------------------------------


def room_like(settings, schema):
    """What allows_multiple_wins reads of a room: its settings and its locked manifest."""
    return SimpleNamespace(
        app_settings=settings, app_manifest_version=SimpleNamespace(manifest=schema)
    )


def schema_default(default):
    prop = {"type": "boolean"} if default is None else {"type": "boolean", "default": default}
    return {"settings": {"properties": {"allow_multiple_wins": prop}}}


@pytest.mark.parametrize(
    ("given", "manifest_", "expected"),
    [
        ({"allow_multiple_wins": False}, schema_default(True), False),
        ({"allow_multiple_wins": 0}, {}, False),
        ({"allow_multiple_wins": True}, schema_default(False), True),
        ({}, schema_default(False), False),
        (None, schema_default(False), False),
        ({"allow_multiple_wins": None}, schema_default(False), False),
        ({}, schema_default(None), True),
        ({}, {"settings": {"properties": {"allow_multiple_wins": False}}}, True),
        ({}, {"settings": {"properties": {"allow_multiple_wins": True}}}, True),  # a schema `true`
        ({}, {"settings": {"properties": None}}, True),
        ({}, {"settings": None}, True),
        ({}, None, True),
    ],
)
def test_multiple_wins_come_from_the_settings_then_the_schemas_default_then_yes(
    given, manifest_, expected
):
    assert service.allows_multiple_wins(room_like(given, manifest_)) is expected


@pytest.mark.django_db
def test_eligible_entrants_are_live_active_participants_not_already_winners():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    prize, other = PrizeFactory(room=room, quantity=3), PrizeFactory(room=room, quantity=3)
    plain, won_other, won_this, revoked = (ParticipantFactory(room=room) for _ in range(4))
    ParticipantFactory(room=room, role=Role.VIEWER)
    ParticipantFactory(room=room, role=Role.MODERATOR)
    ParticipantFactory(room=room, status=ParticipantStatus.PENDING_APPROVAL)
    ParticipantFactory(room=room, deleted_at="2026-01-01T00:00:00Z")
    ParticipantFactory()  # another room's
    Winner.objects.create(room=room, prize=other, participant=won_other, method="manual")
    Winner.objects.create(room=room, prize=prize, participant=won_this, method="manual")
    Winner.objects.create(
        room=room,
        prize=prize,
        participant=revoked,
        method="manual",
        revoked_at="2026-01-01T00:00:00Z",
    )

    def ids(prize_or_id, multiple):
        found = service.eligible_entrants(room, prize_or_id, multiple=multiple)
        return list(found.values_list("pk", flat=True))

    assert ids(prize, True) == ids(prize.pk, True) == [plain.pk, won_other.pk, revoked.pk]
    assert ids(prize, False) == [plain.pk, revoked.pk]


# --- unavailable and uses_app -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_app_is_unavailable_for_each_reason_webhook_call_would_give(monkeypatch):
    app = AppFactory()
    assert service.unavailable(app) == ""
    app.disabled_webhooks = ["winner_selection"]
    assert service.unavailable(app) == "disabled"
    app.disabled_webhooks = ["notifications"]
    app.manifest = {**app.manifest, "webhooks": {"notifications": "/n"}}
    assert service.unavailable(app) == "not_configured"
    app.manifest = manifest()
    app.deleted_at = "2026-01-01T00:00:00Z"
    assert service.unavailable(app) == "app_inactive"
    app.deleted_at = None
    app.is_active = False
    assert service.unavailable(app) == "app_inactive"
    app.is_active = True
    for _ in range(5):
        breaker.record_failure(app.app_id, "winner_selection")
    assert service.unavailable(app) == "breaker_open"
    assert service.unavailable(AppFactory()) == ""  # the breaker is the app's own

    def unreachable(*args, **kwargs):
        raise RedisError("down")

    monkeypatch.setattr(breaker, "state", unreachable)
    assert service.unavailable(app) == ""  # the call itself decides


def test_uses_app_reads_the_locked_manifests_capabilities():
    def room(manifest_):
        return SimpleNamespace(app_manifest_version=SimpleNamespace(manifest=manifest_))

    assert service.uses_app(room({"capabilities": ["notifications", "winner_selection"]}))
    assert not service.uses_app(room({"capabilities": ["notifications"]}))
    assert not service.uses_app(room({"capabilities": None}))
    assert not service.uses_app(room(None))


# --- commitment_create ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_commitment_is_made_once_and_published_with_its_chain_length():
    room = RoomFactory()  # a draft: no commitment yet
    made = service.commitment_create(room=room, chain_length=7)
    stored = DrawCommitment.objects.get(room=room)
    assert (stored.chain_length, stored.draws_made, stored.commitment) == (
        7,
        0,
        draws.chain_element(stored.seed, 7),
    )
    assert made.pk == stored.pk and len(stored.seed) == 64 and stored.seed != stored.commitment
    assert events_data(room, "draw:committed") == [
        {"seed_hash": stored.commitment, "chain_length": 7}
    ]
    again = service.commitment_create(room=room)
    assert (again.pk, again.seed, again.chain_length) == (stored.pk, stored.seed, 7)
    assert DrawCommitment.objects.filter(room=room).count() == 1
    assert len(events_data(room, "draw:committed")) == 1
    other = RoomFactory()
    default = service.commitment_create(room=other)
    assert default.chain_length == 1000 and default.seed != stored.seed


# --- refusals, whole -----------------------------------------------------------------------------


def draw_refused(room, **kwargs):
    kwargs.setdefault("by", room.created_by)
    return error_shape(refused(room_draw, room=room, **kwargs))


NOT_FOUND = "No such prize in this room."


@pytest.mark.django_db
def test_prize_ids_that_are_no_numbers_or_no_rows_are_not_found_by_value(draw_room):
    room, prize, _people = draw_room()
    assert draw_refused(room, prize_ids=[prize.pk, "abc"]) == (
        "not_found",
        NOT_FOUND,
        {"prize_id": ["abc"]},
        404,
    )
    assert draw_refused(room, prize_ids=[None]) == (
        "not_found",
        NOT_FOUND,
        {"prize_id": ["None"]},
        404,
    )
    assert draw_refused(room, prize_ids=[prize.pk, 0, -3, 2**63, 2**63 - 1]) == (
        "not_found",
        NOT_FOUND,
        {"prize_id": [0, -3, 2**63]},
        404,
    )
    # within a bigint but no row of the room: found missing under the locks
    assert draw_refused(room, prize_ids=[2**63 - 1, prize.pk]) == (
        "not_found",
        NOT_FOUND,
        {"prize_id": [2**63 - 1]},
        404,
    )
    deleted = PrizeFactory(room=room)
    Prize.objects.filter(pk=deleted.pk).update(deleted_at="2026-01-01T00:00:00Z")
    assert draw_refused(room, prize_ids=[deleted.pk])[2] == {"prize_id": [deleted.pk]}
    assert not Winner.objects.exists()


@pytest.mark.django_db
def test_ids_no_row_can_have_are_refused_before_the_chain_is_looked_at(draw_room):
    """Below 1 or beyond a bigint: refused by value at once (2**63 never reaches the database,
    which cannot take it). 1 and 2**63 - 1 are ids a row may have: they go on to the locks,
    where this used-up chain refuses first."""
    room, _prize, _people = draw_room()
    DrawCommitment.objects.filter(room=room).update(draws_made=F("chain_length"))
    for asked, named in (([0], [0]), ([2**63], [2**63]), ([1, 0, 2**63 - 1], [0])):
        assert draw_refused(room, prize_ids=asked) == (
            "not_found",
            NOT_FOUND,
            {"prize_id": named},
            404,
        ), asked
    assert draw_refused(room, prize_ids=[1, 2**63 - 1])[0] == "draws_exhausted"


@pytest.mark.django_db
def test_between_one_and_twenty_prizes_per_draw_each_drawn_once(draw_room):
    room, prize, _people = draw_room(25)
    assert draw_refused(room, prize_ids=[]) == (
        "validation_error",
        "Name at least one prize.",
        {"prize_ids": ["Name at least one prize."]},
        400,
    )
    many = [prize.pk] + [PrizeFactory(room=room).pk for _ in range(20)]
    assert draw_refused(room, prize_ids=many) == (
        "validation_error",
        "At most 20 prizes per draw.",
        {"prize_ids": ["At most 20 prizes per draw."]},
        400,
    )
    # asked twice and in any order (strings too): drawn once each, in id order
    made = room_draw(
        room=room, by=room.created_by, prize_ids=[str(many[19]), *many[:20][::-1], many[0]]
    )
    assert [d.prize_id for d in made.draws] == sorted(many[:20])
    assert [d.number for d in made.draws] == list(range(1, 21))


@pytest.mark.django_db
def test_a_count_below_one_is_refused_by_name(draw_room):
    room, prize, _people = draw_room()
    for count in (0, -1):
        assert draw_refused(room, prize_ids=[prize.pk], count=count) == (
            "validation_error",
            "Draw at least one winner.",
            {"count": ["At least 1."]},
            400,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("status", [RoomStatus.DRAFT, RoomStatus.COMPLETED])
def test_a_room_that_is_not_active_says_its_status(status, draw_room):
    room, prize, _people = draw_room()
    room.status = status
    room.save()
    assert draw_refused(room, prize_ids=[prize.pk]) == (
        "room_not_active",
        f"Draws happen in active rooms; this one is {status}.",
        {"status": status},
        409,
    )


@pytest.mark.django_db
def test_the_status_under_the_lock_is_the_one_that_counts(draw_room):
    """The room object says active; the row says completed (closed meanwhile)."""
    room, prize, _people = draw_room()
    type(room).objects.filter(pk=room.pk).update(status=RoomStatus.COMPLETED)
    assert draw_refused(room, prize_ids=[prize.pk]) == (
        "room_not_active",
        "Draws happen in active rooms; this one is completed.",
        {"status": RoomStatus.COMPLETED},
        409,
    )
    assert room.status == RoomStatus.COMPLETED


@pytest.mark.django_db
def test_the_locks_read_the_commitment_the_status_and_only_the_live_prizes_asked(draw_room):
    """What ``_lock`` hands the draw, the same on both paths (one statement on PostgreSQL, the
    ORM elsewhere): the prizes not asked, deleted or of another room are not in the stock."""
    room, prize, _people = draw_room(quantity=3)
    PrizeFactory(room=room, quantity=2)  # not asked
    deleted = PrizeFactory(room=room)
    Prize.objects.filter(pk=deleted.pk).update(deleted_at="2026-01-01T00:00:00Z")
    elsewhere = PrizeFactory()
    commitment, status, stock, organizers = service._lock(
        room, sorted([prize.pk, deleted.pk, elsewhere.pk]), organizers=False
    )
    stored = DrawCommitment.objects.get(room=room)
    assert (commitment.pk, commitment.seed, commitment.draws_made) == (room.pk, stored.seed, 0)
    assert (status, stock, organizers) == (RoomStatus.ACTIVE, {prize.pk: 3}, None)


@pytest.mark.django_db
def test_an_active_room_without_a_commitment_is_told_to_activate_first(draw_room):
    room, prize, _people = draw_room()
    DrawCommitment.objects.filter(room=room).delete()
    assert draw_refused(room, prize_ids=[prize.pk]) == (
        "room_not_active",
        "This room has no commitment: activate it first.",
        {"status": RoomStatus.ACTIVE},
        409,
    )


@pytest.mark.django_db
def test_the_chain_allows_exactly_its_length_in_draws(draw_room):
    room, prize, _people = draw_room(4, quantity=4)
    second = PrizeFactory(room=room, quantity=4)
    DrawCommitment.objects.filter(room=room).update(draws_made=8, chain_length=10)
    assert draw_refused(room, prize_ids=[prize.pk, second.pk, PrizeFactory(room=room).pk]) == (
        "draws_exhausted",
        "This room has made 8 of its 10 draws.",
        {"draws_made": 8, "chain_length": 10},
        409,
    )
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk, second.pk], count=1)
    assert [d.number for d in made.draws] == [9, 10]
    commitment = DrawCommitment.objects.get(room=room)
    assert made.commitment.draws_made == commitment.draws_made == 10
    seed = commitment.seed
    assert [d.revealed for d in made.draws] == [
        draws.chain_element(seed, 1),
        draws.chain_element(seed, 0),
    ]


@pytest.mark.django_db
def test_a_prize_without_the_units_asked_says_how_many_are_left(draw_room):
    room, prize, _people = draw_room(5, quantity=3)
    Prize.objects.filter(pk=prize.pk).update(quantity_remaining=2)
    assert draw_refused(room, prize_ids=[prize.pk], count=3) == (
        "prize_exhausted",
        "Only 2 of this prize left.",
        {"prize_id": prize.pk, "quantity_remaining": 2},
        409,
    )
    Prize.objects.filter(pk=prize.pk).update(quantity_remaining=0)
    assert draw_refused(room, prize_ids=[prize.pk]) == (
        "prize_exhausted",
        "Only 0 of this prize left.",
        {"prize_id": prize.pk, "quantity_remaining": 0},
        409,
    )


@pytest.mark.django_db
def test_too_few_entrants_are_counted_in_the_refusal(draw_room):
    room, prize, _people = draw_room(2, quantity=5)
    assert draw_refused(room, prize_ids=[prize.pk], count=3) == (
        "not_enough_entrants",
        "2 eligible entrants for 3 winners.",
        {"prize_id": prize.pk, "eligible": 2, "requested": 3},
        409,
    )
    empty, empty_prize, _ = draw_room(0, quantity=5)
    assert draw_refused(empty, prize_ids=[empty_prize.pk]) == (
        "not_enough_entrants",
        "0 eligible entrants for 1 winners.",
        {"prize_id": empty_prize.pk, "eligible": 0, "requested": 0},
        409,
    )
    # exactly as many as asked: drawn
    made = room_draw(room=room, by=None, prize_ids=[prize.pk], count=2)
    assert sorted(made.draws[0].result) == sorted(p.pk for p in _people)


@pytest.mark.django_db
def test_by_default_every_unit_left_at_most_one_per_entrant(draw_room):
    room, prize, people = draw_room(3, quantity=5)
    [draw] = room_draw(room=room, by=None, prize_ids=[prize.pk]).draws
    assert draw.count == 3 and sorted(draw.result) == sorted(p.pk for p in people)
    room, prize, _people = draw_room(6, quantity=4)
    Prize.objects.filter(pk=prize.pk).update(quantity_remaining=2)
    [draw] = room_draw(room=room, by=None, prize_ids=[prize.pk]).draws
    assert draw.count == 2 == len(draw.result)


# --- what a draw writes and publishes (the ORM path; the SQL path: test_draws.py) -------------


@pytest.mark.django_db
def test_a_draw_publishes_its_winners_and_what_it_revealed(draw_room):
    room, prize, people = draw_room(4, quantity=2)
    made = room_draw(room=room, by=None, prize_ids=[prize.pk])
    [draw] = made.draws
    commitment = DrawCommitment.objects.get(room=room)
    assert events_data(room, "winner:selected") == [
        {
            "id": w.pk,
            "prize_id": prize.pk,
            "participant_id": w.participant_id,
            "method": "fallback_random",
            "draw_id": draw.pk,
        }
        for w in made.winners
    ]
    assert [w.participant_id for w in made.winners] == draw.result
    assert events_data(room, "draw:revealed") == [
        {
            "seed": draw.revealed,
            "draw_id": 1,
            "number": 1,
            "prize_id": prize.pk,
            "commitment": commitment.commitment,
            "chain_length": 1000,
            "entrants_hash": draw.entrants_hash,
            "entrants_count": 4,
            "result": draw.result,
            "method": "fallback_random",
            "fallback_used": False,
        }
    ]
    assert draw.entrants_hash == ref.entrants_digest(sorted(p.pk for p in people))
    assert draw.created_by_id is None and all(w.selected_by_id is None for w in made.winners)
    assert Prize.objects.get(pk=prize.pk).quantity_remaining == 0
    assert commitment.draws_made == 1


@pytest.mark.django_db
def test_without_multiple_wins_one_request_never_draws_a_person_twice(draw_room):
    room, first, people = draw_room(4, quantity=2)
    room.app_settings = {"allow_multiple_wins": False}
    room.save()
    second = PrizeFactory(room=room, quantity=2)
    made = room_draw(room=room, by=None, prize_ids=[first.pk, second.pk])
    one, two = made.draws
    assert sorted(one.result + two.result) == sorted(p.pk for p in people)
    assert two.entrants == sorted(set(one.entrants) - set(one.result))


@pytest.mark.django_db
def test_without_multiple_wins_each_prize_of_a_request_excludes_every_earlier_winner(draw_room):
    room, first, people = draw_room(4, quantity=1)
    room.app_settings = {"allow_multiple_wins": False}
    room.save()
    second, third = PrizeFactory(room=room), PrizeFactory(room=room)
    one, two, three = room_draw(room=room, by=None, prize_ids=[first.pk, second.pk, third.pk]).draws
    everyone = {p.pk for p in people}
    assert set(three.entrants) == everyone - set(one.result) - set(two.result)
    assert len(set(one.result + two.result + three.result)) == 3


@pytest.mark.django_db
def test_with_multiple_wins_a_winner_of_one_prize_may_win_the_next(draw_room):
    room, first, people = draw_room(2, quantity=2)
    second = PrizeFactory(room=room, quantity=2)
    made = room_draw(room=room, by=None, prize_ids=[first.pk, second.pk])
    one, two = made.draws
    everyone = sorted(p.pk for p in people)
    assert one.entrants == two.entrants == everyone
    assert sorted(one.result) == sorted(two.result) == everyone


@pytest.mark.django_db
@pytest.mark.parametrize("multiple", [True, False])
def test_a_past_winner_of_another_prize_enters_only_when_multiple_wins_are_allowed(
    multiple, draw_room
):
    room, prize, people = draw_room(3, quantity=1)
    room.app_settings = {"allow_multiple_wins": multiple}
    room.save()
    other = PrizeFactory(room=room)
    Winner.objects.create(room=room, prize=other, participant=people[0], method="manual")
    [draw] = room_draw(room=room, by=None, prize_ids=[prize.pk]).draws
    everyone = sorted(p.pk for p in people)
    assert draw.entrants == (everyone if multiple else everyone[1:])


# --- the app asked first -------------------------------------------------------------------------


def fallback_text(room, why: str, drawn: str = "#1") -> str:
    return (
        f"{room.name}: {room.app.name} did not pick the winners of draw {drawn} "
        f"({why}), so the platform's verifiable draw did."
    )


@pytest.mark.django_db
def test_an_apps_pick_is_stored_with_the_apps_answer(server, app_draw_room):
    """What the verification page and the API read back is the draw returned: the app's method,
    no fallback, and the app's answer kept whole (on PostgreSQL the one write statement takes
    each column from a JSON record)."""
    room, prize, people = app_draw_room(3)
    said = {"winners": [{"participant_id": people[1].pk, "prize_id": prize.pk}]}
    server.route(WINNERS_HOOK, answer(200, said))
    [draw] = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk]).draws
    stored = Draw.objects.get(pk=draw.pk)
    assert (stored.method, stored.fallback_used, stored.result) == (
        WinnerMethod.APP,
        False,
        [people[1].pk],
    )
    assert stored.app_answer == draw.app_answer
    assert stored.app_answer["winners"] == said["winners"]
    [winner] = Winner.objects.filter(draw=stored)
    assert (winner.participant_id, winner.method) == (people[1].pk, WinnerMethod.APP)


@pytest.mark.django_db
def test_the_app_is_asked_with_the_rooms_entrants_settings_and_the_next_draw_number(
    server, app_draw_room
):
    room, prize, people = app_draw_room(quantity=3, app_settings={"theme": "gold"})
    Participant.objects.filter(pk=people[0].pk).update(metadata={"seat": "A1"})
    DrawCommitment.objects.filter(room=room).update(draws_made=4)
    chosen = [people[2].pk, people[0].pk]
    said = {
        "winners": [
            {"participant_id": chosen[0], "prize_id": prize.pk},
            {"participant_id": chosen[1], "prize_id": prize.pk, "metadata": {"n": 2}},
        ]
    }
    server.route(WINNERS_HOOK, answer(200, said))
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk], count=2)
    [request] = server.hits(WINNERS_HOOK)
    body = json.loads(request.body)
    assert body == {
        "room_id": room.pk,
        "draw_id": 5,
        "count": 2,
        "participants": [
            {"id": p.pk, "user_id": p.user_id, "metadata": meta}
            for p, meta in zip(people, [{"seat": "A1"}, {}, {}], strict=True)
        ],
        "prizes": [{"id": prize.pk, "name": prize.name, "quantity_remaining": 3}],
        "app_settings": {"theme": "gold"},
    }
    [draw] = made.draws
    assert (draw.number, draw.method, draw.result, draw.count) == (5, "app", chosen, 2)
    assert draw.app_answer == {"draw_id": 5, **said}
    assert [w.metadata for w in made.winners] == [
        {"draw_number": 5, "revealed": draw.revealed},
        {"draw_number": 5, "revealed": draw.revealed, "n": 2},
    ]
    assert [w.method for w in made.winners] == [WinnerMethod.APP] * 2
    assert events_data(room, "draw:revealed")[0]["method"] == "app"


@pytest.mark.django_db
def test_each_prize_is_asked_with_its_own_draw_number_and_its_default_count(server, app_draw_room):
    room, first, _people = app_draw_room(n_entrants=3, quantity=5)
    second = PrizeFactory(room=room, quantity=2)
    server.route(WINNERS_HOOK, answer(500, {"error": "boom"}))
    room_draw(room=room, by=room.created_by, prize_ids=[second.pk, first.pk])
    bodies = [json.loads(hit.body) for hit in server.hits(WINNERS_HOOK)]
    assert [(b["draw_id"], b["count"], b["prizes"][0]["id"]) for b in bodies] == [
        (1, 3, first.pk),
        (2, 2, second.pk),
    ]
    assert "metadata" not in bodies[0]  # no leaderboard for a lottery


@pytest.mark.django_db
@pytest.mark.parametrize("multiple", [True, False])
def test_the_app_is_offered_only_the_entrants_who_may_win_this_prize(
    server, multiple, app_draw_room
):
    room, prize, people = app_draw_room(n_entrants=3, quantity=2)
    room.app_settings = {"allow_multiple_wins": multiple}
    room.save()
    other = PrizeFactory(room=room)
    won_other, won_this, plain = people
    Winner.objects.create(room=room, prize=other, participant=won_other, method="manual")
    Winner.objects.create(room=room, prize=prize, participant=won_this, method="manual")
    server.route(WINNERS_HOOK, answer(500, {}))
    room_draw(room=room, by=room.created_by, prize_ids=[prize.pk], count=1)
    [request] = server.hits(WINNERS_HOOK)
    offered = [p["id"] for p in json.loads(request.body)["participants"]]
    assert offered == ([won_other.pk, plain.pk] if multiple else [plain.pk])


@pytest.mark.django_db
def test_a_missing_prize_is_refused_before_the_app_is_asked(server, app_draw_room):
    room, prize, _people = app_draw_room()
    server.route(WINNERS_HOOK, answer(500, {}))
    elsewhere = PrizeFactory()  # another room's
    assert draw_refused(room, prize_ids=[10**12, prize.pk, elsewhere.pk]) == (
        "not_found",
        NOT_FOUND,
        {"prize_id": sorted([elsewhere.pk, 10**12])},
        404,
    )
    assert server.hits(WINNERS_HOOK) == []


@pytest.mark.django_db
def test_nobody_to_draw_means_no_call(server, app_draw_room):
    room, prize, _people = app_draw_room(n_entrants=0)
    server.route(WINNERS_HOOK, answer(500, {}))
    assert draw_refused(room, prize_ids=[prize.pk])[0] == "not_enough_entrants"
    assert server.hits(WINNERS_HOOK) == []
    Prize.objects.filter(pk=prize.pk).update(quantity_remaining=0)
    ParticipantFactory(room=room)
    assert draw_refused(room, prize_ids=[prize.pk])[0] == "prize_exhausted"
    assert server.hits(WINNERS_HOOK) == []


@pytest.mark.django_db
def test_the_fallbacks_reason_names_the_outcome_and_the_error(server, app_draw_room):
    room, prize, _people = app_draw_room()
    server.route(WINNERS_HOOK, answer(500, {"error": "boom"}))
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    assert made.fallback_used and made.draws[0].fallback_used
    assert made.draws[0].app_answer is None
    told = Notification.objects.get(verb="room.draw_fallback")
    assert told.text == fallback_text(room, "the app's answer: http_error (HTTP 500)")


@pytest.mark.django_db
def test_an_answer_that_breaks_the_contract_is_recorded_as_invalid_and_named(server, app_draw_room):
    room, prize, _people = app_draw_room()
    server.route(
        WINNERS_HOOK, answer(200, {"winners": [{"participant_id": 10**9, "prize_id": prize.pk}]})
    )
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    assert made.fallback_used and made.draws[0].app_answer is None
    delivery = WebhookDelivery.objects.get(app=room.app)
    why = "invalid answer: winners[0].participant_id is not an eligible participant"
    assert (delivery.outcome, delivery.error) == ("invalid_answer", why)
    assert Notification.objects.get(verb="room.draw_fallback").text == fallback_text(
        room, f"the app's answer: invalid_answer ({why})"
    )


@pytest.mark.django_db
def test_entrants_who_joined_after_an_app_had_nothing_to_draw_are_drawn_by_the_platform(
    server, app_draw_room
):
    """Nobody to offer when the app would be asked (so it is not), somebody by the time the
    draw locks the room: the platform draws, and says why the app did not."""
    room, prize, _people = app_draw_room(n_entrants=0)
    server.route(WINNERS_HOOK, answer(500, {}))
    real = service._ask_app
    joined = []

    def ask_then_join(*args, **kwargs):
        asked = real(*args, **kwargs)
        joined.append(ParticipantFactory(room=room))
        return asked

    service._ask_app = ask_then_join
    try:
        made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    finally:
        service._ask_app = real
    assert server.hits(WINNERS_HOOK) == []
    [draw] = made.draws
    assert draw.result == [joined[0].pk] and draw.fallback_used
    assert Notification.objects.get(verb="room.draw_fallback").text == fallback_text(
        room, "the app's answer: skipped (nothing to draw)"
    )


@pytest.mark.django_db
def test_an_app_that_cannot_be_asked_is_not_read_for_and_named_as_such(server, app_draw_room):
    room, prize, _people = app_draw_room()
    room.app.is_active = False
    room.app.save()
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    assert made.fallback_used and server.hits(WINNERS_HOOK) == []
    assert Notification.objects.get(verb="room.draw_fallback").text == fallback_text(
        room, "the app's answer: app_inactive"
    )


@pytest.mark.django_db
def test_a_stale_answer_is_kept_and_its_reason_told(server, app_draw_room):
    room, prize, people = app_draw_room()
    leaver = people[0]
    server.route(
        WINNERS_HOOK,
        answer(200, {"winners": [{"participant_id": leaver.pk, "prize_id": prize.pk}]}),
    )
    real = service._ask_app

    def ask_then_leave(*args, **kwargs):
        asked = real(*args, **kwargs)
        Participant.objects.filter(pk=leaver.pk).update(deleted_at="2026-01-01T00:00:00Z")
        return asked

    service._ask_app = ask_then_leave
    try:
        made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    finally:
        service._ask_app = real
    [draw] = made.draws
    assert draw.app_answer == {
        "draw_id": 1,
        "winners": [{"participant_id": leaver.pk, "prize_id": prize.pk}],
    }
    assert (draw.method, draw.fallback_used) == (WinnerMethod.FALLBACK_RANDOM, True)
    assert Notification.objects.get(verb="room.draw_fallback").text == fallback_text(
        room,
        "the app's answer no longer fits the room: "
        "winners[0].participant_id is not an eligible participant",
    )


@pytest.mark.django_db
def test_only_active_organizers_and_admins_hear_of_a_fallback_of_the_draws_that_fell_back(
    server, app_draw_room
):
    room, first, _people = app_draw_room(n_entrants=2)
    second = PrizeFactory(room=room)
    admin = ParticipantFactory(room=room, role=Role.ADMIN)
    ParticipantFactory(room=room, role=Role.MODERATOR)
    gone = ParticipantFactory(room=room, role=Role.ADMIN)
    type(gone.user).objects.filter(pk=gone.user_id).update(is_active=False)
    ParticipantFactory(room=room, role=Role.ADMIN, deleted_at="2026-01-01T00:00:00Z")
    UserFactory()
    elsewhere = RoomFactory(status=RoomStatus.ACTIVE)  # another room's organizer
    ParticipantFactory(room=elsewhere, role=Role.ADMIN)

    def first_only(handler, received):
        body = json.loads(received.body)
        if body["prizes"][0]["id"] == first.pk:
            pid = body["participants"][0]["id"]
            handler.send(
                200,
                json.dumps({"winners": [{"participant_id": pid, "prize_id": first.pk}]}).encode(),
                {"Content-Type": "application/json"},
            )
        else:
            handler.send(500, b"{}", {"Content-Type": "application/json"})

    server.route(WINNERS_HOOK, first_only)
    made = room_draw(room=room, by=room.created_by, prize_ids=[first.pk, second.pk])
    assert [(d.number, d.fallback_used) for d in made.draws] == [(1, False), (2, True)]
    told = Notification.objects.filter(verb="room.draw_fallback")
    assert sorted(told.values_list("user_id", flat=True)) == sorted(
        [room.created_by_id, admin.user_id]
    )
    assert {n.target_url for n in told} == {f"/rooms/{room.pk}/draws/2/"}
    assert {n.text for n in told} == {
        fallback_text(room, "the app's answer: http_error (HTTP 500)", "#2")
    }


def test_a_draw_sends_the_room_exactly_the_events_it_logged(
    db, on_postgres, draw_room, monkeypatch, django_capture_on_commit_callbacks
):
    """On PostgreSQL the draw logs its events in its own statement and sends them after commit
    itself (``realtime.send_on_commit``): what the sockets get is what the log holds, in order,
    and the caller's room knows the last sequence number (_write 191-206)."""
    from events import realtime

    sent: list = []
    monkeypatch.setattr(realtime, "group_send_all", lambda sends: sent.extend(sends))
    room, prize, _people = draw_room(n_entrants=5, quantity=2)
    with django_capture_on_commit_callbacks(execute=True):
        room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])

    logged = list(
        RoomEvent.objects.filter(room=room, type__in=["winner:selected", "draw:revealed"]).order_by(
            "seq"
        )
    )
    assert [e.type for e in logged] == ["winner:selected", "winner:selected", "draw:revealed"]
    assert sent == [
        (realtime.room_group(room.pk), {"type": realtime.HANDLER, "event": realtime.message(e)})
        for e in logged
    ]
    assert room.event_seq == logged[-1].seq == Room.objects.get(pk=room.pk).event_seq
