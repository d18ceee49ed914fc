"""Prizes of a room (SPEC-events §1, §6 Prizes): create, update, delete (policy
``prizes.manage``; ``by=None`` is an app's system call whose scope the API checked).

Changing ``quantity`` keeps the units already given: under the prize's row lock (the lock every
award takes, events.services.winners) ``remaining = max(0, new - awarded)``, where ``awarded``
is the prize's live wins, counted (not inferred from the old numbers: a quantity lowered below
what was awarded and raised again must not hand the difference out twice) — so a change
racing with picks never lets the prize be over-awarded, and a quantity below what was awarded
leaves the winners alone with nothing remaining. A prize with winners (live or revoked: they
are the audit) or draws is only soft-deleted; one without is deleted.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from events import policy, realtime
from events.models import Prize, Room, Winner
from events.services.participants import check_metadata
from events.services.winners import lock_prize
from umbrella.errors import ApplicationError

QUANTITY_MAX = 1_000_000
EDITABLE = ("name", "description", "image", "quantity", "metadata")


def prize_data(prize: Prize) -> dict[str, Any]:
    """A prize as live events show it."""
    return {
        "id": prize.pk,
        "name": prize.name,
        "description": prize.description,
        "image": prize.image,
        "quantity": prize.quantity,
        "quantity_remaining": prize.quantity_remaining,
    }


def _check_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ApplicationError(
            "validation_error",
            "quantity must be a whole number.",
            details={"quantity": ["A whole number."]},
        )
    if not 1 <= quantity <= QUANTITY_MAX:
        raise ApplicationError(
            "validation_error",
            f"quantity must be between 1 and {QUANTITY_MAX}.",
            details={"quantity": [f"Between 1 and {QUANTITY_MAX}."]},
        )
    return quantity


def _check_name(name: Any) -> str:
    name = str(name or "").strip()
    if not name or len(name) > 255:
        raise ApplicationError(
            "validation_error",
            "A prize needs a name of 1 to 255 characters.",
            details={"name": ["1 to 255 characters."]},
        )
    return name


@transaction.atomic
def prize_create(
    *,
    room: Room,
    by: User | None,
    name: str,
    quantity: int = 1,
    description: str = "",
    image: str = "",
    metadata: dict[str, Any] | None = None,
) -> Prize:
    if by is not None:
        policy.require(by, policy.PRIZES_MANAGE, room)
    quantity = _check_quantity(quantity)
    prize = Prize.objects.create(
        room=room,
        name=_check_name(name),
        description=description or "",
        image=image or "",
        quantity=quantity,
        quantity_remaining=quantity,
        metadata=check_metadata(metadata),
    )
    realtime.publish(room, "prize:created", prize_data(prize))
    return prize


@transaction.atomic
def prize_update(*, room: Room, by: User | None, prize_id: Any, **changes: Any) -> Prize:
    """Change any of ``name``, ``description``, ``image``, ``quantity``, ``metadata``."""
    if by is not None:
        policy.require(by, policy.PRIZES_MANAGE, room)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise TypeError(f"prize_update: unknown fields {unknown}")
    prize = lock_prize(room, prize_id)
    fields: list[str] = []
    if "name" in changes:
        prize.name = _check_name(changes["name"])
        fields.append("name")
    for text in ("description", "image"):
        if text in changes:
            setattr(prize, text, changes[text] or "")
            fields.append(text)
    if "metadata" in changes:
        prize.metadata = check_metadata(changes["metadata"])
        fields.append("metadata")
    if "quantity" in changes:
        new = _check_quantity(changes["quantity"])
        awarded = Winner.objects.live().filter(prize=prize).count()
        prize.quantity = new
        prize.quantity_remaining = max(0, new - awarded)
        fields += ["quantity", "quantity_remaining"]
    if fields:
        prize.save(update_fields=[*fields, "updated_at"])
        realtime.publish(room, "prize:updated", prize_data(prize))
    return prize


@transaction.atomic
def prize_delete(*, room: Room, by: User | None, prize_id: Any) -> bool:
    """Delete a prize; returns ``True`` if only soft-deleted (it has winners or draws)."""
    if by is not None:
        policy.require(by, policy.PRIZES_MANAGE, room)
    prize = lock_prize(room, prize_id)
    data = prize_data(prize)
    soft = prize.winners.exists() or prize.draws.exists()
    if soft:
        prize.deleted_at = timezone.now()
        prize.save(update_fields=["deleted_at", "updated_at"])
    else:
        prize.delete()
    realtime.publish(room, "prize:deleted", data)
    return soft
