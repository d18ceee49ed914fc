"""Draws (docs/draws.md): the room's commitment, made when it is activated, and the draws.

:func:`commitment_create` runs in the activation's transaction, before anyone can join: a fresh
secret seed, the chain of :data:`~events.models.DRAW_CHAIN_LENGTH` links, c_N published as
``draw:committed {seed_hash}``.

:func:`room_draw` draws winners of one or more prizes. When the room's locked manifest declares
``winner_selection`` the app is asked first (one call per prize, **outside** any transaction: a
webhook never runs under a lock); then one transaction locks the room's commitment, then the
prizes, and makes draw k = ++draws_made per prize: it freezes the eligible entrants (sorted ids)
and uses the app's answer if it still fits them, else the verifiable selection of
:func:`events.draws.select_sorted` from c_(N-k), the entrants' hash and the prize; it writes the
Draw rows, the winners (one unit of stock each, the same rules as
:mod:`events.services.winners`: locked stock, no duplicate, eligible entrants only) and reveals
c_(N-k) (``draw:revealed``) in the same transaction. Draws of one room are thus made one at a
time, in chain order: c_(N-k-1) cannot come out before draw k is settled.

On PostgreSQL that transaction is **three statements** whatever the number of entrants (one
more per extra prize): the locks, the entrants as the text that is hashed, and one write with
data-modifying CTEs (docs/draws.md, "What a draw costs").
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import F, Func, QuerySet, TextField, Value
from django.utils import timezone
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
    RoomEvent,
    RoomStatus,
    Winner,
    WinnerMethod,
)
from events.services.winners import winner_data
from events.webhooks import breaker
from events.webhooks.calls import (
    SKIPPED_APP_INACTIVE,
    SKIPPED_BREAKER_OPEN,
    SKIPPED_DISABLED,
    SKIPPED_NOT_CONFIGURED,
    webhook_call,
    webhook_config,
)
from umbrella.api import iso_timestamp
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


def eligible_entrants(room: Room, prize: Prize | int, *, multiple: bool) -> QuerySet[Participant]:
    """Who may win ``prize`` (a prize or its id) now: live, active participants with the
    ``participant`` role, not already a live winner of it (nor of any prize of the room unless
    ``multiple``), by id."""
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


def _leaderboard(room: Room) -> list[dict[str, Any]] | None:
    """The quiz's leaderboard (closed questions only) when the room's app runs quizzes, as the
    ``winner_selection`` request's ``metadata.leaderboard`` (docs/apps.md): the ranking the
    built-in Quiz app awards prizes down. ``None`` for other apps (nothing is read)."""
    manifest = room.app_manifest_version.manifest or {}
    if Capability.QUIZ_VALIDATION not in (manifest.get("capabilities") or []):
        return None
    from events.selectors_quiz import quiz_leaderboard

    fields = ("rank", "participant_id", "correct", "answered", "total_response_ms", "score")
    return [{name: row[name] for name in fields} for row in quiz_leaderboard(room=room)]


def _ask_app(
    room: Room,
    prize: Prize,
    *,
    count: int | None,
    draw_id: int,
    multiple: bool,
    leaderboard: list[dict[str, Any]] | None = None,
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
    if leaderboard is not None:
        payload["metadata"] = {"leaderboard": leaderboard}

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
    drew in place of an app that failed. ``commitment`` is the room's, as the draw left it."""

    draws: list[Draw] = field(default_factory=list)
    winners: list[Winner] = field(default_factory=list)
    fallback_used: bool = False
    commitment: DrawCommitment | None = None


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
    if any(not 0 < pid < 2**63 for pid in ids):  # no row has such an id (nor a bigint)
        raise NotFoundError(
            "not_found",
            "No such prize in this room.",
            details={"prize_id": [pid for pid in ids if not 0 < pid < 2**63]},
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
        board = _leaderboard(room)
        for offset, pid in enumerate(ids):
            asked[pid] = _ask_app(
                room,
                prizes[pid],
                count=count,
                draw_id=next_number + offset,
                multiple=multiple,
                leaderboard=board,
            )
    return _draw(room=room, by=by, ids=ids, count=count, asked=asked, multiple=multiple)


@dataclass
class _Planned:
    """One draw, decided inside the transaction and not yet written."""

    prize_id: int
    number: int
    entrants: list[int]  # sorted ascending
    entrants_text: str  # the same ids as hashed: decimal, joined by "\n"
    entrants_hash: str
    revealed: str
    count: int
    result: list[int]
    metadata: list[dict[str, Any]]  # per winner, in draw order
    method: str
    fallback: str  # why the platform drew in place of the app ("" if it did not)
    app_answer: Any


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
    # An app that already failed means a fallback: its organizers are read with the locks.
    failing = any(not answer.ok for answer in asked.values())
    commitment, status, remaining, organizers = _lock(room, ids, organizers=failing)
    if commitment is None:
        raise ApplicationError(
            "room_not_active",
            "This room has no commitment: activate it first.",
            details={"status": room.status},
            status=409,
        )
    room.status = status
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
    missing = [pid for pid in ids if pid not in remaining]
    if missing:
        raise NotFoundError(
            "not_found", "No such prize in this room.", details={"prize_id": missing}
        )
    planned: list[_Planned] = []
    taken: list[int] = []  # winners already drawn in this request (one win each unless multiple)
    for pid in ids:
        left = remaining[pid]
        text = _entrants_text(room, pid, multiple=multiple, exclude=() if multiple else taken)
        # The database joined the sorted ids: these are the very bytes hashed, parsed once.
        entrants: list[int] = json.loads(f"[{text.replace(SEP, ',')}]")
        wanted = count if count is not None else min(left, len(entrants))
        if left < max(wanted, 1):
            raise ApplicationError(
                "prize_exhausted",
                f"Only {left} of this prize left.",
                details={"prize_id": pid, "quantity_remaining": left},
                status=409,
            )
        if len(entrants) < max(wanted, 1):
            raise ApplicationError(
                "not_enough_entrants",
                f"{len(entrants)} eligible entrants for {max(wanted, 1)} winners.",
                details={"prize_id": pid, "eligible": len(entrants), "requested": wanted},
                status=409,
            )
        number = commitment.draws_made + len(planned) + 1
        revealed = draws.chain_element(commitment.seed, commitment.chain_length - number)
        entrants_hash = hashlib.sha256(text.encode("ascii")).hexdigest()
        method, picked, app_answer, fallback = _decide(
            asked.get(pid), prize_id=pid, stock=left, entrants=entrants, wanted=wanted
        )
        if picked is None:
            result = draws.select_sorted(
                revealed_hex=revealed,
                pool=entrants,
                prize_id=pid,
                number=number,
                count=wanted,
                entrants_hash_hex=entrants_hash,
            )
            metas: list[dict[str, Any]] = [{} for _ in result]
        else:
            result = [participant for participant, _meta in picked]
            metas = [meta for _participant, meta in picked]
        audit = {"draw_number": number, "revealed": revealed}
        planned.append(
            _Planned(
                prize_id=pid,
                number=number,
                entrants=entrants,
                entrants_text=text,
                entrants_hash=entrants_hash,
                revealed=revealed,
                count=wanted,
                result=result,
                metadata=[{**audit, **meta} for meta in metas],
                method=method,
                fallback=fallback,
                app_answer=app_answer,
            )
        )
        taken += result
    commitment.draws_made += len(planned)
    made = _write(room=room, by=by, commitment=commitment, planned=planned)
    made.commitment = commitment
    failures = [(plan.prize_id, plan.fallback) for plan in planned if plan.fallback]
    if failures:
        made.fallback_used = True
        _tell_organizers(room, [why for _pid, why in failures], made.draws, organizers)
    return made


def _decide(
    asked: _Asked | None, *, prize_id: int, stock: int, entrants: list[int], wanted: int
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
            asked.answer, prize_id=prize_id, eligible=set(entrants), count=wanted, stock=stock
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


def _tell_organizers(
    room: Room, reasons: list[str], made: list[Draw], organizers: list[User] | None
) -> None:
    """``room.draw_fallback`` to the room's organizers and admins (``organizers`` when the
    locks read them already)."""
    if organizers is None:
        organizers = list(
            User.objects.filter(
                pk__in=Participant.objects.live()
                .filter(room=room, role__in=(Role.ORGANIZER, Role.ADMIN))
                .values("user_id"),
                is_active=True,
            )
        )
    numbers = [d.number for d in made if d.fallback_used]
    notifications.draw_fallback(organizers, room=room, reasons=reasons, numbers=numbers)


# --- the data path (docs/draws.md, "What a draw costs") -----------------------------------------
#
# On PostgreSQL a draw is three statements whatever the number of entrants or winners: the locks,
# the entrants of each prize (one per prize), and one write. Elsewhere (SQLite in development)
# the same steps run through the ORM, a few statements each; the decisions above are shared.

SEP = "\n"  # between the ids in the hashed entrants (docs/draws.md)

_LOCK_SQL = """
WITH c AS MATERIALIZED (
    SELECT * FROM events_drawcommitment WHERE room_id = %(room)s FOR UPDATE
)
SELECT c.room_id, c.chain_length, c.commitment, c.seed, c.draws_made, c.created_at,
       r.status, p.id, p.quantity_remaining,
       CASE WHEN %(organizers)s THEN ARRAY(
           SELECT u.id FROM events_participant m JOIN accounts_user u ON u.id = m.user_id
           WHERE m.room_id = c.room_id AND m.deleted_at IS NULL AND u.is_active
             AND u.deleted_at IS NULL
             AND m.role IN ('organizer', 'admin')
           ORDER BY u.id
       ) END
FROM c
JOIN events_room r ON r.id = c.room_id
LEFT JOIN LATERAL (
    SELECT id, quantity_remaining FROM events_prize
    WHERE room_id = c.room_id AND id = ANY(%(prizes)s::bigint[]) AND deleted_at IS NULL
    ORDER BY id
    FOR UPDATE
) p ON TRUE
"""

_COMMITMENT_FIELDS = ["room_id", "chain_length", "commitment", "seed", "draws_made", "created_at"]


def _lock(
    room: Room, ids: list[int], *, organizers: bool
) -> tuple[DrawCommitment | None, str, dict[int, int], list[User] | None]:
    """Lock the room's commitment, **then** its live prizes ``ids`` (ascending): (the
    commitment, the room's status, units left by prize id, and — when ``organizers`` — the
    room's active organizers and admins, to notify of a fallback). One statement on
    PostgreSQL: the prizes are a LATERAL subquery of the locked commitment, so they are locked
    after it, in id order, as the ORM path does."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, {"room": room.pk, "prizes": ids, "organizers": organizers})
            rows = cursor.fetchall()
        if not rows:
            return None, room.status, {}, None
        first = rows[0]
        commitment = DrawCommitment.from_db(connection.alias, _COMMITMENT_FIELDS, first[:6])
        remaining = {row[7]: row[8] for row in rows if row[7] is not None}
        people = None
        if organizers:  # active accounts (the filter above): enough of a User to notify
            people = [
                User.from_db(connection.alias, ["id", "is_active", "deleted_at"], [pk, True, None])
                for pk in first[9]
            ]
        return commitment, first[6], remaining, people
    try:
        commitment = (
            DrawCommitment.objects.select_for_update(of=("self",))
            .select_related("room")
            .get(room=room)
        )
    except DrawCommitment.DoesNotExist:
        return None, room.status, {}, None
    prizes = (
        Prize.objects.select_for_update()
        .filter(room=room, pk__in=ids, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "quantity_remaining")
    )
    return commitment, commitment.room.status, dict(prizes), None


def _entrants_text(room: Room, prize_id: int, *, multiple: bool, exclude: Sequence[int]) -> str:
    """The eligible entrants of ``prize_id`` now (not ``exclude``), as they are hashed: the ids
    ascending, in decimal, joined by ``\\n`` ("" for nobody). One statement; on PostgreSQL the
    database sorts and joins them (``array_agg`` sorts the integers in memory; the text is
    made from the sorted array), so Python neither loops over them nor sorts them."""
    eligible = eligible_entrants(room, prize_id, multiple=multiple).order_by()
    if exclude:
        eligible = eligible.exclude(pk__in=list(exclude))
    if connection.vendor == "postgresql":
        joined = Func(
            ArrayAgg("pk", order_by="pk"),
            Value(SEP),
            function="array_to_string",
            output_field=TextField(),
        )
        found = eligible.aggregate(ids=joined)
        return str(found["ids"] or "")
    return SEP.join(map(str, sorted(eligible.values_list("pk", flat=True))))


_WRITE_SQL = """
WITH draw_in AS (
    SELECT * FROM jsonb_to_recordset(%(draws)s::jsonb) AS d(
        prize_id bigint, number integer, entrants text, entrants_hash text, revealed text,
        count integer, result jsonb, method text, fallback_used boolean, app_answer jsonb)
), draw_rows AS (
    INSERT INTO events_draw (room_id, prize_id, number, entrants, entrants_hash, revealed, count,
                             result, method, fallback_used, app_answer, created_by_id, created_at)
    SELECT %(room)s, prize_id, number, ('[' || replace(entrants, E'\\n', ',') || ']')::jsonb,
           entrants_hash, revealed, count, result, method, fallback_used, app_answer, %(by)s,
           %(now)s
    FROM draw_in
    RETURNING id, prize_id
), winner_in AS (
    SELECT * FROM jsonb_to_recordset(%(winners)s::jsonb) AS w(
        i bigint, prize_id bigint, participant_id bigint, method text, metadata jsonb)
), winner_rows AS (
    INSERT INTO events_winner (room_id, prize_id, participant_id, method, draw_id, metadata,
                               selected_by_id, created_at)
    SELECT %(room)s, w.prize_id, w.participant_id, w.method, d.id, w.metadata, %(by)s, %(now)s
    FROM winner_in w JOIN draw_rows d ON d.prize_id = w.prize_id
    RETURNING id, prize_id, participant_id, method, draw_id
), stock AS (
    UPDATE events_prize p SET quantity_remaining = p.quantity_remaining - t.units
    FROM (SELECT prize_id, count(*) AS units FROM winner_in GROUP BY prize_id) t
    WHERE p.id = t.prize_id
    RETURNING p.id
), made AS (
    UPDATE events_drawcommitment SET draws_made = %(draws_made)s WHERE room_id = %(room)s
    RETURNING room_id
), seq AS (
    UPDATE events_room SET event_seq = event_seq + %(n_events)s WHERE id = %(room)s
    RETURNING event_seq
), event_in AS (
    SELECT w.i, 'winner:selected' AS type,
           jsonb_build_object('id', r.id, 'prize_id', r.prize_id, 'participant_id',
                              r.participant_id, 'method', r.method, 'draw_id', r.draw_id) AS data
    FROM winner_in w
    JOIN winner_rows r ON r.prize_id = w.prize_id AND r.participant_id = w.participant_id
    UNION ALL
    SELECT e.i, e.type, e.data
    FROM jsonb_to_recordset(%(events)s::jsonb) AS e(i bigint, type text, data jsonb)
), event_rows AS (
    INSERT INTO events_roomevent (room_id, seq, type, data, created_at)
    SELECT %(room)s, seq.event_seq - %(n_events)s + e.i, e.type,
           e.data || jsonb_build_object('room_id', %(room)s::bigint, 'timestamp', %(stamp)s::text),
           %(now)s
    FROM event_in e CROSS JOIN seq
    RETURNING seq, type, data
)
SELECT (SELECT jsonb_agg(jsonb_build_array(id, prize_id)) FROM draw_rows)::text,
       (SELECT jsonb_agg(jsonb_build_array(id, prize_id, participant_id)) FROM winner_rows)::text,
       (SELECT jsonb_agg(jsonb_build_array(seq, type, data) ORDER BY seq) FROM event_rows)::text,
       (SELECT count(*) FROM stock), (SELECT count(*) FROM made)
"""


def _write(
    *, room: Room, by: User | None, commitment: DrawCommitment, planned: list[_Planned]
) -> DrawResult:
    """Write the draws, their winners (one unit of the prize each: the stock goes down by the
    winners' number), ``draws_made``, and the room events ``winner:selected`` then
    ``draw:revealed`` (sent after commit). The prizes are locked and the winners were drawn
    from entrants read under those locks: no stock is over-awarded, no one wins a prize twice
    (the table's constraints back both up)."""
    now = timezone.now()
    made = DrawResult()
    for plan in planned:
        draw = Draw(
            room=room,
            prize_id=plan.prize_id,
            number=plan.number,
            entrants=plan.entrants,
            entrants_hash=plan.entrants_hash,
            revealed=plan.revealed,
            count=plan.count,
            result=plan.result,
            method=plan.method,
            fallback_used=bool(plan.fallback),
            app_answer=plan.app_answer,
            created_by=by,
            created_at=now,
        )
        made.draws.append(draw)
        made.winners += [
            Winner(
                room=room,
                prize_id=plan.prize_id,
                participant_id=participant,
                method=plan.method,
                draw=draw,
                metadata=meta,
                selected_by=by,
                created_at=now,
            )
            for participant, meta in zip(plan.result, plan.metadata, strict=True)
        ]
    revealed = [("draw:revealed", revealed_data(draw, commitment)) for draw in made.draws]
    if connection.vendor != "postgresql":
        Draw.objects.bulk_create(made.draws)
        Winner.objects.bulk_create(made.winners)  # each takes its draw's new id
        for draw in made.draws:
            Prize.objects.filter(pk=draw.prize_id).update(
                quantity_remaining=F("quantity_remaining") - len(draw.result)
            )
        DrawCommitment.objects.filter(pk=commitment.pk).update(draws_made=commitment.draws_made)
        realtime.publish_many(
            room, [("winner:selected", winner_data(w)) for w in made.winners] + revealed
        )
        return made
    params = {
        "room": room.pk,
        "by": by.pk if by is not None else None,
        "now": now,
        "stamp": iso_timestamp(now),
        "draws_made": commitment.draws_made,
        "n_events": len(made.winners) + len(revealed),
        "draws": json.dumps(
            [
                {
                    "prize_id": draw.prize_id,
                    "number": draw.number,
                    # the ids as they were hashed (one JSON string: cheap to send and read)
                    "entrants": plan.entrants_text,
                    "entrants_hash": draw.entrants_hash,
                    "revealed": draw.revealed,
                    "count": draw.count,
                    "result": draw.result,
                    "method": draw.method,
                    "fallback_used": draw.fallback_used,
                    "app_answer": draw.app_answer,
                }
                for draw, plan in zip(made.draws, planned, strict=True)
            ]
        ),
        "winners": json.dumps(
            [
                {
                    "i": i,
                    "prize_id": w.prize_id,
                    "participant_id": w.participant_id,
                    "method": w.method,
                    "metadata": w.metadata,
                }
                for i, w in enumerate(made.winners, start=1)
            ]
        ),
        "events": json.dumps(
            [
                {"i": len(made.winners) + i, "type": kind, "data": data}
                for i, (kind, data) in enumerate(revealed, start=1)
            ]
        ),
    }
    with connection.cursor() as cursor:
        cursor.execute(_WRITE_SQL, params)
        draw_rows, winner_rows, event_rows, stocked, counted = cursor.fetchone()
    if counted != 1 or stocked != len({w.prize_id for w in made.winners}):
        raise RuntimeError("a draw's write did not find its commitment or prizes")
    by_prize = {prize_id: pk for pk, prize_id in json.loads(draw_rows)}
    drawn = {draw.prize_id: draw for draw in made.draws}
    for draw in made.draws:
        draw.pk = by_prize[draw.prize_id]
        draw._state.adding, draw._state.db = False, connection.alias
    ids = {(prize, participant): pk for pk, prize, participant in json.loads(winner_rows)}
    for winner in made.winners:
        winner.draw = drawn[winner.prize_id]  # now saved: sets draw_id
        winner.pk = ids[(winner.prize_id, winner.participant_id)]
        winner._state.adding, winner._state.db = False, connection.alias
    logged = [
        RoomEvent(room_id=room.pk, seq=seq, type=kind, data=data, created_at=now)
        for seq, kind, data in json.loads(event_rows)
    ]
    room.event_seq = logged[-1].seq
    realtime.send_on_commit(room.pk, logged)
    return made
