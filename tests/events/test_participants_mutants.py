"""Joining, leaving, updating and removing room members (events.services.participants), pinned
where the mutation run found them loose (docs/mutation/rooms-draws.md): the refusals whole
(code, message, details, status), the metadata limit to the byte, the registration webhook's
answer as its delivery row records it, who counts as another organizer, and the live events'
data."""

import json

import pytest

from accounts.models import Notification
from events.models import (
    Participant,
    ParticipantStatus,
    Role,
    Room,
    RoomStatus,
    WebhookDelivery,
)
from events.services import participants
from tests.accounts.factories import UserFactory
from tests.events.appserver import answer
from tests.events.factories import ParticipantFactory, RoomFactory
from tests.events.members_helpers import (
    cast_room,
    error_shape,
    events_data,
    refused,
    registering_app,
)

pytestmark = pytest.mark.django_db
GONE = "2026-01-01T00:00:00Z"


def shown(row: Participant) -> dict:
    """A member as the live events show them."""
    return {
        "id": row.pk,
        "user_id": row.user_id,
        "display_name": row.user.get_short_name(),
        "role": row.role,
        "status": row.status,
    }


# --- metadata -------------------------------------------------------------------------------------


def test_metadata_is_an_object_of_at_most_4096_bytes_of_compact_json():
    assert participants.check_metadata(None) == {}
    exact = {"x": "a" * 4088}  # {"x":"a…a"}: 4096 bytes written compactly
    assert len(json.dumps(exact, separators=(",", ":"))) == 4096
    assert participants.check_metadata(exact) is exact
    with pytest.raises(Exception) as too_big:
        participants.check_metadata({"x": "a" * 4089})
    assert error_shape(too_big.value) == (
        "validation_error",
        "metadata is larger than 4096 bytes.",
        {"metadata": ["At most 4096 bytes of JSON."]},
        400,
    )
    for value in ([1], "text", 3):
        with pytest.raises(Exception) as not_object:
            participants.check_metadata(value)
        assert error_shape(not_object.value) == (
            "validation_error",
            "metadata must be a JSON object.",
            {"metadata": ["Must be a JSON object."]},
            400,
        )


# --- join -----------------------------------------------------------------------------------------


def test_a_join_records_the_person_as_live_events_show_them():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    user = UserFactory(display_name="Ada Byron")
    row, created = participants.participant_join(room=room, by=user, metadata={"seat": 3})
    stored = Participant.objects.get(pk=row.pk)
    assert created and (stored.metadata, stored.status, stored.role) == (
        {"seat": 3},
        ParticipantStatus.ACTIVE,
        Role.PARTICIPANT,
    )
    assert stored.joined_at is not None and stored.deleted_at is None
    assert events_data(room, "participant:joined") == [
        {
            "id": row.pk,
            "user_id": user.pk,
            "display_name": "Ada Byron",
            "role": "participant",
            "status": "active",
        }
    ]
    assert not Notification.objects.filter(verb="room.participant_pending").exists()


def test_a_revived_row_is_a_participant_again_with_the_new_metadata_and_join_time():
    cast = cast_room()
    row = cast.rows["moderator"]
    Participant.objects.filter(pk=row.pk).update(
        deleted_at=GONE, metadata={"old": 1}, joined_at=GONE
    )
    revived, created = participants.participant_join(
        room=cast.room, by=row.user, metadata={"new": 2}
    )
    stored = Participant.objects.get(pk=row.pk)
    assert created is False and revived.pk == row.pk
    assert (stored.role, stored.status, stored.metadata, stored.deleted_at) == (
        Role.PARTICIPANT,
        ParticipantStatus.ACTIVE,
        {"new": 2},
        None,
    )
    assert stored.joined_at > Participant._meta.get_field("joined_at").to_python(GONE)
    assert events_data(cast.room, "participant:joined") == [shown(stored)]


def test_an_app_system_call_names_who_joins():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    assert error_shape(refused(participants.participant_join, room=room, by=None)) == (
        "validation_error",
        "Say who joins: user_id.",
        {"user_id": ["Required for an app's system call."]},
        400,
    )
    user = UserFactory()
    row, created = participants.participant_join(room=room, by=None, user=user)
    assert created and row.user_id == user.pk


@pytest.mark.parametrize("gone", ["inactive", "deleted"])
def test_an_inactive_or_deleted_account_is_no_such_user(gone):
    room = RoomFactory(status=RoomStatus.ACTIVE)
    user = UserFactory()
    if gone == "inactive":
        user.is_active = False
    else:
        user.deleted_at = GONE
    for by in (None, room.created_by):
        assert error_shape(refused(participants.participant_join, room=room, by=by, user=user)) == (
            "not_found",
            "No such user.",
            {},
            404,
        )
    assert not room.participants.filter(user=user).exists()


@pytest.mark.parametrize("status", [RoomStatus.DRAFT, RoomStatus.COMPLETED])
def test_a_room_that_is_not_active_says_its_status(status):
    room = RoomFactory(status=status)
    assert error_shape(refused(participants.participant_join, room=room, by=UserFactory())) == (
        "room_not_active",
        "Only an active room can be joined.",
        {"status": status},
        409,
    )


def test_a_room_closed_while_the_app_thought_is_refused_under_the_lock():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    Room.objects.filter(pk=room.pk).update(status=RoomStatus.COMPLETED)
    user = UserFactory()
    assert error_shape(refused(participants.participant_join, room=room, by=user)) == (
        "room_not_active",
        "Only an active room can be joined.",
        {"status": RoomStatus.COMPLETED},
        409,
    )
    assert not room.participants.filter(user=user).exists()


def test_a_deleted_room_is_no_such_room_for_every_change():
    cast = cast_room()
    Room.objects.filter(pk=cast.room.pk).update(deleted_at=GONE)
    pid = cast.rows["viewer"].pk
    calls = [
        (participants.participant_join, {"by": UserFactory()}),
        (participants.participant_leave, {"by": cast.user("participant")}),
        (participants.participant_remove, {"by": None, "participant_id": pid}),
        (participants.participant_update, {"by": None, "participant_id": pid, "role": "viewer"}),
    ]
    for call, kwargs in calls:
        assert error_shape(refused(call, room=cast.room, **kwargs)) == (
            "not_found",
            "No such room.",
            {},
            404,
        ), call


def test_a_member_asking_again_is_told_where_they_stand():
    cast = cast_room()
    for person, code, message in (
        ("participant", "already_active", "Already a participant of this room."),
        (
            "pending",
            "already_pending",
            "You have asked to join this room already; an organizer has to approve it.",
        ),
        ("organizer", "already_active", "Already a participant of this room."),
    ):
        row = cast.rows[person]
        for by, user in ((row.user, None), (None, row.user)):
            error = refused(participants.participant_join, room=cast.room, by=by, user=user)
            assert error_shape(error) == (code, message, {"participant_id": row.pk}, 409)


def test_a_member_of_a_private_room_asking_again_hears_409_not_403():
    cast = cast_room(is_public=False)
    row = cast.rows["viewer"]
    error = refused(participants.participant_join, room=cast.room, by=row.user)
    assert error_shape(error) == (
        "already_active",
        "Already a participant of this room.",
        {"participant_id": row.pk},
        409,
    )


def test_a_manager_adding_a_member_again_hears_409():
    cast = cast_room()
    row = cast.rows["participant"]
    error = refused(
        participants.participant_join, room=cast.room, by=cast.user("moderator"), user=row.user
    )
    assert error_shape(error) == (
        "already_active",
        "Already a participant of this room.",
        {"participant_id": row.pk},
        409,
    )


def test_only_the_person_joining_opts_in_to_a_fan_list_and_it_is_said_by_name():
    cast = cast_room()
    message = "Only the person joining can opt in to an artist's fan list."
    for by in (None, cast.user("moderator")):
        error = refused(
            participants.participant_join,
            room=cast.room,
            by=by,
            user=UserFactory(),
            fan_list_opt_in=True,
        )
        assert error_shape(error) == (
            "validation_error",
            message,
            {"fan_list_opt_in": [message]},
            400,
        )
        assert error.field == "fan_list_opt_in"  # a page shows it next to the checkbox


# --- the registration webhook ----------------------------------------------------------------


def registering_room(server):
    return RoomFactory(status=RoomStatus.ACTIVE, app=registering_app(server.base_url))


@pytest.mark.parametrize(
    ("said", "why"),
    [
        ({"accept": "yes"}, "expected {accept: true} or {accept: false, reason}"),
        ([True], "expected {accept: true} or {accept: false, reason}"),
        ({"accept": False, "reason": 3}, "reason must be a string"),
    ],
)
def test_a_broken_registration_answer_is_recorded_with_its_reason(server, said, why):
    server.route("/hooks/register", answer(200, said))
    room = registering_room(server)
    row, _created = participants.participant_join(room=room, by=UserFactory())
    assert row.status == ParticipantStatus.PENDING_APPROVAL
    delivery = WebhookDelivery.objects.get(app=room.app)
    assert (delivery.outcome, delivery.error) == ("invalid_answer", f"invalid answer: {why}")
    assert events_data(room, "participant:joined") == [shown(row)]
    assert Notification.objects.filter(verb="room.participant_pending").count() == 1


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ({"accept": False, "reason": "  Adults only.  "}, "Adults only."),
        ({"accept": False, "reason": "x" * 600}, "x" * 500),
        ({"accept": False, "reason": "   "}, "The room's app did not accept you."),
        ({"accept": False, "reason": None}, "The room's app did not accept you."),
        ({"accept": False}, "The room's app did not accept you."),
    ],
)
def test_a_refusal_gives_the_apps_reason_trimmed_and_cut_or_a_default(server, said, reason):
    server.route("/hooks/register", answer(200, said))
    room = registering_room(server)
    user = UserFactory()
    error = refused(participants.participant_join, room=room, by=user)
    assert error_shape(error) == ("registration_refused", reason, {"reason": reason}, 403)
    assert WebhookDelivery.objects.get(app=room.app).outcome == "success"
    assert not room.participants.filter(user=user).exists()


def test_an_accepting_app_admits_an_active_participant_without_telling_anyone(server):
    server.route("/hooks/register", answer(200, {"accept": True, "reason": None}))
    room = registering_room(server)
    row, created = participants.participant_join(room=room, by=UserFactory())
    assert created and row.status == ParticipantStatus.ACTIVE
    assert not Notification.objects.filter(verb="room.participant_pending").exists()


def test_a_room_whose_app_does_not_register_asks_nobody(server):
    server.route("/hooks/register", answer(200, {"accept": False}))
    room = registering_room(server)
    room.app_manifest_version.manifest = {
        **room.app_manifest_version.manifest,
        "capabilities": ["winner_selection", "notifications"],
    }
    row, _created = participants.participant_join(room=room, by=UserFactory())
    assert row.status == ParticipantStatus.ACTIVE and server.hits("/hooks/register") == []


def test_the_app_is_not_asked_about_someone_already_in_the_room(server):
    """A member added again (by the app's system call or by an organizer) is refused before the
    registration webhook: the app is not asked to admit a member (the row's re-check under the
    lock would refuse too, but only after the app's answer, up to 3 s later)."""
    server.route("/hooks/register", answer(200, {"accept": True}))
    room = registering_room(server)
    row = ParticipantFactory(room=room)
    for by in (None, room.created_by):
        error = refused(participants.participant_join, room=room, by=by, user=row.user)
        assert error_shape(error) == (
            "already_active",
            "Already a participant of this room.",
            {"participant_id": row.pk},
            409,
        )
    assert server.hits("/hooks/register") == []
    assert not WebhookDelivery.objects.filter(app=room.app).exists()


# --- leave ------------------------------------------------------------------------------------


def test_leaving_soft_deletes_the_row_and_says_who_left():
    cast = cast_room()
    row = cast.rows["participant"]
    left = participants.participant_leave(room=cast.room, by=row.user)
    stored = Participant.objects.get(pk=row.pk)
    assert left.pk == row.pk and stored.deleted_at is not None
    assert events_data(cast.room, "participant:left") == [shown(stored)]


def test_leaving_one_room_leaves_the_persons_other_rooms_alone():
    first = ParticipantFactory(room=RoomFactory(status=RoomStatus.ACTIVE))
    second = ParticipantFactory(room=RoomFactory(status=RoomStatus.ACTIVE), user=first.user)
    participants.participant_leave(room=second.room, by=first.user)
    assert Participant.objects.get(pk=first.pk).deleted_at is None
    assert Participant.objects.get(pk=second.pk).deleted_at is not None
    assert not events_data(first.room, "participant:left")


def test_a_withdrawn_request_cannot_be_withdrawn_again():
    cast = cast_room()
    pending = cast.rows["pending"]
    participants.participant_leave(room=cast.room, by=pending.user)
    withdrawn_at = Participant.objects.get(pk=pending.pk).deleted_at
    error = refused(participants.participant_leave, room=cast.room, by=pending.user)
    assert (error.code, error.status_code) == ("forbidden", 403)
    assert Participant.objects.get(pk=pending.pk).deleted_at == withdrawn_at
    assert len(events_data(cast.room, "participant:left")) == 1


# --- remove and update: the rows touched, the refusals whole -------------------------------------


@pytest.mark.parametrize("participant_id", ["abc", None, 2**70, "gone", "elsewhere"])
def test_a_participant_that_is_not_the_rooms_live_member_is_not_found(participant_id):
    cast = cast_room()
    if participant_id == "gone":
        participant_id = ParticipantFactory(room=cast.room, deleted_at=GONE).pk
    elif participant_id == "elsewhere":
        participant_id = ParticipantFactory().pk
    for call, extra in (
        (participants.participant_remove, {}),
        (participants.participant_update, {"role": "viewer"}),
        (participants.participant_approve, {}),
    ):
        error = refused(
            call, room=cast.room, by=cast.user("organizer"), participant_id=participant_id, **extra
        )
        assert error_shape(error) == (
            "not_found",
            "No such participant in this room.",
            {},
            404,
        )


def test_a_removal_soft_deletes_the_row_and_says_it_was_a_removal():
    cast = cast_room()
    row = cast.rows["viewer"]
    removed = participants.participant_remove(
        room=cast.room, by=cast.user("moderator"), participant_id=str(row.pk)
    )
    stored = Participant.objects.get(pk=row.pk)
    assert removed.pk == row.pk and stored.deleted_at is not None
    assert events_data(cast.room, "participant:left") == [{**shown(stored), "removed": True}]


def test_a_system_call_may_remove_an_admin_but_not_the_last_organizer():
    cast = cast_room()
    admin = cast.rows["admin"]
    participants.participant_remove(room=cast.room, by=None, participant_id=admin.pk)
    assert Participant.objects.get(pk=admin.pk).deleted_at is not None
    organizer = cast.rows["organizer"]
    assert error_shape(
        refused(
            participants.participant_remove,
            room=cast.room,
            by=None,
            participant_id=organizer.pk,
        )
    ) == (
        "last_organizer",
        "A room keeps at least one organizer: this is the last one.",
        {"participant_id": organizer.pk},
        409,
    )


def test_one_of_two_organizers_may_be_removed():
    cast = cast_room()
    second = ParticipantFactory(room=cast.room, role=Role.ORGANIZER)
    participants.participant_remove(
        room=cast.room, by=cast.user("organizer"), participant_id=second.pk
    )
    assert Participant.objects.get(pk=second.pk).deleted_at is not None


def test_a_non_manager_cannot_remove_anyone():
    cast = cast_room()
    error = refused(
        participants.participant_remove,
        room=cast.room,
        by=cast.user("participant"),
        participant_id=cast.rows["viewer"].pk,
    )
    assert (error.code, error.status_code) == ("forbidden", 403)
    assert Participant.objects.get(pk=cast.rows["viewer"].pk).deleted_at is None


@pytest.mark.parametrize("other", ["pending", "deleted", "moderator", "none"])
def test_only_another_live_active_organizer_lets_one_step_down(other):
    cast = cast_room()
    organizer = cast.rows["organizer"]
    if other == "pending":
        ParticipantFactory(
            room=cast.room, role=Role.ORGANIZER, status=ParticipantStatus.PENDING_APPROVAL
        )
    elif other == "deleted":
        ParticipantFactory(room=cast.room, role=Role.ORGANIZER, deleted_at=GONE)
    elif other == "moderator":
        pass  # the cast's moderator and admin are no organizers
    ParticipantFactory(room=RoomFactory(status=RoomStatus.ACTIVE), role=Role.ORGANIZER)
    error = refused(
        participants.participant_update,
        room=cast.room,
        by=organizer.user,
        participant_id=organizer.pk,
        role="viewer",
    )
    assert error.code == "last_organizer"
    ParticipantFactory(room=cast.room, role=Role.ORGANIZER)
    participants.participant_update(
        room=cast.room, by=organizer.user, participant_id=organizer.pk, role="viewer"
    )
    assert Participant.objects.get(pk=organizer.pk).role == Role.VIEWER


def test_a_moderator_is_told_only_an_organizer_changes_an_organizer():
    cast = cast_room()
    for target in ("organizer", "admin"):
        for call, extra in (
            (participants.participant_update, {"role": "viewer"}),
            (participants.participant_remove, {}),
        ):
            error = refused(
                call,
                room=cast.room,
                by=cast.user("moderator"),
                participant_id=cast.rows[target].pk,
                **extra,
            )
            assert error_shape(error) == (
                "forbidden",
                "Only an organizer can change or remove an organizer.",
                {"action": "participants.manage", "role": "moderator"},
                403,
            )
    # an organizer may: the admin becomes a moderator
    changed = participants.participant_update(
        room=cast.room,
        by=cast.user("organizer"),
        participant_id=cast.rows["admin"].pk,
        role="moderator",
    )
    assert Participant.objects.get(pk=changed.pk).role == Role.MODERATOR


def test_an_unknown_or_ungrantable_role_is_refused_by_name():
    cast = cast_room()
    pid = cast.rows["viewer"].pk
    by = cast.user("organizer")
    assert error_shape(
        refused(participants.participant_update, room=cast.room, by=by, participant_id=pid, role=7)
    ) == (
        "validation_error",
        "“7” is not a role.",
        {"role": ["One of admin, organizer, moderator, participant, viewer."]},
        400,
    )
    assert error_shape(
        refused(
            participants.participant_update, room=cast.room, by=by, participant_id=pid, role="Admin"
        )
    ) == (
        "role_not_grantable",
        "Nobody can be made admin through the participant API.",
        {"role": "admin"},
        403,
    )
    assert not events_data(cast.room, "participant:updated")


def test_an_update_saves_and_announces_only_what_changed():
    cast = cast_room()
    row = cast.rows["viewer"]
    before = Participant.objects.get(pk=row.pk).updated_at
    same = participants.participant_update(
        room=cast.room, by=None, participant_id=row.pk, role="VIEWER"
    )
    assert same.role == Role.VIEWER and not events_data(cast.room, "participant:updated")
    assert Participant.objects.get(pk=row.pk).updated_at == before
    participants.participant_update(
        room=cast.room, by=None, participant_id=row.pk, metadata={"seat": 9}
    )
    stored = Participant.objects.get(pk=row.pk)
    assert stored.metadata == {"seat": 9} and stored.role == Role.VIEWER
    assert stored.updated_at > before
    participants.participant_update(
        room=cast.room, by=None, participant_id=row.pk, metadata={}, role="participant"
    )
    stored = Participant.objects.get(pk=row.pk)
    assert (stored.metadata, stored.role) == ({}, Role.PARTICIPANT)
    assert events_data(cast.room, "participant:updated") == [
        {**shown(Participant(pk=row.pk, user=row.user, role="viewer", status="active")),
         "changed": ["metadata"]},
        {**shown(stored), "changed": ["metadata", "role"]},
    ]  # fmt: skip


def test_approval_admits_only_a_pending_person_and_says_so():
    cast = cast_room()
    pending = cast.rows["pending"]
    approved = participants.participant_approve(
        room=cast.room, by=cast.user("moderator"), participant_id=pending.pk
    )
    stored = Participant.objects.get(pk=pending.pk)
    assert approved.status == stored.status == ParticipantStatus.ACTIVE
    assert events_data(cast.room, "participant:updated") == [
        {**shown(stored), "changed": ["status"]}
    ]
    other = ParticipantFactory(room=cast.room, status=ParticipantStatus.PENDING_APPROVAL)
    for person in ("participant", "viewer"):
        error = refused(
            participants.participant_approve,
            room=cast.room,
            by=cast.user(person),
            participant_id=other.pk,
        )
        assert (error.code, error.status_code) == ("forbidden", 403)
    assert Participant.objects.get(pk=other.pk).status == ParticipantStatus.PENDING_APPROVAL
    active = cast.rows["participant"]
    assert error_shape(
        refused(participants.participant_approve, room=cast.room, by=None, participant_id=active.pk)
    ) == (
        "not_pending",
        "This participant is not awaiting approval.",
        {"participant_id": active.pk},
        409,
    )
