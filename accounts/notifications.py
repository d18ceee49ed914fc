"""In-app notifications and their emails: the one service every domain calls.

``accounts`` is the lowest app and knows no domain. A domain registers the *kinds* it sends in
its ``AppConfig.ready()`` and calls :func:`notify` from its services, inside their transaction::

    # marketplace/apps.py
    from accounts.notifications import register_kind
    register_kind("gig.cancelled", "A gig you applied to or were booked for is cancelled")

    # marketplace/services/gigs.py
    from accounts.notifications import notify
    notify(application.artist.user, verb="gig.cancelled", target_url=f"/gigs/{gig.pk}/",
           text=f"{gig.venue.name} cancelled “{gig.title}” on {gig.date:%d %b}.")

- The row is written in the caller's transaction: rolled back with it.
- If the user's preference for the kind says email (no row: the kind's ``email_default``), a
  Celery task is enqueued *after commit* (``umbrella.tasks.enqueue_on_commit``); the task checks
  again when it runs (account active, not deleted, email verified, preference still on) and
  sends through Django's email backend (anymail in production), at most once.
- An unknown verb or a target that is not a path on this site is a programming error:
  ``ValueError``. Text is made one line and cut to 280 characters.
- An anonymised (soft-deleted) account gets nothing: the notification is checked and returned
  unsaved (``pk`` is ``None``).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    NOTIFICATION_TEXT_MAX_LENGTH,
    NOTIFICATION_VERB_MAX_LENGTH,
    Notification,
    NotificationPreference,
    User,
)
from umbrella import text as text_rules
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.tasks import enqueue_on_commit

# "gig.cancelled", "application.accepted": lower-case words joined by dots, at least two.
VERB_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
MARK_READ_MAX_IDS = 100


# --- the registry of kinds ---------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of notification: its verb, the label the preferences page shows, and whether it
    is emailed to users who have not chosen."""

    verb: str
    label: str
    email_default: bool = True


_kinds: dict[str, Kind] = {}


def register_kind(verb: str, label: str, *, email_default: bool = True) -> Kind:
    """Declare a kind (call from ``AppConfig.ready()``); registering it again replaces it."""
    if len(verb) > NOTIFICATION_VERB_MAX_LENGTH or not VERB_PATTERN.fullmatch(verb):
        raise ValueError(f"Notification verb {verb!r} must look like 'gig.cancelled'.")
    if not label.strip():
        raise ValueError(f"Notification kind {verb!r} needs a label.")
    kind = Kind(verb=verb, label=label.strip(), email_default=email_default)
    _kinds[verb] = kind
    return kind


def unregister_kind(verb: str) -> None:
    """For tests."""
    _kinds.pop(verb, None)


def kinds() -> list[Kind]:
    """Every registered kind, in registration order (lowest app first)."""
    return list(_kinds.values())


def kind_of(verb: str) -> Kind:
    try:
        return _kinds[verb]
    except KeyError:
        raise ValueError(
            f"Unknown notification verb {verb!r}: register it with "
            "accounts.notifications.register_kind in the sending app's AppConfig.ready()."
        ) from None


# --- services ----------------------------------------------------------------------------------


def notify(user: User, *, verb: str, target_url: str, text: str) -> Notification:
    """Tell ``user`` that something happened: an in-app notification, and an email after commit
    when the user's preference for ``verb`` says so. Call it inside the service's transaction."""
    kind = kind_of(verb)
    line = text_rules.single_line(text)
    if not line:
        raise ValueError("A notification needs a text.")
    if len(line) > NOTIFICATION_TEXT_MAX_LENGTH:
        line = line[: NOTIFICATION_TEXT_MAX_LENGTH - 1].rstrip() + "…"
    notification = Notification(user=user, verb=verb, target_url=target_url, text=line)
    try:
        notification.full_clean(exclude=["user"])
    except ValidationError as error:
        raise ValueError(f"Bad notification for {verb}: {error.message_dict}") from error
    if user.deleted_at is not None:
        return notification  # an anonymised account keeps nothing: checked, never saved
    notification.save()
    if _wants_email(user, kind):
        from accounts.tasks import send_notification_email_task

        enqueue_on_commit(send_notification_email_task, notification_id=notification.pk)
    return notification


def _wants_email(user: User, kind: Kind) -> bool:
    if not user.is_active or user.deleted_at is not None:
        return False
    chosen = (
        NotificationPreference.objects.filter(user=user, verb=kind.verb)
        .values_list("email", flat=True)
        .first()
    )
    return kind.email_default if chosen is None else chosen


@transaction.atomic
def notifications_mark_read(
    *, user: User, ids: Iterable[int] | None = None, everything: bool = False
) -> int:
    """Mark the user's notifications read: ``ids``, or ``everything``. Idempotent (a read one
    keeps its first ``read_at``). An id that is not the user's: 404 and nothing changes.
    Returns how many became read."""
    own = Notification.objects.filter(user=user)
    now = timezone.now()
    if everything:
        return own.filter(read_at__isnull=True).update(read_at=now)
    wanted = set(ids or ())
    if not wanted:
        raise ApplicationError(
            "validation_error",
            "Name the notifications to mark read, or all of them.",
            details={"ids": ["Give at least one id, or all: true."]},
        )
    if len(wanted) > MARK_READ_MAX_IDS:
        raise ApplicationError(
            "validation_error",
            f"At most {MARK_READ_MAX_IDS} ids at once.",
            details={"ids": [f"Ensure this field has no more than {MARK_READ_MAX_IDS} elements."]},
        )
    found = set(own.filter(pk__in=wanted).values_list("pk", flat=True))
    if found != wanted:
        raise NotFoundError("not_found", "No such notification.")
    return own.filter(pk__in=wanted, read_at__isnull=True).update(read_at=now)


@transaction.atomic
def notification_preferences_set(*, user: User, email: Mapping[str, bool]) -> None:
    """Email on or off per kind (verb -> bool). Every verb is checked before anything is saved;
    an unknown one is ``400 validation_error``."""
    unknown = sorted(verb for verb in email if verb not in _kinds)
    if unknown:
        raise ApplicationError(
            "validation_error",
            f"Unknown notification kind {unknown[0]!r}.",
            details={"preferences": [f"Unknown notification kind {verb!r}." for verb in unknown]},
        )
    for verb, on in email.items():
        NotificationPreference.objects.update_or_create(
            user=user, verb=verb, defaults={"email": bool(on)}
        )


def notification_email_send(*, notification_id: int) -> bool:
    """Send the email of one notification, at most once (the Celery task calls this). Skipped
    when the account is inactive or deleted, its address is not verified, or the user turned
    the kind's email off since. Returns whether it was sent."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False  # already sent (a retried task), or the row is gone
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    user = notification.user
    kind = _kinds.get(notification.verb)
    if (
        kind is None
        or not _wants_email(user, kind)
        or not EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists()
    ):
        return False
    message = _email_message(notification, kind)
    try:
        message.send()
    except Exception:
        # Let a retry send it: the claim is given back.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def _email_message(notification: Notification, kind: Kind) -> EmailMessage:
    preferences_url = settings.SITE_URL + reverse("notification_preferences")
    context = {
        "notification": notification,
        "kind": kind,
        "user": notification.user,
        "site_name": settings.SITE_NAME,
        "target_url": settings.SITE_URL + notification.target_url,
        "preferences_url": preferences_url,
    }
    subject = render_to_string("accounts/email/notification_subject.txt", context)
    body = render_to_string("accounts/email/notification_message.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.user.email],
        headers={"List-Unsubscribe": f"<{preferences_url}>"},
    )


# --- reads -------------------------------------------------------------------------------------


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (paginate with a cursor)."""
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def unread_count(*, user: User, cap: int | None = None) -> int:
    """How many unread notifications the user has: one COUNT over the partial unread index.
    With ``cap``, counting stops there (the bell shows "99+")."""
    rows = Notification.objects.filter(Q(user=user) & Q(read_at__isnull=True))
    if cap is not None:
        return rows.order_by()[:cap].count()
    return rows.count()


@dataclass(frozen=True)
class Preference:
    verb: str
    label: str
    email: bool
    email_default: bool


def notification_preferences(*, user: User) -> list[Preference]:
    """Every registered kind with the user's email choice (or its default): one query."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("verb", "email"))
    return [
        Preference(
            verb=kind.verb,
            label=kind.label,
            email=chosen.get(kind.verb, kind.email_default),
            email_default=kind.email_default,
        )
        for kind in _kinds.values()
    ]


def label_of(verb: str) -> str:
    """The kind's label, or the verb itself for a kind no longer registered."""
    kind = _kinds.get(verb)
    return kind.label if kind else verb
