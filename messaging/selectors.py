"""Reads of messaging: the inbox, a conversation, its messages, unread counts. Every list is one
statement (no per-row queries), paginated by cursor (no COUNT)."""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from accounts.models import User
from artists.models import ArtistProfile
from marketplace.models import VenueProfile
from messaging.live import MESSAGE_FIELDS
from messaging.models import Block, Conversation, Membership, Message
from umbrella.errors import NotFoundError
from umbrella.keyset import KeysetRows, iso_sql

INBOX_FIELDS = (
    "id",
    "conversation_id",
    "last_message_at",
    "unread_count",
    "other_id",
    "other__display_name",
    "other__role",
    "other__is_active",
    "conversation__last_message_id",
    "conversation__last_message_sender_id",
    "conversation__last_message_preview",
)


def inbox_rows(*, user: User, unread_only: bool = False) -> QuerySet[Membership, dict[str, Any]]:
    """The user's conversations, most recent activity first (order: last message, then id)."""
    rows = Membership.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(unread_count__gt=0)
    return rows.order_by("-last_message_at", "-id").values(*INBOX_FIELDS)


def display_name(name: str | None) -> str:
    return name or "Umbrella member"


def inbox_card(row: dict[str, Any]) -> dict[str, Any]:
    from umbrella.api import iso_timestamp

    last_id = row["conversation__last_message_id"]
    return {
        "id": row["conversation_id"],
        "other_user": {
            "id": row["other_id"],
            "display_name": display_name(row["other__display_name"]),
            "role": row["other__role"],
        },
        "last_message_at": iso_timestamp(row["last_message_at"]),
        "last_message": (
            {
                "id": last_id,
                "sender_id": row["conversation__last_message_sender_id"],
                "preview": row["conversation__last_message_preview"],
            }
            if last_id
            else None
        ),
        "unread_count": row["unread_count"],
    }


def conversation_own(*, user: User, conversation_id: int) -> Membership:
    """The user's side of one of their conversations, with the other person; else 404."""
    membership = (
        Membership.objects.select_related("other", "conversation")
        .filter(user=user, conversation_id=conversation_id)
        .first()
    )
    if membership is None:
        raise NotFoundError("not_found", "No such conversation.")
    return membership


def is_member(*, user_id: int, conversation_id: int) -> bool:
    return Conversation.objects.filter(
        Q(user_low_id=user_id) | Q(user_high_id=user_id), pk=conversation_id
    ).exists()


def conversation_between(*, user: User, other_id: int) -> Conversation | None:
    low, high = sorted((user.pk, other_id))
    return Conversation.objects.filter(user_low_id=low, user_high_id=high).first()


def messages_of(
    *, conversation_id: int, after: int | None = None, before: int | None = None
) -> QuerySet[Message, dict[str, Any]]:
    """A conversation's messages, newest first (order: id). ``after``/``before``: only ids
    above/below (a reconnecting client asks for ``after`` the last id it has)."""
    rows = Message.objects.filter(conversation_id=conversation_id)
    if after is not None:
        rows = rows.filter(pk__gt=after)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return rows.order_by("-id").values(*MESSAGE_FIELDS)


# The columns of MESSAGE_FIELDS for a message ``m``, timestamps as the API writes them.
_MESSAGE_COLUMNS = (
    "m.id, m.conversation_id, m.sender_id, m.content, "
    f"{iso_sql('m.created_at')}, {iso_sql('m.read_at')}"
)


def message_page_source(
    *,
    user_id: int,
    conversation_id: int,
    after: int | None = None,
    check_member: Callable[[], object],
) -> KeysetRows | QuerySet[Message, dict[str, Any]]:
    """What the message list's paginator slices, newest first. ``check_member`` raises when
    ``user_id`` may not read the conversation. On PostgreSQL one statement a page, which
    itself reads nothing unless ``user_id`` is in the conversation; only a page that comes out
    empty then calls ``check_member`` (a stranger, or simply nothing there?). Elsewhere
    ``check_member`` first, then the reference queryset. docs/conventions.md "Fast reads";
    tests/messaging/test_message_page_sql.py compares the two."""
    if connection.vendor != "postgresql":
        check_member()
        return messages_of(conversation_id=conversation_id, after=after)
    where = (
        "m.conversation_id = (SELECT c.id FROM messaging_conversation c WHERE c.id = %s "
        "AND (c.user_low_id = %s OR c.user_high_id = %s))"
    )
    params: list[Any] = [conversation_id, user_id, user_id]
    if after is not None:
        where += " AND m.id > %s"
        params.append(after)
    return KeysetRows(
        select=f"{_MESSAGE_COLUMNS} FROM messaging_message m",
        where=where,
        params=params,
        names=MESSAGE_FIELDS,
        keys={"id": "m.id"},
        when_empty=check_member,
        position=_MESSAGE_ID,
        prepared=True,  # a few fixed shapes; one plan fits every conversation (the index)
    )


_MESSAGE_ID = Message._meta.pk


def unread_total(*, user: User) -> int:
    """Unread messages in all the user's conversations: one SUM over their unread rows."""
    total = Membership.objects.filter(user=user, unread_count__gt=0).aggregate(
        total=Sum("unread_count")
    )["total"]
    return int(total or 0)


def contact_user_id(*, kind: str, pk: int) -> int | None:
    """The user behind a "Message" button: a user id, or an artist's or a venue's profile id."""
    if kind == "user":
        return pk
    if kind == "artist":
        return ArtistProfile.objects.filter(pk=pk).values_list("user_id", flat=True).first()
    if kind == "venue":
        return VenueProfile.objects.filter(pk=pk).values_list("user_id", flat=True).first()
    return None


def blocked_ids(*, user: User) -> list[int]:
    return list(Block.objects.filter(blocker=user).values_list("blocked_id", flat=True))


def block_state(*, user: User, other_id: int) -> tuple[bool, bool]:
    """(you blocked them, they blocked you)."""
    rows = set(
        Block.objects.filter(
            Q(blocker=user, blocked_id=other_id) | Q(blocker_id=other_id, blocked=user)
        ).values_list("blocker_id", flat=True)
    )
    return user.pk in rows, other_id in rows


def blocks_of(*, user: User) -> Any:
    return (
        Block.objects.filter(blocker=user)
        .order_by("-created_at", "-id")
        .values("id", "blocked_id", "blocked__display_name", "created_at")
    )
