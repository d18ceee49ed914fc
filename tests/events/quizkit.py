"""A quiz room for tests: the quiz manifest (``correct_index`` marked ``writeOnly``), its
questions, and a real local app judging answers (tests/events/appserver.py) — the Standard
Webhooks signature checked by the independent library, every body kept."""

import json
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from events.models import App, Room, RoomStatus, WebhookSecret
from events.services.credentials import webhook_secret_issue
from tests.events.appserver import AppServer, Handler, Received
from tests.events.factories import AppFactory, RoomFactory, manifest

QUIZ_HOOK = "/hooks/quiz"

QUESTIONS: list[dict[str, Any]] = [
    {"id": "q1", "text": "2 + 2?", "options": ["3", "4", "5"], "correct_index": 1,
     "time_limit_s": 10},
    {"id": "q2", "text": "The capital of France?", "options": ["Paris", "Rome"],
     "correct_index": 0, "time_limit_s": 20},
    {"id": "q3", "text": "Which is a string instrument?",
     "options": ["Flute", "Drum", "Trumpet", "Cello"], "correct_index": 3, "time_limit_s": 15},
]  # fmt: skip
CORRECT = {q["id"]: q["correct_index"] for q in QUESTIONS}

SETTINGS_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["questions"],
    "properties": {
        "questions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "text", "options", "correct_index"],
                "properties": {
                    "id": {"type": "string", "minLength": 1, "maxLength": 100},
                    "text": {"type": "string", "minLength": 1},
                    "options": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 6,
                        "items": {"type": "string"},
                    },
                    "correct_index": {
                        "type": "integer",
                        "minimum": 0,
                        "maximum": 5,
                        "writeOnly": True,
                    },
                    "time_limit_s": {"type": "integer", "minimum": 1, "maximum": 3600},
                },
            },
        }
    },
}


def quiz_manifest(base_url: str) -> dict[str, Any]:
    return manifest(
        meta={"name": "Quiz", "version": "1.0.0", "description": "Questions, answers, winners."},
        base_url=base_url,
        capabilities=["quiz_validation", "winner_selection"],
        permissions=["rooms:read", "winners:write"],
        webhooks={
            "quiz_validation": {"path": QUIZ_HOOK, "timeout_ms": 2000},
            "winner_selection": "/hooks/winners",
        },
        fallbacks={"winner_selection": "platform_random"},
        settings=SETTINGS_SCHEMA,
    )


def judging(secret: str, correct: dict[str, int] | None = None, score: int = 10):
    """The quiz app's webhook: checks the signature, answers ``{correct, score}``."""
    key = CORRECT if correct is None else correct

    def behaviour(handler: Handler, received: Received) -> None:
        try:
            Webhook(secret).verify(received.body, received.headers)
        except WebhookVerificationError as error:
            handler.send(401, json.dumps({"error": str(error)}).encode())
            return
        body = json.loads(received.body)
        right = body["answer"] == key[body["question_id"]]
        answer = {"correct": right, "score": score if right else 0}
        handler.send(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    return behaviour


def quiz_room(server: AppServer, **kw: Any) -> Room:
    """An active quiz room whose app is ``server``, judging correctly."""
    app: App = AppFactory(manifest=quiz_manifest(server.base_url), name="Quiz")
    webhook_secret_issue(app=app)
    server.route(QUIZ_HOOK, judging(WebhookSecret.objects.get(app=app).secret))
    settings = kw.pop("app_settings", {"questions": QUESTIONS})
    return RoomFactory(app=app, status=RoomStatus.ACTIVE, app_settings=settings, **kw)
