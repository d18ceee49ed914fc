#!/usr/bin/env python3
"""An example Umbrella app: a small lottery, as a third party would write it.

It uses only the Python standard library, HTTP and the ``standardwebhooks`` library: none of
Umbrella's code. Read it next to docs/apps.md, which explains each step.

What it does:

* answers the four webhook capabilities of its manifest (``manifest.json``):
  ``winner_selection``, ``participant_registration``, ``quiz_validation`` and ``notifications``;
* verifies every webhook's signature with the Standard Webhooks library before reading the body
  (any one of the space-separated signatures may match; timestamps more than 5 minutes away
  are refused by the library);
* dedupes on ``webhook-id``: a message it already answered gets the first answer again, and
  its work is not done twice;
* serves ``GET /health`` for the platform's health checks;
* exchanges its app id and client secret for a 1-hour app token
  (``POST /api/v1/apps/token``) and calls the platform with it.

Run it (Python 3.9+)::

    pip install -r requirements.txt
    UMBRELLA_WEBHOOK_SECRET=whsec_... UMBRELLA_URL=http://127.0.0.1:8000 \\
    UMBRELLA_APP_ID=app_holiday_lottery UMBRELLA_APP_SECRET=ucs_... python app.py --port 8765

Inspection routes, for trying it out and for the platform's end-to-end test (set
``LOTTERY_ADMIN_TOKEN`` to require ``Authorization: Bearer <it>`` on them, and never expose them
unprotected on a public address):

* ``GET /_received``: every webhook request it got, in order (verified or not, duplicate or not);
* ``POST /_platform`` ``{"method", "path", "body"?, "user_token"?}``: calls the platform with
  the app token (and, given a user's access token, acts for that user with ``X-App-Token``);
  answers ``{"status", "body"}``;
* ``POST /_fail`` ``{"capability", "times", "status"?}``: the next ``times`` verified calls of
  that capability answer ``status`` (500 by default), to watch the platform retry, fall back
  and dead-letter.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

log = logging.getLogger("lottery_app")

# The webhook paths of manifest.json, and the capability each one answers.
HOOKS = {
    "/hooks/winners": "winner_selection",
    "/hooks/register": "participant_registration",
    "/hooks/quiz": "quiz_validation",
    "/hooks/notify": "notifications",
}
MAX_BODY = 1024 * 1024  # bytes; the platform's messages are far smaller
DEDUPE_CAPACITY = 10_000  # answered webhook-ids kept in memory (a real app: a database table)
MINIMUM_AGE = 18  # participant_registration's rule
QUIZ_POINTS = 10  # quiz_validation: points for a correct answer
# quiz_validation's answer key when a message carries no questions of its own:
# question id -> index of the correct option.
DEFAULT_ANSWER_KEY = {"q1": 1, "q2": 0, "q3": 3}

_random = random.SystemRandom()


# --- answering each capability -------------------------------------------------------------
# Each function takes the verified JSON body (the capability's request, docs/apps.md) and
# returns the answer body. Each runs once per webhook-id: the dedupe store sees to that.


def select_winners(data: dict[str, Any]) -> dict[str, Any]:
    """``winner_selection``: for each prize with stock, draw up to its remaining units (or
    ``count`` per prize when given) uniformly among the eligible participants. One participant
    wins at most once per draw unless the room's settings allow multiple wins."""
    participants = [p for p in data.get("participants", []) if isinstance(p, dict)]
    prizes = [p for p in data.get("prizes", []) if isinstance(p, dict)]
    settings = data.get("app_settings") or {}
    allow_multiple = bool(settings.get("allow_multiple_wins", False))
    count = data.get("count")
    pool = [p["id"] for p in participants if "id" in p]
    winners = []
    for prize in prizes:
        stock = int(prize.get("quantity_remaining", 0))
        units = min(stock, int(count)) if isinstance(count, int) else stock
        chosen: set[Any] = set()
        for _ in range(units):
            candidates = [p for p in pool if p not in chosen]
            if not candidates:
                break
            participant_id = _random.choice(candidates)
            chosen.add(participant_id)
            if not allow_multiple:
                pool.remove(participant_id)
            winners.append(
                {
                    "participant_id": participant_id,
                    "prize_id": prize["id"],
                    "metadata": {"method": "uniform", "draw_id": data.get("draw_id")},
                }
            )
    return {"winners": winners}


def register_participant(data: dict[str, Any]) -> dict[str, Any]:
    """``participant_registration``: accept everyone with a display name who, if they gave an
    age, is an adult."""
    user = data.get("user") or {}
    metadata = data.get("metadata") or {}
    if not str(user.get("display_name", "")).strip():
        return {"accept": False, "reason": "A display name is required to join this lottery."}
    age = metadata.get("age")
    if isinstance(age, int) and age < MINIMUM_AGE:
        return {"accept": False, "reason": f"Participants must be {MINIMUM_AGE} or older."}
    return {"accept": True}


def validate_quiz_answer(data: dict[str, Any]) -> dict[str, Any]:
    """``quiz_validation``: compare the answer with the question's correct option, from the
    room's settings when the message carries them, else from the built-in answer key."""
    question_id = str(data.get("question_id"))
    answer = data.get("answer")
    questions = (data.get("app_settings") or {}).get("questions") or []
    key = {str(q.get("id")): q.get("correct_index") for q in questions if isinstance(q, dict)}
    correct_index = key.get(question_id, DEFAULT_ANSWER_KEY.get(question_id))
    correct = correct_index is not None and answer == correct_index
    return {"correct": correct, "score": QUIZ_POINTS if correct else 0}


def receive_notification(data: dict[str, Any]) -> dict[str, Any]:
    """``notifications``: any 2xx will do; this app just records it (see /_received)."""
    return {"received": True}


ANSWERS = {
    "winner_selection": select_winners,
    "participant_registration": register_participant,
    "quiz_validation": validate_quiz_answer,
    "notifications": receive_notification,
}


# --- state ----------------------------------------------------------------------------------


class Answered:
    """The dedupe store: webhook-id -> (status, body) of the first successful answer.

    Two deliveries of one message at the same moment (a retry racing a slow first attempt)
    are served one after the other (a lock per id, striped): the second waits for the first
    and gets its answer. Only successful (2xx) answers are kept, so a message that failed is
    processed when it comes again. In memory and bounded here; a real app keeps the ids in its
    database with a unique constraint, for as long as the platform may retry or replay (days).
    """

    def __init__(self, capacity: int = DEDUPE_CAPACITY, stripes: int = 64) -> None:
        self._answers: OrderedDict[str, tuple[int, bytes]] = OrderedDict()
        self._stripes = [threading.Lock() for _ in range(stripes)]
        self._guard = threading.Lock()
        self._capacity = capacity

    def lock(self, webhook_id: str) -> threading.Lock:
        return self._stripes[hash(webhook_id) % len(self._stripes)]

    def get(self, webhook_id: str) -> tuple[int, bytes] | None:
        with self._guard:
            return self._answers.get(webhook_id)

    def put(self, webhook_id: str, status: int, body: bytes) -> None:
        with self._guard:
            self._answers[webhook_id] = (status, body)
            while len(self._answers) > self._capacity:
                self._answers.popitem(last=False)


class Platform:
    """Calls Umbrella's API with the app token, fetched with the app id and client secret and
    renewed a minute before it expires (or at once if the platform refuses it)."""

    def __init__(self, url: str, app_id: str, app_secret: str) -> None:
        self.url = url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def token(self, *, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or time.monotonic() > self._expires - 60:
                status, body = self._send(
                    "POST",
                    "/api/v1/apps/token",
                    {"app_id": self.app_id, "app_secret": self.app_secret},
                    {},
                )
                if status != 200:
                    raise RuntimeError(f"token exchange refused ({status}): {body}")
                self._token = body["access_token"]
                self._expires = time.monotonic() + int(body["expires_in"])
            return self._token

    def call(
        self, method: str, path: str, body: Any = None, *, user_token: str | None = None
    ) -> tuple[int, Any]:
        """Call the platform as the app, or for a user (their token plus ``X-App-Token``)."""
        for renew in (False, True):
            token = self.token(renew=renew)
            headers = (
                {"Authorization": f"Bearer {user_token}", "X-App-Token": token}
                if user_token
                else {"Authorization": f"Bearer {token}"}
            )
            status, answer = self._send(method, path, body, headers)
            code = answer.get("error", {}).get("code") if isinstance(answer, dict) else None
            if not (status == 401 and code == "invalid_token" and not user_token):
                break
        return status, answer

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (the configured platform URL)
            self.url + path,
            data=data,
            method=method.upper(),
            headers={"Accept": "application/json", "Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")


class State:
    def __init__(self, secret: str, platform: Platform | None, admin_token: str) -> None:
        self.webhook = Webhook(secret) if secret else None
        self.platform = platform
        self.admin_token = admin_token
        self.answered = Answered()
        self.received: list[dict[str, Any]] = []
        self.failures: dict[str, tuple[int, int]] = {}  # capability -> (times left, status)
        self.work_done: dict[str, int] = {}  # capability -> times its work really ran
        self.lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.received.append(entry)
        log.info(
            "%s %s id=%s attempt=%s verified=%s duplicate=%s -> %s",
            entry["path"],
            entry.get("capability"),
            entry.get("webhook_id"),
            entry.get("attempt"),
            entry["verified"],
            entry.get("duplicate", False),
            entry["status"],
        )

    def injected_failure(self, capability: str) -> int | None:
        with self.lock:
            times, status = self.failures.get(capability, (0, 500))
            if times <= 0:
                return None
            self.failures[capability] = (times - 1, status)
            return status


# --- HTTP -----------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server_version = "LotteryApp/1.0"
    state: State  # set on the class by serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._json(200, {"status": "ok"})
        elif self.path == "/_received":
            if self._admin():
                with self.state.lock:
                    received = {"messages": list(self.state.received), "work": self.state.work_done}
                self._json(200, received)
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._json(413 if length > MAX_BODY else 400, {"error": "bad Content-Length"})
            return
        raw = self.rfile.read(length)
        if self.path in HOOKS:
            self._webhook(HOOKS[self.path], raw)
        elif self.path in ("/_platform", "/_fail"):
            if not self._admin():
                return
            try:
                order = json.loads(raw or b"{}")
                if self.path == "/_platform":
                    self._call_platform(order)
                else:
                    self._inject_failures(order)
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                self._json(400, {"error": f"bad request: {error!r}"})
        else:
            self._json(404, {"error": "not found"})

    def _inject_failures(self, order: dict[str, Any]) -> None:
        times, status = int(order.get("times", 1)), int(order.get("status", 500))
        with self.state.lock:
            self.state.failures[str(order["capability"])] = (times, status)
        self._json(200, {"ok": True})

    def _webhook(self, capability: str, raw: bytes) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        entry: dict[str, Any] = {
            "path": self.path,
            "capability": capability,
            "webhook_id": headers.get("webhook-id"),
            "timestamp": headers.get("webhook-timestamp"),
            "signatures": len(headers.get("webhook-signature", "").split()),
            "attempt": headers.get("x-umbrella-attempt"),
            "timeout_ms": headers.get("x-umbrella-timeout-ms"),
            "verified": False,
            "received_at": time.time(),
        }
        # 1. Verify before anything else, on the exact bytes received.
        if self.state.webhook is None:
            entry.update(status=503, error="no signing secret configured")
            self.state.record(entry)
            self._json(503, {"error": "no signing secret configured"})
            return
        try:
            message = self.state.webhook.verify(raw, headers)
        except (WebhookVerificationError, ValueError) as error:
            entry.update(status=401, error=str(error) or type(error).__name__)
            self.state.record(entry)
            self._json(401, {"error": "invalid signature"})
            return
        entry["verified"] = True
        entry["body"] = message
        webhook_id = headers["webhook-id"]
        # 2. Dedupe on webhook-id: one message at a time, the first answer replayed.
        with self.state.answered.lock(webhook_id):
            first = self.state.answered.get(webhook_id)
            if first is not None:
                entry.update(status=first[0], duplicate=True)
                self.state.record(entry)
                self._send(first[0], first[1])
                return
            injected = self.state.injected_failure(capability)
            if injected is not None:
                entry.update(status=injected, error="injected failure")
                self.state.record(entry)
                self._json(injected, {"error": "injected failure"})
                return
            # 3. Do the work, once.
            answer = ANSWERS[capability](message if isinstance(message, dict) else {})
            with self.state.lock:
                self.state.work_done[capability] = self.state.work_done.get(capability, 0) + 1
            body = json.dumps(answer).encode()
            self.state.answered.put(webhook_id, 200, body)
        entry.update(status=200, answer=answer, duplicate=False)
        self.state.record(entry)
        self._send(200, body)

    def _call_platform(self, order: dict[str, Any]) -> None:
        if self.state.platform is None:
            self._json(503, {"error": "UMBRELLA_URL, UMBRELLA_APP_ID or UMBRELLA_APP_SECRET unset"})
            return
        try:
            status, body = self.state.platform.call(
                order.get("method", "GET"),
                order["path"],
                order.get("body"),
                user_token=order.get("user_token"),
            )
        except (RuntimeError, OSError) as error:
            self._json(502, {"error": str(error)})
            return
        self._json(200, {"status": status, "body": body})

    def _admin(self) -> bool:
        """The inspection routes, behind ``LOTTERY_ADMIN_TOKEN`` when it is set."""
        token = self.state.admin_token
        if token and self.headers.get("Authorization") != f"Bearer {token}":
            self._json(401, {"error": "admin token required"})
            return False
        return True

    def _json(self, status: int, body: Any) -> None:
        self._send(status, json.dumps(body).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(host: str, port: int, state: State) -> ThreadingHTTPServer:
    handler = type("LotteryHandler", (Handler,), {"state": state})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="An example Umbrella app (a lottery).")
    parser.add_argument("--host", default=env("LOTTERY_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("LOTTERY_PORT", "8765")))
    parser.add_argument(
        "--secret",
        default=env("UMBRELLA_WEBHOOK_SECRET", ""),
        help="the webhook signing secret (whsec_...) from registration or rotate-secret",
    )
    parser.add_argument("--platform-url", default=env("UMBRELLA_URL", ""))
    parser.add_argument("--app-id", default=env("UMBRELLA_APP_ID", ""))
    parser.add_argument("--app-secret", default=env("UMBRELLA_APP_SECRET", ""))
    parser.add_argument("--admin-token", default=env("LOTTERY_ADMIN_TOKEN", ""))
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout, force=True
    )
    platform = (
        Platform(args.platform_url, args.app_id, args.app_secret)
        if args.platform_url and args.app_id and args.app_secret
        else None
    )
    state = State(args.secret, platform, args.admin_token)
    server = serve(args.host, args.port, state)
    # The first line says where it listens (with --port 0 the system picks the port).
    print(f"listening on http://{args.host}:{server.server_port}", flush=True)
    if state.webhook is None:
        log.warning("no signing secret: webhooks will be refused until one is configured")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
