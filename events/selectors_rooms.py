"""Reads of rooms used across the events platform.

The app platform's two rules about rooms (events.usage) are answered here: how many active
rooms of an app use some capabilities (a room uses every capability of the manifest version it
is locked to), and who organizes the draft and active rooms on a version.
"""

import re
from collections.abc import Iterable
from typing import Any

import semver
from django.db import connection
from django.db.models import CharField, Count, F, FilteredRelation, Q, Value

from accounts.models import User
from artists.models import ArtistProfile
from events import policy
from events.manifest import version_above
from events.models import (
    App,
    AppManifestVersion,
    Participant,
    ParticipantStatus,
    Role,
    Room,
    RoomQuerySet,
    RoomStatus,
)
from marketplace import selectors as marketplace_selectors
from messaging.fans import selectors as fan_selectors
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.keyset import KeysetRows, iso_sql


def active_rooms_using(*, app: App, capabilities: frozenset[str]) -> int:
    """Active (live) rooms of ``app`` whose locked version has any of ``capabilities``."""
    versions = (
        AppManifestVersion.objects.filter(app=app)
        .annotate(
            active_rooms=Count(
                "rooms",
                filter=Q(rooms__status=RoomStatus.ACTIVE, rooms__deleted_at__isnull=True),
            )
        )
        .filter(active_rooms__gt=0)
        .values_list("manifest", "active_rooms")
    )
    return sum(
        count
        for manifest, count in versions
        if capabilities & set((manifest or {}).get("capabilities") or [])
    )


def organizers_on_version(*, app: App, version: str) -> Iterable[User]:
    """Organizers (and room admins) of draft and active rooms of ``app`` on ``version``."""
    user_ids = (
        Participant.objects.live()
        .filter(
            role__in=(Role.ORGANIZER, Role.ADMIN),
            room__app=app,
            room__app_manifest_version__version=version,
            room__status__in=(RoomStatus.DRAFT, RoomStatus.ACTIVE),
            room__deleted_at__isnull=True,
        )
        .values("user_id")
    )
    return User.objects.filter(pk__in=user_ids, is_active=True)


def room_get(room_id: object, user: object) -> Room:
    """The live room ``room_id`` if ``user`` may read it (policy ``room.read``), else
    ``404 not_found`` — a private room's existence is not revealed."""
    try:
        room = (
            Room.objects.live()
            .select_related("app", "app_manifest_version")
            .get(
                pk=int(room_id)  # type: ignore[call-overload]
            )
        )
    except (Room.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFoundError("not_found", "No such room.") from None
    policy.require(user, policy.ROOM_READ, room)
    return room


def upgrade_targets(room: Room) -> list[AppManifestVersion]:
    """The versions of ``room``'s app above the one it is locked to (semver), lowest first:
    what its organizer may upgrade it to (events.services.rooms.room_upgrade_manifest)."""
    current = room.app_manifest_version.version
    found = [
        (semver.Version.parse(version.version), version)
        for version in AppManifestVersion.objects.filter(app_id=room.app_id).only("id", "version")
        if version_above(version.version, current)
    ]
    return [version for _, version in sorted(found, key=lambda pair: pair[0])]


# --- the room list ----------------------------------------------------------------------------


def rooms_visible(user: object, *, app: App | None = None) -> RoomQuerySet:
    """Live rooms ``user`` may read (policy ``room.read`` as one query): public rooms and the
    rooms they are a member of (live, active participant); staff every live room; anyone
    else the public ones, and an app's system call (``app``) also its own app's rooms. Each
    row carries ``my_role`` (``user``'s role, or None): :func:`remember_listed_roles` tells
    the policy, so asking it about a listed room costs no query."""
    rows = Room.objects.live().select_related("app", "app_manifest_version")
    if not getattr(user, "is_authenticated", False):
        visible = Q(is_public=True) | Q(app=app) if app is not None else Q(is_public=True)
        return rows.filter(visible).annotate(my_role=Value(None, CharField()))
    # The user's membership as one LEFT JOIN (one row per room and user: unique), not two
    # subqueries: the list is the rooms' hot read and this compiles and runs cheaper.
    mine = FilteredRelation(
        "participants",
        condition=Q(
            participants__user_id=user.pk,  # type: ignore[attr-defined]
            participants__deleted_at__isnull=True,
            participants__status=ParticipantStatus.ACTIVE,
        ),
    )
    rows = rows.annotate(mine=mine, my_role=F("mine__role"))
    if getattr(user, "is_staff", False):
        return rows
    return rows.filter(Q(is_public=True) | Q(mine__id__isnull=False))


def rooms_list(user: object, *, filters: dict[str, Any], app: App | None = None) -> RoomQuerySet:
    """:func:`rooms_visible` narrowed by the list's filters: ``status`` (one or several),
    ``app`` (app id), ``is_public``, ``created_by`` (user id), ``gig`` (gig id)."""
    rows = rooms_visible(user, app=app)
    if filters.get("status"):
        rows = rows.filter(status__in=filters["status"])
    if filters.get("app"):
        rows = rows.filter(app__app_id=filters["app"])
    if filters.get("is_public") is not None:
        rows = rows.filter(is_public=filters["is_public"])
    if filters.get("created_by") is not None:
        rows = rows.filter(created_by_id=filters["created_by"])
    if filters.get("gig") is not None:
        rows = rows.filter(gig_id=filters["gig"])
    return rows


# What a list row needs, read as plain values: no manifests (two JSON documents per row) and no
# settings are loaded, and no model instances built (bench/rooms.py: the list's cost was there).
CARD_VALUES = {
    "app_key": F("app__app_id"),
    "app_name": F("app__name"),
    "version": F("app_manifest_version__version"),
}
CARD_FIELDS = (
    "id",
    "name",
    "description",
    "status",
    "is_public",
    "gig_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "my_role",
)


def room_card_rows(rows: RoomQuerySet) -> Any:
    """``rows`` (from :func:`rooms_list`) as the list's value dicts, newest first."""
    return rows.order_by("-id").values(*CARD_FIELDS, **CARD_VALUES)


# The list's columns in SQL (names as CARD_FIELDS + CARD_VALUES), timestamps as the API writes.
# The room list's statement: the page is cut from events_room alone (who may see a room, the
# filters, newest first), then only the page's rows are joined to their app, manifest version
# and the viewer's role. Membership is an EXISTS that runs for private rooms only (a public
# room passes on ``is_public``), where a join would look up the viewer in every room walked.
_ROOM_INNER = (
    "r.id, r.name, r.description, r.status, r.is_public, r.gig_id, r.created_by_id, "
    "r.created_at, r.updated_at, r.app_id, r.app_manifest_version_id"
)
_ROOM_COLUMNS = (
    ("id", "r.id"),
    ("name", "r.name"),
    ("description", "r.description"),
    ("status", "r.status"),
    ("is_public", "r.is_public"),
    ("gig_id", "r.gig_id"),
    ("created_by_id", "r.created_by_id"),
    ("created_at", iso_sql("r.created_at")),
    ("updated_at", iso_sql("r.updated_at")),
    ("my_role", "p.role"),
    ("app_key", "a.app_id"),
    ("app_name", "a.name"),
    ("version", "v.version"),
)
_ROOM_JOIN = (
    "JOIN events_app a ON a.id = r.app_id "
    "JOIN events_appmanifestversion v ON v.id = r.app_manifest_version_id "
)
_ROOM_ID = Room._meta.pk


def rooms_page_source(user: object, *, filters: dict[str, Any], app: App | None = None) -> Any:
    """What the room list's paginator slices, newest first (by id). On PostgreSQL one
    hand-written statement a page (docs/conventions.md "Fast reads"); elsewhere the reference
    queryset, :func:`rooms_list` — tests/events/test_rooms_api.py requires both to give the
    same rows in the same order for random filters and viewers."""
    if connection.vendor != "postgresql":
        return room_card_rows(rooms_list(user, filters=filters, app=app))
    params: list[Any] = []
    join = _ROOM_JOIN
    join_params: list[Any] = []
    signed_in = bool(getattr(user, "is_authenticated", False))
    if signed_in:
        join += (
            "LEFT JOIN events_participant p ON p.room_id = r.id AND p.user_id = %s "
            "AND p.deleted_at IS NULL AND p.status = %s"
        )
        join_params += [user.pk, ParticipantStatus.ACTIVE]  # type: ignore[attr-defined]
    else:
        join += "LEFT JOIN (SELECT NULL::varchar AS role) p ON false"
    where = ["r.deleted_at IS NULL"]
    if not signed_in:
        if app is not None:
            where.append("(r.is_public OR r.app_id = %s)")
            params.append(app.pk)
        else:
            where.append("r.is_public")
    elif not getattr(user, "is_staff", False):
        # A scalar subquery, not EXISTS: PostgreSQL may run an EXISTS as one hashed scan of
        # all the viewer's memberships (hundreds for an organizer); this probes the
        # (room, user) index for each private room walked, and only for those.
        where.append(
            "(r.is_public OR (SELECT true FROM events_participant m WHERE m.room_id = r.id "
            "AND m.user_id = %s AND m.deleted_at IS NULL AND m.status = %s) IS NOT NULL)"
        )
        params += [user.pk, ParticipantStatus.ACTIVE]  # type: ignore[attr-defined]
    if filters.get("status"):
        where.append("r.status = ANY(%s)")
        params.append(list(filters["status"]))
    if filters.get("app"):
        where.append("r.app_id = (SELECT id FROM events_app WHERE app_id = %s)")
        params.append(filters["app"])
    if filters.get("is_public") is not None:
        where.append("r.is_public = %s")
        params.append(filters["is_public"])
    if filters.get("created_by") is not None:
        where.append("r.created_by_id = %s")
        params.append(filters["created_by"])
    if filters.get("gig") is not None:
        where.append("r.gig_id = %s")
        params.append(filters["gig"])
    return KeysetRows(
        select=f"{_ROOM_INNER} FROM events_room r",
        where=" AND ".join(where),
        params=params,
        outer=f"{', '.join(sql for _, sql in _ROOM_COLUMNS)} FROM",
        join=join,
        join_params=join_params,
        alias="r",
        names=[name for name, _ in _ROOM_COLUMNS],
        keys={"id": "r.id"},
        order=("-id",),
        position=_ROOM_ID,
        prepared=True,
    )


def remember_listed_roles(rooms: Iterable[Room], user: object) -> None:
    """Tell the policy the role each listed room's row carries (``my_role``)."""
    if not getattr(user, "is_authenticated", False):
        return
    for room in rooms:
        policy.remember_role(room, user.pk, getattr(room, "my_role", None))  # type: ignore[attr-defined]


def gig_room(gig_id: int, user: object) -> Room | None:
    """The newest live room of the gig that ``user`` may read (the gig page's fragment)."""
    room = rooms_visible(user).filter(gig_id=gig_id).order_by("-created_at", "-id").first()
    if room is not None:
        remember_listed_roles([room], user)
    return room


# --- the room's artist (fan lists) ------------------------------------------------------------


def room_artist(room: Room) -> ArtistProfile | None:
    """The artist a room is *of* (docs/rooms.md, "Fan lists"): the booked artist of its gig
    (the show's artist, whoever runs the room), else its creator's artist profile (an artist
    running their own room), else nobody."""
    if room.gig_id is not None:
        artist = marketplace_selectors.gig_booked_artist(gig_id=room.gig_id)
        if artist is not None:
            return artist
    return ArtistProfile.objects.filter(user_id=room.created_by_id).first()


def fan_list_offer(room: Room) -> dict[str, Any] | None:
    """What a join form offers: ``{artist_id, artist_name}`` when people joining ``room`` may
    opt in to its artist's fan list (the room is an artist's, and the artist has a list open
    for sign-ups), else ``None`` (``fan_list_opt_in`` would be ``409 no_fan_list``)."""
    artist = room_artist(room)
    if artist is None or fan_selectors.room_list(artist_id=artist.pk) is None:
        return None
    return {"artist_id": artist.pk, "artist_name": artist.stage_name}


def fan_list_status(room: Room, user: User) -> dict[str, Any] | None:
    """Where ``user`` stands on the fan list of ``room``'s artist: ``{artist_id, artist_name,
    status}`` (``subscribed``, or ``pending`` while a confirmation link is out), or ``None``
    when they are not on it (or the room is nobody's)."""
    artist = room_artist(room)
    if artist is None:
        return None
    status = fan_selectors.room_member_status(artist_id=artist.pk, email=user.email)
    if status not in ("subscribed", "pending"):
        return None
    return {"artist_id": artist.pk, "artist_name": artist.stage_name, "status": status}


# --- settings secrets -------------------------------------------------------------------------


def room_settings_for(user: object, room: Room, *, app: App | None = None) -> dict[str, Any]:
    """``room``'s settings as ``user`` may see them: every property its **locked** settings
    schema marks ``"writeOnly": true`` (at any depth: object properties, array items,
    additional and pattern properties, local ``$ref``s, ``allOf``/``anyOf``/``oneOf``
    branches) is removed, unless ``user`` may ``room.update`` (the organizer, a room admin,
    staff) or ``app`` (the calling app's system call) is the room's own app: the settings are
    its configuration (the Quiz app reads the correct answers it judges)."""
    value = room.app_settings or {}
    if (app is not None and app.pk == room.app_id) or policy.can(user, policy.ROOM_UPDATE, room):
        return dict(value) if isinstance(value, dict) else value
    schema = ((room.app_manifest_version.manifest or {}).get("settings")) or {}
    return redact_write_only(schema, value)  # type: ignore[no-any-return]


def redact_write_only(schema: Any, value: Any, *, root: Any = None, depth: int = 0) -> Any:
    """``value`` without what ``schema`` marks ``writeOnly`` (a copy; ``value`` is untouched)."""
    if root is None:
        root = schema
    if depth > 64 or not isinstance(schema, dict):
        return value
    schemas = _expanded(schema, root)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            subs = [s for branch in schemas for s in _property_schemas(branch, key)]
            if any(_write_only(s, root) for s in subs):
                continue
            for sub in subs:
                item = redact_write_only(sub, item, root=root, depth=depth + 1)
            out[key] = item
        return out
    if isinstance(value, list):
        result = []
        for index, item in enumerate(value):
            subs = [s for branch in schemas for s in _item_schemas(branch, index)]
            if any(_write_only(s, root) for s in subs):
                continue
            for sub in subs:
                item = redact_write_only(sub, item, root=root, depth=depth + 1)
            result.append(item)
        return result
    return value


def _resolve(schema: Any, root: Any) -> Any:
    """A local ``$ref`` (``#/definitions/question``) resolved against ``root``."""
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 16:
        ref = schema["$ref"]
        if not ref.startswith("#"):
            return schema
        target: Any = root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return {}
        schema = target
        seen += 1
    return schema


def _expanded(schema: Any, root: Any, depth: int = 0) -> list[dict[str, Any]]:
    """``schema`` and every subschema that applies to the same value (refs, allOf/anyOf/oneOf,
    if/then/else)."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict) or depth > 16:
        return []
    found = [schema]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or []:
            found += _expanded(branch, root, depth + 1)
    for keyword in ("then", "else"):
        if keyword in schema:
            found += _expanded(schema[keyword], root, depth + 1)
    return found


def _write_only(schema: Any, root: Any) -> bool:
    return any(s.get("writeOnly") is True for s in _expanded(schema, root))


def _property_schemas(schema: dict[str, Any], key: str) -> list[Any]:
    subs: list[Any] = []
    properties = schema.get("properties")
    if isinstance(properties, dict) and key in properties:
        subs.append(properties[key])
    for pattern, sub in (schema.get("patternProperties") or {}).items():
        try:
            if re.search(pattern, key):
                subs.append(sub)
        except re.error:
            continue
    if not subs and isinstance(schema.get("additionalProperties"), dict):
        subs.append(schema["additionalProperties"])
    return subs


def _item_schemas(schema: dict[str, Any], index: int) -> list[Any]:
    items = schema.get("items")
    if isinstance(items, dict):
        return [items]
    if isinstance(items, list):
        if index < len(items):
            return [items[index]]
        extra = schema.get("additionalItems")
        return [extra] if isinstance(extra, dict) else []
    return []


# --- for the API's doors ----------------------------------------------------------------------


def room_get_as_app(room_id: object, app: App, *, write: bool = False) -> Room:
    """For an app's system call (no user): its own app's live rooms, and public rooms to read;
    anything else ``404 not_found``."""
    try:
        room = (
            Room.objects.live().select_related("app", "app_manifest_version").get(pk=int(room_id))  # type: ignore[call-overload]
        )
    except (Room.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFoundError("not_found", "No such room.") from None
    if room.app_id == app.pk or (room.is_public and not write):
        return room
    raise NotFoundError("not_found", "No such room.")


def app_for_room(app_id: str | None, caller: App | None) -> App:
    """The app a new room is for: ``app_id`` (a live app) for a person; the calling app itself
    for an app (which may name only itself: ``403 forbidden``)."""
    if caller is not None:
        if app_id is not None and app_id != caller.app_id:
            raise ApplicationError(
                "forbidden",
                f"An app creates rooms of its own only ({caller.app_id}).",
                details={"app": app_id, "calling_app": caller.app_id},
                status=403,
            )
        return caller
    if not app_id:
        raise ApplicationError(
            "validation_error",
            "Which app runs the room? Give its app id.",
            details={"app": ["This field is required."]},
        )
    app = App.objects.live().filter(app_id=app_id).first()
    if app is None:
        raise ApplicationError(
            "validation_error", "No such app.", details={"app": [f"No app {app_id}."]}
        )
    return app
