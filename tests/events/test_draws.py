"""Provably fair draws (issue 12 item 4, docs/draws.md): the selection checked against an
independent reimplementation, tampering detected, the app asked first and every failure mode
falling back (real local HTTP servers), the API, the race and the query count."""

import json
import random
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from events import draws
from events.models import Draw, DrawCommitment, Prize, Role, RoomStatus, Winner, WinnerMethod
from events.services.draws import room_draw
from events.webhooks import breaker
from tests.accounts.conftest import bearer
from tests.concurrency import run_together
from tests.events import draws_reference as ref
from tests.events.appauth import app_with_secret, system, token_for, user_token
from tests.events.appserver import answer
from tests.events.factories import (
    NO_DRAW_APP,
    WINNERS_HOOK,
    ParticipantFactory,
    PrizeFactory,
    RoomFactory,
    manifest,
)
from umbrella.errors import ApplicationError

# --- the algorithm, against the independent reimplementation ----------------------------------


def test_docs_worked_example():
    """The numbers of docs/draws.md, "Worked example"."""
    seed = "00" * 32
    revealed = draws.chain_element(seed, 1000 - 1)
    entrants = [12, 5, 40, 9, 3]
    assert draws.entrants_bytes(entrants) == b"3\n5\n9\n12\n40"
    digest = draws.entrants_hash(entrants)
    assert digest == ref.entrants_digest(entrants)
    assert digest == "e5ae5b4ab76c5cc7d427eeb9ab0bda1c2261b8ee13b8bf7c718d65c5dc9646cc"
    assert revealed == "d7629036bbc8ea654d34db3b4fc62d79ee9ee8fe845d8fdb61b2e589c41dcdaa"
    block = draws.block(revealed, digest, 7, 1, 0)
    assert block.hex().startswith("0ed3454d74f28886")  # words 248726861, 1962051718, …
    result = draws.select(
        revealed_hex=revealed, entrant_ids=entrants, prize_id=7, number=1, count=2
    )
    assert result == ref.winners(revealed, entrants, 7, 1, 2) == [5, 12]
    assert draws.verifies(revealed, 1, draws.chain_element(seed, 1000))


def test_a_thousand_random_draws_agree_with_the_reimplementation():
    rng = random.Random(20261203)
    for _ in range(1000):
        seed = rng.randbytes(32).hex()
        n = rng.randint(1, 60)
        k = rng.randint(1, n)
        commitment = draws.chain_element(seed, n)
        revealed = draws.chain_element(seed, n - k)
        size = rng.choice([1, 2, 3, 7, 50, 300, rng.randint(1, 2000)])
        entrants = rng.sample(range(1, 10**9), size)
        prize_id = rng.randint(1, 2**40)
        count = rng.randint(1, size)
        ours = draws.select(
            revealed_hex=revealed, entrant_ids=entrants, prize_id=prize_id, number=k, count=count
        )
        assert ours == ref.winners(revealed, entrants, prize_id, k, count)
        assert len(set(ours)) == count and set(ours) <= set(entrants)
        assert ref.chain_ok(revealed, k, commitment)
        assert draws.entrants_hash(entrants) == ref.entrants_digest(entrants)


def test_rejection_sampling_is_used_for_bounds_that_do_not_divide_2_32():
    stream = draws.Stream("11" * 32, "22" * 32, 1, 1)
    n = 2**31 + 1  # bound = 2^32 - (2^32 mod n) = n: about half the words are rejected
    values = [stream.below(n) for _ in range(200)]
    assert all(0 <= v < n for v in values)
    assert stream.words_used > 200  # some words were skipped, none reduced with a bias


def test_a_tampered_entrant_list_or_seed_is_detected():
    seed = draws.new_seed()
    commitment = draws.chain_element(seed, 50)
    revealed = draws.chain_element(seed, 47)
    entrants = list(range(100, 160))
    result = draws.select(
        revealed_hex=revealed, entrant_ids=entrants, prize_id=3, number=3, count=4
    )
    honest = dict(
        commitment_hex=commitment,
        number=3,
        revealed_hex=revealed,
        entrant_ids=entrants,
        entrants_hash_hex=draws.entrants_hash(entrants),
        prize_id=3,
        result=result,
    )
    assert draws.check(**honest) == {"chain": True, "entrants": True, "winners": True}
    swapped = [e for e in entrants if e != result[0]] + [999]
    assert draws.check(**{**honest, "entrant_ids": swapped})["entrants"] is False
    other = draws.chain_element(draws.new_seed(), 47)
    assert draws.check(**{**honest, "revealed_hex": other}) == {
        "chain": False,
        "entrants": True,
        "winners": False,
    }
    assert not ref.chain_ok(other, 3, commitment)
    assert ref.entrants_digest(swapped) != honest["entrants_hash_hex"]


# --- the service -----------------------------------------------------------------------------


def _verify_with_reference(draw: Draw) -> None:
    c = DrawCommitment.objects.get(room=draw.room)
    assert ref.chain_ok(draw.revealed, draw.number, c.commitment)
    assert ref.entrants_digest(draw.entrants) == draw.entrants_hash
    assert draw.result == ref.winners(
        draw.revealed, draw.entrants, draw.prize_id, draw.number, draw.count
    )


@pytest.mark.django_db
def test_a_draw_without_an_app_is_the_verifiable_draw_and_reveals_its_element(draw_room):
    room, prize, people = draw_room(6, quantity=2)
    ParticipantFactory(room=room, role=Role.VIEWER)  # not an entrant
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    [draw] = made.draws
    assert (draw.number, draw.method, draw.fallback_used, made.fallback_used) == (
        1,
        WinnerMethod.FALLBACK_RANDOM,
        False,
        False,
    )
    assert draw.entrants == sorted(p.pk for p in people)
    assert len(draw.result) == 2 == draw.count
    _verify_with_reference(draw)
    assert sorted(w.participant_id for w in made.winners) == sorted(draw.result)
    assert all(w.draw_id == draw.pk for w in made.winners)
    prize.refresh_from_db()
    assert prize.quantity_remaining == 0
    assert DrawCommitment.objects.get(room=room).draws_made == 1
    event = room.live_events.filter(type="draw:revealed").get()
    assert event.data["seed"] == draw.revealed and event.data["number"] == 1
    assert event.data["result"] == draw.result
    assert not Notification.objects.filter(verb="room.draw_fallback").exists()

    # the next draw: the next chain element; winners of a prize are not drawn again for it
    prize.quantity = 4
    prize.quantity_remaining = 2
    prize.save()
    [second] = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk], count=1).draws
    assert second.number == 2 and draws.chain_step(second.revealed) == draw.revealed
    assert not set(second.entrants) & set(draw.result)
    _verify_with_reference(second)


@pytest.mark.django_db
def test_refusals_write_nothing(draw_room):
    room, prize, _people = draw_room(2, quantity=1)
    stranger_room = RoomFactory(status=RoomStatus.ACTIVE)
    participant = ParticipantFactory(room=room)

    def refused(**kw):
        with pytest.raises(ApplicationError) as error:
            room_draw(**{"room": room, "by": room.created_by, "prize_ids": [prize.pk]} | kw)
        return error.value

    assert refused(count=2).code == "prize_exhausted"
    assert refused(by=participant.user).code == "forbidden"
    assert refused(prize_ids=[PrizeFactory(room=stranger_room).pk]).code == "not_found"
    assert refused(prize_ids=[prize.pk, 10**9]).code == "not_found"
    commitment = DrawCommitment.objects.get(room=room)
    commitment.draws_made = commitment.chain_length
    commitment.save()
    assert refused().code == "draws_exhausted"
    room.status = RoomStatus.COMPLETED
    room.save()
    assert refused().code == "room_not_active"
    assert not Draw.objects.exists() and not Winner.objects.exists()
    empty_room, empty_prize, _ = draw_room(0, quantity=2)
    with pytest.raises(ApplicationError) as nobody:
        room_draw(room=empty_room, by=empty_room.created_by, prize_ids=[empty_prize.pk])
    assert nobody.value.code == "not_enough_entrants"


# --- the app first, then the fallback --------------------------------------------------------


@pytest.mark.django_db
def test_a_valid_app_answer_is_used(server, app_draw_room):
    room, prize, people = app_draw_room(4)
    chosen = people[2].pk
    server.route(
        WINNERS_HOOK,
        answer(
            200,
            {
                "winners": [
                    {"participant_id": chosen, "prize_id": prize.pk, "metadata": {"why": "first"}}
                ]
            },
        ),
    )
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    [draw] = made.draws
    assert (draw.method, draw.fallback_used, made.fallback_used) == ("app", False, False)
    assert draw.result == [chosen] and draw.app_answer["draw_id"] == 1
    [winner] = made.winners
    assert (winner.participant_id, winner.method) == (chosen, WinnerMethod.APP)
    assert winner.metadata["why"] == "first" and winner.metadata["draw_number"] == 1
    [request] = server.hits(WINNERS_HOOK)

    body = json.loads(request.body)
    assert body["room_id"] == room.pk and body["draw_id"] == 1 and body["count"] == 1
    assert [p["id"] for p in body["participants"]] == sorted(p.pk for p in people)
    assert body["prizes"] == [{"id": prize.pk, "name": prize.name, "quantity_remaining": 1}]
    assert ref.chain_ok(draw.revealed, 1, DrawCommitment.objects.get(room=room).commitment)
    assert not Notification.objects.filter(verb="room.draw_fallback").exists()


def _invalid(prize_id: int, people) -> dict:
    return {"winners": [{"participant_id": 10**9, "prize_id": prize_id}]}


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["timeout", "500", "invalid", "too_many", "breaker_open"])
def test_every_app_failure_falls_back_and_says_so(server, mode, app_draw_room):
    room, prize, people = app_draw_room(4, quantity=1)
    if mode == "timeout":
        server.route(WINNERS_HOOK, answer(200, {"winners": []}, delay=1.5))
    elif mode == "500":
        server.route(WINNERS_HOOK, answer(500, {"error": "boom"}))
    elif mode == "invalid":
        server.route(WINNERS_HOOK, answer(200, _invalid(prize.pk, people)))
    elif mode == "too_many":
        two = [{"participant_id": p.pk, "prize_id": prize.pk} for p in people[:2]]
        server.route(WINNERS_HOOK, answer(200, {"winners": two}))
    else:
        for _ in range(5):
            breaker.record_failure(room.app.app_id, "winner_selection")
    made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    [draw] = made.draws
    assert made.fallback_used and draw.fallback_used
    assert draw.method == WinnerMethod.FALLBACK_RANDOM
    _verify_with_reference(draw)
    assert [w.method for w in made.winners] == [WinnerMethod.FALLBACK_RANDOM]
    told = Notification.objects.get(verb="room.draw_fallback")
    assert told.user_id == room.created_by_id
    assert told.target_url == f"/rooms/{room.pk}/draws/1/"
    assert len(server.hits(WINNERS_HOOK)) == (0 if mode == "breaker_open" else 1)


@pytest.mark.django_db
def test_an_app_answer_that_went_stale_falls_back(server, app_draw_room):
    """Valid when asked, but the chosen entrant left before the transaction."""
    room, prize, people = app_draw_room(4)
    leaver = people[0]
    server.route(
        WINNERS_HOOK,
        answer(200, {"winners": [{"participant_id": leaver.pk, "prize_id": prize.pk}]}),
    )
    from django.utils import timezone

    from events.services import draws as service

    real = service._ask_app

    def ask_then_leave(*args, **kwargs):
        asked = real(*args, **kwargs)
        type(leaver).objects.filter(pk=leaver.pk).update(deleted_at=timezone.now())
        return asked

    service._ask_app = ask_then_leave
    try:
        made = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk])
    finally:
        service._ask_app = real
    [draw] = made.draws
    assert draw.fallback_used and leaver.pk not in draw.entrants
    assert draw.app_answer["winners"][0]["participant_id"] == leaver.pk
    _verify_with_reference(draw)


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_draws_and_anyone_reads_and_verifies_a_public_rooms_draws(api_client, draw_room):
    room, prize, _people = draw_room(5, quantity=2)
    second = PrizeFactory(room=room, quantity=1)
    response = api_client.post(
        f"/api/v1/rooms/{room.pk}/draw",
        {"prize_ids": [second.pk, prize.pk], "count": 1},
        format="json",
        **bearer(user_token(room.created_by)),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["fallback_used"] is False and body["draw_ids"] == [1, 2]
    assert [d["prize_id"] for d in body["draws"]] == sorted([prize.pk, second.pk])
    assert len(body["winners"]) == 2 and {w["draw_id"] for w in body["winners"]} == {1, 2}

    anonymous = api_client.__class__()
    listing = anonymous.get(f"/api/v1/rooms/{room.pk}/draws/")
    assert listing.status_code == 200 and listing.json()["count"] == 2
    one = anonymous.get(f"/api/v1/rooms/{room.pk}/draws/2").json()
    assert one["entrants_count"] == len(one["entrants"]) == 5
    assert ref.chain_ok(one["revealed"], one["number"], one["commitment"])
    assert ref.entrants_digest(one["entrants"]) == one["entrants_hash"]
    assert one["result"] == ref.winners(
        one["revealed"], one["entrants"], one["prize_id"], one["number"], one["count"]
    )
    assert anonymous.get(f"/api/v1/rooms/{room.pk}/draws/3").status_code == 404

    room.is_public = False
    room.save()
    assert anonymous.get(f"/api/v1/rooms/{room.pk}/draws/2").status_code == 404


@pytest.mark.django_db
def test_the_api_refuses_in_the_one_error_shape(api_client, draw_room):
    room, prize, people = draw_room(1, quantity=1)
    headers = bearer(user_token(room.created_by))
    bad = api_client.post(
        f"/api/v1/rooms/{room.pk}/draw", {"prize_ids": []}, format="json", **headers
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    extra = api_client.post(
        f"/api/v1/rooms/{room.pk}/draw", {"prize_ids": [prize.pk], "x": 1}, format="json", **headers
    )
    assert extra.status_code == 400
    too_many = api_client.post(
        f"/api/v1/rooms/{room.pk}/draw",
        {"prize_ids": [prize.pk], "count": 2},
        format="json",
        **headers,
    )
    assert too_many.status_code == 409
    assert too_many.json()["error"]["code"] == "prize_exhausted"
    member = api_client.post(
        f"/api/v1/rooms/{room.pk}/draw",
        {"prize_ids": [prize.pk]},
        format="json",
        **bearer(user_token(people[0].user)),
    )
    assert member.status_code == 403 and member.json()["error"]["code"] == "forbidden"
    assert not Draw.objects.exists()


@pytest.mark.django_db
def test_an_app_system_call_draws_only_in_its_own_rooms(api_client):
    app, secret = app_with_secret(
        permissions=["winners:write"], manifest=NO_DRAW_APP | {"permissions": ["winners:write"]}
    )
    room = RoomFactory(app=app, status=RoomStatus.ACTIVE)
    prize = PrizeFactory(room=room)
    ParticipantFactory(room=room)
    other = PrizeFactory()  # another app's room
    ParticipantFactory(room=other.room)
    headers = system(token_for(app, secret))
    mine = api_client.post(
        f"/api/v1/rooms/{room.pk}/draw", {"prize_ids": [prize.pk]}, format="json", **headers
    )
    assert mine.status_code == 201, mine.content
    assert Winner.objects.get().selected_by is None
    theirs = api_client.post(
        f"/api/v1/rooms/{other.room_id}/draw", {"prize_ids": [other.pk]}, format="json", **headers
    )
    assert theirs.status_code == 404


# --- races and cost ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hundred_simultaneous_draws_of_a_prize_of_ten_make_exactly_ten_winners(draw_room):
    room, prize, _people = draw_room(120, quantity=10)

    def draw_one():
        return room_draw(room=room, by=room.created_by, prize_ids=[prize.pk], count=1)

    results = run_together(draw_one, 100)
    made = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(made) == 10 and len(refused) == 90, [r for r in results if isinstance(r, Exception)][
        :3
    ]
    assert {r.code for r in refused} == {"prize_exhausted"}
    assert Winner.objects.filter(prize=prize).count() == 10
    assert len(set(Winner.objects.values_list("participant_id", flat=True))) == 10
    assert Prize.objects.get(pk=prize.pk).quantity_remaining == 0
    numbers = sorted(Draw.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 11))  # refused draws used no chain element
    assert DrawCommitment.objects.get(room=room).draws_made == 10
    for draw in Draw.objects.all():
        _verify_with_reference(draw)


def _crowd(room, n: int) -> list[int]:
    """``n`` more entrants of ``room``, inserted in bulk (a factory per person is too slow)."""
    from accounts.models import User
    from events.models import Participant

    tag = f"{room.pk}-{Participant.objects.count()}"
    users = User.objects.bulk_create(
        User(email=f"crowd-{tag}-{i}@example.com", display_name=f"Entrant {i}") for i in range(n)
    )
    return [
        p.pk for p in Participant.objects.bulk_create(Participant(room=room, user=u) for u in users)
    ]


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """What the draw sent, without the savepoint the test's transaction puts around it."""
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()]


# On PostgreSQL a draw is 3 statements (docs/draws.md, "What a draw costs"): the locks, the
# entrants, the write; on SQLite the same steps take 10 through the ORM.
DRAW_STATEMENTS = 3 if connection.vendor == "postgresql" else 10


@pytest.mark.django_db
def test_a_fallback_draw_costs_a_fixed_number_of_queries(django_assert_max_num_queries, draw_room):
    """Three statements whether 5 or 5 000 entrants, 1 or 10 winners (plus the savepoint the
    test's own transaction puts around the draw's)."""
    few, few_prize, _people = draw_room(5, quantity=1)
    with CaptureQueriesContext(connection) as small:
        room_draw(room=few, by=None, prize_ids=[few_prize.pk])
    crowd, prize, _people = draw_room(0, quantity=10)
    entrants = _crowd(crowd, 5000)
    with (
        django_assert_max_num_queries(DRAW_STATEMENTS + 2),
        CaptureQueriesContext(connection) as big,
    ):
        made = room_draw(room=crowd, by=None, prize_ids=[prize.pk])
    assert len(_statements(small)) == len(_statements(big)) == DRAW_STATEMENTS, _statements(big)
    [draw] = made.draws
    assert draw.entrants == entrants and len(draw.result) == 10 == len(made.winners)
    _verify_with_reference(Draw.objects.get(pk=draw.pk))
    assert Prize.objects.get(pk=prize.pk).quantity_remaining == 0
    # one more statement per extra prize (its entrants), whatever their entrants
    more = [PrizeFactory(room=crowd, quantity=2), PrizeFactory(room=crowd, quantity=1)]
    with CaptureQueriesContext(connection) as two:
        made = room_draw(room=crowd, by=None, prize_ids=[p.pk for p in more])
    extra = 1 if connection.vendor == "postgresql" else 2  # SQLite: its stock update too
    assert len(_statements(two)) == DRAW_STATEMENTS + extra
    assert [d.number for d in made.draws] == [2, 3]


@pytest.mark.django_db
def test_a_fallback_after_an_open_breaker_costs_a_fixed_number_of_queries(
    django_assert_max_num_queries, draw_room
):
    """The fallback proper (``fallback_used: true``): the draw's statements (on PostgreSQL the
    locks read the organizers too, the app having failed already) and the notification's two
    per organizer (the row, the e-mail preference)."""
    room, prize, _people = draw_room(
        300, quantity=5, app_manifest=manifest(base_url="http://127.0.0.1:9")
    )
    room.app_manifest_version  # noqa: B018 (loaded, as the API's room read does)
    for _ in range(5):
        breaker.record_failure(room.app.app_id, "winner_selection")
    organizers = 0 if connection.vendor == "postgresql" else 1
    expected = DRAW_STATEMENTS + organizers + 2
    with django_assert_max_num_queries(expected + 2), CaptureQueriesContext(connection) as seen:
        made = room_draw(room=room, by=None, prize_ids=[prize.pk])
    assert made.fallback_used
    assert len(_statements(seen)) == expected, _statements(seen)
    told = Notification.objects.get(verb="room.draw_fallback")
    assert told.user_id == room.created_by_id


@pytest.mark.django_db
def test_a_draw_writes_what_it_returns_and_logs_its_events_in_order(
    django_capture_on_commit_callbacks, draw_room
):
    """The one write of the PostgreSQL path: the rows, the winners' audit, the stock, the
    commitment, and the room events numbered after the room's last one."""
    room, prize, people = draw_room(8, quantity=3)
    room.app_settings = {"allow_multiple_wins": False}
    room.save()
    before = room.live_events.count()
    second = PrizeFactory(room=room, quantity=2)
    with django_capture_on_commit_callbacks() as sent:
        made = room_draw(room=room, by=room.created_by, prize_ids=[second.pk, prize.pk])
    assert len(sent) == 1  # the events go out after commit, together
    first, then = made.draws
    assert (first.prize_id, first.number, then.prize_id, then.number) == (
        prize.pk,
        1,
        second.pk,
        2,
    )
    for draw in made.draws:
        stored = Draw.objects.get(pk=draw.pk)
        assert (stored.entrants, stored.entrants_hash, stored.result, stored.count) == (
            draw.entrants,
            draw.entrants_hash,
            draw.result,
            draw.count,
        )
        assert stored.created_by_id == room.created_by_id and stored.app_answer is None
        _verify_with_reference(stored)
    # allow_multiple_wins false: the second prize's entrants are the first one's less its
    # winners (drawn in this very request, not yet written when the second is drawn)
    assert set(then.entrants) == {p.pk for p in people} - set(first.result)
    stored = list(Winner.objects.filter(room=room).order_by("pk"))
    assert [(w.pk, w.prize_id, w.participant_id, w.draw_id) for w in made.winners] == [
        (w.pk, w.prize_id, w.participant_id, w.draw_id) for w in stored
    ]
    assert [w.participant_id for w in stored] == first.result + then.result
    assert all(w.selected_by_id == room.created_by_id for w in stored)
    assert stored[0].metadata == {"draw_number": 1, "revealed": first.revealed}
    assert Prize.objects.get(pk=prize.pk).quantity_remaining == 0
    assert Prize.objects.get(pk=second.pk).quantity_remaining == 0
    assert DrawCommitment.objects.get(room=room).draws_made == 2
    events = list(room.live_events.order_by("seq"))[before:]
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 7))
    assert [e.type for e in events] == ["winner:selected"] * 5 + ["draw:revealed"] * 2
    assert events[0].data["id"] == stored[0].pk and events[0].data["draw_id"] == first.pk
    assert {"room_id", "timestamp"} <= set(events[0].data) and events[5].data["number"] == 1
    assert events[6].data["entrants_count"] == len(then.entrants)
    room.refresh_from_db()
    assert room.event_seq == events[-1].seq


# --- the verification page (the browser's side: tests/e2e/test_draw_verify.py) -----------------


@pytest.mark.django_db
def test_the_verification_page_embeds_the_draw_and_follows_the_room_read_rule(client, draw_room):
    room, prize, _people = draw_room(4, quantity=1)
    [draw] = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk]).draws
    page = client.get(f"/rooms/{room.pk}/draws/1/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="draw-data"' in html and draw.revealed in html and "draw-verify.js" in html
    assert DrawCommitment.objects.get(room=room).seed not in html  # c_0 never leaves
    assert client.get(f"/rooms/{room.pk}/draws/2/").status_code == 404
    room.is_public = False
    room.save()
    assert client.get(f"/rooms/{room.pk}/draws/1/").status_code == 404
    client.force_login(room.created_by)
    assert client.get(f"/rooms/{room.pk}/draws/1/").status_code == 200


def test_the_python_of_docs_draws_md_recomputes_the_same_winners():
    """The snippet readers copy from docs/draws.md is itself a third reimplementation."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "draws.md").read_text()
    snippet = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 (our own documentation)
    seed_rng = random.Random(7)
    revealed = draws.chain_element("00" * 32, 999)
    assert namespace["winners"](revealed, [12, 5, 40, 9, 3], 7, 1, 2) == [5, 12]
    for _ in range(100):
        r = seed_rng.randbytes(32).hex()
        ids = seed_rng.sample(range(1, 10**6), seed_rng.randint(1, 200))
        count = seed_rng.randint(1, len(ids))
        expected = draws.select(revealed_hex=r, entrant_ids=ids, prize_id=3, number=9, count=count)
        assert namespace["winners"](r, ids, 3, 9, count) == expected
