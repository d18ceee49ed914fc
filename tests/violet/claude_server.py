"""A local stand-in for Anthropic's Messages API (pytest-httpserver), for the Claude provider's
tests: it records each request's JSON body and headers, and answers one JSON message or a
Server-Sent Events stream (optionally slow, or cut off halfway)."""

import json
import time
from collections.abc import Iterator
from typing import Any

from werkzeug import Request, Response

MODEL = "claude-test-model"
API_KEY = "sk-ant-test-key"


def message(text: str, *, input_tokens: int = 321, output_tokens: int = 45) -> dict[str, Any]:
    return {
        "id": "msg_test_1",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 1200,
        },
    }


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def stream_events(pieces: list[str], *, output_tokens: int = 45) -> list[bytes]:
    """The events Anthropic sends for a text answer made of ``pieces``."""
    start = message("", output_tokens=1)
    start["content"] = []
    start["stop_reason"] = None
    events = [
        _event("message_start", {"type": "message_start", "message": start}),
        _event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        _event("ping", {"type": "ping"}),
    ]
    events += [
        _event(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
        )
        for p in pieces
    ]
    events += [
        _event("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        ),
        _event("message_stop", {"type": "message_stop"}),
    ]
    return events


class CutOff(Exception):
    """Raised inside the response body: the server drops the connection mid-answer."""


class FakeClaude:
    """Install on an ``httpserver``; ``requests`` holds what the SDK sent."""

    def __init__(self, httpserver: Any) -> None:
        self.server = httpserver
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    def _record(self, request: Request) -> dict[str, Any]:
        body = json.loads(request.get_data())
        self.requests.append(body)
        self.headers.append({k.lower(): v for k, v in request.headers.items()})
        return body

    def answer(self, text: str, **usage: int) -> None:
        def handler(request: Request) -> Response:
            self._record(request)
            return Response(json.dumps(message(text, **usage)), content_type="application/json")

        self.server.expect_oneshot_request("/v1/messages", method="POST").respond_with_handler(
            handler
        )

    def fail(self, status: int, *, times: int = 1) -> None:
        def handler(request: Request) -> Response:
            self._record(request)
            body = {"type": "error", "error": {"type": "api_error", "message": "Overloaded"}}
            return Response(json.dumps(body), status=status, content_type="application/json")

        for _ in range(times):
            self.server.expect_oneshot_request("/v1/messages", method="POST").respond_with_handler(
                handler
            )

    def slow(self, seconds: float) -> None:
        def handler(request: Request) -> Response:
            self._record(request)
            time.sleep(seconds)
            return Response(json.dumps(message("late")), content_type="application/json")

        self.server.expect_oneshot_request("/v1/messages", method="POST").respond_with_handler(
            handler
        )

    def stream(
        self, pieces: list[str], *, delay: float = 0.0, cut_after: int | None = None
    ) -> None:
        """Stream ``pieces``; ``cut_after``: drop the connection after that many events."""
        events = stream_events(pieces)

        def body() -> Iterator[bytes]:
            for number, event in enumerate(events):
                if cut_after is not None and number >= cut_after:
                    raise CutOff("connection dropped")
                if delay:
                    time.sleep(delay)
                yield event

        def handler(request: Request) -> Response:
            self._record(request)
            return Response(body(), content_type="text/event-stream", direct_passthrough=True)

        self.server.expect_oneshot_request("/v1/messages", method="POST").respond_with_handler(
            handler
        )
