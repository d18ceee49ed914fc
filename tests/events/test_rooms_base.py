"""The rooms' foundations: the winners core (never over-awarded), the live-event log (gapless
sequence numbers), the commitment, and the app platform's room hooks (events.usage)."""

import pytest
from django.db import transaction

from events import draws, realtime, usage
from events.models import DrawCommitment, Prize, RoomEvent, RoomStatus, Winner, WinnerMethod
from events.services import winners
from tests.concurrency import run_together
from tests.events.factories import ParticipantFactory, PrizeFactory, RoomFactory, manifest
from umbrella.errors import ApplicationError


def award(room, prize, ids, by=None):
    with transaction.atomic():
        locked = winners.lock_prize(room, prize.pk)
        return winners.winners_award(
            room=room, prize=locked, participant_ids=ids, method=WinnerMethod.MANUAL, by=by
        )


@pytest.mark.django_db
def test_an_award_takes_units_and_logs_events_refusing_repeats_stock_and_non_participants():
    prize = PrizeFactory(quantity=2)
    room = prize.room
    a, b, c = (ParticipantFactory(room=room) for _ in range(3))
    organizer = room.participants.get(user=room.created_by)
    [won] = award(room, prize, [a.pk])
    prize.refresh_from_db()
    assert prize.quantity_remaining == 1 and won.participant_id == a.pk
    with pytest.raises(ApplicationError) as again:
        award(room, prize, [a.pk])
    assert again.value.code == "duplicate"
    with pytest.raises(ApplicationError) as organizer_wins:
        award(room, prize, [organizer.pk])
    assert organizer_wins.value.code == "not_eligible"
    with pytest.raises(ApplicationError) as too_many:
        award(room, prize, [b.pk, c.pk])
    assert too_many.value.code == "prize_exhausted"
    prize.refresh_from_db()
    assert prize.quantity_remaining == 1  # refusals wrote nothing
    assert list(RoomEvent.objects.filter(room=room, type="winner:selected").values_list(
        "data__participant_id", flat=True)) == [a.pk]  # fmt: skip
    revoked = winners.winner_revoke(room=room, winner_id=won.pk, by=room.created_by)
    prize.refresh_from_db()
    assert revoked.revoked_at is not None and prize.quantity_remaining == 2
    [again_won] = award(room, prize, [a.pk])  # a revoked win no longer counts as a repeat
    assert again_won.pk != won.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hundred_concurrent_awards_of_a_prize_of_ten_make_exactly_ten_winners():
    prize = PrizeFactory(quantity=10)
    room = prize.room
    ids = iter([ParticipantFactory(room=room).pk for _ in range(100)])
    import threading

    lock = threading.Lock()

    def one():
        with lock:
            pid = next(ids)
        return award(room, prize, [pid])

    results = run_together(one, 100)
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(results) - len(refused) == 10
    assert {r.code for r in refused} == {"prize_exhausted"}
    assert Winner.objects.live().filter(prize=prize).count() == 10
    assert Prize.objects.get(pk=prize.pk).quantity_remaining == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_get_gapless_sequence_numbers():
    room = RoomFactory(status=RoomStatus.ACTIVE)

    def one():
        with transaction.atomic():
            return realtime.publish(room, "room:updated", {}).seq

    seqs = run_together(one, 20)
    assert all(isinstance(s, int) for s in seqs)
    logged = list(RoomEvent.objects.filter(room=room).values_list("seq", flat=True))
    assert logged == list(range(1, len(logged) + 1)) and len(logged) == 21  # + draw:committed
    assert [e["seq"] for e in realtime.events_since(room.pk, 15)] == list(range(16, 22))


@pytest.mark.django_db
def test_activation_commits_to_a_chain_whose_revealed_links_lead_to_it():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    commitment = DrawCommitment.objects.get(room=room)
    n = commitment.chain_length
    assert draws.chain_element(commitment.seed, n) == commitment.commitment
    revealed_3 = draws.chain_element(commitment.seed, n - 3)
    assert draws.verifies(revealed_3, 3, commitment.commitment)
    assert not draws.verifies(revealed_3, 2, commitment.commitment)
    assert not draws.verifies("zz", 1, commitment.commitment)
    [event] = RoomEvent.objects.filter(room=room, type="draw:committed")
    assert event.data["seed_hash"] == commitment.commitment
    assert commitment.seed not in str(event.data)


@pytest.mark.django_db
def test_the_app_platform_counts_active_rooms_and_finds_organizers_on_a_version():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    RoomFactory(app=room.app, status=RoomStatus.COMPLETED)  # not active: not counted
    app = room.app
    assert usage.active_rooms_using(app=app, capabilities={"winner_selection"}) == 1
    assert usage.active_rooms_using(app=app, capabilities={"quiz_validation"}) == 0
    assert manifest()["meta"]["version"] == app.manifest_version
    found = usage.organizers_on_version(app=app, version=app.manifest_version)
    assert [u.pk for u in found] == [room.created_by_id]
