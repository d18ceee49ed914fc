"""The winner pickers of both apps: pure functions from a ``winner_selection`` request to its
answer (docs/apps.md "winner_selection"). A request that is not the documented shape raises
:class:`BadRequest` (answered ``400``, so the platform falls back to its own draw)."""

import secrets
from typing import Any

_random = secrets.SystemRandom()


class BadRequest(ValueError):
    pass


def _key(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest("ids must be integers or strings")
    return value


def _request(data: Any) -> tuple[list[Any], list[tuple[Any, int]], bool, int | None]:
    """``(eligible participant ids, [(prize id, units to award)], allow_multiple_wins, count)``."""
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    participants, prizes = data.get("participants"), data.get("prizes")
    if not isinstance(participants, list) or not isinstance(prizes, list):
        raise BadRequest("participants and prizes must be lists")
    ids: list[Any] = []
    for participant in participants:
        if not isinstance(participant, dict) or "id" not in participant:
            raise BadRequest("each participant needs an id")
        if _key(participant["id"]) not in ids:
            ids.append(participant["id"])
    count = data.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise BadRequest("count must be a positive integer")
    stock: list[tuple[Any, int]] = []
    for prize in prizes:
        if not isinstance(prize, dict) or "id" not in prize:
            raise BadRequest("each prize needs an id")
        remaining = prize.get("quantity_remaining", 0)
        if isinstance(remaining, bool) or not isinstance(remaining, int):
            raise BadRequest("quantity_remaining must be an integer")
        units = max(0, remaining if count is None else min(remaining, count))
        stock.append((_key(prize["id"]), units))
    settings = data.get("app_settings")
    allow_multiple = bool(isinstance(settings, dict) and settings.get("allow_multiple_wins"))
    return ids, stock, allow_multiple, count


def _answer(picks: list[tuple[Any, Any]], method: str, draw_id: Any) -> dict[str, Any]:
    return {
        "winners": [
            {
                "participant_id": participant,
                "prize_id": prize,
                "metadata": {"method": method, "draw_id": draw_id},
            }
            for participant, prize in picks
        ]
    }


def uniform(data: Any) -> dict[str, Any]:
    """For each prize in the order sent, up to ``min(quantity_remaining, count)`` winners
    (``count`` absent: its whole remaining stock), drawn uniformly without replacement
    (``secrets.SystemRandom``) among the eligible participants. A participant wins at most one
    prize per draw unless ``app_settings.allow_multiple_wins``, and never one prize twice.
    Fewer participants than units: everyone eligible wins, the rest of the stock stays."""
    ids, stock, allow_multiple, _count = _request(data)
    pool = list(ids)
    picks: list[tuple[Any, Any]] = []
    for prize, units in stock:
        chosen = _random.sample(pool, min(units, len(pool)))
        picks.extend((participant, prize) for participant in chosen)
        if not allow_multiple:
            pool = [p for p in pool if p not in chosen]
    return _answer(picks, "uniform", data.get("draw_id"))


def leaderboard(data: Any) -> dict[str, Any]:
    """The quiz's pick: the top of the leaderboard when the request carries one, else
    :func:`uniform`.

    The leaderboard is ``metadata.leaderboard`` (or a top-level ``leaderboard``), a list of
    ``{"participant_id", "correct", "total_response_ms"}``: ranked by correct answers (more
    first), then total response time (less first), then the order given. Only eligible
    participants are ranked. The prizes, in the order sent, go down the ranking: the first
    prize's units to the first places, the next prize's to the next ones (with
    ``allow_multiple_wins`` each prize starts again from the top)."""
    ids, stock, allow_multiple, _count = _request(data)
    metadata = data.get("metadata")
    board = metadata.get("leaderboard") if isinstance(metadata, dict) else None
    if board is None:
        board = data.get("leaderboard")
    if not board:
        return uniform(data)
    if not isinstance(board, list) or not all(isinstance(row, dict) for row in board):
        raise BadRequest("the leaderboard must be a list of objects")

    def number(row: dict[str, Any], name: str, default: float) -> float:
        value = row.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadRequest(f"leaderboard {name} must be a number")
        return float(value)

    eligible = set(ids)
    ranked: list[Any] = []
    order = sorted(
        enumerate(board),
        key=lambda item: (
            -number(item[1], "correct", 0),
            number(item[1], "total_response_ms", float("inf")),
            item[0],
        ),
    )
    for _, row in order:
        participant = row.get("participant_id")
        if participant in eligible and participant not in ranked:
            ranked.append(participant)
    picks: list[tuple[Any, Any]] = []
    place = 0
    for prize, units in stock:
        if allow_multiple:
            place = 0
        chosen = ranked[place : place + units]
        place += len(chosen)
        picks.extend((participant, prize) for participant in chosen)
    return _answer(picks, "leaderboard", data.get("draw_id"))
