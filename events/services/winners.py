"""Awarding and revoking prize units (SPEC-events §1, §6 Winners): the rules of "a prize is
never over-awarded", used by manual picks and quiz awards. Draws (events.services.draws) keep
the same rules — the prize locked, its stock checked, entrants read under that lock, so no
duplicate and only eligible participants — but write their winners in their own single
statement with the draw (docs/draws.md, "What a draw costs").

Every award locks the prize row (``SELECT … FOR UPDATE``) for the rest of the caller's
transaction, checks stock, eligibility (live, active participants of the room with the
``participant`` role) and duplicates (no two live wins of one prize by one participant), then
writes the winners, takes the units with ``F()`` and logs ``winner:selected`` events — so 100
concurrent picks (or draws) of a prize of quantity 10 make exactly 10 winners. The table's check
constraint (``0 ≤ quantity_remaining ≤ quantity``) and the partial unique index on live wins
back this up in the database.
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from events import policy, realtime
from events.models import (
    Draw,
    Participant,
    ParticipantStatus,
    Prize,
    Role,
    Room,
    Winner,
    WinnerMethod,
)
from umbrella.errors import ApplicationError, NotFoundError


def winner_data(winner: Winner) -> dict[str, Any]:
    """A winner as live events show it."""
    return {
        "id": winner.pk,
        "prize_id": winner.prize_id,
        "participant_id": winner.participant_id,
        "method": winner.method,
        "draw_id": winner.draw_id,
    }


def lock_prize(room: Room, prize_id: Any) -> Prize:
    """The live prize ``prize_id`` of ``room``, locked for the rest of the transaction."""
    try:
        return Prize.objects.select_for_update().get(
            pk=int(prize_id), room=room, deleted_at__isnull=True
        )
    except (Prize.DoesNotExist, TypeError, ValueError):
        raise NotFoundError(
            "not_found", "No such prize in this room.", details={"prize_id": [str(prize_id)]}
        ) from None


def eligible_ids(room: Room, participant_ids: Sequence[int]) -> set[int]:
    """Which of ``participant_ids`` may win in ``room`` now (policy ``room.win``, one query)."""
    return set(
        Participant.objects.live()
        .filter(
            room=room,
            pk__in=participant_ids,
            role=Role.PARTICIPANT,
            status=ParticipantStatus.ACTIVE,
        )
        .values_list("pk", flat=True)
    )


def winners_award(
    *,
    room: Room,
    prize: Prize,
    participant_ids: Sequence[int],
    method: str,
    by: User | None,
    draw: Draw | None = None,
    metadata: Sequence[dict[str, Any]] | None = None,
    checked_eligible: bool = False,
) -> list[Winner]:
    """Give one unit of ``prize`` (locked by :func:`lock_prize` in this transaction) to each of
    ``participant_ids``; all or nothing. ``409 prize_exhausted`` without enough units,
    ``409 duplicate`` for a repeat or a participant who already holds a live unit of it,
    ``400 not_eligible`` for anyone who may not win. ``checked_eligible`` skips the eligibility
    query when the caller has just read the eligible set under the same transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("winners_award must run inside a transaction")
    ids = [int(pid) for pid in participant_ids]
    if not ids:
        return []
    if len(set(ids)) != len(ids):
        raise ApplicationError("duplicate", "A participant appears twice.", status=409)
    if prize.quantity_remaining < len(ids):
        raise ApplicationError(
            "prize_exhausted",
            f"Only {prize.quantity_remaining} of this prize left.",
            details={"prize_id": prize.pk, "quantity_remaining": prize.quantity_remaining},
            status=409,
        )
    if not checked_eligible:
        refused = sorted(set(ids) - eligible_ids(room, ids))
        if refused:
            raise ApplicationError(
                "not_eligible",
                "Only active participants of this room can win.",
                details={"participant_ids": refused},
            )
    already = sorted(
        Winner.objects.live()
        .filter(prize=prize, participant_id__in=ids)
        .values_list("participant_id", flat=True)
    )
    if already:
        raise ApplicationError(
            "duplicate",
            "Already a winner of this prize.",
            details={"participant_ids": already},
            status=409,
        )
    now = timezone.now()
    extra = list(metadata) if metadata is not None else [{} for _ in ids]
    winners = Winner.objects.bulk_create(
        Winner(
            room=room,
            prize=prize,
            participant_id=pid,
            method=method,
            draw=draw,
            metadata=meta,
            selected_by=by,
            created_at=now,
        )
        for pid, meta in zip(ids, extra, strict=True)
    )
    Prize.objects.filter(pk=prize.pk).update(quantity_remaining=F("quantity_remaining") - len(ids))
    prize.quantity_remaining -= len(ids)
    realtime.publish_many(room, [("winner:selected", winner_data(w)) for w in winners])
    return winners


@transaction.atomic
def winner_revoke(*, room: Room, winner_id: Any, by: User | None) -> Winner:
    """Revoke a live win; its unit goes back to the prize in the same transaction. ``by=None``
    is an app's system call (the API checked its ``winners:write`` scope)."""
    if by is not None:
        policy.require(by, policy.WINNERS_REVOKE, room)
    try:
        winner = Winner.objects.select_for_update().get(pk=int(winner_id), room=room)
    except (Winner.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("not_found", "No such winner in this room.") from None
    if winner.revoked_at is not None:
        raise ApplicationError("already_revoked", "This win was already revoked.", status=409)
    prize = Prize.objects.select_for_update().get(pk=winner.prize_id)
    winner.revoked_at = timezone.now()
    winner.revoked_by = by
    winner.save(update_fields=["revoked_at", "revoked_by"])
    # The unit comes back unless the prize's quantity was lowered below what was awarded
    # (events.services.prizes): remaining is always max(0, quantity - live wins).
    remaining = max(0, prize.quantity - Winner.objects.live().filter(prize=prize).count())
    if remaining != prize.quantity_remaining:
        Prize.objects.filter(pk=prize.pk).update(quantity_remaining=remaining)
    realtime.publish(room, "winner:revoked", winner_data(winner))
    return winner


@transaction.atomic
def winner_pick(*, room: Room, by: User | None, prize_id: Any, participant_id: Any) -> Winner:
    """A manual pick (policy ``winners.draw``; ``by=None``: an app's system call whose scope
    the API checked): one unit of the prize to one participant, under the prize's row lock.
    ``409 prize_exhausted``, ``409 duplicate``, ``400 not_eligible``, ``404`` for a prize that
    is not the room's."""
    if by is not None:
        policy.require(by, policy.WINNERS_DRAW, room)
    try:
        pid = int(participant_id)
    except (TypeError, ValueError, OverflowError):
        raise ApplicationError(
            "validation_error",
            "participant_id must be a participant's id.",
            details={"participant_id": ["A whole number."]},
        ) from None
    prize = lock_prize(room, prize_id)
    [winner] = winners_award(
        room=room, prize=prize, participant_ids=[pid], method=WinnerMethod.MANUAL, by=by
    )
    return winner
