"""The rooms' pages for finding and running rooms (issue 12, docs/rooms.md "Pages"):

- ``/rooms/``: the rooms the visitor may read (``selectors_rooms.rooms_page_source``, the API's
  statement), filtered by status, app and "mine", newest first, by pages without a count;
- ``/rooms/new/``: choose an app, name the room, fill in the settings form generated from the
  app's manifest (:mod:`events.settings_form`); choosing another app redraws the settings part
  (htmx, or a button without JavaScript);
- ``/rooms/<id>/manage/``: the organizer's controls — the room and its settings (against its
  locked manifest version), status transitions, delete, the manifest upgrade (automatic, or
  assisted by a form of exactly the settings the new version wants), prizes, participants and
  winners. Moderators see the parts their role allows (prizes, participants, picks).

Thin doors: every change is one call of events.services (rooms, prizes, participants, winners),
which asks events.policy. A room the visitor may not read is ``404``; a room they may read but
not manage is ``403``; a service's refusal is shown as a message or next to the field it names.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import request_user
from events import policy
from events import selectors_apps as apps_selectors
from events import selectors_members as members
from events import selectors_rooms as selectors
from events.forms_rooms import (
    PRIVATE,
    PUBLIC,
    ParticipantRoleForm,
    PrizeForm,
    RoomCreateForm,
    RoomEditForm,
    RoomListFilterForm,
    TransitionForm,
    UpgradeForm,
    WinnerPickForm,
)
from events.models import (
    App,
    AppManifestVersion,
    Participant,
    ParticipantStatus,
    Role,
    Room,
    RoomStatus,
)
from events.services import participants as participant_services
from events.services import prizes as prize_services
from events.services import rooms as room_services
from events.services import winners as winner_services
from events.settings_form import ADD, PREFIX, SettingsForm, merge_patch_for
from marketplace import selectors as market
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error
from umbrella.pagination import page_number as parse_page_number
from umbrella.pagination import page_without_count

PAGE_SIZE = 20
PARTICIPANTS_PAGE_SIZE = 50
PENDING_SHOWN = 100
WINNERS_SHOWN = 200
PICK_LIST_MAX = 300  # eligible participants listed in the pick form; more: a number
GIGS_OFFERED = 50
# Any of these lets a member open the manage page; each part is shown by its own rule.
MANAGE_ACTIONS = (
    policy.ROOM_UPDATE,
    policy.PARTICIPANTS_MANAGE,
    policy.PRIZES_MANAGE,
    policy.WINNERS_DRAW,
    policy.WINNERS_REVOKE,
)
MANAGER_ROLES = frozenset({Role.ORGANIZER, Role.ADMIN, Role.MODERATOR})
TRANSITION_TEXT = {
    RoomStatus.ACTIVE: (
        "Activate",
        "Activate the room? The draw commitment is published and people can join.",
        "The room is active: people can join it now.",
    ),
    RoomStatus.COMPLETED: (
        "Complete",
        "Complete the room? It ends for good: nobody can join or win any more.",
        "The room is completed.",
    ),
    RoomStatus.CANCELLED: (
        "Cancel the room",
        "Cancel the room? It ends for good.",
        "The room is cancelled.",
    ),
}


# --- the list ---------------------------------------------------------------------------------


@require_safe
def rooms(request: HttpRequest) -> HttpResponse:
    """``/rooms/``: one statement for the page's rows (the API's), one for the app filter."""
    user = request.user
    params = request.GET.copy()
    page = parse_page_number(params.pop("page", ["1"])[-1])
    apps = list(apps_selectors.apps_for_filter().values_list("app_id", "name"))
    form = RoomListFilterForm(params, apps=apps, signed_in=user.is_authenticated)
    cards: list[dict[str, Any]] = []
    has_next = False
    if form.is_valid():
        source = selectors.rooms_page_source(user, filters=form.selector_filters(user))
        rows, has_next = page_without_count(source, page=page, size=PAGE_SIZE)
        cards = [_card(row, user) for row in rows]
    filtered = any(params.get(name) for name in ("status", "app", "mine"))
    context = {
        "form": form,
        "rooms": cards,
        "page": page,
        "has_next": has_next,
        "query": params.urlencode() + "&" if params else "",
        "filtered": filtered,
    }
    return render(request, "events/rooms/list.html", context)


def _card(row: dict[str, Any], user: Any) -> dict[str, Any]:
    role = row["my_role"]
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "status": row["status"],
        "status_label": RoomStatus(row["status"]).label,
        "app_name": row["app_name"],
        "is_public": row["is_public"],
        "role_label": Role(role).label if role else "",
        # The list row carries the viewer's role: no policy query per row. The page itself
        # asks the policy again.
        "manages": role in MANAGER_ROLES or bool(getattr(user, "is_staff", False)),
    }


# --- create -----------------------------------------------------------------------------------


def _app_choices() -> list[tuple[str, str]]:
    return [(app.app_id, app.name) for app in apps_selectors.apps_for_rooms()]


def _chosen_app(app_id: Any) -> App | None:
    if not app_id:
        return None
    return apps_selectors.apps_for_rooms().defer(None).filter(app_id=str(app_id)).first()


def _gig_choices(user: Any, current: Any = None) -> list[tuple[str, str]]:
    """A venue's upcoming gigs (only the gig's venue may link a room to it), and the room's
    current gig so it stays chosen."""
    choices: list[tuple[str, str]] = []
    venue = market.venue_of(user=user)
    if venue is not None:
        for gig in market.upcoming_gigs_of_venue(venue=venue, limit=GIGS_OFFERED):
            choices.append((str(gig["id"]), f"{gig['title']} ({gig['date']})"))
    if current is not None and str(current.pk) not in {value for value, _ in choices}:
        choices.insert(0, (str(current.pk), f"{current.title} ({current.date})"))
    return choices


def _settings_schema(manifest: Any) -> dict[str, Any]:
    return room_services.settings_schema(manifest)


@login_required
def room_new(request: HttpRequest) -> HttpResponse:
    """``/rooms/new/``. POST with ``choose_app`` (no JavaScript) or with a settings form drawn
    for another app than the one chosen redraws the settings; ``settings-add`` adds a fieldset
    to a list of the settings; anything else creates the room through ``room_create``."""
    user = request_user(request)
    apps = _app_choices()
    gigs = _gig_choices(user)
    if request.method != "POST":
        app = _chosen_app(request.GET.get("app")) or _chosen_app(apps[0][0] if apps else None)
        form = RoomCreateForm(apps=apps, gigs=gigs, initial={"app": app.app_id if app else None})
        return _new_page(request, form, app, _new_settings(app))
    app = _chosen_app(request.POST.get("app"))
    drawn_for = request.POST.get("settings_app")
    add = request.POST.get(ADD)
    chose = "choose_app" in request.POST
    if chose or app is None or drawn_for != app.app_id:
        # The settings of the app now chosen, at their defaults; what was typed stays.
        form = RoomCreateForm(apps=apps, gigs=gigs, initial=request.POST.dict())
        settings = _new_settings(app)
        if settings is not None and app is not None and drawn_for and not chose:
            settings.add_error(
                None, f"These are {app.name}'s settings: check them, then create the room."
            )
        return _new_page(request, form, app, settings)
    if add:  # "Add another …": the same page, one fieldset more, no errors yet
        form = RoomCreateForm(apps=apps, gigs=gigs, initial=request.POST.dict())
        settings = SettingsForm(_settings_schema(app.manifest), data=request.POST, add=add)
        return _new_page(request, form, app, settings)
    form = RoomCreateForm(request.POST, apps=apps, gigs=gigs)
    settings = SettingsForm(_settings_schema(app.manifest), data=request.POST)
    if form.is_valid() and settings.is_valid():
        value = settings.settings()
        try:
            room = room_services.room_create(
                by=user, app=app, app_settings=value, **form.room_data()
            )
        except ApplicationError as error:
            _place_error(error, form, settings)
        else:
            messages.success(
                request,
                f"“{room.name}” is ready as a draft. Add prizes, then activate it when people "
                "may join.",
            )
            return redirect("room-manage", room_id=room.pk)
    return _new_page(request, form, app, settings, status=400)


def _new_settings(app: App | None) -> SettingsForm | None:
    return SettingsForm(_settings_schema(app.manifest)) if app is not None else None


def _new_page(
    request: HttpRequest,
    form: RoomCreateForm,
    app: App | None,
    settings: SettingsForm | None,
    *,
    status: int = 200,
) -> HttpResponse:
    if settings is not None:
        settings.describe()
    if "app" in form.fields:  # choosing another app redraws the settings part (htmx)
        form.fields["app"].widget.attrs.update(
            {
                "hx-get": reverse("room-new-settings"),
                "hx-target": "#room-settings",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )
    context = {
        "form": form,
        "app": app,
        "settings_form": settings,
        "summary": _summary(form, settings),
    }
    return render(request, "events/rooms/new.html", context, status=status)


@login_required
@require_safe
def room_new_settings(request: HttpRequest) -> HttpResponse:
    """The settings part of ``/rooms/new/`` for ``?app=<app id>`` (htmx swaps it in)."""
    app = _chosen_app(request.GET.get("app"))
    settings = _new_settings(app)
    if settings is not None:
        settings.describe()
    context = {"app": app, "settings_form": settings}
    return render(request, "events/rooms/_settings_part.html", context)


def _place_error(error: ApplicationError, form: Any, settings: SettingsForm | None) -> None:
    """A service's refusal next to what it is about: settings paths on the settings form
    (a settings refusal names nothing else), the room's fields on its form, anything else
    above the form."""
    details = error.details if isinstance(error.details, dict) else {}
    if settings is not None and any(str(key).startswith(PREFIX) for key in details):
        settings.apply_errors(details)
        settings.describe()
        return
    if error.code == "app_inactive" and "app" in form.fields:
        form.add_error("app", error.message)
        return
    add_application_error(form, error)


def _summary(form: Any, settings: SettingsForm | None) -> list[tuple[str, str, str]]:
    """Every problem of the page's two forms: ``(id to jump to, what, message)``."""
    found: list[tuple[str, str, str]] = []
    if form is not None and form.is_bound:
        for message in form.non_field_errors():
            found.append(("", "", str(message)))
        for field in form:
            for message in field.errors:
                suffix = "_0" if field.widget_type == "radioselect" else ""
                found.append((f"{field.auto_id}{suffix}", str(field.label), str(message)))
    if settings is not None:
        found += settings.summary()
    return found


# --- the manage page: the door ----------------------------------------------------------------


def _room_for(request: HttpRequest, room_id: int, action: str | None) -> Room:
    """The room if the visitor may read it (else 404) and may ``action`` in it (or, for the
    page itself, any of :data:`MANAGE_ACTIONS`); else 403."""
    try:
        room = selectors.room_get(room_id, request.user)
    except NotFoundError as error:
        raise Http404("No such room.") from error
    wanted = (action,) if action else MANAGE_ACTIONS
    if not any(policy.can(request.user, name, room) for name in wanted):
        raise PermissionDenied("Your role in this room does not allow this.")
    return room


def manage_door(
    action: str | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed in; the room by its read rule; then the role for ``action`` (or any manage
    right). The view gets the room."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def door(request: HttpRequest, room_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
            room = _room_for(request, room_id, action)
            return view(request, room, *args, **kwargs)

        return door

    return wrap


def _back(room: Room, part: str = "") -> HttpResponse:
    url = reverse("room-manage", args=[room.pk])
    return redirect(f"{url}#{part}" if part else url)


def _refused(request: HttpRequest, room: Room, error: ApplicationError, part: str) -> HttpResponse:
    messages.error(request, error.message)
    return _back(room, part)


# --- the manage page: what it shows -----------------------------------------------------------


def _rights(user: Any, room: Room) -> dict[str, bool]:
    return {
        "update": policy.can(user, policy.ROOM_UPDATE, room),
        "participants": policy.can(user, policy.PARTICIPANTS_MANAGE, room),
        "prizes": policy.can(user, policy.PRIZES_MANAGE, room),
        "draw": policy.can(user, policy.WINNERS_DRAW, room),
        "revoke": policy.can(user, policy.WINNERS_REVOKE, room),
    }


def _edit_forms(
    request: HttpRequest, room: Room, data: Any = None
) -> tuple[RoomEditForm, SettingsForm]:
    user = request_user(request)
    initial = {
        "name": room.name,
        "description": room.description,
        "visibility": PUBLIC if room.is_public else PRIVATE,
        "gig": str(room.gig_id) if room.gig_id else "",
    }
    gigs = _gig_choices(user, room.gig if room.gig_id else None)
    form = RoomEditForm(data, gigs=gigs, initial=initial)
    schema = _settings_schema(room.app_manifest_version.manifest)
    value = selectors.room_settings_for(user, room)
    add = data.get(ADD) if data is not None else None
    settings = SettingsForm(schema, value=value, data=data, add=add)
    return form, settings


def _manage_context(request: HttpRequest, room: Room, **overrides: Any) -> dict[str, Any]:
    user = request_user(request)
    can = _rights(user, room)
    context: dict[str, Any] = {"room": room, "can": can}
    if can["update"]:
        if "edit_form" not in overrides:
            overrides["edit_form"], overrides["settings_form"] = _edit_forms(request, room)
        overrides["settings_form"].describe()
        context["transitions"] = [
            {"to": to, "label": TRANSITION_TEXT[to][0], "confirm": TRANSITION_TEXT[to][1]}
            for to in (RoomStatus.ACTIVE, RoomStatus.COMPLETED, RoomStatus.CANCELLED)
            if to in room_services.TRANSITIONS[room.status]
        ]
        over = room.status not in (RoomStatus.DRAFT, RoomStatus.ACTIVE)
        targets = [] if over else selectors.upgrade_targets(room)
        context["upgrade_form"] = UpgradeForm(versions=[v.version for v in targets])
        context["upgrade_targets"] = targets
    prizes = list(members.prizes_of(room))
    context["prizes"] = [
        {
            "prize": prize,
            "form": overrides.pop(f"prize_form_{prize.pk}", None) or _prize_form(prize),
        }
        for prize in prizes
    ]
    context["new_prize_form"] = PrizeForm(prefix="prize-new")
    context.update(_participants_context(request, room, can))
    context.update(_winners_context(room, can, prizes))
    context["summary"] = _summary(overrides.get("edit_form"), overrides.get("settings_form"))
    context.update(overrides)
    return context


def _prize_form(prize: Any) -> PrizeForm:
    return PrizeForm(
        prefix=f"prize-{prize.pk}",
        initial={"name": prize.name, "quantity": prize.quantity, "description": prize.description},
    )


def _participants_context(request: HttpRequest, room: Room, can: dict[str, bool]) -> dict[str, Any]:
    everything = can["participants"]
    rows = members.participants_of(room, everything=everything, status=ParticipantStatus.ACTIVE)
    page = parse_page_number(request.GET.get("participants"))
    shown, has_next = page_without_count(rows, page=page, size=PARTICIPANTS_PAGE_SIZE)
    pending: list[Participant] = []
    if everything:
        pending = list(
            members.participants_of(
                room, everything=True, status=ParticipantStatus.PENDING_APPROVAL
            )[: PENDING_SHOWN + 1]
        )
    protected = not can["update"]  # a moderator never changes an organizer's or admin's row
    return {
        "participants": [
            {
                "participant": row,
                "is_me": row.user_id == request.user.pk,
                "editable": can["participants"]
                and not (protected and row.role in (Role.ORGANIZER, Role.ADMIN)),
                "role_form": ParticipantRoleForm(prefix=f"participant-{row.pk}", current=row.role),
            }
            for row in shown
        ],
        "participants_page": page,
        "participants_has_next": has_next,
        "pending": pending[:PENDING_SHOWN],
        "pending_more": len(pending) > PENDING_SHOWN,
    }


def _winners_context(room: Room, can: dict[str, bool], prizes: list[Any]) -> dict[str, Any]:
    winners = list(members.winners_of(room).order_by("-created_at", "-id")[: WINNERS_SHOWN + 1])
    context: dict[str, Any] = {
        "winners": winners[:WINNERS_SHOWN],
        "winners_more": len(winners) > WINNERS_SHOWN,
    }
    if can["draw"] and prizes:
        context["pick_form"] = _pick_form(room, prizes)
    return context


def _pick_form(room: Room, prizes: list[Any], data: Any = None) -> WinnerPickForm:
    prize_choices = [
        (str(p.pk), f"{p.name} ({p.quantity_remaining} of {p.quantity} left)") for p in prizes
    ]
    eligible = list(
        members.participants_of(room, everything=False, role=Role.PARTICIPANT)[: PICK_LIST_MAX + 1]
    )
    listed = None
    if len(eligible) <= PICK_LIST_MAX:
        listed = [(str(p.pk), f"{p.user.get_short_name()} (#{p.pk})") for p in eligible]
    return WinnerPickForm(data, prizes=prize_choices, participants=listed, prefix="pick")


def _manage_page(
    request: HttpRequest, room: Room, *, status: int = 200, **overrides: Any
) -> HttpResponse:
    context = _manage_context(request, room, **overrides)
    return render(request, "events/rooms/manage.html", context, status=status)


# --- the manage page: the room ------------------------------------------------------------------


@manage_door()
def room_manage(request: HttpRequest, room: Room) -> HttpResponse:
    """``/rooms/<id>/manage/``; POST saves the room's fields and settings (``room_update``)."""
    if request.method != "POST":
        return _manage_page(request, room)
    if not policy.can(request.user, policy.ROOM_UPDATE, room):
        raise PermissionDenied("Only the room's organizer can change it.")
    form, settings = _edit_forms(request, room, request.POST)
    if request.POST.get(ADD):  # "Add another …": the form again, one fieldset more
        form = RoomEditForm(
            gigs=_gig_choices(request_user(request), room.gig if room.gig_id else None),
            initial=request.POST.dict(),
        )
        return _manage_page(request, room, edit_form=form, settings_form=settings)
    if form.is_valid() and settings.is_valid():
        value = settings.settings()
        try:
            room_services.room_update(
                room=room, by=request_user(request), app_settings=value, **form.room_data()
            )
        except ApplicationError as error:
            _place_error(error, form, settings)
        else:
            messages.success(request, "Saved.")
            return _back(room, "room")
    return _manage_page(request, room, status=400, edit_form=form, settings_form=settings)


@manage_door(policy.ROOM_UPDATE)
@require_POST
def room_transition(request: HttpRequest, room: Room) -> HttpResponse:
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what should happen to the room.")
        return _back(room, "status")
    to = form.cleaned_data["to"]
    try:
        room_services.room_set_status(room=room, by=request_user(request), status=to)
    except ApplicationError as error:
        return _refused(request, room, error, "status")
    messages.success(request, TRANSITION_TEXT[to][2])
    return _back(room, "status")


@manage_door(policy.ROOM_UPDATE)
@require_POST
def room_delete(request: HttpRequest, room: Room) -> HttpResponse:
    try:
        room_services.room_delete(room=room, by=request_user(request))
    except ApplicationError as error:
        return _refused(request, room, error, "delete")
    messages.success(request, f"“{room.name}” is deleted.")
    return redirect("rooms")


@manage_door(policy.ROOM_UPDATE)
@require_POST
def room_upgrade(request: HttpRequest, room: Room) -> HttpResponse:
    """Move the room to a newer manifest version: automatic when its settings fit; else the
    service's ``409 migration_required`` becomes a form of exactly the settings it names
    (their top-level properties, drawn from the target's schema with the errors next to
    them), sent back as ``migration_data`` (a merge patch) with the same version."""
    user = request_user(request)
    targets = {v.version: v for v in selectors.upgrade_targets(room)}
    form = UpgradeForm(request.POST, versions=list(targets))
    if not form.is_valid():
        messages.error(request, "Choose a newer version of the app.")
        return _back(room, "version")
    version = AppManifestVersion.objects.filter(
        app_id=room.app_id, version=form.cleaned_data["target_version"]
    ).first()
    if version is None:  # pragma: no cover - versions are never deleted
        raise Http404("No such version.")
    schema = _settings_schema(version.manifest)
    current = {**room_services.settings_defaults(schema), **(room.app_settings or {})}
    asked = _known_properties(schema, request.POST.getlist("fields"))
    migration_data = None
    settings: SettingsForm | None = None
    if asked:
        settings = SettingsForm(schema, value=current, data=request.POST, only=asked)
        if not settings.is_valid():
            return _upgrade_page(request, room, version, settings, asked)
        migration_data = merge_patch_for(current, settings.settings())
    try:
        result = room_services.room_upgrade_manifest(
            room=room, by=user, target_version=version.version, migration_data=migration_data
        )
    except ApplicationError as error:
        if error.code != "migration_required":
            return _refused(request, room, error, "version")
        problems = error.details.get("fields") or {}
        more = _known_properties(schema, [_top(path) for path in problems])
        shown = settings.settings() if settings is not None else current
        settings = SettingsForm(
            schema,
            value={**current, **shown},
            only=sorted(set(asked) | set(more)) or None,
        )
        settings.settings()
        settings.apply_errors(problems)
        return _upgrade_page(request, room, version, settings, sorted(set(asked) | set(more)))
    messages.success(
        request,
        f"The room moved from version {result['old_version']} to {result['new_version']} "
        f"({result['strategy']}).",
    )
    return _back(room, "version")


def _top(path: str) -> str:
    """``settings.questions[0].text`` → ``questions``."""
    rest = str(path).removeprefix(f"{PREFIX}.")
    for separator in (".", "["):
        rest = rest.split(separator, 1)[0]
    return rest


def _known_properties(schema: dict[str, Any], names: list[str]) -> list[str]:
    properties = schema.get("properties")
    known = properties if isinstance(properties, dict) else {}
    return sorted({name for name in names if name in known})


def _upgrade_page(
    request: HttpRequest,
    room: Room,
    version: AppManifestVersion,
    settings: SettingsForm,
    asked: list[str],
) -> HttpResponse:
    settings.describe()
    context = {
        "room": room,
        "version": version,
        "settings_form": settings,
        "asked": asked,
        "summary": settings.summary(),
    }
    return render(request, "events/rooms/upgrade.html", context, status=409)


# --- the manage page: prizes ------------------------------------------------------------------


@manage_door(policy.PRIZES_MANAGE)
@require_POST
def prize_add(request: HttpRequest, room: Room) -> HttpResponse:
    form = PrizeForm(request.POST, prefix="prize-new")
    if form.is_valid():
        data = form.cleaned_data
        try:
            prize = prize_services.prize_create(
                room=room,
                by=request_user(request),
                name=data["name"],
                quantity=data["quantity"],
                description=data["description"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, f"Prize “{prize.name}” added.")
            return _back(room, "prizes")
    return _manage_page(request, room, status=400, new_prize_form=form)


@manage_door(policy.PRIZES_MANAGE)
@require_POST
def prize_edit(request: HttpRequest, room: Room, prize_id: int) -> HttpResponse:
    try:
        prize = members.prize_of(room, prize_id)
    except NotFoundError as error:
        return _refused(request, room, error, "prizes")
    form = PrizeForm(request.POST, prefix=f"prize-{prize.pk}")
    if form.is_valid():
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if value != getattr(prize, name)
        }
        try:
            prize_services.prize_update(
                room=room, by=request_user(request), prize_id=prize.pk, **changes
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, f"Prize “{form.cleaned_data['name']}” saved.")
            return _back(room, f"prize-{prize.pk}")
    return _manage_page(request, room, status=400, **{f"prize_form_{prize.pk}": form})


@manage_door(policy.PRIZES_MANAGE)
@require_POST
def prize_delete(request: HttpRequest, room: Room, prize_id: int) -> HttpResponse:
    try:
        soft = prize_services.prize_delete(room=room, by=request_user(request), prize_id=prize_id)
    except ApplicationError as error:
        return _refused(request, room, error, "prizes")
    messages.success(
        request,
        "Prize deleted (its winners stay on record)." if soft else "Prize deleted.",
    )
    return _back(room, "prizes")


# --- the manage page: participants ------------------------------------------------------------


@manage_door(policy.PARTICIPANTS_MANAGE)
@require_POST
def participant_role(request: HttpRequest, room: Room, participant_id: int) -> HttpResponse:
    form = ParticipantRoleForm(request.POST, prefix=f"participant-{participant_id}")
    if not form.is_valid():
        messages.error(request, "Choose a moderator, participant or viewer role.")
        return _back(room, "participants")
    try:
        row = participant_services.participant_update(
            room=room,
            by=request_user(request),
            participant_id=participant_id,
            role=form.cleaned_data["role"],
        )
    except ApplicationError as error:
        return _refused(request, room, error, "participants")
    messages.success(request, f"{row.user.get_short_name()} is now {Role(row.role).label.lower()}.")
    return _back(room, "participants")


@manage_door(policy.PARTICIPANTS_MANAGE)
@require_POST
def participant_approve(request: HttpRequest, room: Room, participant_id: int) -> HttpResponse:
    try:
        row = participant_services.participant_approve(
            room=room, by=request_user(request), participant_id=participant_id
        )
    except ApplicationError as error:
        return _refused(request, room, error, "participants")
    messages.success(request, f"{row.user.get_short_name()} is in.")
    return _back(room, "participants")


@manage_door(policy.PARTICIPANTS_MANAGE)
@require_POST
def participant_remove(request: HttpRequest, room: Room, participant_id: int) -> HttpResponse:
    try:
        row = participant_services.participant_remove(
            room=room, by=request_user(request), participant_id=participant_id
        )
    except ApplicationError as error:
        return _refused(request, room, error, "participants")
    messages.success(request, f"{row.user.get_short_name()} was removed from the room.")
    return _back(room, "participants")


# --- the manage page: winners -----------------------------------------------------------------


@manage_door(policy.WINNERS_DRAW)
@require_POST
def winner_pick(request: HttpRequest, room: Room) -> HttpResponse:
    prizes = list(members.prizes_of(room))
    form = _pick_form(room, prizes, request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a prize and a participant.")
        return _back(room, "winners")
    try:
        winner = winner_services.winner_pick(
            room=room,
            by=request_user(request),
            prize_id=form.cleaned_data["prize"],
            participant_id=form.cleaned_data["participant"],
        )
    except ApplicationError as error:
        return _refused(request, room, error, "winners")
    messages.success(
        request,
        f"{winner.participant.user.get_short_name()} wins “{winner.prize.name}”.",
    )
    return _back(room, "winners")


@manage_door(policy.WINNERS_REVOKE)
@require_POST
def winner_revoke(request: HttpRequest, room: Room, winner_id: int) -> HttpResponse:
    try:
        winner_services.winner_revoke(room=room, winner_id=winner_id, by=request_user(request))
    except ApplicationError as error:
        return _refused(request, room, error, "winners")
    messages.success(request, "The win is revoked; its unit is back with the prize.")
    return _back(room, "winners")
