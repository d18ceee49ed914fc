"""The pickers' rules over many generated draws (Hypothesis): every answer is one the platform
accepts (docs/apps.md "winner_selection"): eligible participants only, no more winners of a
prize than min(quantity_remaining, count), no (participant, prize) pair twice, one win per
participant per draw unless allow_multiple_wins; and as many winners as the rules allow."""

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from builtin_apps.picks import leaderboard, uniform

draws = st.fixed_dictionaries(
    {
        "room_id": st.just(1),
        "draw_id": st.integers(1, 50),
        "participants": st.lists(st.integers(1, 40), unique=True, max_size=25).map(
            lambda ids: [{"id": n, "user_id": 100 + n, "metadata": {}} for n in ids]
        ),
        "prizes": st.lists(st.integers(1, 9), unique=True, max_size=4).flatmap(
            lambda ids: st.tuples(*[st.integers(0, 6) for _ in ids]).map(
                lambda left, ids=ids: [
                    {"id": p, "name": "x", "quantity_remaining": q}
                    for p, q in zip(ids, left, strict=True)
                ]
            )
        ),
        "app_settings": st.fixed_dictionaries({"allow_multiple_wins": st.booleans()}),
    },
    optional={"count": st.integers(1, 8)},
)


def check(data: dict[str, Any], answer: dict[str, Any]) -> None:
    winners = answer["winners"]
    eligible = {p["id"] for p in data["participants"]}
    count = data.get("count")
    limit = {
        p["id"]: p["quantity_remaining"] if count is None else min(p["quantity_remaining"], count)
        for p in data["prizes"]
    }
    pairs = [(w["participant_id"], w["prize_id"]) for w in winners]
    assert len(pairs) == len(set(pairs))
    assert {p for p, _ in pairs} <= eligible
    per_prize = Counter(prize for _, prize in pairs)
    assert all(per_prize[prize] <= limit[prize] for prize in per_prize)
    if not data["app_settings"]["allow_multiple_wins"]:
        assert len({p for p, _ in pairs}) == len(pairs)


@settings(max_examples=300, deadline=None)
@given(draws)
def test_uniform_answers_are_valid_and_complete(data):
    answer = uniform(data)
    check(data, answer)
    eligible = len(data["participants"])
    count = data.get("count")
    units = [
        p["quantity_remaining"] if count is None else min(p["quantity_remaining"], count)
        for p in data["prizes"]
    ]
    if data["app_settings"]["allow_multiple_wins"]:
        expected = sum(min(u, eligible) for u in units)
    else:
        expected = min(sum(units), eligible)
    assert len(answer["winners"]) == expected


@settings(max_examples=300, deadline=None)
@given(draws, st.randoms(use_true_random=False))
def test_leaderboard_answers_are_valid_and_follow_the_ranking(data, rng):
    ids = [p["id"] for p in data["participants"]] + [999]  # 999: ranked but not eligible
    board = [
        {"participant_id": n, "correct": rng.randint(0, 5), "total_response_ms": rng.randint(1, 9)}
        for n in ids
    ]
    answer = leaderboard({**data, "metadata": {"leaderboard": board}})
    check(data, answer)
    ranked = [
        row["participant_id"]
        for row in sorted(board, key=lambda r: (-r["correct"], r["total_response_ms"]))
        if row["participant_id"] != 999
    ]
    if not data["app_settings"]["allow_multiple_wins"]:
        winners = [w["participant_id"] for w in answer["winners"]]
        assert winners == ranked[: len(winners)]
