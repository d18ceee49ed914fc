"""What the app platform tells people, and where the link goes: the kinds it registers with
``accounts.notifications`` and one small function per kind, called by the services inside their
transaction (``notify`` writes the row there; the email goes after commit).

"Owner and staff" means the app's owner and every active staff account. Links go to the
developer console (``/developers/apps/<app_id>/…``, the owner's pages), the staff
webhook-health page (``/staff/webhooks/``), or a room's pages (the live room page and a draw's
verification page, reversed from their URL names: events' own). The paths are written here and
nowhere else.
"""

from collections.abc import Iterable

from django.urls import reverse

from accounts.models import User
from accounts.notifications import notify, register_kind
from events.models import App, Participant, ParticipantStatus, Role, Room

KINDS: tuple[tuple[str, str, bool], ...] = (
    ("app.version_deprecated", "A version of an app one of your rooms uses is deprecated", True),
    ("app.webhook_disabled", "Your app's webhook answered 410 Gone and was disabled", True),
    ("app.dead_letter", "A webhook message to your app failed every attempt", True),
    ("app.breaker_opened", "Calls to your app's webhook are paused after repeated failures", True),
    ("app.health_failing", "Your app's health check failed three times in a row", True),
    ("app.alert", "Your app's webhooks are failing or slow", True),
    ("room.draw_fallback", "A draw in your room fell back to the platform's verifiable draw", True),
    ("room.participant_pending", "Someone asks to join a room you organize", True),
)


def register_kinds() -> None:
    for verb, label, email in KINDS:
        register_kind(verb, label, email_default=email)


def console_path(app: App, page: str = "") -> str:
    """``/developers/apps/<app_id>/`` and its sub-pages (``deliveries/``, ``dead-letters/``…)."""
    return f"/developers/apps/{app.app_id}/{page}"


STAFF_HEALTH_PATH = "/staff/webhooks/"


def _staff() -> Iterable[User]:
    return User.objects.filter(is_staff=True, is_active=True, deleted_at__isnull=True)


def _owner_and_staff(app: App, *, verb: str, page: str, text: str) -> None:
    notify(app.owner, verb=verb, target_url=console_path(app, page), text=text)
    for user in _staff():
        if user.pk != app.owner_id:
            notify(user, verb=verb, target_url=STAFF_HEALTH_PATH, text=text)


def version_deprecated(organizers: Iterable[User], *, app: App, version: str) -> None:
    """Organizers of draft or active rooms still on ``version`` (rooms: the next issue)."""
    for user in organizers:
        notify(
            user,
            verb="app.version_deprecated",
            target_url=console_path(app),
            text=f"{app.name} {version}, used by one of your rooms, is deprecated: "
            "upgrade the room to a newer version.",
        )


def webhook_disabled(app: App, *, capability: str) -> None:
    notify(
        app.owner,
        verb="app.webhook_disabled",
        target_url=console_path(app),
        text=f"{app.name}: the {capability} webhook answered 410 Gone, so it is disabled. "
        "Re-enable it in the developer console once it works again.",
    )


def dead_letter(app: App, *, capability: str, event: str) -> None:
    _owner_and_staff(
        app,
        verb="app.dead_letter",
        page="dead-letters/",
        text=f"{app.name}: a {capability} message ({event}) failed every attempt. "
        "Inspect and replay it from the dead letters.",
    )


def breaker_opened(app: App, *, capability: str) -> None:
    _owner_and_staff(
        app,
        verb="app.breaker_opened",
        page="deliveries/",
        text=f"{app.name}: {capability} failed 5 times in a row; calls are paused for 60 s "
        "and the platform's fallback runs meanwhile.",
    )


def health_failing(app: App) -> None:
    notify(
        app.owner,
        verb="app.health_failing",
        target_url=console_path(app),
        text=f"{app.name}: GET {app.manifest.get('base_url', '')}/health failed three times "
        "in a row.",
    )


def alert(app: App, *, text: str) -> None:
    """One alert of SPEC-events §4 (success rate, p95, dead letters), sent once per incident."""
    _owner_and_staff(app, verb="app.alert", page="", text=f"{app.name}: {text}")


def draw_verify_path(room_id: int, number: int) -> str:
    """The public verification page of draw ``number`` of a room (events/draws_urls.py)."""
    return reverse("draw-verify", kwargs={"room_id": room_id, "number": number})


def draw_fallback(
    organizers: Iterable[User], *, room: Room, reasons: list[str], numbers: list[int]
) -> None:
    """The organizers of ``room``: the app did not pick the winners of draws ``numbers``
    (failure, timeout, invalid answer, open breaker), so the platform drew them."""
    why = reasons[0] if reasons else "the app did not answer"
    drawn = ", ".join(f"#{n}" for n in numbers)
    for user in organizers:
        notify(
            user,
            verb="room.draw_fallback",
            target_url=draw_verify_path(room.pk, numbers[0]),
            text=f"{room.name}: {room.app.name} did not pick the winners of draw {drawn} "
            f"({why}), so the platform's verifiable draw did.",
        )


def room_path(room: Room) -> str:
    """The live room page (events/room_live_urls.py; its organizer controls list who awaits
    approval)."""
    return reverse("room-live", kwargs={"room_id": room.pk})


def participant_pending(*, room: Room, participant: Participant) -> None:
    """The room's organizers (and admins): someone was admitted as ``pending_approval`` because
    the app's ``participant_registration`` webhook did not answer (SPEC-events §4 fallback)."""
    organizers = User.objects.filter(
        is_active=True,
        room_memberships__room=room,
        room_memberships__role__in=(Role.ORGANIZER, Role.ADMIN),
        room_memberships__status=ParticipantStatus.ACTIVE,
        room_memberships__deleted_at__isnull=True,
    )
    name = participant.user.get_short_name()
    for user in organizers:
        notify(
            user,
            verb="room.participant_pending",
            target_url=room_path(room),
            text=f"{name} asks to join “{room.name}”: the app could not confirm them, "
            "so they wait for your approval.",
        )
