"""``python -m bench.quiz``: quiz answers from ``--sockets`` (500) WebSockets within one second —
how long each takes to be acknowledged, and whether the round has exactly one winner, the first
correct answer.

Issue 12's quiz figure, on the production processes: Daphne running
``umbrella.asgi:websocket_application`` (``ws``), the built-in apps process (``apps``:
gunicorn ``builtin_apps.wsgi``, the real Quiz app judging every answer through its signed
``quiz_validation`` webhook) and gunicorn ``umbrella.wsgi`` (``web``: the Quiz app reads the
room's questions from the API with its app token). The Quiz app is registered with
``manage.py register_builtin_apps``, as ``bin/dev`` does.

One quiz room of ``app_quiz`` with one question and ``--sockets`` participants, each with its
own socket subscribed to the room, and the organizer's socket. The organizer shows the
question (``quiz:next_question``); when ``quiz:question_shown`` arrives, each participant sends
its ``quiz:answer`` at its own moment spread evenly over ``--window`` seconds (1 s), one in
``--correct-every`` with the right option. Its **acknowledgement** is the ``quiz:answer_ack``
the server sends to the answering socket alone once the answer is saved (docs/rooms.md, "Quiz");
the room hears the count, ``quiz:answer_submitted {question_id, answers}``, at most every
250 ms. The organizer then ends the quiz, which closes the question.

Reported: the span over which the answers were sent, acknowledgements received, errors by
code, acknowledgement latency (answer sent → its ``quiz:answer_ack`` received) p50 / p95 / p99
/ max, where the server's time went (receipt → saved; the Quiz app's ``quiz_validation``
calls), how many ``answer_submitted`` counts the room was told and whether every socket heard
them all, the last one counting every answer; and the checks: every answer saved once and
acknowledged; exactly one ``quiz:round_winner`` (every socket got the same one), a participant
who answered right, whose answer the server received first among the right ones, and the
round's recorded winner; no correct index before the close. The issue sets no target for the
latency; the exit status is 1 when a check fails.

Until docs/decisions/quiz-answer-ack.md, the acknowledgement was the room event
``quiz:answer_submitted`` naming the participant, sent to every socket (N x (N + 1) deliveries).

Its own database (``<bench database>_quiz``); the load side never imports Django (seeding and
checking run in subprocesses with the servers' environment).
"""

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from bench import database
from bench.environment import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    PROJECT_DIR,
    redacted,
    run_module,
    server_env,
)
from bench.live import SUBPROTOCOL, TOKEN_PREFIX, running_daphne
from bench.server import HOST, answers_ok, running_server, stop

QUESTION_ID = "bench-q1"
OPTIONS = ["Red", "Green", "Blue", "Yellow"]
CORRECT_INDEX = 2
ORGANIZER_EMAIL = "bench-quiz-organizer@umbrella.local"
APPS_PORT = 8462  # fixed: the Quiz app's registered base_url names it (one per bench database)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.quiz", description=__doc__)
    parser.add_argument("--sockets", type=int, default=500, help="answering participants")
    parser.add_argument("--window", type=float, default=1.0, help="seconds the answers span")
    parser.add_argument("--correct-every", type=int, default=5, help="one right answer in N")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for acks")
    parser.add_argument("--apps-port", type=int, default=APPS_PORT)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=12, help="the answers' order")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL + "_quiz")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args(argv)
    if not 1 <= args.sockets <= 5000:
        parser.error("--sockets: 1 to 5000")
    if args.correct_every < 1:
        parser.error("--correct-every: at least 1")
    return args


# --- in the servers' environment (subprocesses) ---------------------------------------------


def seed(sockets: int) -> dict[str, Any]:
    """A new active room of ``app_quiz`` with one question, its started quiz, ``sockets``
    participants and tokens for them and for the organizer."""
    import secrets

    from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
    from django.db import transaction

    from accounts.models import Role as AccountRole
    from accounts.models import User
    from accounts.selectors import user_cache_put
    from accounts.tokens import UmbrellaTokenStrategy
    from bench.gigs import _Session
    from events.models import App, Participant, Role
    from events.services import quiz, rooms
    from events.webhooks import breaker

    def user(email: str) -> User:
        found = User.objects.filter(email=email).first()
        return found or User.objects.create_user(
            email=email, password=None, role=AccountRole.FAN, onboarding_complete=True
        )

    organizer = user(ORGANIZER_EMAIL)
    app = App.objects.get(app_id="app_quiz")
    breaker.reset(app.app_id, "quiz_validation")  # a previous run's failures do not count
    question = {
        "id": QUESTION_ID,
        "text": "Which colour is the bench's sky?",
        "options": OPTIONS,
        "correct_index": CORRECT_INDEX,
        "time_limit_s": 300,  # the quiz app's most: no close while acks are awaited
    }
    with transaction.atomic():
        room = rooms.room_create(
            by=organizer, app=app, name="Bench quiz", app_settings={"questions": [question]}
        )
        room = rooms.room_set_status(room=room, by=organizer, status="active")
        people = [user(f"bench-quiz-{n}@umbrella.local") for n in range(sockets)]
        joined = Participant.objects.bulk_create(
            Participant(room=room, user=p, role=Role.PARTICIPANT) for p in people
        )
        quiz.quiz_start(room=room, by=organizer)
    strategy = UmbrellaTokenStrategy()

    def token(person: User) -> str:
        user_cache_put(person)
        session = _Session(secrets.token_hex(16))
        claims = strategy.get_claims(person)
        return jwt_internal.create_access_token(person, session, claims)  # type: ignore[arg-type]

    return {
        "room": room.pk,
        "organizer": token(organizer),
        "players": [
            {"participant": p.pk, "token": token(u)} for p, u in zip(joined, people, strict=True)
        ],
    }


def verify(room_id: int) -> dict[str, Any]:
    """What the database says of the round: every answer, the right ones by receive time, the
    round's recorded winner; and where the server's time went: per answer, from its receipt
    (the consumer's stamp) to its row being made (after the app judged it), and the Quiz app's
    ``quiz_validation`` calls (the delivery rows' durations)."""
    from events.models import QuizAnswer, QuizRound, RoomEvent, WebhookDelivery

    answers = list(
        QuizAnswer.objects.filter(room_id=room_id, question_id=QUESTION_ID)
        .order_by("received_at", "id")
        .values("participant_id", "correct", "received_at", "created_at")
    )
    right = [a for a in answers if a["correct"]]
    first_at = right[0]["received_at"] if right else None
    rounds = list(QuizRound.objects.filter(room_id=room_id, question_id=QUESTION_ID))
    told = list(
        RoomEvent.objects.filter(room_id=room_id, type="quiz:answer_submitted")
        .order_by("seq")
        .values_list("data", flat=True)
    )
    server_ms = [(a["created_at"] - a["received_at"]).total_seconds() * 1000 for a in answers]
    opened = rounds[0].opened_at if rounds else None
    calls = WebhookDelivery.objects.filter(
        app__app_id="app_quiz", capability="quiz_validation", created_at__gte=opened
    )
    return {
        "answers": len(answers),
        "participants": len({a["participant_id"] for a in answers}),
        "right": sorted(a["participant_id"] for a in right),
        # everyone received at the first right answer's instant (a tie goes to the first saved)
        "first_right": [a["participant_id"] for a in right if a["received_at"] == first_at],
        "recorded_winner": [r.winner.participant_id if r.winner else None for r in rounds],
        "server_ms": server_ms,
        "told": [d.get("answers") for d in told],
        "webhook_ms": list(calls.values_list("duration_ms", flat=True)),
        "webhook_outcomes": dict(Counter(calls.values_list("outcome", flat=True))),
    }


def _in_server_env(env: dict[str, str], *args: str) -> str:
    return run_module(env, "bench.quiz", *args, tail=1500)


# --- the servers --------------------------------------------------------------------------------


@contextmanager
def running_apps(env: dict[str, str], port: int) -> Iterator[int]:
    """The built-in apps process (Procfile ``apps``) on ``port``, until the Quiz app is
    healthy (it has its credentials); stopped however we leave."""
    with tempfile.NamedTemporaryFile("w+", prefix="bench-apps-", suffix=".log") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "builtin_apps.wsgi:application", "--workers", "2",
             "--threads", "4", "--bind", f"{HOST}:{port}", "--log-level", "warning",
             "--no-control-socket"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            server = type("S", (), {"host": HOST, "port": port})()
            while not answers_ok(server, "/apps/quiz/health"):  # type: ignore[arg-type]
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = Path(log.name).read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the apps process did not start:\n{tail}")
                time.sleep(0.2)
            yield port
        finally:
            stop(process)


# --- the load side ------------------------------------------------------------------------------


class Socket:
    """One participant's (or the organizer's) socket and what it received."""

    def __init__(self, token: str, participant: int | None, answer: int | None = None) -> None:
        self.token = token
        self.participant = participant
        self.answer = answer
        self.sent_at: float | None = None
        self.acked_at: float | None = None
        self.submitted = 0  # answer_submitted events received (the room's counts)
        self.last_count = 0  # the last count heard
        self.errors: list[str] = []
        self.shown: asyncio.Future[tuple[dict[str, Any], float]] | None = None
        self.closed: dict[str, Any] | None = None
        self.winners: list[dict[str, Any]] = []
        self.leaked = False  # a correct index before the question closed
        self.ended = asyncio.Event()
        self.socket: Any = None

    async def open(self, port: int, room_id: int) -> None:
        from websockets.asyncio.client import connect

        self.socket = await connect(
            f"ws://{HOST}:{port}/ws/rooms/",
            subprotocols=[SUBPROTOCOL, TOKEN_PREFIX + self.token],  # type: ignore[list-item]
            open_timeout=60,
            max_queue=None,
            ping_interval=None,  # a loaded machine: no keep-alive pings to miss
        )
        await self.socket.send(json.dumps({"type": "room:subscribe", "data": {"room_id": room_id}}))
        answer = json.loads(await self.socket.recv())
        if answer.get("type") != "room:subscribed":
            raise RuntimeError(f"subscribe refused: {answer}")

    async def listen(self) -> None:
        try:
            async for text in self.socket:
                now = time.perf_counter()
                if "correct_index" in text and self.closed is None:
                    self.leaked = '"quiz:question_closed"' not in text
                event = json.loads(text)
                kind = event.get("type")
                if kind == "quiz:answer_ack" and self.acked_at is None:
                    self.acked_at = now
                elif kind == "quiz:answer_submitted":
                    self.submitted += 1
                    self.last_count = max(self.last_count, event["data"]["answers"])
                elif kind == "quiz:question_shown" and self.shown and not self.shown.done():
                    self.shown.set_result((event["data"], now))
                elif kind == "quiz:question_closed":
                    self.closed = event["data"]
                elif kind == "quiz:round_winner":
                    self.winners.append(event["data"])
                elif kind == "quiz:finished":
                    self.ended.set()
                elif kind == "error":
                    self.errors.append(event["data"].get("code", "?"))
        except Exception:  # closed
            self.ended.set()

    async def send(self, kind: str, data: dict[str, Any]) -> None:
        await self.socket.send(json.dumps({"type": kind, "data": data}))


async def measure(args: argparse.Namespace, ids: dict[str, Any], port: int) -> dict[str, Any]:
    room = ids["room"]
    players = [
        Socket(p["token"], p["participant"],
               CORRECT_INDEX if n % args.correct_every == 0 else (CORRECT_INDEX + 1) % 4)
        for n, p in enumerate(ids["players"])
    ]  # fmt: skip
    organizer = Socket(ids["organizer"], None)
    everyone = [organizer, *players]
    for start in range(0, len(everyone), 50):
        await asyncio.gather(*(s.open(port, room) for s in everyone[start : start + 50]))
    loop = asyncio.get_running_loop()
    organizer.shown = loop.create_future()
    listeners = [asyncio.create_task(s.listen()) for s in everyone]
    order = list(range(len(players)))
    random.Random(args.seed).shuffle(order)
    at = {n: args.window * k / max(1, len(players)) for k, n in enumerate(order)}

    await organizer.send("quiz:next_question", {"room_id": room})
    question, shown_at = await asyncio.wait_for(organizer.shown, 60)

    async def answer(n: int, player: Socket) -> None:
        await asyncio.sleep(max(0.0, shown_at + at[n] - time.perf_counter()))
        player.sent_at = time.perf_counter()
        await player.send(
            "quiz:answer",
            {"room_id": room, "question_id": question["question_id"],
             "answer_index": player.answer},
        )  # fmt: skip

    await asyncio.gather(*(answer(n, p) for n, p in enumerate(players)))
    deadline = time.perf_counter() + args.timeout
    while time.perf_counter() < deadline and any(
        p.acked_at is None and not p.errors for p in players
    ):
        await asyncio.sleep(0.05)
    acks_done = time.perf_counter()
    # the room's last count (every answer) to every socket, a little longer
    while time.perf_counter() < min(deadline, acks_done + 10) and any(
        s.last_count < len(players) for s in everyone
    ):
        await asyncio.sleep(0.05)
    await organizer.send("quiz:end", {"room_id": room})
    with suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(s.ended.wait() for s in everyone)), 60)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.socket.close() for s in everyone), return_exceptions=True)
    sends = [p.sent_at for p in players if p.sent_at is not None]
    return {
        "question": question,
        "send_span": (max(sends) - min(sends)) if sends else 0.0,
        "latencies": [
            (p.acked_at - p.sent_at) * 1000
            for p in players
            if p.acked_at is not None and p.sent_at is not None
        ],
        "errors": Counter(code for p in players for code in p.errors),
        "deliveries": sum(s.submitted for s in everyone),
        "heard_all": sum(s.last_count == len(players) for s in everyone),
        "closed": [s.closed for s in everyone],
        "winners": [s.winners for s in everyone],
        "leaked": sum(s.leaked for s in everyone),
        "right": sorted(p.participant for p in players if p.answer == CORRECT_INDEX),  # type: ignore[misc]
        "all_acked_in": acks_done - shown_at,
    }


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[round(q * (len(ordered) - 1))]


def checks(result: dict[str, Any], db: dict[str, Any], sockets: int) -> list[tuple[str, bool]]:
    """The run's correctness, each (what, held)."""
    winners = result["winners"]
    one_each = all(len(w) == 1 for w in winners)
    announced = {w[0]["participant_id"] for w in winners if w}
    winner = next(iter(announced)) if len(announced) == 1 else None
    closed = {json.dumps(c, sort_keys=True) for c in result["closed"]}
    return [
        ("every answer saved once", db["answers"] == db["participants"] == sockets),
        ("every answer acknowledged", len(result["latencies"]) == sockets),
        ("every socket heard every count the room was told, never smaller than the one before, "
         "the last one counting every answer",
         result["deliveries"] == len(db["told"]) * (sockets + 1)
         and result["heard_all"] == sockets + 1 and db["told"][-1:] == [sockets]
         and db["told"] == sorted(db["told"])),
        ("exactly one quiz:round_winner per socket, the same everywhere",
         one_each and winner is not None),
        ("the winner answered right", winner in result["right"]),
        ("the winner's answer was received first among the right ones",
         winner in db["first_right"]),
        ("the round records that winner", db["recorded_winner"] == [winner]),
        ("every socket got the same quiz:question_closed naming it",
         len(closed) == 1 and None not in result["closed"]
         and result["closed"][0]["winner_participant_id"] == winner),
        ("no correct index before the close",
         result["leaked"] == 0 and "correct_index" not in result["question"]),
        ("the saved right answers are the bench's", db["right"] == result["right"]),
    ]  # fmt: skip


def report(args: argparse.Namespace, result: dict[str, Any], db: dict[str, Any]) -> int:
    latencies = sorted(result["latencies"])
    n = args.sockets
    print(
        f"\n{n} answers sent over {result['send_span']:.2f} s (window {args.window} s); "
        f"acknowledged {len(latencies)} of {n}, all within {result['all_acked_in']:.2f} s of "
        f"the question; errors: {dict(result['errors']) or 'none'}"
    )
    if latencies:
        print(
            "acknowledgement latency: "
            f"p50 {statistics.median(latencies):.0f} ms, p95 {_percentile(latencies, 0.95):.0f} "
            f"ms, p99 {_percentile(latencies, 0.99):.0f} ms, max {latencies[-1]:.0f} ms"
        )
    for name, key in (
        ("receipt → saved (server)", "server_ms"),
        ("quiz_validation call", "webhook_ms"),
    ):
        values = sorted(float(v) for v in db[key])
        if values:
            print(
                f"{name}: p50 {statistics.median(values):.0f} ms, "
                f"p95 {_percentile(values, 0.95):.0f} ms, max {values[-1]:.0f} ms"
                + (f" ({db['webhook_outcomes']})" if key == "webhook_ms" else "")
            )
    told = db["told"]
    print(
        f"answer_submitted: {len(told)} counts told ({told[:3]} … {told[-1:]}), "
        f"{result['deliveries']} deliveries of {len(told) * (n + 1)} "
        f"(counts x (N + 1) sockets); {result['heard_all']} of {n + 1} sockets heard {n}"
    )
    failed = 0
    for what, held in checks(result, db, n):
        failed += not held
        print(f"  {'ok  ' if held else 'FAIL'} {what}")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = server_env(database_url=args.database_url, redis_url=args.redis_url)
    env["EVENTS_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the apps process is on this machine
    env["BUILTIN_APPS_URL"] = f"http://{HOST}:{args.apps_port}/apps"
    print(f"preparing {redacted(args.database_url)} …", flush=True)
    database.ensure_database(args.database_url)
    database.migrate(env)
    with tempfile.TemporaryDirectory(prefix="bench-quiz-") as tmp:
        env["BUILTIN_APPS_CREDENTIALS"] = str(Path(tmp) / "credentials.json")
        env["BUILTIN_APPS_STATE"] = str(Path(tmp) / "state.sqlite3")
        database.run_quiet([sys.executable, "manage.py", "register_builtin_apps"], env=env)
        with running_server(env, workers=args.web_workers, ready_path="/bench/bare") as web:
            apps_env = {**env, "UMBRELLA_URL": f"http://{web.host}:{web.port}"}
            with running_apps(apps_env, args.apps_port):
                ids = json.loads(_in_server_env(env, "seed", str(args.sockets)))
                with running_daphne(env) as ws_port:
                    print(
                        f"daphne on {ws_port}, web on {web.port}, apps on {args.apps_port}; "
                        f"room {ids['room']}: {args.sockets} participants answer within "
                        f"{args.window} s",
                        flush=True,
                    )
                    result = asyncio.run(measure(args, ids, ws_port))
                db = json.loads(_in_server_env(env, "verify", str(ids["room"])))
    return report(args, result, db)


def _subcommand() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    if sys.argv[1] == "seed":
        print(json.dumps(seed(int(sys.argv[2]))))
    elif sys.argv[1] == "verify":
        print(json.dumps(verify(int(sys.argv[2])), default=str))


if __name__ == "__main__":
    if sys.argv[1:2] in (["seed"], ["verify"]):
        _subcommand()
    else:
        sys.exit(main())
