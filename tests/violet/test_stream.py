"""``POST /stream/violet/generate``: the async view streams Server-Sent Events from the ASGI
handler (no worker thread held while the model writes), with the offline provider and with
Claude's stand-in; refusals come before the stream as JSON errors; a stream cut halfway ends
with an ``error`` event and the allowance unchanged; under WSGI it refuses (503)."""

import json
from typing import Any

import pytest
from django.test import AsyncClient, Client

from tests.messaging.conftest import run_async
from tests.violet.claude_server import API_KEY, MODEL, FakeClaude
from tests.violet.factories import full_artist
from violet import selectors
from violet.models import Generation, GenerationStatus

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/stream/violet/generate"


def parse(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in raw.decode().split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def stream(user: Any, body: dict[str, Any], **headers: str) -> tuple[Any, bytes, list[float]]:
    """Post as ``user`` (session) through the ASGI handler; the response, its body and the
    times at which its chunks arrived."""

    async def scenario() -> tuple[Any, bytes, list[float]]:
        import time

        client = AsyncClient()
        if user is not None:
            await client.aforce_login(user)
        response = await client.post(
            URL, json.dumps(body), content_type="application/json", headers=headers
        )
        chunks, times = [], []
        if response.streaming:
            async for chunk in response.streaming_content:
                chunks.append(chunk)
                times.append(time.monotonic())
        else:
            chunks.append(response.content)
        return response, b"".join(chunks), times

    return run_async(scenario)


def test_an_offline_draft_streams_in_pieces_and_is_recorded(settings):
    settings.VIOLET_OFFLINE_STREAM_DELAY = 0.05
    artist = full_artist()

    response, body, times = stream(artist.user, {"tool": "bio", "inputs": {"length": "short"}})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["X-Accel-Buffering"] == "no"
    events = parse(body)
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "done"
    assert names.count("delta") > 5
    start, done = events[0][1], events[-1][1]
    assert start["generation"]["status"] == "pending"
    assert start["generation"]["offline"] is True
    assert start["generation"]["label"] == "Offline draft"
    assert {"label": "Stage name", "value": "Nova Reyes"}.items() <= (
        start["generation"]["facts"][0].items()
    )
    assert start["usage"]["used"] == 1
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert done["generation"]["output"] == text
    assert done["generation"]["status"] == "completed"
    assert done["usage"] == {**start["usage"], "remaining": 49, "used": 1}
    # The pieces arrived over time, not all at the end.
    assert times[-1] - times[0] > 0.2
    generation = Generation.objects.get(artist=artist)
    assert (generation.status, generation.output) == (GenerationStatus.COMPLETED, text)


def test_refusals_come_before_the_stream_as_json_errors(settings):
    artist = full_artist(primary_genre="")

    missing, body, _ = stream(artist.user, {"tool": "bio", "inputs": {}})
    assert missing.status_code == 409
    error = json.loads(body)["error"]
    assert error["code"] == "profile_incomplete"
    assert error["details"]["missing_fields"] == [
        {"field": "primary_genre", "label": "Primary genre"}
    ]

    bad, body, _ = stream(artist.user, {"tool": "bio", "inputs": {"length": "epic"}})
    assert bad.status_code == 400
    assert json.loads(body)["error"]["details"]["inputs"]["length"]

    unknown, body, _ = stream(artist.user, {"tool": "bio", "extra": 1})
    assert unknown.status_code == 400
    assert "extra" in json.loads(body)["error"]["details"]

    anonymous, body, _ = stream(None, {"tool": "bio"})
    assert anonymous.status_code == 401
    assert json.loads(body)["error"]["code"] == "not_authenticated"
    assert selectors.usage_of(artist_id=artist.pk)["used"] == 0
    assert not Generation.objects.exists()


def test_the_daily_limit_is_a_429_with_retry_after(settings):
    settings.VIOLET_DAILY_LIMIT = 1
    artist = full_artist()
    stream(artist.user, {"tool": "tagline"})

    response, body, _ = stream(artist.user, {"tool": "tagline"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 86400
    error = json.loads(body)["error"]
    assert error["code"] == "violet_limit_reached"
    assert (error["details"]["used"], error["details"]["remaining"]) == (1, 0)


def test_an_access_token_works_without_csrf_and_a_bad_one_is_401():
    from tests.umbrella.fuzz_world import sign_in

    artist = full_artist()
    token = sign_in(artist.user)

    ok, body, _ = stream(None, {"tool": "tagline"}, Authorization=f"Bearer {token}")
    bad, bad_body, _ = stream(None, {"tool": "tagline"}, Authorization="Bearer not-a-token")

    assert ok.status_code == 200 and parse(body)[-1][0] == "done"
    assert bad.status_code == 401
    assert json.loads(bad_body)["error"]["code"] == "invalid_token"


def test_a_session_write_needs_the_csrf_token():
    artist = full_artist()

    async def scenario() -> Any:
        client = AsyncClient(enforce_csrf_checks=True)
        await client.aforce_login(artist.user)
        return await client.post(URL, json.dumps({"tool": "bio"}), content_type="application/json")

    response = run_async(scenario)

    assert response.status_code == 403
    assert json.loads(response.content)["error"]["code"] == "permission_denied"


def test_under_wsgi_it_refuses_instead_of_holding_a_worker():
    artist = full_artist()
    client = Client()
    client.force_login(artist.user)

    response = client.post(URL, {"tool": "bio"}, content_type="application/json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "streaming_unavailable"
    assert not Generation.objects.exists()


@pytest.fixture
def claude(settings, httpserver):
    settings.VIOLET_API_KEY = API_KEY
    settings.VIOLET_BASE_URL = httpserver.url_for("/").rstrip("/")
    settings.VIOLET_MODEL = MODEL
    settings.VIOLET_MAX_RETRIES = 0
    yield FakeClaude(httpserver)
    httpserver.clear()


def test_claude_streams_through_the_view_with_the_stream_flag(claude):
    artist = full_artist()
    claude.stream(["Indie band ", "from Austin."], delay=0.05)

    response, body, _ = stream(artist.user, {"tool": "tagline", "inputs": {"tone": "bold"}})
    assert response.status_code == 200

    events = parse(body)
    assert [n for n, _ in events] == ["start", "delta", "delta", "done"]
    assert claude.requests[0]["stream"] is True
    assert claude.requests[0]["model"] == MODEL
    done = events[-1][1]["generation"]
    assert done["output"] == "Indie band from Austin."
    assert (done["provider"], done["offline"], done["label"]) == (
        "claude",
        False,
        "Written with Claude",
    )
    assert done["usage"]["input_tokens"] == 321
    assert events[-1][1]["usage"]["used"] == 1


def test_a_claude_stream_cut_halfway_ends_with_an_error_and_the_allowance_unchanged(claude):
    artist = full_artist()
    claude.stream(["Indie band ", "from ", "Austin."], cut_after=5)

    response, body, _ = stream(artist.user, {"tool": "tagline"})
    assert response.status_code == 200  # the stream had started: the error is an event

    events = parse(body)
    assert [n for n, _ in events] == ["start", "delta", "delta", "error"]
    error = events[-1][1]
    assert error["error"] == {  # the API's error shape
        "code": "violet_stream_interrupted",
        "message": "The AI's answer was cut off. Your prompt was not counted; try again.",
        "details": {},
    }
    assert (error["usage"]["used"], error["usage"]["remaining"]) == (0, 50)
    generation = Generation.objects.get(artist=artist)
    assert generation.status == GenerationStatus.FAILED
    assert generation.error_code == "violet_stream_interrupted"
    assert selectors.usage_of(artist_id=artist.pk)["used"] == 0


def test_the_ws_process_serves_streams_and_no_other_http_path():
    from channels.testing import HttpCommunicator

    from umbrella.asgi import websocket_application

    async def scenario() -> tuple[Any, Any]:
        stream = await HttpCommunicator(
            websocket_application,
            "POST",
            URL,
            body=b'{"tool": "bio"}',
            headers=[(b"content-type", b"application/json")],
        ).get_response()
        page = await HttpCommunicator(websocket_application, "GET", "/violet/").get_response()
        return stream, page

    stream, page = run_async(scenario)

    # Django answered (401: no credentials), not the ws process's 404.
    assert stream["status"] == 401
    assert json.loads(stream["body"])["error"]["code"] == "not_authenticated"
    assert page["status"] == 404


def test_a_client_that_goes_away_leaves_a_cancelled_draft_that_counts():
    from asgiref.sync import sync_to_async

    from violet import services, streaming
    from violet.providers.offline import OfflineProvider

    artist = full_artist()
    provider = OfflineProvider(delay=0.01)
    prepared = services.generation_prepare(user=artist.user, tool="bio", inputs={})
    generation = services.generation_start(prepared=prepared, provider=provider)

    async def scenario() -> list[bytes]:
        events = streaming.events(generation=generation, prepared=prepared, provider=provider)
        received = [await anext(events), await anext(events), await anext(events)]
        await events.aclose()  # what Django does when the client disconnects
        await sync_to_async(lambda: None)()
        return received

    received = run_async(scenario)

    names = [name for name, _ in parse(b"".join(received))]
    assert names == ["start", "delta", "delta"]
    written = "".join(data["text"] for name, data in parse(b"".join(received)) if name == "delta")
    generation.refresh_from_db()
    assert generation.status == GenerationStatus.CANCELLED
    assert generation.output == written
    assert selectors.usage_of(artist_id=artist.pk)["used"] == 1
