"""A draft streamed as it is written: ``POST /stream/violet/generate`` (docs/violet.md
"Streaming").

The view is an async Django view, served by the ASGI process (``ws`` in production, Daphne's
``runserver`` in ``bin/dev``): while the model writes, the request waits on the event loop, not
in a worker thread. Checks and the reservation happen before the response starts, so a refusal
is an ordinary JSON error (the API's shape and status). Then the body is Server-Sent Events::

    event: start   data: {"generation": {…pending…}, "usage": {…}}
    event: delta   data: {"text": "Nova Reyes is "}          (many)
    event: done    data: {"generation": {…completed…}, "usage": {…}}
    event: error   data: {"error": {"code", "message", "details"}, "usage": {…}}

Exactly one of ``done`` and ``error`` ends a stream. After ``error`` the prompt was not counted
(``usage.remaining`` says so). A client that goes away mid-stream stops the provider; the
generation is kept as ``cancelled`` with what was written so far.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from umbrella.errors import ApplicationError
from violet import selectors, services
from violet.models import Generation
from violet.providers import Completion, Delta, Provider, ProviderFailure

logger = logging.getLogger(__name__)


def sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _error(error: ApplicationError) -> dict[str, Any]:
    return {"code": error.code, "message": error.message, "details": error.details}


async def events(
    *, generation: Generation, prepared: services.Prepared, provider: Provider
) -> AsyncIterator[bytes]:
    """The stream of one started (pending) generation: provider deltas in, SSE events out,
    and the generation completed, failed (unit given back) or cancelled at the end."""
    usage = sync_to_async(selectors.usage_of)
    artist_id = generation.artist_id
    yield sse(
        "start",
        {
            "generation": selectors.generation_card(generation),
            "usage": await usage(artist_id=artist_id),
        },
    )
    written: list[str] = []
    completion: Completion | None = None
    try:
        async with asyncio.timeout(settings.VIOLET_STREAM_MAX_SECONDS):
            async with aclosing(provider.stream(prepared.job)) as pieces:
                async for piece in pieces:
                    if isinstance(piece, Delta):
                        written.append(piece.text)
                        yield sse("delta", {"text": piece.text})
                    else:
                        completion = piece
        if completion is None:
            raise ProviderFailure(
                "violet_stream_interrupted",
                "The AI's answer was cut off. Your prompt was not counted; try again.",
            )
    except (ProviderFailure, TimeoutError) as caught:
        error = (
            caught
            if isinstance(caught, ProviderFailure)
            else ProviderFailure(
                "violet_provider_timeout",
                "The AI took too long to answer. Your prompt was not counted; try again.",
                status=504,
            )
        )
        await sync_to_async(services.generation_fail)(generation_id=generation.pk, error=error)
        yield sse("error", {"error": _error(error), "usage": await usage(artist_id=artist_id)})
        return
    except (asyncio.CancelledError, GeneratorExit):
        # The client went away (Django cancels the response, or closes this generator).
        await asyncio.shield(
            sync_to_async(services.generation_cancel)(
                generation_id=generation.pk, partial="".join(written)
            )
        )
        raise
    except Exception:
        logger.exception("Violet stream of generation %s crashed", generation.pk)
        error = ProviderFailure("violet_provider_error", "The AI provider failed.")
        await sync_to_async(services.generation_fail)(generation_id=generation.pk, error=error)
        yield sse("error", {"error": _error(error), "usage": await usage(artist_id=artist_id)})
        return
    done = await sync_to_async(services.generation_complete)(
        generation_id=generation.pk, completion=completion
    )
    yield sse(
        "done",
        {
            "generation": selectors.generation_card(done),
            "usage": await usage(artist_id=artist_id),
        },
    )
