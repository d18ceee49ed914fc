"""Rooms' services (events.services.rooms): create (settings against the current version, then
locked), update (against the locked version), every status transition and the illegal ones,
soft delete, the manifest upgrade (automatic, migration_required, assisted), the audit and the
live events; and ``room_settings_for`` (writeOnly secrets at any depth)."""

import pytest

from events import selectors_rooms as selectors
from events.models import (
    AppManifestVersion,
    DrawCommitment,
    Participant,
    Role,
    Room,
    RoomAudit,
    RoomEvent,
    RoomStatus,
)
from events.services import rooms as services
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory, ParticipantFactory, RoomFactory, manifest
from tests.marketplace.factories import GigFactory
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

LOTTERY_SETTINGS = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["ticket_count"],
    "properties": {
        "ticket_count": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
        "theme": {"type": "string", "enum": ["winter", "summer"]},
        "questions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "options", "correct_index"],
                "properties": {
                    "text": {"type": "string", "minLength": 1},
                    "options": {"type": "array", "minItems": 2, "maxItems": 6},
                    "correct_index": {"type": "integer", "minimum": 0, "writeOnly": True},
                },
            },
        },
        "api_key": {"type": "string", "writeOnly": True},
        "prize_box": {"$ref": "#/definitions/box"},
    },
    "definitions": {
        "box": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "code": {"type": "string", "writeOnly": True},
            },
        }
    },
}


def lottery_app(settings=None, **fields):
    return AppFactory(manifest=manifest(settings=settings or LOTTERY_SETTINGS), **fields)


def publish_version(app, version, settings):
    data = manifest(settings=settings)
    data["meta"]["version"] = version
    AppManifestVersion.objects.create(app=app, version=version, manifest=data)
    app.manifest, app.manifest_version = data, version
    app.save(update_fields=["manifest", "manifest_version"])


def error_of(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    return caught.value


def events_of(room):
    return list(RoomEvent.objects.filter(room=room).order_by("seq").values_list("type", "data"))


# --- create -----------------------------------------------------------------------------------


def test_create_locks_the_current_version_fills_defaults_and_makes_the_creator_organizer():
    app = lottery_app()
    user = UserFactory()

    room = services.room_create(by=user, app=app, name="  Winter draw ", app_settings={})

    room.refresh_from_db()
    assert room.name == "Winter draw" and room.status == RoomStatus.DRAFT
    assert room.app_manifest_version.version == app.manifest_version
    assert room.app_settings == {"ticket_count": 100}
    assert Participant.objects.get(room=room).role == Role.ORGANIZER
    [audit] = RoomAudit.objects.filter(room=room)
    assert (audit.action, audit.by, audit.to_status) == ("create", user, "draft")


def test_create_refuses_bad_settings_with_every_error_by_settings_path_and_writes_nothing():
    app = lottery_app()
    bad = {
        "ticket_count": 0,
        "theme": "autumn",
        "questions": [{"text": "Q", "options": ["only one"]}],
        "colour": "red",
    }

    error = error_of(services.room_create, by=UserFactory(), app=app, name="R", app_settings=bad)

    assert error.code == "validation_error" and error.status_code == 400
    assert set(error.details) == {
        "settings.ticket_count",
        "settings.theme",
        "settings.questions[0].options",
        "settings.questions[0].correct_index",
        "settings.colour",
    }
    assert error.details["settings.questions[0].correct_index"] == ["This field is required."]
    assert error.details["settings.colour"] == ["Unknown setting."]
    assert Room.objects.count() == 0 and RoomAudit.objects.count() == 0


def test_create_needs_an_active_live_app():
    user = UserFactory()
    error = error_of(
        services.room_create, by=user, app=lottery_app(is_active=False), name="R", app_settings={}
    )
    assert (error.code, error.status_code) == ("app_inactive", 409)
    deleted = lottery_app()
    deleted.deleted_at = deleted.created_at
    deleted.save()
    assert error_of(services.room_create, by=user, app=deleted, name="R").code == (
        "validation_error"
    )
    assert Room.objects.count() == 0


def test_only_the_gigs_venue_may_link_a_room_to_it():
    gig = GigFactory()
    venue_user = gig.venue.user
    app = lottery_app()

    error = error_of(services.room_create, by=UserFactory(), app=app, name="R", gig_id=gig.pk)
    assert error.code == "validation_error" and "gig" in error.details

    room = services.room_create(by=venue_user, app=app, name="Show", gig_id=gig.pk)
    assert room.gig_id == gig.pk
    staff = UserFactory(is_staff=True)
    assert services.room_update(room=room, by=staff, gig_id=None).gig_id is None


# --- update -----------------------------------------------------------------------------------


def test_update_validates_settings_against_the_locked_version_not_the_current_one():
    app = lottery_app()
    room = RoomFactory(app=app, app_settings={"ticket_count": 5})
    publish_version(app, "2.0.0", {"type": "object", "required": ["brand_new"]})

    updated = services.room_update(
        room=room, by=room.created_by, app_settings={"ticket_count": 7}, name="New"
    )

    assert updated.app_settings == {"ticket_count": 7} and updated.name == "New"
    assert updated.app_manifest_version.version == "1.0.0"
    [(kind, data)] = events_of(room)
    assert kind == "room:updated" and data["fields"] == ["app_settings", "name"]
    assert "app_settings" not in data  # values may be secrets: clients read them again
    error = error_of(
        services.room_update, room=room, by=room.created_by, app_settings={"ticket_count": "x"}
    )
    assert error.details == {"settings.ticket_count": ["'x' is not of type 'integer'"]}
    room.refresh_from_db()
    assert room.app_settings == {"ticket_count": 7}


def test_only_the_organizer_or_staff_updates():
    room = RoomFactory(app=lottery_app(), is_public=True)
    moderator = ParticipantFactory(room=room, role=Role.MODERATOR).user
    error = error_of(services.room_update, room=room, by=moderator, name="Mine")
    assert (error.code, error.status_code) == ("forbidden", 403)
    assert services.room_update(room=room, by=UserFactory(is_staff=True), name="S").name == "S"


# --- the status machine -----------------------------------------------------------------------


def test_activate_makes_the_commitment_in_the_same_transaction_and_publishes_it():
    room = RoomFactory(app=lottery_app())

    services.room_activate(room=room, by=room.created_by)

    room.refresh_from_db()
    assert room.status == RoomStatus.ACTIVE
    assert DrawCommitment.objects.filter(room=room).exists()
    kinds = [kind for kind, _ in events_of(room)]
    assert kinds == ["room:status_changed", "draw:committed"]
    assert events_of(room)[0][1]["old_status"] == "draft"
    assert events_of(room)[0][1]["new_status"] == "active"
    audit = RoomAudit.objects.get(room=room, action="activate")
    assert (audit.from_status, audit.to_status, audit.by) == ("draft", "active", room.created_by)


@pytest.mark.parametrize(
    ("start", "service", "end"),
    [
        (RoomStatus.DRAFT, services.room_activate, RoomStatus.ACTIVE),
        (RoomStatus.ACTIVE, services.room_complete, RoomStatus.COMPLETED),
        (RoomStatus.DRAFT, services.room_cancel, RoomStatus.CANCELLED),
        (RoomStatus.ACTIVE, services.room_cancel, RoomStatus.CANCELLED),
    ],
)
def test_each_legal_transition_moves_audits_and_publishes(start, service, end):
    room = RoomFactory(app=lottery_app(), status=start)
    before = RoomEvent.objects.filter(room=room).count()

    service(room=room, by=room.created_by)

    room.refresh_from_db()
    assert room.status == end
    audit = RoomAudit.objects.get(room=room)
    assert (audit.from_status, audit.to_status) == (start, end)
    changed = RoomEvent.objects.filter(room=room, type="room:status_changed").get()
    assert changed.seq == before + 1
    assert (changed.data["old_status"], changed.data["new_status"]) == (start, end)


@pytest.mark.parametrize(
    ("start", "service"),
    [
        (RoomStatus.ACTIVE, services.room_activate),
        (RoomStatus.COMPLETED, services.room_activate),
        (RoomStatus.CANCELLED, services.room_activate),
        (RoomStatus.DRAFT, services.room_complete),
        (RoomStatus.COMPLETED, services.room_complete),
        (RoomStatus.CANCELLED, services.room_complete),
        (RoomStatus.COMPLETED, services.room_cancel),
        (RoomStatus.CANCELLED, services.room_cancel),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(start, service):
    room = RoomFactory(app=lottery_app(), status=start)
    events = RoomEvent.objects.filter(room=room).count()

    error = error_of(service, room=room, by=room.created_by)

    assert (error.code, error.status_code) == ("invalid_transition", 409)
    assert error.details["from"] == start
    room.refresh_from_db()
    assert room.status == start
    assert RoomAudit.objects.filter(room=room).count() == 0
    assert RoomEvent.objects.filter(room=room).count() == events


def test_no_room_goes_back_to_draft():
    room = RoomFactory(app=lottery_app(), status=RoomStatus.ACTIVE)
    error = error_of(services.room_set_status, room=room, by=room.created_by, status="DRAFT")
    assert error.code == "invalid_transition" and error.details["allowed"] == [
        "cancelled",
        "completed",
    ]


def test_a_participant_cannot_change_the_status():
    room = RoomFactory(app=lottery_app(), status=RoomStatus.ACTIVE)
    member = ParticipantFactory(room=room).user
    assert error_of(services.room_complete, room=room, by=member).code == "forbidden"


# --- delete -----------------------------------------------------------------------------------


def test_delete_is_soft_audited_and_published_and_the_room_is_gone_from_reads():
    room = RoomFactory(app=lottery_app(), status=RoomStatus.ACTIVE)

    services.room_delete(room=room, by=room.created_by)

    room.refresh_from_db()
    assert room.deleted_at is not None
    assert RoomEvent.objects.filter(room=room).last().type == "room:deleted"
    assert RoomAudit.objects.get(room=room).action == "delete"
    with pytest.raises(ApplicationError) as gone:
        selectors.room_get(room.pk, room.created_by)
    assert gone.value.status_code == 404
    assert not selectors.rooms_visible(room.created_by).filter(pk=room.pk).exists()
    assert error_of(services.room_delete, room=room, by=room.created_by).status_code == 404


# --- the manifest upgrade ---------------------------------------------------------------------


def test_upgrade_is_automatic_when_the_merged_settings_fit_the_target():
    app = lottery_app()
    room = RoomFactory(app=app, app_settings={"ticket_count": 5})
    target = {
        **LOTTERY_SETTINGS,
        "properties": {
            **LOTTERY_SETTINGS["properties"],
            "draw_hour": {"type": "integer", "default": 20},
        },
    }
    publish_version(app, "1.1.0", target)

    result = services.room_upgrade_manifest(room=room, by=room.created_by, target_version="1.1.0")

    assert (result["old_version"], result["new_version"]) == ("1.0.0", "1.1.0")
    assert result["strategy"] == "automatic"
    room.refresh_from_db()
    assert room.app_manifest_version.version == "1.1.0"
    assert room.app_settings == {"ticket_count": 5, "draw_hour": 20}
    assert RoomAudit.objects.get(room=room).detail["strategy"] == "automatic"
    assert RoomEvent.objects.get(room=room).type == "room:updated"


def test_upgrade_needing_new_fields_is_migration_required_then_assisted():
    app = lottery_app()
    room = RoomFactory(app=app, app_settings={"ticket_count": 5})
    target = {
        "type": "object",
        "required": ["ticket_count", "venue_code"],
        "properties": {
            "ticket_count": {"type": "integer", "maximum": 3},
            "venue_code": {"type": "string"},
        },
    }
    publish_version(app, "2.0.0", target)

    error = error_of(
        services.room_upgrade_manifest, room=room, by=room.created_by, target_version="2.0.0"
    )

    assert (error.code, error.status_code) == ("migration_required", 409)
    assert error.details["missing"] == ["settings.venue_code"]
    assert set(error.details["fields"]) == {"settings.ticket_count", "settings.venue_code"}
    room.refresh_from_db()
    assert room.app_manifest_version.version == "1.0.0" and RoomAudit.objects.count() == 0

    result = services.room_upgrade_manifest(
        room=room,
        by=room.created_by,
        target_version="2.0.0",
        migration_data={"ticket_count": 3, "venue_code": "V1"},
    )

    assert result["strategy"] == "assisted" and result["new_version"] == "2.0.0"
    room.refresh_from_db()
    assert room.app_settings == {"ticket_count": 3, "venue_code": "V1"}


def test_upgrade_refuses_lower_or_unknown_versions_and_finished_rooms():
    app = lottery_app()
    room = RoomFactory(app=app)
    publish_version(app, "0.9.0", LOTTERY_SETTINGS)
    by = room.created_by
    lower = error_of(services.room_upgrade_manifest, room=room, by=by, target_version="0.9.0")
    assert (lower.code, lower.status_code) == ("version_not_higher", 409)
    unknown = error_of(services.room_upgrade_manifest, room=room, by=by, target_version="7.0.0")
    assert unknown.code == "validation_error" and "target_version" in unknown.details
    done = RoomFactory(app=app, status=RoomStatus.COMPLETED)
    over = error_of(
        services.room_upgrade_manifest, room=done, by=done.created_by, target_version="0.9.0"
    )
    assert over.code == "invalid_transition"


# --- writeOnly settings -----------------------------------------------------------------------

SECRET_SETTINGS = {
    "ticket_count": 3,
    "api_key": "s3cret",
    "questions": [
        {"text": "2+2?", "options": ["3", "4"], "correct_index": 1},
        {"text": "Sky?", "options": ["blue", "red"], "correct_index": 0},
    ],
    "prize_box": {"label": "Box", "code": "XYZ"},
}


def test_room_settings_for_strips_write_only_at_any_depth_for_those_who_cannot_update():
    room = RoomFactory(app=lottery_app(), app_settings=SECRET_SETTINGS, status=RoomStatus.ACTIVE)
    member = ParticipantFactory(room=room).user
    moderator = ParticipantFactory(room=room, role=Role.MODERATOR).user
    stripped = {
        "ticket_count": 3,
        "questions": [
            {"text": "2+2?", "options": ["3", "4"]},
            {"text": "Sky?", "options": ["blue", "red"]},
        ],
        "prize_box": {"label": "Box"},
    }

    for user in (member, moderator, UserFactory(), None):
        assert selectors.room_settings_for(user, room) == stripped
    for user in (room.created_by, UserFactory(is_staff=True)):
        assert selectors.room_settings_for(user, room) == SECRET_SETTINGS
    room.refresh_from_db()
    assert room.app_settings == SECRET_SETTINGS  # a copy was redacted, not the row


def test_redaction_follows_additional_properties_tuple_items_and_combinators():
    schema = {
        "type": "object",
        "additionalProperties": {"type": "object", "properties": {"pin": {"writeOnly": True}}},
        "properties": {
            "pair": {"type": "array", "items": [{"writeOnly": True}, {"type": "string"}]},
            "mixed": {"allOf": [{"properties": {"hidden": {"writeOnly": True}}}]},
            "secrets": {"type": "array", "items": {"writeOnly": True}},
        },
    }
    value = {
        "team_a": {"pin": 1, "name": "A"},
        "pair": ["secret", "shown"],
        "mixed": {"hidden": 1, "shown": 2},
        "secrets": ["a", "b"],
    }
    assert selectors.redact_write_only(schema, value) == {
        "team_a": {"name": "A"},
        "pair": ["shown"],
        "mixed": {"shown": 2},
        "secrets": [],
    }
