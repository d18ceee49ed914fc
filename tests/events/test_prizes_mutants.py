"""Prizes, pinned where mutation testing of events.services.prizes found them loose
(docs/testing.md, "Mutation testing"): the checks of name and quantity at their bounds, with
their messages and details, what an update writes and logs, and when a delete is only soft."""

import pytest

from events.models import Draw, Prize, Winner
from events.services import prizes, winners
from tests.events.factories import ParticipantFactory, PrizeFactory, RoomFactory
from tests.events.members_helpers import error_shape, events_data, refused

pytestmark = pytest.mark.django_db


def data(prize):
    """A prize as live events show it, written out here on purpose: the expectation must not be
    events.services.prizes.prize_data itself, whose mutants it checks."""
    return {
        "id": prize.pk,
        "name": prize.name,
        "description": prize.description,
        "image": prize.image,
        "quantity": prize.quantity,
        "quantity_remaining": prize.quantity_remaining,
    }


def test_an_apps_prize_is_created_with_its_defaults_and_logged_whole():
    room = RoomFactory()
    prize = prizes.prize_create(room=room, by=None, name="  Poster  ", description=None, image=None)
    row = Prize.objects.get(pk=prize.pk)
    assert (row.name, row.description, row.image, row.quantity, row.quantity_remaining) == (
        "Poster",
        "",
        "",
        1,
        1,
    )
    assert row.metadata == {} and row.room_id == room.pk
    assert events_data(room, "prize:created") == [data(row)]


def test_a_prize_given_only_a_name_has_no_description_or_image():
    prize = prizes.prize_create(room=RoomFactory(), by=None, name="Mug")
    row = Prize.objects.get(pk=prize.pk)
    assert (row.description, row.image, row.quantity) == ("", "", 1)


def test_a_prize_keeps_what_it_is_given():
    room = RoomFactory()
    prize = prizes.prize_create(
        room=room,
        by=None,
        name="Ticket",
        quantity=1_000_000,
        description="Front row",
        image="https://example.com/t.png",
        metadata={"tier": "gold"},
    )
    row = Prize.objects.get(pk=prize.pk)
    assert (row.description, row.image, row.metadata) == (
        "Front row",
        "https://example.com/t.png",
        {"tier": "gold"},
    )
    assert (row.quantity, row.quantity_remaining) == (1_000_000, 1_000_000)
    assert events_data(room, "prize:created") == [data(row)]


@pytest.mark.parametrize("quantity", ["3", True, 2.0, None])
def test_a_quantity_that_is_not_a_whole_number_is_refused_by_name(quantity):
    error = refused(prizes.prize_create, room=RoomFactory(), by=None, name="X", quantity=quantity)
    assert error_shape(error) == (
        "validation_error",
        "quantity must be a whole number.",
        {"quantity": ["A whole number."]},
        400,
    )
    assert not Prize.objects.exists()


@pytest.mark.parametrize("quantity", [0, -1, 1_000_001])
def test_a_quantity_out_of_bounds_names_the_bounds(quantity):
    error = refused(prizes.prize_create, room=RoomFactory(), by=None, name="X", quantity=quantity)
    assert error_shape(error) == (
        "validation_error",
        "quantity must be between 1 and 1000000.",
        {"quantity": ["Between 1 and 1000000."]},
        400,
    )


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 256])
def test_a_name_that_is_blank_or_too_long_is_refused_by_name(name):
    error = refused(prizes.prize_create, room=RoomFactory(), by=None, name=name)
    assert error_shape(error) == (
        "validation_error",
        "A prize needs a name of 1 to 255 characters.",
        {"name": ["1 to 255 characters."]},
        400,
    )


def test_a_name_of_255_characters_is_kept():
    prize = prizes.prize_create(room=RoomFactory(), by=None, name="x" * 255)
    assert Prize.objects.get(pk=prize.pk).name == "x" * 255


def test_an_update_writes_each_field_it_is_given_and_logs_the_result():
    prize = PrizeFactory(description="old", image="old.png", metadata={"a": 1})
    room = prize.room
    before = Prize.objects.get(pk=prize.pk).updated_at
    updated = prizes.prize_update(
        room=room,
        by=None,
        prize_id=str(prize.pk),
        name=" New ",
        description=None,
        image="new.png",
        metadata={"b": 2},
    )
    row = Prize.objects.get(pk=prize.pk)
    assert (row.name, row.description, row.image, row.metadata) == ("New", "", "new.png", {"b": 2})
    assert row.updated_at > before
    assert data(updated) == data(row)
    assert events_data(room, "prize:updated") == [data(row)]
    prizes.prize_update(room=room, by=None, prize_id=prize.pk, image=None)
    assert Prize.objects.get(pk=prize.pk).image == ""


def test_an_update_with_nothing_to_change_writes_and_logs_nothing():
    prize = PrizeFactory()
    before = Prize.objects.get(pk=prize.pk).updated_at
    prizes.prize_update(room=prize.room, by=None, prize_id=prize.pk)
    assert Prize.objects.get(pk=prize.pk).updated_at == before
    assert events_data(prize.room, "prize:updated") == []


def test_an_unknown_field_is_a_programming_error_named():
    prize = PrizeFactory()
    with pytest.raises(TypeError, match=r"^prize_update: unknown fields \['colour', 'size'\]$"):
        prizes.prize_update(room=prize.room, by=None, prize_id=prize.pk, size=1, colour="red")


def test_a_quantity_change_counts_only_live_wins():
    prize = PrizeFactory(quantity=5)
    room = prize.room
    won = [
        winners.winner_pick(
            room=room, by=None, prize_id=prize.pk, participant_id=ParticipantFactory(room=room).pk
        )
        for _ in range(3)
    ]
    winners.winner_revoke(room=room, winner_id=won[0].pk, by=None)
    prizes.prize_update(room=room, by=None, prize_id=prize.pk, quantity=2)
    row = Prize.objects.get(pk=prize.pk)
    assert (row.quantity, row.quantity_remaining) == (2, 0)
    prizes.prize_update(room=room, by=None, prize_id=prize.pk, quantity=3)
    row = Prize.objects.get(pk=prize.pk)
    assert (row.quantity, row.quantity_remaining) == (3, 1)
    assert events_data(room, "prize:updated")[-1] == data(row)


@pytest.mark.parametrize("history", ["revoked_win", "draw"])
def test_a_prize_with_only_a_revoked_win_or_a_draw_is_soft_deleted(history):
    prize = PrizeFactory(quantity=2)
    room = prize.room
    if history == "revoked_win":
        won = winners.winner_pick(
            room=room, by=None, prize_id=prize.pk, participant_id=ParticipantFactory(room=room).pk
        )
        winners.winner_revoke(room=room, winner_id=won.pk, by=None)
    else:
        Draw.objects.create(
            room=room,
            prize=prize,
            number=1,
            entrants_hash="0" * 64,
            revealed="0" * 64,
            method="fallback",
        )
    shown = data(Prize.objects.get(pk=prize.pk))
    assert prizes.prize_delete(room=room, by=None, prize_id=prize.pk) is True
    row = Prize.objects.get(pk=prize.pk)
    assert row.deleted_at is not None and row.updated_at >= row.deleted_at
    assert events_data(room, "prize:deleted") == [shown]
    assert Winner.objects.filter(prize=prize).count() == (history == "revoked_win")


def test_an_unused_prize_is_deleted_and_logged_as_it_was():
    prize = PrizeFactory(quantity=4, description="d")
    shown = data(prize)
    assert prizes.prize_delete(room=prize.room, by=None, prize_id=prize.pk) is False
    assert not Prize.objects.filter(pk=prize.pk).exists()
    assert events_data(prize.room, "prize:deleted") == [shown]
