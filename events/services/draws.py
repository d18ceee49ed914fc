"""Draws (docs/draws.md): the room's commitment, made when it is activated, and the draws.

:func:`commitment_create` runs in the activation's transaction, before anyone can join: a fresh
secret seed, the chain of :data:`~events.models.DRAW_CHAIN_LENGTH` links, c_N published as
``draw:committed {seed_hash}``.

:func:`room_draw` draws winners of one or more prizes. When the room's locked manifest declares
``winner_selection`` the app is asked first (one call per prize, **outside** any transaction: a
webhook never runs under a lock); then one transaction, under the commitment's row lock, makes
draw k = ++draws_made per prize: it locks the prize, freezes the eligible entrants (sorted ids)
and uses the app's answer if it still fits them, else the verifiable selection of
:func:`events.draws.select` from c_(N-k), the entrants' hash and the prize; it writes the Draw
row, awards through :func:`events.services.winners.winners_award` and reveals c_(N-k)
(``draw:revealed``) in the same transaction. Draws of one room are thus made one at a time, in
chain order: c_(N-k-1) cannot come out before draw k is settled.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from redis.exceptions import RedisError

from accounts.models import User
from events import draws, notifications, policy, realtime
from events.models import (
    DRAW_CHAIN_LENGTH,
    App,
    Capability,
    Draw,
    DrawCommitment,
    Participant,
    ParticipantStatus,
    Prize,
    Role,
    Room,
    RoomStatus,
    Winner,
    WinnerMethod,
)
from events.services.winners import lock_prize, winners_award
from events.webhooks import breaker
from events.webhooks.calls import (
    SKIPPED_APP_INACTIVE,
    SKIPPED_BREAKER_OPEN,
    SKIPPED_DISABLED,
    SKIPPED_NOT_CONFIGURED,
    webhook_call,
    webhook_config,
)
from umbrella.errors import ApplicationError, NotFoundError

# The webhook's delivery rows name this event.
WEBHOOK_EVENT = "winners.draw"
# At most this many prizes in one request (each is a draw of its own).
MAX_PRIZES_PER_REQUEST = 20


def commitment_create(*, room: Room, chain_length: int = DRAW_CHAIN_LENGTH) -> DrawCommitment:
    """The room's commitment (one per room: activating twice keeps the first)."""
    existing = DrawCommitment.objects.filter(room=room).first()
    if existing is not None:
        return existing
    seed = draws.new_seed()
    commitment = DrawCommitment.objects.create(
        room=room,
        chain_length=chain_length,
        seed=seed,
        commitment=draws.chain_element(seed, chain_length),
    )
    realtime.publish(
        room,
        "draw:committed",
        {"seed_hash": commitment.commitment, "chain_length": chain_length},
    )
    return commitment


# --- eligibility --------------------------------------------------------------------------------


def allows_multiple_wins(room: Room) -> bool:
    """``allow_multiple_wins`` of the room's settings, else its default in the locked manifest's
    settings schema, else ``True`` (only the one-live-win-per-prize rule applies)."""
    value = (room.app_settings or {}).get("allow_multiple_wins")
    if value is None:
        schema = (room.app_manifest_version.manifest or {}).get("settings") or {}
        prop = (schema.get("properties") or {}).get("allow_multiple_wins") or {}
        value = prop.get("default", True) if isinstance(prop, dict) else True
    return bool(value)


def eligible_entrants(room: Room, prize: Prize, *, multiple: bool) -> QuerySet[Participant]:
    """Who may win ``prize`` now: live, active participants with the ``participant`` role, not
    already a live winner of it (nor of any prize of the room unless ``multiple``), by id."""
    won = Winner.objects.live().filter(**({"prize": prize} if multiple else {"room": room}))
    return (
        Participant.objects.live()
        .filter(room=room, role=Role.PARTICIPANT, status=ParticipantStatus.ACTIVE)
        .exclude(pk__in=won.values("participant_id"))
        .order_by("pk")
    )


# --- the app's answer ---------------------------------------------------------------------------


class InvalidAnswer(ValueError):
    """The app's answer breaks the contract (docs/apps.md, ``winner_selection``)."""


def parse_answer(
    answer: Any, *, prize_id: int, eligible: set[int], count: int, stock: int
) -> list[tuple[int, dict[str, Any]]]:
    """The (participant id, metadata) pairs of a ``{winners: [{participant_id, prize_id,
    metadata}]}`` answer for one prize; :class:`InvalidAnswer` unless every participant is one
    of ``eligible``, every prize is ``prize_id``, no pair repeats, and there are 1 to ``count``
    winners (never more than ``stock``)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("winners"), list):
        raise InvalidAnswer('expected {"winners": [...]}')
    picked: list[tuple[int, dict[str, Any]]] = []
    seen: set[int] = set()
    for i, item in enumerate(answer["winners"]):
        if not isinstance(item, dict):
            raise InvalidAnswer(f"winners[{i}] is not an object")
        pid, prize = item.get("participant_id"), item.get("prize_id")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid not in eligible:
            raise InvalidAnswer(f"winners[{i}].participant_id is not an eligible participant")
        if not isinstance(prize, int) or isinstance(prize, bool) or prize != prize_id:
            raise InvalidAnswer(f"winners[{i}].prize_id is not the prize drawn ({prize_id})")
        meta = item.get("metadata", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise InvalidAnswer(f"winners[{i}].metadata is not an object")
        if pid in seen:
            raise InvalidAnswer(f"winners[{i}] repeats participant {pid}")
        seen.add(pid)
        picked.append((pid, meta))
    if not 1 <= len(picked) <= min(count, stock):
        raise InvalidAnswer(f"{len(picked)} winners; between 1 and {min(count, stock)} expected")
    return picked


@dataclass
class _Asked:
    """What the app said for one prize, before the transaction."""

    draw_id: int  # the draw number sent as draw_id
    outcome: str = ""  # the call's outcome ("success", "timeout", "breaker_open"…)
    error: str = ""
    answer: Any = None
    ok: bool = False


def unavailable(app: App) -> str:
    """Why ``app`` cannot be asked for winners now ("" if it can be): the outcome
    :func:`~events.webhooks.calls.webhook_call` would return at once without a request. Checked
    first so a fallback does not read and encode the entrants for a call that will not go."""
    if not app.is_active or app.deleted_at is not None:
        return SKIPPED_APP_INACTIVE
    if webhook_config(app, Capability.WINNER_SELECTION) is None:
        return SKIPPED_NOT_CONFIGURED
    if Capability.WINNER_SELECTION in app.disabled_webhooks:
        return SKIPPED_DISABLED
    try:
        if breaker.state(app.app_id, Capability.WINNER_SELECTION) == "open":
            return SKIPPED_BREAKER_OPEN
    except RedisError:  # the call itself decides (webhook_call logs an unreachable store)
        pass
    return ""


def _ask_app(
    room: Room, prize: Prize, *, count: int | None, draw_id: int, multiple: bool
) -> _Asked:
    rows = list(
        eligible_entrants(room, prize, multiple=multiple).values("pk", "user_id", "metadata")
    )
    wanted = count if count is not None else min(prize.quantity_remaining, len(rows))
    asked = _Asked(draw_id=draw_id)
    if wanted < 1 or not rows:
        asked.outcome, asked.error = "skipped", "nothing to draw"
        return asked
    eligible = {row["pk"] for row in rows}
    payload = {
        "room_id": room.pk,
        "draw_id": draw_id,
        "count": wanted,
        "participants": [
            {"id": row["pk"], "user_id": row["user_id"], "metadata": row["metadata"] or {}}
            for row in rows
        ],
        "prizes": [
            {"id": prize.pk, "name": prize.name, "quantity_remaining": prize.quantity_remaining}
        ],
        "app_settings": room.app_settings or {},
    }

    def check(answer: Any) -> None:
        parse_answer(
            answer,
            prize_id=prize.pk,
            eligible=eligible,
            count=wanted,
            stock=prize.quantity_remaining,
        )

    result = webhook_call(
        app=room.app,
        capability=Capability.WINNER_SELECTION,
        event=WEBHOOK_EVENT,
        payload=payload,
        answer_check=check,
    )
    asked.outcome, asked.error, asked.ok = result.outcome, result.error, result.ok
    asked.answer = result.answer if result.ok else None
    return asked


# --- the draw -----------------------------------------------------------------------------------


@dataclass
class DrawResult:
    """What :func:`room_draw` made: one Draw per prize, its winners, and whether the platform
    drew in place of an app that failed."""

    draws: list[Draw] = field(default_factory=list)
    winners: list[Winner] = field(default_factory=list)
    fallback_used: bool = False


def _prize_ids(prize_ids: Sequence[Any]) -> list[int]:
    ids: list[int] = []
    for value in prize_ids:
        try:
            pid = int(value)
        except (TypeError, ValueError):
            raise NotFoundError(
                "not_found", "No such prize in this room.", details={"prize_id": [str(value)]}
            ) from None
        if pid not in ids:
            ids.append(pid)
    if not ids:
        raise ApplicationError(
            "validation_error",
            "Name at least one prize.",
            details={"prize_ids": ["Name at least one prize."]},
        )
    if len(ids) > MAX_PRIZES_PER_REQUEST:
        raise ApplicationError(
            "validation_error",
            f"At most {MAX_PRIZES_PER_REQUEST} prizes per draw.",
            details={"prize_ids": [f"At most {MAX_PRIZES_PER_REQUEST} prizes per draw."]},
        )
    return sorted(ids)  # the lock order of prizes, whatever order they were asked in


def _require_active(room: Room) -> None:
    if room.status != RoomStatus.ACTIVE:
        raise ApplicationError(
            "room_not_active",
            f"Draws happen in active rooms; this one is {room.status}.",
            details={"status": room.status},
            status=409,
        )


def uses_app(room: Room) -> bool:
    """Does the room's locked manifest version declare ``winner_selection``?"""
    manifest = room.app_manifest_version.manifest or {}
    return Capability.WINNER_SELECTION in (manifest.get("capabilities") or [])


def room_draw(
    *, room: Room, by: User | None, prize_ids: Sequence[Any], count: int | None = None
) -> DrawResult:
    """Draw winners of each of ``prize_ids`` (``count`` units each; default: every unit left,
    at most one per eligible entrant). ``by`` is the user (policy ``winners.draw``) or ``None``
    for an app's system call (the API checked the scope ``winners:write``).

    All or nothing: ``409 room_not_active``, ``409 draws_exhausted`` (the chain is used up),
    ``409 prize_exhausted`` (not ``count`` units left), ``409 not_enough_entrants``,
    ``404 not_found`` (a prize not in the room), and nothing is drawn."""
    if by is not None:
        policy.require(by, policy.WINNERS_DRAW, room)
    _require_active(room)
    ids = _prize_ids(prize_ids)
    if count is not None and count < 1:
        raise ApplicationError(
            "validation_error", "Draw at least one winner.", details={"count": ["At least 1."]}
        )
    multiple = allows_multiple_wins(room)
    asked: dict[int, _Asked] = {}
    skipped = unavailable(room.app) if uses_app(room) else ""
    if skipped:  # the fallback at once: nothing to read for a call that will not go
        asked = {pid: _Asked(draw_id=0, outcome=skipped) for pid in ids}
    elif uses_app(room):
        prizes = {p.pk: p for p in Prize.objects.live().filter(room=room, pk__in=ids)}
        missing = [pid for pid in ids if pid not in prizes]
        if missing:
            raise NotFoundError(
                "not_found", "No such prize in this room.", details={"prize_id": missing}
            )
        made = DrawCommitment.objects.filter(room=room).values_list("draws_made", flat=True)
        next_number = (made.first() or 0) + 1
        for offset, pid in enumerate(ids):
            asked[pid] = _ask_app(
                room, prizes[pid], count=count, draw_id=next_number + offset, multiple=multiple
            )
    return _draw(room=room, by=by, ids=ids, count=count, asked=asked, multiple=multiple)


@transaction.atomic
def _draw(
    *,
    room: Room,
    by: User | None,
    ids: list[int],
    count: int | None,
    asked: dict[int, _Asked],
    multiple: bool,
) -> DrawResult:
    try:
        commitment = (
            DrawCommitment.objects.select_for_update(of=("self",))
            .select_related("room")
            .get(room=room)
        )
    except DrawCommitment.DoesNotExist:
        raise ApplicationError(
            "room_not_active",
            "This room has no commitment: activate it first.",
            details={"status": room.status},
            status=409,
        ) from None
    room.status = commitment.room.status
    _require_active(room)
    if commitment.draws_made + len(ids) > commitment.chain_length:
        raise ApplicationError(
            "draws_exhausted",
            f"This room has made {commitment.draws_made} of its {commitment.chain_length} draws.",
            details={
                "draws_made": commitment.draws_made,
                "chain_length": commitment.chain_length,
            },
            status=409,
        )
    result = DrawResult()
    revealed_events: list[tuple[str, dict[str, Any]]] = []
    failures: list[tuple[Prize, str]] = []
    for pid in ids:
        prize = lock_prize(room, pid)
        # sorted here, not by the database: the sort is cheaper in Python, and the hash needs it
        entrants = sorted(
            eligible_entrants(room, prize, multiple=multiple)
            .order_by()
            .values_list("pk", flat=True)
        )
        wanted = count if count is not None else min(prize.quantity_remaining, len(entrants))
        if prize.quantity_remaining < max(wanted, 1):
            raise ApplicationError(
                "prize_exhausted",
                f"Only {prize.quantity_remaining} of this prize left.",
                details={"prize_id": prize.pk, "quantity_remaining": prize.quantity_remaining},
                status=409,
            )
        if len(entrants) < max(wanted, 1):
            raise ApplicationError(
                "not_enough_entrants",
                f"{len(entrants)} eligible entrants for {max(wanted, 1)} winners.",
                details={"prize_id": prize.pk, "eligible": len(entrants), "requested": wanted},
                status=409,
            )
        number = commitment.draws_made + 1
        commitment.draws_made = number
        revealed = draws.chain_element(commitment.seed, commitment.chain_length - number)
        entrants_hash = draws.entrants_hash(entrants)
        method, picked, app_answer, fallback = _decide(
            asked.get(pid), prize=prize, entrants=entrants, wanted=wanted
        )
        if picked is None:
            winners_ids = draws.select(
                revealed_hex=revealed,
                entrant_ids=entrants,
                prize_id=prize.pk,
                number=number,
                count=wanted,
                entrants_hash_hex=entrants_hash,
            )
            metas: list[dict[str, Any]] = [{} for _ in winners_ids]
        else:
            winners_ids = [pid_ for pid_, _meta in picked]
            metas = [meta for _pid, meta in picked]
        if fallback:
            result.fallback_used = True
            failures.append((prize, fallback))
        draw = Draw.objects.create(
            room=room,
            prize=prize,
            number=number,
            entrants=entrants,
            entrants_hash=entrants_hash,
            revealed=revealed,
            count=wanted,
            result=winners_ids,
            method=method,
            fallback_used=bool(fallback),
            app_answer=app_answer,
            created_by=by,
        )
        audit = {"draw_number": number, "revealed": revealed}
        result.winners += winners_award(
            room=room,
            prize=prize,
            participant_ids=winners_ids,
            method=method,
            by=by,
            draw=draw,
            metadata=[{**audit, **meta} for meta in metas],
            checked_eligible=True,
        )
        result.draws.append(draw)
        revealed_events.append(("draw:revealed", revealed_data(draw, commitment)))
    DrawCommitment.objects.filter(pk=commitment.pk).update(draws_made=commitment.draws_made)
    realtime.publish_many(room, revealed_events)
    if failures:
        _tell_organizers(room, failures, result.draws)
    return result


def _decide(
    asked: _Asked | None, *, prize: Prize, entrants: list[int], wanted: int
) -> tuple[str, list[tuple[int, dict[str, Any]]] | None, Any, str]:
    """(method, the app's picks or None, the app's answer to keep, why the fallback ran or "")."""
    if asked is None:  # no winner_selection in the locked manifest: the platform draws
        return WinnerMethod.FALLBACK_RANDOM, None, None, ""
    if not asked.ok:
        why = f"the app's answer: {asked.outcome}" + (f" ({asked.error})" if asked.error else "")
        return WinnerMethod.FALLBACK_RANDOM, None, None, why
    kept = {"draw_id": asked.draw_id, **(asked.answer or {})}
    try:
        picked = parse_answer(
            asked.answer,
            prize_id=prize.pk,
            eligible=set(entrants),
            count=wanted,
            stock=prize.quantity_remaining,
        )
    except InvalidAnswer as stale:
        why = f"the app's answer no longer fits the room: {stale}"
        return WinnerMethod.FALLBACK_RANDOM, None, kept, why
    return WinnerMethod.APP, picked, kept, ""


def revealed_data(draw: Draw, commitment: DrawCommitment) -> dict[str, Any]:
    """``draw:revealed``: the element c_(N-k) (``seed``) and what it settled."""
    return {
        "seed": draw.revealed,
        "draw_id": draw.number,
        "number": draw.number,
        "prize_id": draw.prize_id,
        "commitment": commitment.commitment,
        "chain_length": commitment.chain_length,
        "entrants_hash": draw.entrants_hash,
        "entrants_count": len(draw.entrants),
        "result": list(draw.result),
        "method": draw.method,
        "fallback_used": draw.fallback_used,
    }


def _tell_organizers(room: Room, failures: list[tuple[Prize, str]], made: list[Draw]) -> None:
    organizers = User.objects.filter(
        pk__in=Participant.objects.live()
        .filter(room=room, role__in=(Role.ORGANIZER, Role.ADMIN))
        .values("user_id"),
        is_active=True,
    )
    numbers = [d.number for d in made if d.fallback_used]
    notifications.draw_fallback(
        list(organizers), room=room, reasons=[why for _p, why in failures], numbers=numbers
    )
