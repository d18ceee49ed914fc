"""Rooms (SPEC-events §1, §3; docs/rooms.md "Rooms"): create, update, the status machine, soft
delete and the manifest upgrade. One service per state change; each takes the room's row lock,
asks :mod:`events.policy`, writes a :class:`~events.models.RoomAudit` row and publishes the
SPEC-events §7 event, all in one transaction.

The status machine (SPEC.md §8, only these transitions)::

    draft ──activate──▶ active ──complete──▶ completed
      └──────cancel──────┴──────cancel─────▶ cancelled

Anything else is ``409 invalid_transition`` (``details``: ``from``, ``to``, ``allowed``).

``by`` is the person acting (alone, or with an app acting for them). ``by=None`` is an app's
system call: the API door has checked the app's scope and that the room is the app's own;
``via_app`` names the app in the audit either way.

Settings are a JSON document validated with ``jsonschema`` (Draft 7) against the ``settings``
schema of a manifest version: the app's **current** one at creation, after which the room is
locked to that version; its **locked** one at every update; the **target** one at an upgrade.
A refusal is ``400 validation_error`` whose ``details`` map each bad settings path
(``settings.questions[0].options``) to its messages.
"""

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError as SchemaError

from accounts.models import User
from events import policy, realtime
from events.manifest import json_path, version_above
from events.models import (
    ROOM_DESCRIPTION_MAX,
    ROOM_NAME_MAX,
    App,
    AppManifestVersion,
    Participant,
    ParticipantStatus,
    Role,
    Room,
    RoomAudit,
    RoomAuditAction,
    RoomStatus,
)
from events.services.draws import commitment_create
from marketplace.models import Gig
from umbrella.errors import ApplicationError, NotFoundError

# status -> the statuses a room may go to from it
TRANSITIONS: dict[str, frozenset[str]] = {
    RoomStatus.DRAFT: frozenset({RoomStatus.ACTIVE, RoomStatus.CANCELLED}),
    RoomStatus.ACTIVE: frozenset({RoomStatus.COMPLETED, RoomStatus.CANCELLED}),
    RoomStatus.COMPLETED: frozenset(),
    RoomStatus.CANCELLED: frozenset(),
}
MAX_SETTINGS_ERRORS = 50
_UNSET: Any = object()


# --- settings ---------------------------------------------------------------------------------


def settings_schema(manifest: dict[str, Any] | None) -> dict[str, Any]:
    """The settings schema of a manifest (an object of anything when it declares none)."""
    schema = (manifest or {}).get("settings")
    return schema if isinstance(schema, dict) else {"type": "object"}


def settings_path(parts: Any) -> str:
    """``("questions", 0, "options")`` → ``settings.questions[0].options``."""
    return "settings" + json_path(parts)[1:]


def settings_errors(schema: dict[str, Any], value: Any) -> dict[str, list[str]]:
    """Every problem of ``value`` against ``schema``, keyed by settings path ({} = valid)."""
    found: dict[str, list[str]] = {}

    def add(parts: Any, message: str) -> None:
        messages = found.setdefault(settings_path(parts), [])
        if message not in messages:
            messages.append(message)

    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    errors: list[SchemaError] = sorted(
        validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path]
    )
    for error in errors[:MAX_SETTINGS_ERRORS]:
        path = tuple(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    add((*path, name), "This field is required.")
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            patterns = error.schema.get("patternProperties") or {}
            for name in error.instance:
                if name not in allowed and not patterns:
                    add((*path, name), "Unknown setting.")
            if patterns:
                add(path, error.message)
        else:
            add(path, error.message)
    return found


def settings_validate(schema: dict[str, Any], value: Any) -> dict[str, Any]:
    """``value`` if valid against ``schema``, else ``400 validation_error`` by settings path."""
    errors = settings_errors(schema, value)
    if errors:
        first_path, messages = next(iter(errors.items()))
        raise ApplicationError(
            "validation_error",
            f"{first_path}: {messages[0]}",
            details=errors,
            field="app_settings",
        )
    return value


def settings_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """The ``default`` of each top-level property of ``schema`` that has one."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    return {
        name: json.loads(json.dumps(spec["default"]))
        for name, spec in properties.items()
        if isinstance(spec, dict) and "default" in spec
    }


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge key by key, ``null`` removes, anything else
    replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- helpers ----------------------------------------------------------------------------------


def _check_text(name: str | None, description: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if name is not None and not (len(name.strip()) >= 1 and len(name) <= ROOM_NAME_MAX):
        errors["name"] = [f"Between 1 and {ROOM_NAME_MAX} characters."]
    if description is not None and len(description) > ROOM_DESCRIPTION_MAX:
        errors["description"] = [f"At most {ROOM_DESCRIPTION_MAX} characters."]
    if errors:
        raise ApplicationError("validation_error", next(iter(errors.values()))[0], details=errors)


def _gig_for(gig_id: int | None, by: User | None) -> Gig | None:
    """The gig ``by`` may attach a room to: their own venue's gig (staff: any). Anyone else's
    gig reads as no such gig (``400 validation_error`` on ``gig``)."""
    if gig_id is None:
        return None
    gigs = Gig.objects.all()
    if by is None:
        return _no_such_gig()
    if not by.is_staff:
        gigs = gigs.filter(venue__user_id=by.pk)
    gig = gigs.filter(pk=gig_id).first()
    if gig is None:
        return _no_such_gig()
    return gig


def _no_such_gig() -> Gig:
    message = "No such gig of yours: only the gig's venue can link a room to it."
    raise ApplicationError("validation_error", message, details={"gig": [message]}, field="gig")


def _lock(room: Room) -> Room:
    """``room``'s row, locked, fresh; a deleted room is ``404 not_found``."""
    try:
        locked = (
            Room.objects.select_for_update(of=("self",))
            .select_related("app", "app_manifest_version")
            .get(pk=room.pk, deleted_at__isnull=True)
        )
    except Room.DoesNotExist:
        raise NotFoundError("not_found", "No such room.") from None
    # Keep what the policy already knows about roles in this room (one query per person).
    cached = room.__dict__.get("_policy_roles")
    if cached:
        locked.__dict__["_policy_roles"] = dict(cached)
    return locked


def _require_update(by: User | None, room: Room) -> None:
    if by is not None:
        policy.require(by, policy.ROOM_UPDATE, room)


def _audit(
    room: Room,
    *,
    by: User | None,
    action: str,
    via_app: App | None,
    from_status: str = "",
    to_status: str = "",
    detail: dict[str, Any] | None = None,
) -> RoomAudit:
    data = dict(detail or {})
    if via_app is not None:
        data["app_id"] = via_app.app_id
    return RoomAudit.objects.create(
        room=room,
        by=by,
        action=action,
        from_status=from_status,
        to_status=to_status,
        detail=data,
    )


def _copy_back(room: Room, locked: Room) -> Room:
    """Refresh the caller's object with the locked row's values (callers keep their object)."""
    for field in Room._meta.concrete_fields:
        setattr(room, field.attname, getattr(locked, field.attname))
    room.app = locked.app
    room.app_manifest_version = locked.app_manifest_version
    return room


# --- create and update ------------------------------------------------------------------------


@transaction.atomic
def room_create(
    *,
    by: User | None,
    app: App,
    name: str,
    description: str = "",
    app_settings: dict[str, Any] | None = None,
    is_public: bool = True,
    gig_id: int | None = None,
    via_app: App | None = None,
) -> Room:
    """A draft room of ``app`` locked to its current manifest version, with ``app_settings``
    valid against that version's schema (missing top-level settings take their schema
    defaults). Its creator becomes its organizer. ``by=None``: an app's system call, the room
    is the app owner's."""
    creator = by if by is not None else app.owner
    policy.require(creator, policy.ROOM_CREATE)
    app = App.objects.select_for_update().get(pk=app.pk)
    if app.deleted_at is not None:
        raise ApplicationError(
            "validation_error", "No such app.", details={"app": ["No such app."]}, field="app"
        )
    if not app.is_active:
        raise ApplicationError(
            "app_inactive",
            f"The app {app.app_id} is disabled: no room can be created with it.",
            status=409,
        )
    _check_text(name, description)
    version = AppManifestVersion.objects.get(app=app, version=app.manifest_version)
    schema = settings_schema(version.manifest)
    merged = {**settings_defaults(schema), **(app_settings or {})}
    settings_validate(schema, merged)
    gig = _gig_for(gig_id, creator)
    room = Room.objects.create(
        name=name.strip(),
        description=description,
        app=app,
        app_manifest_version=version,
        app_settings=merged,
        is_public=is_public,
        gig=gig,
        created_by=creator,
        status=RoomStatus.DRAFT,
    )
    Participant.objects.create(
        room=room, user=creator, role=Role.ORGANIZER, status=ParticipantStatus.ACTIVE
    )
    policy.remember_role(room, creator.pk, Role.ORGANIZER)
    _audit(
        room,
        by=by if by is not None else None,
        action=RoomAuditAction.CREATE,
        via_app=via_app,
        to_status=RoomStatus.DRAFT,
        detail={"version": version.version, "created_by": creator.pk},
    )
    return room


@transaction.atomic
def room_update(
    *,
    room: Room,
    by: User | None,
    name: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
    app_settings: dict[str, Any] | None = None,
    gig_id: Any = _UNSET,
    via_app: App | None = None,
) -> Room:
    """Change what is given (``None``: unchanged; ``gig_id=None`` unlinks the gig). Settings
    are validated against the room's **locked** version and replace the old ones whole; once the
    room is completed or cancelled they can't change (``409 invalid_transition``; the same
    settings sent again are fine, so a form posting everything still saves a new name).
    Publishes ``room:updated`` with the names of the changed fields (never settings values:
    they may hold secrets; clients read them again)."""
    locked = _lock(room)
    _require_update(by, locked)
    _check_text(name, description)
    changed: dict[str, Any] = {}
    if name is not None and name.strip() != locked.name:
        changed["name"] = name.strip()
    if description is not None and description != locked.description:
        changed["description"] = description
    if is_public is not None and is_public != locked.is_public:
        changed["is_public"] = is_public
    if app_settings is not None:
        schema = settings_schema(locked.app_manifest_version.manifest)
        settings_validate(schema, app_settings)
        if app_settings != locked.app_settings:
            if locked.status not in (RoomStatus.DRAFT, RoomStatus.ACTIVE):
                # What was drawn or played ran under these settings: they stay as they were.
                raise ApplicationError(
                    "invalid_transition",
                    f"A {locked.status} room is over: its settings can't change.",
                    details={"from": locked.status, "to": locked.status, "allowed": []},
                    status=409,
                )
            changed["app_settings"] = app_settings
    if gig_id is not _UNSET and gig_id != locked.gig_id:
        gig = _gig_for(gig_id, by if by is not None else locked.created_by)
        changed["gig_id"] = gig.pk if gig else None
    if changed:
        for field, value in changed.items():
            setattr(locked, field, value)
        locked.save(update_fields=[*changed, "updated_at"])
        _audit(
            locked,
            by=by,
            action=RoomAuditAction.UPDATE,
            via_app=via_app,
            detail={"fields": sorted(changed)},
        )
        realtime.publish(locked, "room:updated", _updated_data(locked, sorted(changed)))
    return _copy_back(room, locked)


def _updated_data(room: Room, fields: list[str]) -> dict[str, Any]:
    return {
        "fields": fields,
        "name": room.name,
        "description": room.description,
        "is_public": room.is_public,
        "gig_id": room.gig_id,
        "app_manifest_version": room.app_manifest_version.version,
    }


# --- the status machine -----------------------------------------------------------------------


def _transition(
    room: Room, *, by: User | None, to: str, action: str, via_app: App | None
) -> tuple[Room, str]:
    locked = _lock(room)
    _require_update(by, locked)
    old = locked.status
    if to not in TRANSITIONS[old]:
        allowed = sorted(TRANSITIONS[old])
        raise ApplicationError(
            "invalid_transition",
            f"A {old} room can't become {to}"
            + (f" (it can become {' or '.join(allowed)})." if allowed else " (it is final)."),
            details={"from": old, "to": to, "allowed": allowed},
            status=409,
        )
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    _audit(locked, by=by, action=action, via_app=via_app, from_status=old, to_status=to)
    return locked, old


def _status_changed(room: Room, old: str) -> None:
    realtime.publish(room, "room:status_changed", {"old_status": old, "new_status": room.status})


@transaction.atomic
def room_activate(*, room: Room, by: User | None, via_app: App | None = None) -> Room:
    """draft → active. The draw commitment is made in this transaction, so it exists (and
    ``draw:committed`` is logged) before anyone can join: joining needs an active room."""
    locked, old = _transition(
        room, by=by, to=RoomStatus.ACTIVE, action=RoomAuditAction.ACTIVATE, via_app=via_app
    )
    _status_changed(locked, old)
    commitment_create(room=locked)
    return _copy_back(room, locked)


@transaction.atomic
def room_complete(*, room: Room, by: User | None, via_app: App | None = None) -> Room:
    """active → completed."""
    locked, old = _transition(
        room, by=by, to=RoomStatus.COMPLETED, action=RoomAuditAction.COMPLETE, via_app=via_app
    )
    _status_changed(locked, old)
    return _copy_back(room, locked)


@transaction.atomic
def room_cancel(*, room: Room, by: User | None, via_app: App | None = None) -> Room:
    """draft or active → cancelled."""
    locked, old = _transition(
        room, by=by, to=RoomStatus.CANCELLED, action=RoomAuditAction.CANCEL, via_app=via_app
    )
    _status_changed(locked, old)
    return _copy_back(room, locked)


# The service that moves a room to each status (PATCH {"status": …} and the admin use it).
STATUS_SERVICES = {
    RoomStatus.ACTIVE: room_activate,
    RoomStatus.COMPLETED: room_complete,
    RoomStatus.CANCELLED: room_cancel,
}


def room_set_status(
    *, room: Room, by: User | None, status: str, via_app: App | None = None
) -> Room:
    """Run the transition service that leads to ``status`` (``draft`` has none: 409)."""
    status = str(status).lower()
    service = STATUS_SERVICES.get(status)  # type: ignore[call-overload]
    if service is None:
        raise ApplicationError(
            "invalid_transition",
            f"No room can go back to {status}.",
            details={
                "from": room.status,
                "to": status,
                "allowed": sorted(TRANSITIONS[room.status]),
            },
            status=409,
        )
    result: Room = service(room=room, by=by, via_app=via_app)
    return result


# --- delete -----------------------------------------------------------------------------------


@transaction.atomic
def room_delete(*, room: Room, by: User | None, via_app: App | None = None) -> Room:
    """Soft delete (``deleted_at``): the room disappears from every read; its rows stay for
    the audit. Publishes ``room:deleted`` (the last event its sockets get)."""
    locked = _lock(room)
    _require_update(by, locked)
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["deleted_at", "updated_at"])
    _audit(
        locked,
        by=by,
        action=RoomAuditAction.DELETE,
        via_app=via_app,
        from_status=locked.status,
        to_status=locked.status,
    )
    realtime.publish(locked, "room:deleted", {"status": locked.status})
    return _copy_back(room, locked)


# --- the manifest upgrade ---------------------------------------------------------------------


@transaction.atomic
def room_upgrade_manifest(
    *,
    room: Room,
    by: User | None,
    target_version: str,
    migration_data: dict[str, Any] | None = None,
    via_app: App | None = None,
) -> dict[str, Any]:
    """Move ``room`` to the app's manifest version ``target_version`` (higher than its own).

    The new settings are the target schema's defaults, overlaid with the room's settings, then
    with ``migration_data`` (a JSON merge patch: ``null`` removes a setting). When they
    validate against the target, the room moves: **automatic** without ``migration_data``,
    **assisted** with it (the organizer supplied what the 409 listed; supplying the whole
    settings is the manual way). Otherwise ``409 migration_required`` lists every missing or
    invalid field by settings path and nothing changes. Returns the old and new versions."""
    locked = _lock(room)
    _require_update(by, locked)
    if locked.status not in (RoomStatus.DRAFT, RoomStatus.ACTIVE):
        raise ApplicationError(
            "invalid_transition",
            f"A {locked.status} room is over: its manifest version can't change.",
            details={"from": locked.status, "to": locked.status, "allowed": []},
            status=409,
        )
    old = locked.app_manifest_version
    target = AppManifestVersion.objects.filter(app_id=locked.app_id, version=target_version).first()
    if target is None:
        raise ApplicationError(
            "validation_error",
            f"The app has no version {target_version}.",
            details={"target_version": [f"The app has no version {target_version}."]},
        )
    if not version_above(target.version, old.version):
        raise ApplicationError(
            "version_not_higher",
            f"The room is on {old.version}: the target must be a higher version.",
            details={"current_version": old.version, "target_version": target.version},
            status=409,
        )
    schema = settings_schema(target.manifest)
    merged = {**settings_defaults(schema), **(locked.app_settings or {})}
    if migration_data:
        merged = merge_patch(merged, migration_data)
    errors = settings_errors(schema, merged)
    if errors:
        missing = sorted(
            path for path, messages in errors.items() if "This field is required." in messages
        )
        raise ApplicationError(
            "migration_required",
            f"The settings don't fit version {target.version}: send migration_data with "
            f"{', '.join(list(errors)[:5])}.",
            details={
                "current_version": old.version,
                "target_version": target.version,
                "missing": missing,
                "fields": errors,
            },
            status=409,
        )
    strategy = "assisted" if migration_data else "automatic"
    locked.app_manifest_version = target
    locked.app_settings = merged
    locked.save(update_fields=["app_manifest_version", "app_settings", "updated_at"])
    _audit(
        locked,
        by=by,
        action=RoomAuditAction.UPGRADE_MANIFEST,
        via_app=via_app,
        detail={"old_version": old.version, "new_version": target.version, "strategy": strategy},
    )
    realtime.publish(
        locked, "room:updated", _updated_data(locked, ["app_manifest_version", "app_settings"])
    )
    _copy_back(room, locked)
    return {
        "old_version": old.version,
        "new_version": target.version,
        "strategy": strategy,
        "room": room,
    }
