"""The built-in apps' own process (gunicorn, two workers) driven over HTTP with requests signed
by the Standard Webhooks library: verification, dedupe on webhook-id, the lottery's picks (valid
and uniform), notifications, and the quiz's validation against a stand-in for the platform API
(pytest-httpserver: the token exchange and the room read). The real platform end to end is in
test_register.py."""

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from tests.builtin_apps import process
from tests.builtin_apps.process import LOTTERY_SECRET, QUIZ_CLIENT_SECRET, QUIZ_SECRET, post

pytestmark = pytest.mark.timeout(120)

WINNERS = "/apps/lottery/hooks/winners"
QUIZ = "/apps/quiz/hooks/quiz"
QUIZ_WINNERS = "/apps/quiz/hooks/winners"


@pytest.fixture(scope="module")
def apps(tmp_path_factory, make_httpserver) -> Iterator[httpx.Client]:
    directory = tmp_path_factory.mktemp("apps")
    credentials = directory / "credentials.json"
    process.write_credentials(credentials)
    running = process.start(
        directory, credentials=credentials, platform_url=make_httpserver.url_for("/")
    )
    with httpx.Client(base_url=running.url, timeout=10) as client:
        yield client
    running.stop()


def draw(participants: int = 5, *prizes: tuple[int, int], **fields: Any) -> dict[str, Any]:
    return {
        "room_id": 11,
        "draw_id": 3,
        "count": fields.pop("count", 1),
        "participants": [
            {"id": n, "user_id": 500 + n, "metadata": {}} for n in range(1, participants + 1)
        ],
        "prizes": [
            {"id": prize, "name": f"Prize {prize}", "quantity_remaining": left}
            for prize, left in (prizes or ((21, 1),))
        ],
        "app_settings": fields.pop("app_settings", {"allow_multiple_wins": False}),
        **fields,
    }


# --- health, routing, verification -------------------------------------------------------------


def test_health_and_routes(apps):
    for name in ("lottery", "quiz"):
        answer = apps.get(f"/apps/{name}/health")
        assert answer.status_code == 200 and answer.json() == {"status": "ok", "app": name}
    assert apps.get("/apps/poker/health").status_code == 404
    assert apps.get(WINNERS).status_code == 405
    assert apps.post("/apps/lottery/health").status_code == 405


def test_a_valid_signature_is_answered_and_anything_else_refused(apps):
    body = draw()
    assert post(apps, WINNERS, LOTTERY_SECRET, body).status_code == 200
    # Signed with another app's secret, or a tampered body: 401.
    assert post(apps, WINNERS, QUIZ_SECRET, body).status_code == 401
    content, headers = process.signed(LOTTERY_SECRET, body)
    tampered = apps.post(
        WINNERS, content=content.replace(b'"count":1', b'"count":9'), headers=headers
    )
    assert tampered.status_code == 401
    # A timestamp 10 minutes old (a replayed capture), or 10 minutes ahead: 401.
    for shift in (-10, 10):
        at = datetime.now(UTC) + timedelta(minutes=shift)
        assert post(apps, WINNERS, LOTTERY_SECRET, body, at=at).status_code == 401
    # Without the signature headers: 400, and a malformed signature: 401.
    assert apps.post(WINNERS, json=body).status_code == 400
    headers = {**headers, "webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl"}
    assert apps.post(WINNERS, content=content, headers=headers).status_code == 401


def test_a_duplicate_webhook_id_gets_the_same_answer_and_is_picked_once(apps):
    body = draw(50, (21, 3), count=3)
    first = post(apps, WINNERS, LOTTERY_SECRET, body, msg_id="msg_again")
    assert first.status_code == 200
    # Later copies, with fresh timestamps and signatures: the same answer, byte for byte.
    for _ in range(5):
        again = post(apps, WINNERS, LOTTERY_SECRET, body, msg_id="msg_again")
        assert again.status_code == 200 and again.content == first.content
    # 16 copies of a new message at once, spread over the two worker processes: one pick.
    answers: list[bytes] = []

    def send() -> None:
        with httpx.Client(base_url=str(apps.base_url), timeout=20) as client:
            answers.append(post(client, WINNERS, LOTTERY_SECRET, body, msg_id="msg_burst").content)

    threads = [threading.Thread(target=send) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 16 and len(set(answers)) == 1
    assert len(json.loads(answers[0])["winners"]) == 3
    # The same id at another app is another message.
    other = post(apps, QUIZ_WINNERS, QUIZ_SECRET, body, msg_id="msg_again")
    assert other.status_code == 200


# --- the lottery ---------------------------------------------------------------------------------


def test_the_lottery_answers_the_documented_shape_within_the_rules(apps):
    body = draw(6, (21, 2), (22, 5), (23, 0), count=3)
    answer = post(apps, WINNERS, LOTTERY_SECRET, body)
    assert answer.status_code == 200
    winners = answer.json()["winners"]
    assert set(answer.json()) == {"winners"}
    assert all(set(w) == {"participant_id", "prize_id", "metadata"} for w in winners)
    assert all(w["metadata"] == {"method": "uniform", "draw_id": 3} for w in winners)
    per_prize = Counter(w["prize_id"] for w in winners)
    # min(quantity_remaining, count) per prize; none of a prize out of stock.
    assert per_prize == {21: 2, 22: 3}
    people = [w["participant_id"] for w in winners]
    assert set(people) <= set(range(1, 7)) and len(people) == len(set(people))  # one win each
    # More units than participants: everyone eligible wins, once.
    few = post(apps, WINNERS, LOTTERY_SECRET, draw(2, (21, 5), count=5)).json()["winners"]
    assert sorted(w["participant_id"] for w in few) == [1, 2]
    # With allow_multiple_wins a participant may win several prizes, never one prize twice.
    multiple = draw(2, (21, 2), (22, 2), count=2, app_settings={"allow_multiple_wins": True})
    pairs = [
        (w["participant_id"], w["prize_id"])
        for w in post(apps, WINNERS, LOTTERY_SECRET, multiple).json()["winners"]
    ]
    assert sorted(pairs) == [(1, 21), (1, 22), (2, 21), (2, 22)]
    # Nobody to draw: no winners.
    assert post(apps, WINNERS, LOTTERY_SECRET, draw(0)).json() == {"winners": []}


def test_the_lottery_refuses_a_malformed_request_so_the_platform_falls_back(apps):
    for body in (
        {"participants": "all"},
        {**draw(), "count": 0},
        [1, 2],
        {**draw(), "prizes": [{}]},
    ):
        assert post(apps, WINNERS, LOTTERY_SECRET, body).status_code == 400


def test_the_lottery_draws_uniformly(apps):
    """1 000 draws of one unit among 5 participants: a chi-square test of the counts against
    the uniform distribution (4 degrees of freedom; 18.47 is the 0.1 % critical value, so a
    fair picker fails this test once in a thousand runs)."""
    draws = 1000
    counts: Counter[int] = Counter()
    for _ in range(draws):
        (winner,) = post(apps, WINNERS, LOTTERY_SECRET, draw(5)).json()["winners"]
        counts[winner["participant_id"]] += 1
    expected = draws / 5
    chi_square = sum((counts[n] - expected) ** 2 / expected for n in range(1, 6))
    assert set(counts) == {1, 2, 3, 4, 5}
    assert chi_square < 18.47, counts


def test_notifications_are_acknowledged(apps):
    answer = post(
        apps,
        "/apps/lottery/hooks/notify",
        LOTTERY_SECRET,
        {"event": "room.completed", "payload": {}},
    )
    assert answer.status_code == 200 and answer.json() == {"received": True}


# --- the quiz ------------------------------------------------------------------------------------

QUESTIONS = [
    {"id": "q1", "text": "2 + 2?", "options": ["3", "4"], "correct_index": 1, "time_limit_s": 20},
    {"id": "q2", "text": "Red?", "options": ["red", "blue", "green"], "correct_index": 0},
]


def serve_platform(httpserver: HTTPServer, room_id: int, questions: list[dict[str, Any]]) -> None:
    httpserver.expect_request(
        "/api/v1/apps/token",
        method="POST",
        json={"app_id": "app_quiz", "app_secret": QUIZ_CLIENT_SECRET},
    ).respond_with_json({"access_token": "uat_quiz", "token_type": "Bearer", "expires_in": 3600})
    httpserver.expect_request(
        f"/api/v1/rooms/{room_id}", method="GET", headers={"Authorization": "Bearer uat_quiz"}
    ).respond_with_json({"id": room_id, "app_settings": {"questions": questions}})


def requests_to(httpserver: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == path)


def test_the_quiz_marks_answers_from_the_rooms_settings_read_with_its_app_token(apps, httpserver):
    serve_platform(httpserver, 41, QUESTIONS)
    cases = [
        ("q1", 1, True),
        ("q1", 0, False),
        ("q2", 0, True),
        ("q2", "0", False),
        ("q2", True, False),
    ]
    for question, answer, correct in cases:
        reply = post(
            apps, QUIZ, QUIZ_SECRET, {"room_id": 41, "question_id": question, "answer": answer}
        )
        assert reply.status_code == 200, reply.text
        assert reply.json() == {"correct": correct, "score": 1 if correct else 0}
    # The settings were read once per worker process at most, and cached since.
    assert 1 <= requests_to(httpserver, "/api/v1/rooms/41") <= 2
    assert 1 <= requests_to(httpserver, "/api/v1/apps/token") <= 2
    # A question the room does not have: read afresh, then marked not correct.
    unknown = post(apps, QUIZ, QUIZ_SECRET, {"room_id": 41, "question_id": "q9", "answer": 0})
    assert unknown.json() == {"correct": False, "score": 0}


def test_the_quiz_answers_502_when_the_platform_cannot_be_asked(apps, httpserver):
    httpserver.expect_request("/api/v1/apps/token").respond_with_json({}, status=401)
    reply = post(apps, QUIZ, QUIZ_SECRET, {"room_id": 42, "question_id": "q1", "answer": 1})
    assert reply.status_code == 502
    assert post(apps, QUIZ, QUIZ_SECRET, {"question_id": "q1"}).status_code == 400


def test_the_quiz_awards_the_top_of_the_leaderboard_else_draws_uniformly(apps):
    board = [
        {"participant_id": 1, "correct": 2, "total_response_ms": 9000},
        {"participant_id": 2, "correct": 3, "total_response_ms": 12000},
        {"participant_id": 3, "correct": 3, "total_response_ms": 8000},
        {"participant_id": 4, "correct": 1, "total_response_ms": 100},
        {"participant_id": 99, "correct": 9, "total_response_ms": 1},  # not eligible
    ]
    body = draw(4, (31, 1), (32, 2), count=2, metadata={"leaderboard": board})
    winners = post(apps, QUIZ_WINNERS, QUIZ_SECRET, body).json()["winners"]
    assert [(w["participant_id"], w["prize_id"]) for w in winners] == [(3, 31), (2, 32), (1, 32)]
    assert {w["metadata"]["method"] for w in winners} == {"leaderboard"}
    plain = post(apps, QUIZ_WINNERS, QUIZ_SECRET, draw(4, (31, 1))).json()["winners"]
    assert len(plain) == 1 and plain[0]["metadata"]["method"] == "uniform"
