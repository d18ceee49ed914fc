"""Live events over the channel layer (docs/messaging.md, "Live protocol").

Groups: ``messaging.user.<id>`` (every socket of a person: inbox rows and the unread badge) and
``messaging.conversation.<id>`` (sockets that subscribed to a conversation they belong to: new
messages and read receipts). Services call these after commit. Publishing is best effort: a
channel layer that is down is logged and the write stands; clients catch up by message id.
"""

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum

from umbrella.api import iso_timestamp
from umbrella.publish import group_send_all

logger = logging.getLogger(__name__)

EVENT = "messaging.event"  # the consumer's handler: ``messaging_event``


def user_group(user_id: int) -> str:
    return f"messaging.user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"messaging.conversation.{conversation_id}"


def _publish(sends: list[tuple[str, dict[str, Any]]]) -> None:
    try:
        group_send_all((group, {"type": EVENT, "event": event}) for group, event in sends)
    except Exception:
        logger.warning("messaging: could not publish a live event", exc_info=True)


def _iso(value: Any) -> str:
    # A timestamp, or its text already (messaging.selectors.message_page_source writes it in SQL).
    return value if isinstance(value, str) else iso_timestamp(value)


def message_data(row: dict[str, Any]) -> dict[str, Any]:
    """A message as the API and the live events show it (from a ``values()`` row, or a row of
    ``selectors.message_page_source``, whose timestamps are texts already)."""
    return {
        "id": row["id"],
        "conversation_id": row["conversation_id"],
        "sender_id": row["sender_id"],
        "content": row["content"],
        "created_at": _iso(row["created_at"]),
        "read_at": _iso(row["read_at"]) if row["read_at"] else None,
    }


MESSAGE_FIELDS = ("id", "conversation_id", "sender_id", "content", "created_at", "read_at")


def unread_totals(user_ids: list[int]) -> dict[str, int]:
    from messaging.models import Membership

    rows = (
        Membership.objects.filter(user_id__in=user_ids, unread_count__gt=0)
        .values("user_id")
        .annotate(total=Sum("unread_count"))
        .values_list("user_id", "total")
    )
    found = {user_id: int(total) for user_id, total in rows}
    return {str(user_id): found.get(user_id, 0) for user_id in user_ids}


def _inbox_events(conversation_id: int, user_ids: list[int]) -> list[tuple[str, dict[str, Any]]]:
    from messaging.models import Membership

    totals = unread_totals(user_ids)
    rows = Membership.objects.filter(conversation_id=conversation_id, user_id__in=user_ids).values(
        "user_id",
        "unread_count",
        "last_message_at",
        "conversation__last_message_id",
        "conversation__last_message_sender_id",
        "conversation__last_message_preview",
    )
    return [
        (
            user_group(row["user_id"]),
            {
                "type": "inbox.updated",
                "conversation_id": conversation_id,
                "unread_count": row["unread_count"],
                "unread_total": totals[str(row["user_id"])],
                "last_message_at": iso_timestamp(row["last_message_at"]),
                "last_message_id": row["conversation__last_message_id"],
                "last_message_sender_id": row["conversation__last_message_sender_id"],
                "last_message_preview": row["conversation__last_message_preview"],
            },
        )
        for row in rows
    ]


def message_created(message_id: int) -> None:
    """A new message: to the conversation's subscribers, and an inbox row to both sides."""
    from messaging.models import Message

    row = (
        Message.objects.filter(pk=message_id)
        .values(*MESSAGE_FIELDS, "conversation__user_low_id", "conversation__user_high_id")
        .first()
    )
    if row is None:
        return
    conversation_id = row["conversation_id"]
    sends = [
        (
            conversation_group(conversation_id),
            {"type": "message.new", "message": message_data(row)},
        )
    ]
    users = [row["conversation__user_low_id"], row["conversation__user_high_id"]]
    _publish(sends + _inbox_events(conversation_id, users))


def messages_read(*, conversation_id: int, reader_id: int, up_to: int, read_at: datetime) -> None:
    """Read receipts: the reader read the other side's messages up to id ``up_to``."""
    _publish(
        [
            (
                conversation_group(conversation_id),
                {
                    "type": "messages.read",
                    "conversation_id": conversation_id,
                    "reader_id": reader_id,
                    "up_to": up_to,
                    "read_at": iso_timestamp(read_at),
                },
            )
        ]
    )


def unread_changed(*, user_ids: list[int]) -> None:
    """The unread badge of these people (every open page of theirs)."""
    totals = unread_totals(user_ids)
    _publish(
        [
            (user_group(user_id), {"type": "unread.changed", "unread_total": totals[str(user_id)]})
            for user_id in user_ids
        ]
    )


CLOSE = "messaging.close"  # the consumer's handler: ``messaging_close``


def user_sockets_close(user_id: int) -> None:
    """Close every open socket of this person (deactivated, deleted): what they were let in
    for, they may no longer hear. Best effort, like every publish."""
    try:
        group_send_all([(user_group(user_id), {"type": CLOSE})])
    except Exception:
        logger.warning("messaging: could not close a person's sockets", exc_info=True)


def close_sockets_of_gone_account(user: Any) -> None:
    """``accounts.state_hooks`` hook: once the transaction that deactivated (or anonymised)
    the account commits, its open sockets close."""
    if user.is_active:
        return
    user_id = user.pk
    transaction.on_commit(lambda: user_sockets_close(user_id))


def close_sockets_of_deleted_account(user: Any) -> None:
    """``accounts.deletion`` hook: the same, for an account whose row is being removed."""
    user_id = user.pk
    transaction.on_commit(lambda: user_sockets_close(user_id))
