"""The stream's wire format and its ways of ending without an answer, pinned where the third
mutation run of violet.streaming found them loose (docs/mutation/analytics-violet.md): a
provider that stops without its completion, one that takes longer than the stream may, one
that crashes. The artist has used two prompts earlier today: the error's usage is theirs."""

import asyncio
import json

import pytest

from tests.messaging.conftest import run_async
from tests.violet.factories import full_artist
from violet import selectors, services, streaming
from violet.models import DailyUsage, GenerationStatus
from violet.providers import Delta
from violet.providers.offline import OfflineProvider


def test_an_event_is_sent_as_utf8_json_text_not_escaped():
    sent = streaming.sse("delta", {"text": "Nova Reyes — café shows…"})
    assert sent == 'event: delta\ndata: {"text": "Nova Reyes — café shows…"}\n\n'.encode()


class Stopping:
    """A provider whose stream ends after a piece of text, without its completion."""

    async def stream(self, job):
        yield Delta("Nova Reyes is ")


class Crashing:
    """A provider with a bug."""

    async def stream(self, job):
        raise RuntimeError("a bug in the provider")
        yield Delta("never")


class Hanging:
    """A provider that says nothing for a second."""

    async def stream(self, job):
        await asyncio.sleep(1)
        yield Delta("too late")


def streamed(provider) -> tuple[list[tuple[str, dict]], object, int]:
    artist = full_artist()
    DailyUsage.objects.create(artist=artist, day=services.utc_today(), prompts=2)
    prepared = services.generation_prepare(user=artist.user, tool="bio", inputs={})
    generation = services.generation_start(prepared=prepared, provider=OfflineProvider())

    async def scenario() -> list[bytes]:
        return [
            sent
            async for sent in streaming.events(
                generation=generation, prepared=prepared, provider=provider
            )
        ]

    received = run_async(scenario)
    events = []
    for sent in received:
        head, data = sent.decode().strip().split("\n")
        events.append((head.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    generation.refresh_from_db()
    return events, generation, artist.pk


def _ended_uncounted(events, generation, artist_id, code, message):
    """The stream's last event is the error (code, message), the generation failed with it,
    and the usage sent is the artist's, the prompt not counted (2 used before it)."""
    assert events[-1][1]["error"] == {"code": code, "message": message, "details": {}}
    assert generation.status == GenerationStatus.FAILED
    assert generation.error_code == code
    assert events[-1][1]["usage"] == selectors.usage_of(artist_id=artist_id)
    assert events[-1][1]["usage"]["used"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_stream_that_stops_without_its_answer_ends_with_an_error_and_is_not_counted():
    events, generation, artist_id = streamed(Stopping())
    assert [name for name, _ in events] == ["start", "delta", "error"]
    _ended_uncounted(
        events,
        generation,
        artist_id,
        "violet_stream_interrupted",
        "The AI's answer was cut off. Your prompt was not counted; try again.",
    )


@pytest.mark.django_db(transaction=True)
def test_a_provider_slower_than_the_streams_limit_is_timed_out(settings):
    settings.VIOLET_STREAM_MAX_SECONDS = 0.05
    events, generation, artist_id = streamed(Hanging())
    assert [name for name, _ in events] == ["start", "error"]
    _ended_uncounted(
        events,
        generation,
        artist_id,
        "violet_provider_timeout",
        "The AI took too long to answer. Your prompt was not counted; try again.",
    )


@pytest.mark.django_db(transaction=True)
def test_a_provider_that_crashes_is_logged_and_the_stream_ends_with_an_error(caplog):
    events, generation, artist_id = streamed(Crashing())
    assert [name for name, _ in events] == ["start", "error"]
    _ended_uncounted(
        events, generation, artist_id, "violet_provider_error", "The AI provider failed."
    )
    crashed = [r for r in caplog.records if r.name == "violet.streaming"]
    assert [r.getMessage() for r in crashed] == [
        f"Violet stream of generation {generation.pk} crashed"
    ]
    assert crashed[0].exc_info[1].args == ("a bug in the provider",)
