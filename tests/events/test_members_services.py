"""Participants, prizes and manual winners, through their services: join/leave/revive, the
registration webhook and its fallback (a real local app server), the organizer invariants,
quantity changes that keep the units given, soft deletes, and the live events of each."""

import json

import pytest

from accounts.models import Notification
from events.models import (
    Participant,
    ParticipantStatus,
    Prize,
    Role,
    RoomEvent,
    RoomStatus,
    WebhookDelivery,
    Winner,
)
from events.services import participants, prizes, winners
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.events.appserver import answer
from tests.events.factories import ParticipantFactory, PrizeFactory, RoomFactory
from tests.events.members_helpers import cast_room, refused, registering_app

pytestmark = pytest.mark.django_db


def events_of(room, type):
    return list(RoomEvent.objects.filter(room=room, type=type).order_by("seq"))


# --- join, leave, revive ----------------------------------------------------------------------


def test_join_creates_then_409_then_leave_then_join_revives_the_same_row():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    user = UserFactory()

    row, created = participants.participant_join(room=room, by=user, metadata={"team": "A"})
    assert created and row.role == Role.PARTICIPANT and row.status == ParticipantStatus.ACTIVE
    again = refused(participants.participant_join, room=room, by=user)
    assert (again.code, again.status_code) == ("already_active", 409)

    participants.participant_leave(room=room, by=user)
    row.refresh_from_db()
    assert row.deleted_at is not None

    revived, created = participants.participant_join(room=room, by=user)
    assert not created and revived.pk == row.pk
    revived.refresh_from_db()
    assert revived.deleted_at is None and revived.metadata == {}
    assert Participant.objects.filter(room=room, user=user).count() == 1
    joined = events_of(room, "participant:joined")
    assert [e.data["user_id"] for e in joined] == [user.pk, user.pk]
    assert "email" not in json.dumps(joined[0].data)
    assert [e.data["id"] for e in events_of(room, "participant:left")] == [row.pk]


@pytest.mark.parametrize("status", [RoomStatus.DRAFT, RoomStatus.COMPLETED, RoomStatus.CANCELLED])
def test_only_an_active_room_can_be_joined(status):
    room = RoomFactory(status=status)
    error = refused(participants.participant_join, room=room, by=UserFactory())
    assert (error.code, error.status_code) == ("room_not_active", 409)
    assert room.participants.count() == 1  # the organizer only


def test_a_private_room_is_not_found_for_a_non_member_but_a_manager_can_add_them():
    cast = cast_room(is_public=False)
    outsider = cast.user("non_member")
    error = refused(participants.participant_join, room=cast.room, by=outsider)
    assert error.status_code == 404
    row, created = participants.participant_join(
        room=cast.room, by=cast.user("moderator"), user=outsider
    )
    assert created and row.user_id == outsider.pk
    viewer_adds = refused(
        participants.participant_join, room=cast.room, by=cast.user("viewer"), user=UserFactory()
    )
    assert viewer_adds.code == "forbidden"


def test_a_rejoin_after_a_role_change_comes_back_as_a_participant():
    cast = cast_room()
    participants.participant_leave(room=cast.room, by=cast.user("admin"))
    row, created = participants.participant_join(room=cast.room, by=cast.user("admin"))
    assert not created and row.role == Role.PARTICIPANT  # an admin's role is not restored


def test_an_organizer_cannot_leave_and_a_pending_person_can_withdraw():
    cast = cast_room()
    error = refused(participants.participant_leave, room=cast.room, by=cast.user("organizer"))
    assert (error.code, error.status_code) == ("forbidden", 403)
    participants.participant_leave(room=cast.room, by=cast.user("pending"))
    assert Participant.objects.get(pk=cast.rows["pending"].pk).deleted_at is not None
    outsider = refused(participants.participant_leave, room=cast.room, by=cast.user("non_member"))
    assert outsider.status_code == 403


# --- the registration webhook ----------------------------------------------------------------


def registering_room(server):
    return RoomFactory(status=RoomStatus.ACTIVE, app=registering_app(server.base_url))


def test_the_app_accepts_with_the_documented_body(server):
    server.route("/hooks/register", answer(200, {"accept": True}))
    room = registering_room(server)
    user = UserFactory(display_name="Kim Lee")

    row, created = participants.participant_join(room=room, by=user, metadata={"age": 30})

    assert created and row.status == ParticipantStatus.ACTIVE
    [hit] = server.hits("/hooks/register")
    assert json.loads(hit.body) == {
        "room_id": room.pk,
        "user": {"id": user.pk, "display_name": user.get_short_name()},
        "metadata": {"age": 30},
    }
    assert hit.headers["x-umbrella-timeout-ms"] == "3000"


def test_the_app_refuses_with_its_reason_and_nothing_is_written(server):
    server.route("/hooks/register", answer(200, {"accept": False, "reason": "18 or older."}))
    room = registering_room(server)
    user = UserFactory()

    error = refused(participants.participant_join, room=room, by=user)

    assert (error.code, error.status_code) == ("registration_refused", 403)
    assert error.message == "18 or older." and error.details == {"reason": "18 or older."}
    assert not Participant.objects.filter(room=room, user=user).exists()
    assert not events_of(room, "participant:joined")


@pytest.mark.parametrize(
    "behaviour",
    [
        pytest.param(answer(500, {"accept": True}), id="http-500"),
        pytest.param(answer(200, {"accept": "yes"}), id="invalid-answer"),
        pytest.param(answer(200, raw=b"not json"), id="not-json"),
        pytest.param(answer(200, {"accept": True}, delay=3.6), id="timeout"),
    ],
)
def test_an_app_that_fails_admits_the_person_as_pending_and_asks_the_organizer(server, behaviour):
    server.route("/hooks/register", behaviour)
    room = registering_room(server)
    user = UserFactory()

    row, created = participants.participant_join(room=room, by=user)

    assert created and row.status == ParticipantStatus.PENDING_APPROVAL
    assert WebhookDelivery.objects.filter(app=room.app).count() == 1
    [note] = Notification.objects.filter(verb="room.participant_pending")
    assert note.user_id == room.created_by_id and note.target_url == f"/rooms/{room.pk}/"
    again = refused(participants.participant_join, room=room, by=user)
    assert again.code == "already_pending"
    approved = participants.participant_approve(
        room=room, by=room.created_by, participant_id=row.pk
    )
    assert approved.status == ParticipantStatus.ACTIVE
    twice = refused(
        participants.participant_approve, room=room, by=room.created_by, participant_id=row.pk
    )
    assert (twice.code, twice.status_code) == ("not_pending", 409)


def test_an_open_breaker_admits_as_pending_without_calling(server):
    room = registering_room(server)
    for _ in range(5):
        breaker.record_failure(room.app.app_id, "participant_registration")

    row, _created = participants.participant_join(room=room, by=UserFactory())

    assert row.status == ParticipantStatus.PENDING_APPROVAL
    assert server.hits("/hooks/register") == []
    breaker.reset(room.app.app_id, "participant_registration")


# --- update, remove: the invariants ----------------------------------------------------------


@pytest.mark.parametrize("role", ["organizer", "ADMIN", "Organizer"])
def test_nobody_is_made_organizer_or_admin(role):
    cast = cast_room()
    for by in ("organizer", "admin", "staff"):
        error = refused(
            participants.participant_update,
            room=cast.room,
            by=cast.user(by),
            participant_id=cast.rows["participant"].pk,
            role=role,
        )
        assert (error.code, error.status_code) == ("role_not_grantable", 403)
    assert Participant.objects.get(pk=cast.rows["participant"].pk).role == Role.PARTICIPANT


def test_the_last_organizer_keeps_the_role_and_the_room():
    cast = cast_room()
    organizer = cast.rows["organizer"]
    for call, extra in (
        (participants.participant_update, {"role": "participant"}),
        (participants.participant_remove, {}),
    ):
        error = refused(
            call, room=cast.room, by=cast.user("organizer"), participant_id=organizer.pk, **extra
        )
        assert (error.code, error.status_code) == ("last_organizer", 409)
    # With a second organizer (made outside the API), one may step down.
    second = ParticipantFactory(room=cast.room, role=Role.ORGANIZER)
    participants.participant_update(
        room=cast.room, by=second.user, participant_id=organizer.pk, role="moderator"
    )
    assert Participant.objects.get(pk=organizer.pk).role == Role.MODERATOR
    last = refused(
        participants.participant_update,
        room=cast.room,
        by=second.user,
        participant_id=second.pk,
        role="viewer",
    )
    assert last.code == "last_organizer"


def test_a_moderator_manages_participants_but_not_organizers_or_admins():
    cast = cast_room()
    moderator = cast.user("moderator")
    changed = participants.participant_update(
        room=cast.room,
        by=moderator,
        participant_id=cast.rows["viewer"].pk,
        role="PARTICIPANT",
        metadata={"seat": 4},
    )
    assert changed.role == Role.PARTICIPANT and changed.metadata == {"seat": 4}
    [event] = events_of(cast.room, "participant:updated")
    assert event.data["changed"] == ["metadata", "role"] and event.data["role"] == "participant"
    for target in ("organizer", "admin"):
        for call, extra in (
            (participants.participant_update, {"role": "viewer"}),
            (participants.participant_remove, {}),
        ):
            error = refused(
                call,
                room=cast.room,
                by=moderator,
                participant_id=cast.rows[target].pk,
                **extra,
            )
            assert (error.code, error.status_code) == ("forbidden", 403)
    participants.participant_remove(
        room=cast.room, by=moderator, participant_id=cast.rows["participant"].pk
    )
    [left] = events_of(cast.room, "participant:left")
    assert left.data["removed"] is True


def test_participants_and_viewers_manage_nobody():
    cast = cast_room()
    for by in ("participant", "viewer", "pending", "non_member"):
        error = refused(
            participants.participant_update,
            room=cast.room,
            by=cast.user(by),
            participant_id=cast.rows["viewer"].pk,
            role="moderator",
        )
        assert error.status_code == 403
    assert Participant.objects.get(pk=cast.rows["viewer"].pk).role == Role.VIEWER


def test_unknown_roles_and_metadata_that_is_not_an_object_are_refused():
    cast = cast_room()
    pid = cast.rows["viewer"].pk
    by = cast.user("organizer")
    bad_role = refused(
        participants.participant_update, room=cast.room, by=by, participant_id=pid, role="king"
    )
    assert bad_role.code == "validation_error"
    bad_meta = refused(
        participants.participant_update, room=cast.room, by=by, participant_id=pid, metadata=[1]
    )
    assert bad_meta.code == "validation_error"
    big = refused(
        participants.participant_update,
        room=cast.room,
        by=by,
        participant_id=pid,
        metadata={"x": "a" * 5000},
    )
    assert big.code == "validation_error"


# --- prizes -----------------------------------------------------------------------------------


def test_prizes_are_managed_by_organizers_and_moderators_only():
    cast = cast_room()
    by = cast.user("moderator")
    prize = prizes.prize_create(room=cast.room, by=by, name="Poster", quantity=3)
    assert (prize.quantity, prize.quantity_remaining) == (3, 3)
    for by in ("participant", "viewer", "non_member"):
        error = refused(prizes.prize_create, room=cast.room, by=cast.user(by), name="X")
        assert error.status_code == 403
    [created] = events_of(cast.room, "prize:created")
    assert created.data["name"] == "Poster" and created.data["quantity_remaining"] == 3


def test_changing_quantity_keeps_the_units_given():
    cast = cast_room()
    by = cast.user("organizer")
    prize = prizes.prize_create(room=cast.room, by=by, name="Ticket", quantity=5)
    people = [ParticipantFactory(room=cast.room) for _ in range(3)]
    for p in people:
        winners.winner_pick(room=cast.room, by=by, prize_id=prize.pk, participant_id=p.pk)

    assert prizes.prize_update(room=cast.room, by=by, prize_id=prize.pk, quantity=10) is not None
    prize.refresh_from_db()
    assert (prize.quantity, prize.quantity_remaining) == (10, 7)
    prizes.prize_update(room=cast.room, by=by, prize_id=prize.pk, quantity=2)
    prize.refresh_from_db()
    assert (prize.quantity, prize.quantity_remaining) == (2, 0)  # the 3 winners keep theirs
    assert Winner.objects.live().filter(prize=prize).count() == 3
    exhausted = refused(
        winners.winner_pick,
        room=cast.room,
        by=by,
        prize_id=prize.pk,
        participant_id=ParticipantFactory(room=cast.room).pk,
    )
    assert exhausted.code == "prize_exhausted"
    # A revoke gives a unit back only within the quantity (2 given of 2: none back).
    first = Winner.objects.filter(prize=prize).first()
    winners.winner_revoke(room=cast.room, winner_id=first.pk, by=by)
    prize.refresh_from_db()
    assert prize.quantity_remaining == 0
    prizes.prize_update(room=cast.room, by=by, prize_id=prize.pk, quantity=4, name="Big ticket")
    prize.refresh_from_db()
    assert (prize.name, prize.quantity, prize.quantity_remaining) == ("Big ticket", 4, 2)
    updates = events_of(cast.room, "prize:updated")
    assert [e.data["quantity_remaining"] for e in updates] == [7, 0, 2]


@pytest.mark.parametrize("quantity", [0, -1, 1_000_001, "3", True])
def test_a_quantity_out_of_bounds_is_refused(quantity):
    prize = PrizeFactory(quantity=2)
    error = refused(
        prizes.prize_update,
        room=prize.room,
        by=prize.room.created_by,
        prize_id=prize.pk,
        quantity=quantity,
    )
    assert error.code == "validation_error"
    prize.refresh_from_db()
    assert prize.quantity == 2


def test_a_prize_with_winners_is_only_soft_deleted():
    cast = cast_room()
    by = cast.user("organizer")
    kept = prizes.prize_create(room=cast.room, by=by, name="Won", quantity=2)
    gone = prizes.prize_create(room=cast.room, by=by, name="Unused")
    winners.winner_pick(
        room=cast.room, by=by, prize_id=kept.pk, participant_id=cast.rows["participant"].pk
    )

    assert prizes.prize_delete(room=cast.room, by=by, prize_id=kept.pk) is True
    assert prizes.prize_delete(room=cast.room, by=by, prize_id=gone.pk) is False

    assert Prize.objects.get(pk=kept.pk).deleted_at is not None
    assert not Prize.objects.filter(pk=gone.pk).exists()
    assert [e.data["id"] for e in events_of(cast.room, "prize:deleted")] == [kept.pk, gone.pk]
    again = refused(prizes.prize_delete, room=cast.room, by=by, prize_id=kept.pk)
    assert again.status_code == 404


# --- manual winners ---------------------------------------------------------------------------


def test_a_manual_pick_checks_the_role_stock_duplicates_and_eligibility():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=1)
    participant = cast.rows["participant"]
    denied = refused(
        winners.winner_pick,
        room=cast.room,
        by=cast.user("viewer"),
        prize_id=prize.pk,
        participant_id=participant.pk,
    )
    assert denied.code == "forbidden"
    for target in ("viewer", "pending", "moderator"):
        error = refused(
            winners.winner_pick,
            room=cast.room,
            by=cast.user("moderator"),
            prize_id=prize.pk,
            participant_id=cast.rows[target].pk,
        )
        assert (error.code, error.status_code) == ("not_eligible", 400)
    won = winners.winner_pick(
        room=cast.room, by=cast.user("moderator"), prize_id=prize.pk, participant_id=participant.pk
    )
    assert won.method == "manual" and won.selected_by_id == cast.user("moderator").pk
    other_prize = PrizeFactory()  # another room's prize
    missing = refused(
        winners.winner_pick,
        room=cast.room,
        by=cast.user("organizer"),
        prize_id=other_prize.pk,
        participant_id=participant.pk,
    )
    assert missing.status_code == 404
    # A moderator may pick but not revoke.
    no_revoke = refused(
        winners.winner_revoke, room=cast.room, winner_id=won.pk, by=cast.user("moderator")
    )
    assert no_revoke.code == "forbidden"
