"""Rooms' services, pinned where the mutation run of events.services.rooms found them loose
(docs/mutation/rooms-quiz.md): the settings helpers (schema, error paths, defaults, merge
patch), the refusals' codes, messages, details, fields and statuses, what a system call and an
app acting for someone record in the audit, the live events' data, and the caller's object
refreshed after each change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import policy
from events.models import (
    ROOM_DESCRIPTION_MAX,
    ROOM_NAME_MAX,
    AppManifestVersion,
    Participant,
    ParticipantStatus,
    Role,
    Room,
    RoomAudit,
    RoomStatus,
)
from events.services import rooms as services
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory, RoomFactory, manifest
from tests.events.members_helpers import error_shape, events_data, refused
from tests.marketplace.factories import GigFactory

pytestmark = pytest.mark.django_db

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ticket_count"],
    "properties": {
        "ticket_count": {"type": "integer", "minimum": 1, "default": 100},
        "theme": {"type": "string", "default": "winter"},
        "box": {"type": "object", "default": {"label": "Box"}},
    },
}


def app_with(settings=None, **fields):
    return AppFactory(manifest=manifest(settings=settings or SCHEMA), **fields)


def publish_version(app, version, settings):
    data = manifest(settings=settings)
    data["meta"]["version"] = version
    AppManifestVersion.objects.create(app=app, version=version, manifest=data)


def audit_of(room, action):
    row = RoomAudit.objects.get(room=room, action=action)
    return row.by, row.from_status, row.to_status, row.detail


# --- the settings helpers ---------------------------------------------------------------------


def test_a_manifest_without_a_settings_object_takes_any_object():
    assert services.settings_schema(None) == {"type": "object"}
    assert services.settings_schema({}) == {"type": "object"}
    assert services.settings_schema({"settings": ["not", "a", "schema"]}) == {"type": "object"}
    assert services.settings_schema({"settings": SCHEMA}) is SCHEMA


def test_settings_paths_name_nested_keys_and_indexes():
    assert services.settings_path(()) == "settings"
    assert services.settings_path(("questions", 0, "options")) == "settings.questions[0].options"
    assert services.settings_path(("odd key",)) == 'settings["odd key"]'


def test_settings_errors_are_by_path_sorted_without_repeats():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "minimum": 5},
            "b": {
                "type": "object",
                "required": ["x", "y"],
                "properties": {"x": {"type": "string"}, "y": {"type": "string"}},
            },
        },
    }
    errors = services.settings_errors(schema, {"b": {"y": 1}, "a": 1})
    assert errors == {
        "settings.a": ["1 is less than the minimum of 5"],
        "settings.b.x": ["This field is required."],
        "settings.b.y": ["1 is not of type 'string'"],
    }
    assert list(errors) == ["settings.a", "settings.b.x", "settings.b.y"]
    # Two schemas saying the same thing about one place: the message once.
    twice = {"allOf": [{"type": "integer"}, {"type": "integer"}]}
    assert services.settings_errors(twice, "x") == {"settings": ["'x' is not of type 'integer'"]}
    assert services.settings_errors(schema, {"a": 5}) == {}


def test_unknown_settings_are_named_unless_patterns_allow_some():
    closed = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
    assert services.settings_errors(closed, {"a": 1, "b": 2, "c": 3}) == {
        "settings.b": ["Unknown setting."],
        "settings.c": ["Unknown setting."],
    }
    patterned = {
        "type": "object",
        "properties": {"a": {}},
        "patternProperties": {"^x_": {}},
        "additionalProperties": False,
    }
    errors = services.settings_errors(patterned, {"a": 1, "x_ok": 2, "b": 3})
    assert list(errors) == ["settings"]
    [message] = errors["settings"]
    assert "'b' does not match any of the regexes: '^x_'" in message


def test_formats_are_checked_and_other_object_errors_keep_their_message():
    email = {"type": "object", "properties": {"to": {"type": "string", "format": "email"}}}
    assert services.settings_errors(email, {"to": "nobody"}) == {
        "settings.to": ["'nobody' is not a 'email'"]
    }
    small = {"type": "object", "maxProperties": 1}
    assert services.settings_errors(small, {"a": 1, "b": 2}) == {
        "settings": ["{'a': 1, 'b': 2} has too many properties"]
    }
    closed = {"type": "object", "additionalProperties": False}  # no properties at all
    assert services.settings_errors(closed, {"a": 1}) == {"settings.a": ["Unknown setting."]}


def test_a_required_error_names_only_the_missing_fields_and_other_errors_their_own_path():
    schema = {"type": "object", "required": ["a", "b"], "properties": {"n": {"type": "integer"}}}
    assert services.settings_errors(schema, {"a": 1, "n": "x"}) == {
        "settings.b": ["This field is required."],
        "settings.n": ["'x' is not of type 'integer'"],
    }
    # Not an object at all: the type error, at the top.
    assert services.settings_errors(schema, []) == {"settings": ["[] is not of type 'object'"]}


def test_at_most_fifty_settings_errors_are_listed():
    schema = {"type": "object", "additionalProperties": {"type": "integer"}}
    value = {f"k{i:03}": "x" for i in range(60)}
    errors = services.settings_errors(schema, value)
    assert len(errors) == services.MAX_SETTINGS_ERRORS == 50
    paths = list(errors)
    assert paths[0] == "settings.k000" and paths[-1] == "settings.k049"


def test_a_settings_refusal_names_the_first_problem_and_the_settings_field():
    assert services.settings_validate(SCHEMA, {"ticket_count": 3}) == {"ticket_count": 3}
    with pytest.raises(services.ApplicationError) as caught:
        services.settings_validate(SCHEMA, {"ticket_count": 0, "zzz": 1})
    error = caught.value
    assert error_shape(error) == (
        "validation_error",
        "settings.zzz: Unknown setting.",  # the object's own errors sort first
        {
            "settings.ticket_count": ["0 is less than the minimum of 1"],
            "settings.zzz": ["Unknown setting."],
        },
        400,
    )
    assert error.field == "app_settings"


def test_defaults_are_the_top_level_ones_copied():
    assert services.settings_defaults({"type": "object"}) == {}
    assert services.settings_defaults({"properties": ["not", "a", "dict"]}) == {}
    schema = {"properties": {**SCHEMA["properties"], "odd": "not a schema", "none": {}}}
    defaults = services.settings_defaults(schema)
    assert defaults == {"ticket_count": 100, "theme": "winter", "box": {"label": "Box"}}
    defaults["box"]["label"] = "changed"
    assert SCHEMA["properties"]["box"]["default"] == {"label": "Box"}  # a copy, not the schema's


def test_a_merge_patch_merges_objects_key_by_key_and_null_removes():
    target = {"a": 1, "box": {"label": "Box", "size": 2}}
    assert services.merge_patch(target, {"box": {"size": 3}, "c": 4}) == {
        "a": 1,
        "box": {"label": "Box", "size": 3},
        "c": 4,
    }
    assert services.merge_patch(target, {"a": None, "missing": None}) == {
        "box": {"label": "Box", "size": 2}
    }
    assert services.merge_patch(target, [1]) == [1]
    assert services.merge_patch("text", {"a": 1}) == {"a": 1}
    assert target == {"a": 1, "box": {"label": "Box", "size": 2}}  # not changed in place


# --- create -----------------------------------------------------------------------------------


def test_a_system_call_creates_the_room_for_the_apps_owner_and_audits_the_app():
    app = app_with()
    room = services.room_create(
        by=None,
        app=app,
        name=" Draw ",
        description="About",
        app_settings={"theme": "summer"},
        is_public=False,
        via_app=app,
    )
    room.refresh_from_db()
    assert (room.name, room.description, room.is_public, room.created_by) == (
        "Draw",
        "About",
        False,
        app.owner,
    )
    assert (room.status, room.gig_id, room.app_id) == (RoomStatus.DRAFT, None, app.pk)
    assert room.app_settings == {"ticket_count": 100, "theme": "summer", "box": {"label": "Box"}}
    organizer = Participant.objects.get(room=room)
    assert (organizer.user, organizer.role, organizer.status) == (
        app.owner,
        Role.ORGANIZER,
        ParticipantStatus.ACTIVE,
    )
    assert audit_of(room, "create") == (
        None,
        "",
        "draft",
        {"version": "1.0.0", "created_by": app.owner.pk, "app_id": app.app_id},
    )


def test_a_room_is_locked_to_the_apps_current_version_of_several():
    app = app_with()
    publish_version(app, "1.1.0", {"type": "object", "properties": {"n": {"default": 1}}})
    app.manifest_version = "1.1.0"
    app.save(update_fields=["manifest_version"])
    room = services.room_create(by=UserFactory(), app=app, name="R")
    assert (room.app_manifest_version.version, room.app_settings) == ("1.1.0", {"n": 1})


def test_the_creator_is_known_to_the_policy_as_organizer_without_a_query(
    django_assert_num_queries,
):
    user = UserFactory()
    room = services.room_create(by=user, app=app_with(), name="R")
    with django_assert_num_queries(0):
        assert policy.role_of(user, room) == Role.ORGANIZER
    assert audit_of(room, "create")[0] == user


def test_a_deleted_app_is_no_app_and_a_disabled_one_says_so():
    user = UserFactory()
    deleted = app_with()
    deleted.deleted_at = deleted.created_at
    deleted.save()
    error = refused(services.room_create, by=user, app=deleted, name="R")
    assert error_shape(error) == (
        "validation_error",
        "No such app.",
        {"app": ["No such app."]},
        400,
    )
    assert error.field == "app"
    disabled = app_with(is_active=False)
    error = refused(services.room_create, by=user, app=disabled, name="R")
    assert error_shape(error) == (
        "app_inactive",
        f"The app {disabled.app_id} is disabled: no room can be created with it.",
        {},
        409,
    )
    assert not Room.objects.exists()


@pytest.mark.parametrize(
    ("name", "description", "message", "details"),
    [
        ("   ", "", "Between 1 and 255 characters.", {"name": ["Between 1 and 255 characters."]}),
        ("x" * (ROOM_NAME_MAX + 1), "", "Between 1 and 255 characters.", None),
        ("R", "d" * (ROOM_DESCRIPTION_MAX + 1), "At most 2000 characters.", None),
        ("", "d" * (ROOM_DESCRIPTION_MAX + 1), "Between 1 and 255 characters.", "both"),
    ],
)
def test_names_and_descriptions_are_refused_by_length(name, description, message, details):
    error = refused(
        services.room_create, by=UserFactory(), app=app_with(), name=name, description=description
    )
    if details is None:
        details = {("name" if "255" in message else "description"): [message]}
    elif details == "both":
        details = {
            "name": ["Between 1 and 255 characters."],
            "description": ["At most 2000 characters."],
        }
    assert error_shape(error) == ("validation_error", message, details, 400)
    assert not Room.objects.exists()


def test_a_name_and_description_at_their_limits_are_taken():
    room = services.room_create(
        by=UserFactory(),
        app=app_with(),
        name="n" * ROOM_NAME_MAX,
        description="d" * ROOM_DESCRIPTION_MAX,
    )
    room.refresh_from_db()
    assert len(room.name) == ROOM_NAME_MAX and len(room.description) == ROOM_DESCRIPTION_MAX
    plain = services.room_create(by=UserFactory(), app=app_with(), name="x")
    plain.refresh_from_db()
    # A name alone: no description, public, no gig, the schema's defaults.
    assert (plain.name, plain.description, plain.is_public, plain.gig_id) == ("x", "", True, None)
    assert plain.app_settings == {"ticket_count": 100, "theme": "winter", "box": {"label": "Box"}}


# --- gigs -------------------------------------------------------------------------------------


def test_someone_elses_gig_reads_as_no_such_gig_by_name():
    gig = GigFactory()
    error = refused(
        services.room_create, by=GigFactory().venue.user, app=app_with(), name="R", gig_id=gig.pk
    )
    message = "No such gig of yours: only the gig's venue can link a room to it."
    assert error_shape(error) == ("validation_error", message, {"gig": [message]}, 400)
    assert error.field == "gig"
    assert refused(services._gig_for, gig_id=gig.pk, by=None).details == {"gig": [message]}
    assert services._gig_for(None, None) is None


def test_staff_link_any_gig_and_a_system_update_links_the_creators_gig():
    gig = GigFactory()
    staff = UserFactory(is_staff=True)
    room = services.room_create(by=staff, app=app_with(), name="R", gig_id=gig.pk)
    assert room.gig_id == gig.pk
    own = RoomFactory(app=app_with(), created_by=gig.venue.user)
    services.room_update(room=own, by=None, gig_id=gig.pk)
    own.refresh_from_db()
    assert own.gig_id == gig.pk
    other = RoomFactory(app=app_with())
    error = refused(services.room_update, room=other, by=None, gig_id=gig.pk)
    assert error.details == {
        "gig": ["No such gig of yours: only the gig's venue can link a room to it."]
    }


def test_staff_link_a_gig_that_is_not_the_creators_by_update():
    gig = GigFactory()
    room = RoomFactory(app=app_with())
    services.room_update(room=room, by=UserFactory(is_staff=True), gig_id=gig.pk)
    room.refresh_from_db()
    assert room.gig_id == gig.pk


# --- update -----------------------------------------------------------------------------------


def test_an_update_checks_the_name_and_the_description():
    room = RoomFactory(app=app_with(), description="kept")
    by = room.created_by
    error = refused(services.room_update, room=room, by=by, name=" ")
    assert error.details == {"name": ["Between 1 and 255 characters."]}
    too_long = "d" * (ROOM_DESCRIPTION_MAX + 1)
    error = refused(services.room_update, room=room, by=by, description=too_long)
    assert error.details == {"description": ["At most 2000 characters."]}
    room.refresh_from_db()
    assert room.description == "kept" and room.name.startswith("Room ")


def test_an_update_saves_each_field_audits_the_app_and_tells_the_room_what_changed():
    app = app_with()
    room = RoomFactory(app=app, app_settings={"ticket_count": 5}, description="old")
    caller = Room.objects.get(pk=room.pk)
    updated = services.room_update(
        room=caller,
        by=room.created_by,
        name=" New ",
        description="new",
        is_public=False,
        app_settings={"ticket_count": 6},
        via_app=app,
    )
    assert updated is caller and caller.app == app
    assert (caller.name, caller.description, caller.is_public) == ("New", "new", False)
    assert caller.app_settings == {"ticket_count": 6}
    assert caller.app_manifest_version.version == "1.0.0"
    room.refresh_from_db()
    assert (room.name, room.description, room.is_public, room.app_settings) == (
        "New",
        "new",
        False,
        {"ticket_count": 6},
    )
    fields = ["app_settings", "description", "is_public", "name"]
    assert audit_of(room, "update") == (
        room.created_by,
        "",
        "",
        {"fields": fields, "app_id": app.app_id},
    )
    assert events_data(room, "room:updated") == [
        {
            "fields": fields,
            "name": "New",
            "description": "new",
            "is_public": False,
            "gig_id": None,
            "app_manifest_version": "1.0.0",
        }
    ]


def test_an_update_that_changes_nothing_writes_and_tells_nothing():
    room = RoomFactory(app=app_with(), app_settings={"ticket_count": 5}, is_public=True)
    before = room.updated_at
    services.room_update(
        room=room,
        by=room.created_by,
        name=f" {room.name} ",
        description=room.description,
        is_public=True,
        app_settings={"ticket_count": 5},
        gig_id=None,
    )
    assert not RoomAudit.objects.filter(room=room).exists()
    assert events_data(room, "room:updated") == []
    room.refresh_from_db()
    assert room.updated_at == before


def test_a_system_update_is_audited_without_a_person():
    room = RoomFactory(app=app_with())
    services.room_update(room=room, by=None, is_public=False)
    assert audit_of(room, "update") == (None, "", "", {"fields": ["is_public"]})


@pytest.mark.parametrize("status", [RoomStatus.COMPLETED, RoomStatus.CANCELLED])
def test_the_settings_of_a_room_that_is_over_stay_but_its_name_may_change(status):
    room = RoomFactory(app=app_with(), status=status, app_settings={"ticket_count": 5})
    error = refused(
        services.room_update, room=room, by=room.created_by, app_settings={"ticket_count": 6}
    )
    assert error_shape(error) == (
        "invalid_transition",
        f"A {status} room is over: its settings can't change.",
        {"from": status, "to": status, "allowed": []},
        409,
    )
    services.room_update(
        room=room, by=room.created_by, name="Renamed", app_settings={"ticket_count": 5}
    )
    room.refresh_from_db()
    assert (room.name, room.app_settings) == ("Renamed", {"ticket_count": 5})


def test_an_active_rooms_settings_change():
    room = RoomFactory(app=app_with(), status=RoomStatus.ACTIVE, app_settings={"ticket_count": 5})
    services.room_update(room=room, by=room.created_by, app_settings={"ticket_count": 9})
    room.refresh_from_db()
    assert room.app_settings == {"ticket_count": 9}


def test_a_deleted_room_is_not_found_and_the_policy_keeps_what_the_caller_knew():
    room = RoomFactory(app=app_with())
    organizer = room.created_by
    policy.remember_role(room, organizer.pk, Role.ORGANIZER)
    with CaptureQueriesContext(connection) as queries:
        services.room_update(room=room, by=organizer, name="Known")
    assert not [q for q in queries if Participant._meta.db_table in q["sql"]]
    services.room_delete(room=room, by=organizer)
    error = refused(services.room_update, room=room, by=organizer, name="Gone")
    assert error_shape(error) == ("not_found", "No such room.", {}, 404)


# --- the status machine -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "service", "to", "message"),
    [
        (
            RoomStatus.DRAFT,
            services.room_complete,
            "completed",
            "A draft room can't become completed (it can become active or cancelled).",
        ),
        (
            RoomStatus.ACTIVE,
            services.room_activate,
            "active",
            "A active room can't become active (it can become cancelled or completed).",
        ),
        (
            RoomStatus.COMPLETED,
            services.room_cancel,
            "cancelled",
            "A completed room can't become cancelled (it is final).",
        ),
    ],
)
def test_an_illegal_transition_names_what_the_room_can_become(start, service, to, message):
    room = RoomFactory(app=app_with(), status=start)
    allowed = sorted(services.TRANSITIONS[start])
    error = refused(service, room=room, by=room.created_by)
    assert error_shape(error) == (
        "invalid_transition",
        message,
        {"from": start, "to": to, "allowed": allowed},
        409,
    )


@pytest.mark.parametrize(
    ("start", "status", "action"),
    [
        (RoomStatus.DRAFT, "ACTIVE", "activate"),
        (RoomStatus.ACTIVE, "completed", "complete"),
        (RoomStatus.ACTIVE, "Cancelled", "cancel"),
    ],
)
def test_set_status_runs_the_transition_as_the_person_for_the_app(start, status, action):
    app = app_with()
    room = RoomFactory(app=app, status=start)
    result = services.room_set_status(room=room, by=room.created_by, status=status, via_app=app)
    assert result is room and room.status == status.lower()
    assert audit_of(room, action) == (
        room.created_by,
        start,
        status.lower(),
        {"app_id": app.app_id},
    )
    assert events_data(room, "room:status_changed")[-1] == {
        "old_status": start,
        "new_status": status.lower(),
    }


@pytest.mark.parametrize("service", [services.room_complete, services.room_cancel])
def test_a_system_transition_is_audited_with_the_app_and_no_person(service):
    app = app_with()
    room = RoomFactory(app=app, status=RoomStatus.ACTIVE)
    service(room=room, by=None, via_app=app)
    [audit] = RoomAudit.objects.filter(room=room)
    assert (audit.by, audit.detail) == (None, {"app_id": app.app_id})


def test_a_person_transition_is_audited_with_them():
    room = RoomFactory(app=app_with(), status=RoomStatus.ACTIVE)
    services.room_cancel(room=room, by=room.created_by)
    [audit] = RoomAudit.objects.filter(room=room)
    assert (audit.by, audit.detail) == (room.created_by, {})


def test_set_status_asks_the_policy_as_the_person():
    room = RoomFactory(app=app_with(), status=RoomStatus.ACTIVE)
    error = refused(services.room_set_status, room=room, by=UserFactory(), status="completed")
    assert (error.code, error.status_code) == ("forbidden", 403)
    room.refresh_from_db()
    assert room.status == RoomStatus.ACTIVE


def test_no_room_goes_back_to_draft_by_name():
    room = RoomFactory(app=app_with(), status=RoomStatus.DRAFT)
    error = refused(services.room_set_status, room=room, by=room.created_by, status="Draft")
    assert error_shape(error) == (
        "invalid_transition",
        "No room can go back to draft.",
        {"from": "draft", "to": "draft", "allowed": ["active", "cancelled"]},
        409,
    )


# --- delete -----------------------------------------------------------------------------------


def test_a_delete_is_audited_with_its_status_and_tells_the_room_its_status():
    app = app_with()
    room = RoomFactory(app=app, status=RoomStatus.ACTIVE)
    caller = Room.objects.get(pk=room.pk)
    assert services.room_delete(room=caller, by=room.created_by, via_app=app) is caller
    assert caller.deleted_at is not None
    assert audit_of(room, "delete") == (
        room.created_by,
        "active",
        "active",
        {"app_id": app.app_id},
    )
    assert events_data(room, "room:deleted") == [{"status": "active"}]


def test_a_system_delete_is_audited_without_a_person():
    room = RoomFactory(app=app_with())
    services.room_delete(room=room, by=None)
    assert audit_of(room, "delete") == (None, "draft", "draft", {})


# --- the manifest upgrade ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [RoomStatus.COMPLETED, RoomStatus.CANCELLED])
def test_a_room_that_is_over_keeps_its_version(status):
    app = app_with()
    publish_version(app, "1.1.0", SCHEMA)
    room = RoomFactory(app=app, status=status)
    error = refused(
        services.room_upgrade_manifest, room=room, by=room.created_by, target_version="1.1.0"
    )
    assert error_shape(error) == (
        "invalid_transition",
        f"A {status} room is over: its manifest version can't change.",
        {"from": status, "to": status, "allowed": []},
        409,
    )


def test_an_unknown_or_lower_version_is_refused_by_name():
    app = app_with()
    publish_version(app, "0.9.0", SCHEMA)
    room = RoomFactory(app=app)
    other = app_with()
    publish_version(other, "2.0.0", SCHEMA)  # another app's version is not this room's
    by = room.created_by
    error = refused(services.room_upgrade_manifest, room=room, by=by, target_version="2.0.0")
    assert error_shape(error) == (
        "validation_error",
        "The app has no version 2.0.0.",
        {"target_version": ["The app has no version 2.0.0."]},
        400,
    )
    for version in ("0.9.0", "1.0.0"):
        error = refused(services.room_upgrade_manifest, room=room, by=by, target_version=version)
        assert error_shape(error) == (
            "version_not_higher",
            "The room is on 1.0.0: the target must be a higher version.",
            {"current_version": "1.0.0", "target_version": version},
            409,
        )


def test_migration_required_lists_the_first_five_problems_and_every_one_in_details():
    app = app_with({"type": "object"})
    room = RoomFactory(app=app, app_settings={"a": "x"})
    names = ["a", "b", "c", "d", "e", "f"]
    publish_version(
        app,
        "2.0.0",
        {
            "type": "object",
            "required": names[1:],
            "properties": {"a": {"type": "integer"}},
        },
    )
    error = refused(
        services.room_upgrade_manifest, room=room, by=room.created_by, target_version="2.0.0"
    )
    paths = [f"settings.{n}" for n in names]
    # The object's own errors (the missing fields) come first, then those of its values.
    assert error_shape(error) == (
        "migration_required",
        "The settings don't fit version 2.0.0: send migration_data with "
        + ", ".join(paths[1:6])
        + ".",
        {
            "current_version": "1.0.0",
            "target_version": "2.0.0",
            "missing": paths[1:],
            "fields": {
                "settings.a": ["'x' is not of type 'integer'"],
                **{p: ["This field is required."] for p in paths[1:]},
            },
        },
        409,
    )
    assert not RoomAudit.objects.filter(room=room).exists()


def test_an_upgrade_moves_the_callers_room_audits_and_tells_the_room():
    app = app_with()
    room = RoomFactory(app=app, app_settings={"ticket_count": 5, "theme": "summer"})
    target = {
        "type": "object",
        "properties": {
            "ticket_count": {"type": "integer", "default": 1},
            "hour": {"type": "integer", "default": 20},
        },
        "additionalProperties": False,
    }
    publish_version(app, "1.1.0", target)
    caller = Room.objects.get(pk=room.pk)
    result = services.room_upgrade_manifest(
        room=caller,
        by=room.created_by,
        target_version="1.1.0",
        migration_data={"theme": None},
        via_app=app,
    )
    assert result == {
        "old_version": "1.0.0",
        "new_version": "1.1.0",
        "strategy": "assisted",
        "room": caller,
    }
    assert caller.app_manifest_version.version == "1.1.0"
    assert caller.app_settings == {"ticket_count": 5, "hour": 20}
    room.refresh_from_db()
    assert room.app_manifest_version.version == "1.1.0"
    assert room.app_settings == {"ticket_count": 5, "hour": 20}
    assert audit_of(room, "upgrade_manifest") == (
        room.created_by,
        "",
        "",
        {
            "old_version": "1.0.0",
            "new_version": "1.1.0",
            "strategy": "assisted",
            "app_id": app.app_id,
        },
    )
    assert events_data(room, "room:updated") == [
        {
            "fields": ["app_manifest_version", "app_settings"],
            "name": room.name,
            "description": room.description,
            "is_public": room.is_public,
            "gig_id": None,
            "app_manifest_version": "1.1.0",
        }
    ]


def test_an_empty_migration_is_automatic_and_a_system_upgrade_has_no_person():
    app = app_with()
    room = RoomFactory(app=app, app_settings={"ticket_count": 5})
    publish_version(app, "1.1.0", SCHEMA)
    result = services.room_upgrade_manifest(
        room=room, by=None, target_version="1.1.0", migration_data={}
    )
    assert result["strategy"] == "automatic"
    assert audit_of(room, "upgrade_manifest")[0] is None
    assert room.app_settings == {"ticket_count": 5, "theme": "winter", "box": {"label": "Box"}}
