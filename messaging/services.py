"""Every write of messaging, one function per state change (docs/messaging.md).

- :func:`conversation_open`: the one conversation of a pair, made once even when both sides
  open it at the same moment (the unique pair decides; the loser reads the winner's row).
- :func:`message_send`: rate-limited, trimmed, 1-2000 characters, refused while either side
  blocks the other; under the conversation's row lock, so a conversation's messages commit in
  id order (what lets a reconnecting client catch up by id without gaps).
- :func:`conversation_mark_read`: read receipts and unread counters.
- :func:`user_block` / :func:`user_unblock`, :func:`report_create`, :func:`report_close`.
- :func:`digests_send`: the email digest of unread messages to people who are offline.

Live events are published after commit (:mod:`messaging.live`); a failed publish never fails
the write (clients catch up by id when they reconnect).
"""

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import NotificationPreference, Role, User
from accounts.permissions import OnboardingRequired
from messaging import live
from messaging.models import (
    MESSAGE_MAX_LENGTH,
    PREVIEW_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    Block,
    Conversation,
    Membership,
    Message,
    Report,
    ReportStatus,
)
from umbrella import text
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.throttling import window_count

logger = logging.getLogger(__name__)

DIGEST_VERB = "message.digest"
DIGEST_MESSAGES_SHOWN = 10
MESSAGEABLE_ROLES = frozenset({Role.ARTIST, Role.VENUE})
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _validation(field: str, message: str) -> ApplicationError:
    return ApplicationError("validation_error", message, details={field: [message]}, field=field)


def send_rate() -> tuple[int, int]:
    """``MESSAGING_SEND_RATE`` ("30/min") as (messages, seconds)."""
    count, _, period = settings.MESSAGING_SEND_RATE.partition("/")
    return int(count), _PERIODS[period.strip()[:1].lower()]


def _require_onboarded(user: User) -> None:
    if not user.onboarding_complete:
        raise ApplicationError("onboarding_required", OnboardingRequired.default_detail, status=403)


def _require_not_blocked(user_id: int, other_id: int) -> None:
    block = (
        Block.objects.filter(
            Q(blocker_id=user_id, blocked_id=other_id) | Q(blocker_id=other_id, blocked_id=user_id)
        )
        .values_list("blocker_id", flat=True)
        .first()
    )
    if block is None:
        return
    if block == user_id:
        message = "You blocked this person. Unblock them to send messages."
    else:
        message = "This person is not accepting messages from you."
    raise ApplicationError("blocked", message, status=403)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _reachable(user_id: int) -> User:
    other = User.objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if other is None:
        raise NotFoundError("not_found", "No such person.")
    return other


# --- conversations ------------------------------------------------------------------------------


def conversation_open(*, user: User, other_id: int) -> tuple[Conversation, bool]:
    """The conversation between ``user`` and ``other_id``, created if missing (then ``True``).

    An existing conversation is always returned (blocked or not: its history stays readable).
    A new one needs an onboarded user, another active person who is an onboarded artist or
    venue, and no block either way. Two concurrent opens of one pair make one row: the insert
    runs in a savepoint and the unique pair refuses the second, which then reads the first.
    """
    _require_onboarded(user)
    if other_id == user.pk:
        raise _validation("user_id", "You cannot message yourself.")
    low, high = _pair(user.pk, other_id)
    existing = Conversation.objects.filter(user_low_id=low, user_high_id=high).first()
    if existing is not None:
        return existing, False
    other = _reachable(other_id)
    if not other.onboarding_complete or other.role not in MESSAGEABLE_ROLES:
        raise ApplicationError(
            "not_messageable", "You can start a conversation with artists and venues.", status=403
        )
    _require_not_blocked(user.pk, other.pk)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(user_low_id=low, user_high_id=high)
            Membership.objects.bulk_create(
                [
                    Membership(
                        conversation=conversation,
                        user_id=me,
                        other_id=them,
                        last_message_at=conversation.created_at,
                    )
                    for me, them in ((low, high), (high, low))
                ]
            )
    except IntegrityError:
        return Conversation.objects.get(user_low_id=low, user_high_id=high), False
    return conversation, True


def _lock_own(user: User, conversation_id: int) -> Conversation:
    conversation = (
        Conversation.objects.select_for_update()
        .filter(Q(user_low=user) | Q(user_high=user), pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFoundError("not_found", "No such conversation.")
    return conversation


def clean_content(content: Any) -> str:
    """A message's text as stored: free text (NFC, hidden characters removed), trimmed,
    1-2000 characters; ``validation_error`` on ``content`` otherwise."""
    if not isinstance(content, str):
        raise _validation("content", "Write a message.")
    clean = text.free_text(content)
    if not "".join(c for c in clean if c not in text.FREE_TEXT_FORMAT_KEEP).strip():
        raise _validation("content", "Write a message.")  # empty, or only invisible marks
    if len(clean) > MESSAGE_MAX_LENGTH:
        raise _validation(
            "content",
            f"Keep a message to {MESSAGE_MAX_LENGTH} characters (this one has {len(clean)}).",
        )
    return clean


def _count_send(user: User) -> None:
    allowed, seconds = send_rate()
    count = window_count(f"messaging-send:{user.pk}", seconds)
    if count > allowed:
        wait = max(int(seconds - time.time() % seconds + 0.999), 1)
        raise ApplicationError(
            "throttled",
            f"You are sending messages too fast. Try again in {wait} seconds.",
            details={"retry_after_seconds": wait},
            status=429,
            field="content",
        )


def message_send(*, user: User, conversation_id: int, content: Any) -> Message:
    """Send a message in one of the user's conversations (see the module's docstring)."""
    clean = clean_content(content)
    _count_send(user)
    with transaction.atomic():
        conversation = _lock_own(user, conversation_id)
        other_id = conversation.other_id(user.pk)
        _require_not_blocked(user.pk, other_id)
        if not User.objects.filter(pk=other_id, is_active=True, deleted_at__isnull=True).exists():
            raise ApplicationError(
                "recipient_unavailable", "This account is no longer active.", status=409
            )
        message = Message.objects.create(conversation=conversation, sender=user, content=clean)
        now = message.created_at
        conversation.last_message_at = now
        conversation.last_message_id = message.pk
        conversation.last_message_sender_id = user.pk
        conversation.last_message_preview = text.single_line(clean)[:PREVIEW_LENGTH]
        conversation.save(
            update_fields=[
                "last_message_at",
                "last_message_id",
                "last_message_sender_id",
                "last_message_preview",
            ]
        )
        Membership.objects.filter(conversation=conversation, user_id=other_id).update(
            last_message_at=now,
            unread_count=F("unread_count") + 1,
            unread_since=Coalesce(F("unread_since"), now),
        )
        Membership.objects.filter(conversation=conversation, user_id=user.pk).update(
            last_message_at=now
        )
        # Replying means the sender has read what came before.
        _mark_read(user, conversation, up_to=None, now=now)
        transaction.on_commit(lambda: live.message_created(message.pk))
    return message


def _mark_read(user: User, conversation: Conversation, *, up_to: int | None, now: datetime) -> int:
    # Everything up to the side's last read id is read (this function keeps it so, under the
    # conversation's lock): look only above it, not through the whole conversation.
    last_read = Membership.objects.filter(conversation=conversation, user=user).values(
        "last_read_id"
    )[:1]
    unread = Message.objects.filter(
        conversation=conversation, read_at__isnull=True, pk__gt=Subquery(last_read)
    ).exclude(sender=user)
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    marked = unread.update(read_at=now)
    last = conversation.last_message_id or 0
    through = last if up_to is None else min(up_to, last)
    left = Message.objects.filter(
        conversation=conversation, read_at__isnull=True, pk__gt=through
    ).exclude(sender=user)
    first_left = left.order_by("pk").values_list("created_at", flat=True).first()
    remaining = left.count() if first_left is not None else 0
    Membership.objects.filter(conversation=conversation, user=user).update(
        unread_count=remaining,
        unread_since=first_left,
        last_read_id=Greatest(F("last_read_id"), through),
    )
    if marked:
        transaction.on_commit(
            lambda: live.messages_read(
                conversation_id=conversation.pk, reader_id=user.pk, up_to=through, read_at=now
            )
        )
    transaction.on_commit(lambda: live.unread_changed(user_ids=[user.pk]))
    return marked


@transaction.atomic
def conversation_mark_read(*, user: User, conversation_id: int, up_to: int | None = None) -> int:
    """Mark the other side's messages read, all of them or those up to id ``up_to``.
    Idempotent; returns how many became read. Not yours: 404."""
    if up_to is not None and (not isinstance(up_to, int) or up_to < 1):
        raise _validation("up_to", "A message id (a whole number from 1).")
    conversation = _lock_own(user, conversation_id)
    return _mark_read(user, conversation, up_to=up_to, now=timezone.now())


# --- blocks ---------------------------------------------------------------------------------------


def user_block(*, user: User, other_id: int) -> Block:
    """Block a person: no new conversation and no message between you, either way, until you
    unblock them. Blocking again changes nothing."""
    if other_id == user.pk:
        raise _validation("user_id", "You cannot block yourself.")
    other = User.objects.filter(pk=other_id).first()
    if other is None:
        raise NotFoundError("not_found", "No such person.")
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker=user, blocked=other)
    except IntegrityError:
        return Block.objects.get(blocker=user, blocked=other)
    return block


def user_unblock(*, user: User, other_id: int) -> bool:
    """Unblock; whether a block was removed (unblocking someone not blocked changes nothing)."""
    deleted, _ = Block.objects.filter(blocker=user, blocked_id=other_id).delete()
    return bool(deleted)


# --- reports --------------------------------------------------------------------------------------


def report_create(
    *, user: User, reason: Any, message_id: int | None = None, user_id: int | None = None
) -> Report:
    """Report a message you received, or a person, to staff. Exactly one of ``message_id``
    and ``user_id``; a reason of 1-1000 characters."""
    if (message_id is None) == (user_id is None):
        raise _validation("non_field_errors", "Report either a message or a person.")
    clean = text.free_text(reason) if isinstance(reason, str) else ""
    if not clean:
        raise _validation("reason", "Say what is wrong.")
    if len(clean) > REPORT_REASON_MAX_LENGTH:
        raise _validation("reason", f"At most {REPORT_REASON_MAX_LENGTH} characters.")
    conversation: Conversation | None
    message: Message | None = None
    if message_id is not None:
        message = (
            Message.objects.select_related("conversation")
            .filter(Q(conversation__user_low=user) | Q(conversation__user_high=user), pk=message_id)
            .first()
        )
        if message is None:
            raise NotFoundError("not_found", "No such message.")
        if message.sender_id == user.pk:
            raise _validation("message_id", "You cannot report your own message.")
        reported_id = message.sender_id
        conversation = message.conversation
    else:
        assert user_id is not None  # noqa: S101 (checked above)
        if user_id == user.pk:
            raise _validation("user_id", "You cannot report yourself.")
        if not User.objects.filter(pk=user_id).exists():
            raise NotFoundError("not_found", "No such person.")
        reported_id = user_id
        low, high = _pair(user.pk, user_id)
        conversation = Conversation.objects.filter(user_low_id=low, user_high_id=high).first()
    return Report.objects.create(
        reporter=user,
        reported_user_id=reported_id,
        conversation=conversation,
        message=message,
        reason=clean,
    )


@transaction.atomic
def report_close(*, by: User, report_id: int, status: str, note: str) -> Report:
    """Staff close an open report as actioned or dismissed, saying why (kept on the report)."""
    if not (by.is_active and by.is_staff):
        raise ApplicationError("permission_denied", "Only staff can close reports.", status=403)
    if status not in (ReportStatus.ACTIONED, ReportStatus.DISMISSED):
        raise _validation("status", "Close a report as actioned or dismissed.")
    clean = text.free_text(note or "")
    if not clean:
        raise _validation("note", "Say what was decided and why.")
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise NotFoundError("not_found", "No such report.")
    if report.status != ReportStatus.OPEN:
        raise ApplicationError("report_closed", "This report is already closed.", status=409)
    report.status = status
    report.staff_note = clean[:REPORT_REASON_MAX_LENGTH]
    report.closed_by = by
    report.closed_at = timezone.now()
    report.save(update_fields=["status", "staff_note", "closed_by", "closed_at"])
    return report


# --- presence and the email digest ----------------------------------------------------------------


def presence_key(user_id: int) -> str:
    return f"messaging-online:{user_id}"


def presence_mark(user_id: int) -> None:
    """An open socket of the user said hello (connect, then every ping)."""
    cache.set(presence_key(user_id), 1, timeout=settings.MESSAGING_PRESENCE_SECONDS)


def is_online(user_id: int) -> bool:
    return cache.get(presence_key(user_id)) is not None


def _digest_due(now: datetime) -> Q:
    interval = timedelta(seconds=settings.MESSAGING_DIGEST_INTERVAL_SECONDS)
    return Q(
        unread_count__gt=0,
        unread_since__lte=now - timedelta(seconds=settings.MESSAGING_DIGEST_DELAY_SECONDS),
        conversation__last_message_id__gt=F("digest_through_id"),
    ) & (Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - interval))


def digests_send(*, now: datetime | None = None) -> int:
    """Email each offline person one digest per conversation with messages unread for a
    while, at most one per conversation per interval. Safe to run twice or in parallel: a
    digest is claimed with a conditional UPDATE before it is sent. Returns how many were sent."""
    now = now or timezone.now()
    due = list(
        Membership.objects.filter(_digest_due(now))
        .order_by("unread_since")
        .values_list("pk", "user_id")[:1000]
    )
    sent = 0
    for membership_id, user_id in due:
        if is_online(user_id):
            continue  # they see the badge live
        sent += digest_send(membership_id=membership_id, now=now)
    return sent


def _wants_digest(user: User) -> bool:
    if not user.is_active or user.deleted_at is not None:
        return False
    chosen = (
        NotificationPreference.objects.filter(user=user, verb=DIGEST_VERB)
        .values_list("email", flat=True)
        .first()
    )
    if chosen is False:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def digest_send(*, membership_id: int, now: datetime | None = None) -> bool:
    """Send one membership's digest if it is still due (claimed first: at most once)."""
    now = now or timezone.now()
    row = (
        Membership.objects.filter(pk=membership_id)
        .values("digest_sent_at", "digest_through_id", "conversation__last_message_id")
        .first()
    )
    if row is None:
        return False
    through = row["conversation__last_message_id"] or 0
    # The claim: only while still due. A concurrent run waits for this row's lock, then finds
    # digest_sent_at just set and claims nothing.
    claimed = Membership.objects.filter(_digest_due(now), pk=membership_id).update(
        digest_sent_at=now, digest_through_id=through
    )
    if not claimed:
        return False
    membership = Membership.objects.select_related("user", "other", "conversation").get(
        pk=membership_id
    )
    if not _wants_digest(membership.user):
        return False
    unread = list(
        Message.objects.filter(
            conversation_id=membership.conversation_id,
            read_at__isnull=True,
            pk__gt=row["digest_through_id"],
            pk__lte=through,
        )
        .exclude(sender_id=membership.user_id)
        .order_by("pk")
    )
    if not unread:
        return False
    try:
        _digest_email(membership, unread).send()
    except Exception:
        Membership.objects.filter(pk=membership_id, digest_sent_at=now).update(
            digest_sent_at=row["digest_sent_at"], digest_through_id=row["digest_through_id"]
        )
        raise
    return True


def _digest_email(membership: Membership, unread: list[Message]) -> EmailMessage:
    url = settings.SITE_URL + reverse("conversation", args=[membership.conversation_id])
    preferences_url = settings.SITE_URL + reverse("notification_preferences")
    context = {
        "user": membership.user,
        "other_name": membership.other.display_name or "Someone",
        "messages": unread[-DIGEST_MESSAGES_SHOWN:],
        "more": max(len(unread) - DIGEST_MESSAGES_SHOWN, 0),
        "count": len(unread),
        "url": url,
        "preferences_url": preferences_url,
        "site_name": settings.SITE_NAME,
    }
    subject = render_to_string("messaging/email/digest_subject.txt", context)
    body = render_to_string("messaging/email/digest_message.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[membership.user.email],
        headers={"List-Unsubscribe": f"<{preferences_url}>"},
    )
