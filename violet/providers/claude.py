"""Claude through Anthropic's official SDK (``anthropic``).

Every request sends the same first system block, :data:`violet.prompts.SYSTEM_PROMPT`, marked
``cache_control: ephemeral`` so that Anthropic serves it from the prompt cache; the facts
follow in a second system block and the tool's instructions are the user turn. Model, timeout
and retries come from settings (``VIOLET_MODEL``, ``VIOLET_TIMEOUT_SECONDS``,
``VIOLET_MAX_RETRIES``), max tokens from the prompt (``VIOLET_MAX_TOKENS``); the tokens of
every answer, cache reads and writes included, are returned for the generation's record.

Streaming uses ``AsyncAnthropic`` (the ASGI process's event loop, no thread held); a stream
that ends before Anthropic's ``message_stop`` event is a failure
(``violet_stream_interrupted``), not a short draft.
"""

import logging
from collections.abc import AsyncGenerator
from typing import Any

import anthropic
import httpx2

from violet.providers import Completion, Delta, Job, ProviderFailure

logger = logging.getLogger(__name__)
# A timeout raised by the SDK, or by the HTTP client while a stream is read.
TIMEOUTS = (anthropic.APITimeoutError, httpx2.TimeoutException)


def request_params(job: Job, *, model: str) -> dict[str, Any]:
    """The body of ``POST /v1/messages`` (less ``stream``), for one job."""
    return {
        "model": model,
        "max_tokens": job.prompt.max_tokens,
        "system": [
            {"type": "text", "text": job.prompt.system, "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": job.prompt.facts},
        ],
        "messages": [{"role": "user", "content": job.prompt.user}],
        "metadata": {"user_id": f"artist-{job.grounding.artist.pk}"},
    }


def _completion(message: Any, *, model: str) -> Completion:
    text = "".join(
        block.text for block in message.content if getattr(block, "type", "") == "text"
    ).strip()
    if not text:
        raise ProviderFailure("violet_provider_error", "The AI answered with no text. Try again.")
    usage = message.usage
    return Completion(
        text=text,
        model=message.model or model,
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cache_read_tokens=getattr(usage, "cache_read_input_tokens", None) or 0,
        cache_write_tokens=getattr(usage, "cache_creation_input_tokens", None) or 0,
        stop_reason=message.stop_reason or "",
    )


def _failure(error: Exception) -> ProviderFailure:
    """The provider's exception as the error the artist sees (details are logged, not shown)."""
    if isinstance(error, ProviderFailure):
        return error
    if isinstance(error, TIMEOUTS):
        return ProviderFailure(
            "violet_provider_timeout",
            "The AI took too long to answer. Your prompt was not counted; try again.",
            status=504,
        )
    if isinstance(error, anthropic.APIStatusError):
        logger.warning("Claude answered %s: %s", error.status_code, error.message)
    else:
        logger.warning("Claude request failed: %r", error)
    return ProviderFailure(
        "violet_provider_error",
        "The AI service is not answering right now. Your prompt was not counted; try again.",
    )


class ClaudeProvider:
    name = "claude"
    offline = False

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        timeout: float,
        max_retries: int,
        base_url: str | None = None,
    ) -> None:
        self.model = model
        self._options: dict[str, Any] = {
            "api_key": api_key,
            "timeout": timeout,
            "max_retries": max_retries,
        }
        if base_url:
            self._options["base_url"] = base_url

    def complete(self, job: Job) -> Completion:
        try:
            with anthropic.Anthropic(**self._options) as client:
                message = client.messages.create(**request_params(job, model=self.model))
            return _completion(message, model=self.model)
        except (anthropic.AnthropicError, httpx2.HTTPError, ProviderFailure) as error:
            raise _failure(error) from error

    async def stream(self, job: Job) -> AsyncGenerator[Delta | Completion, None]:
        client = anthropic.AsyncAnthropic(**self._options)
        started = stopped = False
        try:
            async with client.messages.stream(**request_params(job, model=self.model)) as stream:
                async for event in stream:
                    started = True
                    if event.type == "text" and event.text:
                        yield Delta(event.text)
                    elif event.type == "message_stop":
                        stopped = True
                if not stopped:
                    raise _interrupted()
                message = await stream.get_final_message()
            yield _completion(message, model=self.model)
        except (anthropic.AnthropicError, httpx2.HTTPError, ProviderFailure) as error:
            if started and not isinstance(error, (ProviderFailure, *TIMEOUTS)):
                raise _interrupted() from error  # the connection broke mid-answer
            raise _failure(error) from error
        finally:
            await client.close()


def _interrupted() -> ProviderFailure:
    return ProviderFailure(
        "violet_stream_interrupted",
        "The AI's answer was cut off. Your prompt was not counted; try again.",
    )
