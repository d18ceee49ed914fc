"""The quiz's ``quiz_validation``: marks an answer against the room's questions, read from the
platform with the app token (``GET /api/v1/rooms/{id}``: ``app_settings.questions``, whose
``correct_index`` the platform shows the quiz app since it is a ``writeOnly`` setting and the
app holds ``rooms:write``), cached ``CACHE_SECONDS`` per room."""

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from builtin_apps.picks import BadRequest

POINTS = 1  # a correct answer's score: the leaderboard counts correct answers
CACHE_SECONDS = 30.0
TOKEN_MARGIN_SECONDS = 60  # renew the app token this long before it expires


class PlatformError(RuntimeError):
    """The platform could not be asked (answered ``502``: Umbrella then uses its own cache)."""


class Platform:
    """Umbrella's API as the app: the app token bought with the app id and client secret
    (``POST /api/v1/apps/token``), renewed a minute early and once on ``401 invalid_token``."""

    def __init__(
        self, url: str, credentials: Callable[[], dict[str, Any] | None], timeout: float = 1.5
    ) -> None:
        self.client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout)
        self.credentials = credentials
        self._lock = threading.Lock()
        self._token: tuple[str, str, float] | None = None  # (client secret, token, expires)

    def _app_token(self, *, renew: bool) -> str:
        creds = self.credentials()
        if not creds or not creds.get("client_secret"):
            raise PlatformError("no credentials yet: run manage.py register_builtin_apps")
        secret = creds["client_secret"]
        with self._lock:
            token = self._token
            if renew or token is None or token[0] != secret or time.monotonic() > token[2]:
                try:
                    answer = self.client.post(
                        "/api/v1/apps/token",
                        json={"app_id": creds["app_id"], "app_secret": secret},
                    )
                except httpx.HTTPError as error:
                    raise PlatformError(f"token exchange failed: {error}") from error
                if answer.status_code != 200:
                    raise PlatformError(f"token exchange refused ({answer.status_code})")
                body = answer.json()
                expires = time.monotonic() + int(body["expires_in"]) - TOKEN_MARGIN_SECONDS
                token = self._token = (secret, body["access_token"], expires)
            return token[1]

    def get(self, path: str) -> Any:
        for renew in (False, True):
            token = self._app_token(renew=renew)
            try:
                answer = self.client.get(path, headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError as error:
                raise PlatformError(f"GET {path} failed: {error}") from error
            if answer.status_code != 401:
                break
        if answer.status_code != 200:
            raise PlatformError(f"GET {path} answered {answer.status_code}")
        return answer.json()


class Quiz:
    def __init__(self, platform: Platform, cache_seconds: float = CACHE_SECONDS) -> None:
        self.platform = platform
        self.cache_seconds = cache_seconds
        self._cache: dict[Any, tuple[float, dict[str, dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def questions(self, room_id: Any, *, fresh: bool = False) -> dict[str, dict[str, Any]]:
        """The room's questions by id, from the cache unless ``fresh`` or stale."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(room_id)
        if cached and not fresh and now - cached[0] < self.cache_seconds:
            return cached[1]
        room = self.platform.get(f"/api/v1/rooms/{room_id}")
        settings = room.get("app_settings") if isinstance(room, dict) else None
        listed = settings.get("questions") if isinstance(settings, dict) else None
        questions = {str(q["id"]): q for q in listed or [] if isinstance(q, dict) and "id" in q}
        with self._lock:
            self._cache[room_id] = (now, questions)
            if len(self._cache) > 10_000:  # a bound: the oldest half goes
                for key in sorted(self._cache, key=lambda k: self._cache[k][0])[:5_000]:
                    del self._cache[key]
        return questions

    def validate(self, data: Any) -> dict[str, Any]:
        """``{room_id, question_id, answer}`` → ``{correct, score}``. An answer is correct when
        it is the index of the question's correct option. A question the room (read afresh)
        does not have, or one without a ``correct_index``, marks it not correct."""
        if not isinstance(data, dict) or "room_id" not in data or "question_id" not in data:
            raise BadRequest("room_id and question_id are required")
        room_id, question_id, answer = data["room_id"], str(data["question_id"]), data.get("answer")
        if isinstance(room_id, bool) or not isinstance(room_id, int | str):
            raise BadRequest("room_id must be an integer or a string")
        question = self.questions(room_id).get(question_id)
        if question is None:  # maybe added since it was cached
            question = self.questions(room_id, fresh=True).get(question_id)
        key = question.get("correct_index") if question else None
        correct = (
            isinstance(key, int)
            and isinstance(answer, int)
            and not isinstance(answer, bool)
            and answer == key
        )
        return {"correct": correct, "score": POINTS if correct else 0}
