"""Manual winners, awards and revokes, pinned where the mutation run of events.services.winners
found them loose (docs/testing.md, "Mutation testing"): the errors' codes, messages and details,
who may win, what a win records and which live events it logs."""

import pytest
from django.db import transaction

from events.models import Draw, Participant, Prize, RoomEvent, Winner, WinnerMethod
from events.services import winners
from tests.events.factories import ParticipantFactory, PrizeFactory
from tests.events.members_helpers import cast_room, error_shape, events_data, refused

pytestmark = pytest.mark.django_db


def award(room, prize, ids, **kwargs):
    kwargs.setdefault("method", WinnerMethod.MANUAL)
    kwargs.setdefault("by", None)
    return winners.winners_award(room=room, prize=prize, participant_ids=ids, **kwargs)


# --- winner_pick and lock_prize ----------------------------------------------------------------


def test_a_pick_logs_the_win_as_live_events_show_it():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=2)
    pid = cast.rows["participant"].pk
    won = winners.winner_pick(room=cast.room, by=None, prize_id=str(prize.pk), participant_id=pid)
    assert (won.prize_id, won.participant_id, won.method, won.draw_id) == (
        prize.pk,
        pid,
        "manual",
        None,
    )
    assert won.selected_by_id is None
    assert events_data(cast.room, "winner:selected") == [
        {
            "id": won.pk,
            "prize_id": prize.pk,
            "participant_id": pid,
            "method": "manual",
            "draw_id": None,
        }
    ]
    prize.refresh_from_db()
    assert prize.quantity_remaining == 1


@pytest.mark.parametrize("participant_id", ["abc", None, float("inf")])
def test_a_participant_id_that_is_not_a_number_is_refused_by_name(participant_id):
    cast = cast_room()
    prize = PrizeFactory(room=cast.room)
    error = refused(
        winners.winner_pick,
        room=cast.room,
        by=None,
        prize_id=prize.pk,
        participant_id=participant_id,
    )
    assert error_shape(error) == (
        "validation_error",
        "participant_id must be a participant's id.",
        {"participant_id": ["A whole number."]},
        400,
    )


@pytest.mark.parametrize("prize_id", ["abc", None, "deleted", "other_room"])
def test_a_prize_that_is_not_the_rooms_live_prize_is_not_found_by_id(prize_id):
    cast = cast_room()
    if prize_id == "deleted":
        prize = PrizeFactory(room=cast.room)
        Prize.objects.filter(pk=prize.pk).update(deleted_at="2026-01-01T00:00:00Z")
        prize_id = prize.pk
    elif prize_id == "other_room":
        prize_id = PrizeFactory().pk
    error = refused(
        winners.winner_pick,
        room=cast.room,
        by=None,
        prize_id=prize_id,
        participant_id=cast.rows["participant"].pk,
    )
    assert error_shape(error) == (
        "not_found",
        "No such prize in this room.",
        {"prize_id": [str(prize_id)]},
        404,
    )
    assert not Winner.objects.exists()


# --- winners_award -----------------------------------------------------------------------------


def test_an_award_outside_a_transaction_is_a_programming_error(monkeypatch):
    cast = cast_room()
    prize = PrizeFactory(room=cast.room)

    class Outside:
        in_atomic_block = False

    monkeypatch.setattr(winners.transaction, "get_connection", lambda: Outside())
    with pytest.raises(RuntimeError, match=r"^winners_award must run inside a transaction$"):
        award(cast.room, prize, [cast.rows["participant"].pk])


def test_an_award_to_nobody_gives_nothing_without_a_query(django_assert_num_queries):
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=1, quantity_remaining=0)
    with django_assert_num_queries(0):
        assert award(cast.room, prize, []) == []
    assert not RoomEvent.objects.filter(room=cast.room, type="winner:selected").exists()


def test_an_award_of_several_writes_them_in_order_with_their_metadata():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=5)
    people = [ParticipantFactory(room=cast.room).pk for _ in range(3)]
    by = cast.user("organizer")
    with transaction.atomic():
        won = award(
            cast.room,
            prize,
            [str(p) for p in people],
            by=by,
            metadata=[{"n": 1}, {"n": 2}, {"n": 3}],
        )
    assert [w.participant_id for w in won] == people
    assert prize.quantity_remaining == 2  # the caller's object follows the database
    prize.refresh_from_db()
    assert prize.quantity_remaining == 2
    rows = Winner.objects.filter(prize=prize).order_by("pk")
    assert [(w.participant_id, w.metadata, w.selected_by_id) for w in rows] == [
        (people[0], {"n": 1}, by.pk),
        (people[1], {"n": 2}, by.pk),
        (people[2], {"n": 3}, by.pk),
    ]
    assert len({w.created_at for w in rows}) == 1
    assert [e["participant_id"] for e in events_data(cast.room, "winner:selected")] == people


def test_an_award_without_metadata_records_an_empty_object_each():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=2)
    people = [ParticipantFactory(room=cast.room).pk for _ in range(2)]
    with transaction.atomic():
        award(cast.room, prize, people)
    assert [w.metadata for w in Winner.objects.filter(prize=prize)] == [{}, {}]


def test_a_participant_named_twice_is_a_duplicate():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=5)
    pid = cast.rows["participant"].pk
    with transaction.atomic():
        error = refused(award, room=cast.room, prize=prize, ids=[pid, str(pid)])
    assert error_shape(error) == ("duplicate", "A participant appears twice.", {}, 409)
    assert not Winner.objects.exists()


def test_more_winners_than_units_is_refused_with_what_is_left():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=3, quantity_remaining=1)
    people = [ParticipantFactory(room=cast.room).pk for _ in range(2)]
    with transaction.atomic():
        error = refused(award, room=cast.room, prize=prize, ids=people)
    assert error_shape(error) == (
        "prize_exhausted",
        "Only 1 of this prize left.",
        {"prize_id": prize.pk, "quantity_remaining": 1},
        409,
    )
    # Exactly as many as are left is fine.
    with transaction.atomic():
        assert len(award(cast.room, prize, people[:1])) == 1


def test_only_live_active_participants_of_this_room_win_and_the_refused_are_named():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=10)
    left = ParticipantFactory(room=cast.room)
    Participant.objects.filter(pk=left.pk).update(deleted_at="2026-01-01T00:00:00Z")
    elsewhere = ParticipantFactory()  # a participant of another room
    ok = cast.rows["participant"].pk
    bad = [cast.rows["pending"].pk, cast.rows["viewer"].pk, left.pk, elsewhere.pk]
    with transaction.atomic():
        error = refused(award, room=cast.room, prize=prize, ids=[ok, *reversed(bad)])
    assert error_shape(error) == (
        "not_eligible",
        "Only active participants of this room can win.",
        {"participant_ids": sorted(bad)},
        400,
    )
    other = ParticipantFactory(room=cast.room).pk  # eligible, but not asked about
    assert winners.eligible_ids(cast.room, [ok, *bad]) == {ok}
    assert winners.eligible_ids(cast.room, [other]) == {other}
    assert not Winner.objects.exists()


def test_a_caller_that_checked_eligibility_is_trusted():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room)
    viewer = cast.rows["viewer"].pk
    with transaction.atomic():
        [won] = award(cast.room, prize, [viewer], checked_eligible=True)
    assert won.participant_id == viewer


def test_a_live_winner_of_the_prize_cannot_win_it_again_but_a_revoked_one_can():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=5)
    first, second, third = (ParticipantFactory(room=cast.room).pk for _ in range(3))
    with transaction.atomic():
        award(cast.room, prize, [second, first])
    with transaction.atomic():
        error = refused(award, room=cast.room, prize=prize, ids=[third, second, first])
    assert error_shape(error) == (
        "duplicate",
        "Already a winner of this prize.",
        {"participant_ids": sorted([first, second])},
        409,
    )
    # A win of another prize does not count.
    other = PrizeFactory(room=cast.room)
    with transaction.atomic():
        award(cast.room, other, [third])
    revoked = Winner.objects.get(prize=prize, participant_id=first)
    winners.winner_revoke(room=cast.room, winner_id=revoked.pk, by=None)
    with transaction.atomic():
        assert len(award(cast.room, prize, [first, third])) == 2


# --- winner_revoke -----------------------------------------------------------------------------


def test_a_revoke_records_who_and_when_gives_the_unit_back_and_says_so():
    cast = cast_room()
    by = cast.user("organizer")
    prize = PrizeFactory(room=cast.room, quantity=3)
    people = [ParticipantFactory(room=cast.room).pk for _ in range(2)]
    with transaction.atomic():
        won = award(cast.room, prize, people)
    revoked = winners.winner_revoke(room=cast.room, winner_id=str(won[0].pk), by=by)
    row = Winner.objects.get(pk=won[0].pk)
    assert row.revoked_at is not None and row.revoked_by_id == by.pk
    assert revoked.revoked_at == row.revoked_at
    prize.refresh_from_db()
    assert prize.quantity_remaining == 2
    assert Winner.objects.get(pk=won[1].pk).revoked_at is None
    assert events_data(cast.room, "winner:revoked") == [
        {
            "id": won[0].pk,
            "prize_id": prize.pk,
            "participant_id": people[0],
            "method": "manual",
            "draw_id": None,
        }
    ]
    # An app's system call (by=None) revokes too.
    winners.winner_revoke(room=cast.room, winner_id=won[1].pk, by=None)
    assert Winner.objects.get(pk=won[1].pk).revoked_by_id is None
    prize.refresh_from_db()
    assert prize.quantity_remaining == 3


def test_a_revoked_win_cannot_be_revoked_again():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room)
    won = winners.winner_pick(
        room=cast.room, by=None, prize_id=prize.pk, participant_id=cast.rows["participant"].pk
    )
    winners.winner_revoke(room=cast.room, winner_id=won.pk, by=None)
    again = refused(winners.winner_revoke, room=cast.room, winner_id=won.pk, by=None)
    assert error_shape(again) == ("already_revoked", "This win was already revoked.", {}, 409)
    prize.refresh_from_db()
    assert prize.quantity_remaining == 1
    assert len(events_data(cast.room, "winner:revoked")) == 1


@pytest.mark.parametrize("winner_id", ["abc", None, "other_room"])
def test_a_win_that_is_not_the_rooms_is_not_found(winner_id):
    cast = cast_room()
    if winner_id == "other_room":
        prize = PrizeFactory()
        winner_id = winners.winner_pick(
            room=prize.room,
            by=None,
            prize_id=prize.pk,
            participant_id=ParticipantFactory(room=prize.room).pk,
        ).pk
    error = refused(winners.winner_revoke, room=cast.room, winner_id=winner_id, by=None)
    assert error_shape(error) == ("not_found", "No such winner in this room.", {}, 404)
    assert not Winner.objects.filter(revoked_at__isnull=False).exists()


def test_an_award_for_a_draw_records_the_draw():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room)
    draw = Draw.objects.create(
        room=cast.room,
        prize=prize,
        number=1,
        entrants_hash="0" * 64,
        revealed="0" * 64,
        method=WinnerMethod.MANUAL,
    )
    pid = cast.rows["participant"].pk
    with transaction.atomic():
        [won] = award(cast.room, prize, [pid], draw=draw)
    assert Winner.objects.get(pk=won.pk).draw_id == draw.pk
    assert events_data(cast.room, "winner:selected")[0]["draw_id"] == draw.pk


def test_metadata_for_fewer_winners_than_named_is_a_programming_error():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=2)
    people = [ParticipantFactory(room=cast.room).pk for _ in range(2)]
    with pytest.raises(ValueError), transaction.atomic():
        award(cast.room, prize, people, metadata=[{"n": 1}])
    assert not Winner.objects.exists()
    prize.refresh_from_db()
    assert prize.quantity_remaining == 2
