"""Who writes the drafts: one small interface, two providers (docs/violet.md "Providers").

- :class:`~violet.providers.claude.ClaudeProvider`: Anthropic's Claude through the official
  ``anthropic`` SDK, when ``ANTHROPIC_API_KEY`` (or ``CLAUDE_API_KEY``) is set.
- :class:`~violet.providers.offline.OfflineProvider`: deterministic drafts built from templates
  and the facts, labelled "Offline draft" everywhere; the embedded default and the tests.

A provider takes a :class:`Job` and either answers one :class:`Completion`
(:meth:`Provider.complete`, the JSON API and pages without JavaScript) or streams
:class:`Delta` items followed by one :class:`Completion` (:meth:`Provider.stream`, async, run
in the ASGI process). Failures are :class:`ProviderFailure`; the services give the allowance unit
back for every one of them.
"""

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from umbrella.errors import ApplicationError
from violet.grounding import Grounding
from violet.prompts import Prompt
from violet.tools import Tool


@dataclass(frozen=True)
class Job:
    tool: Tool
    inputs: dict[str, Any]
    grounding: Grounding
    prompt: Prompt


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    stop_reason: str = ""


class ProviderFailure(ApplicationError):
    """The provider failed: 502 ``violet_provider_error`` or ``violet_stream_interrupted``, or
    504 ``violet_provider_timeout``. The prompt is not counted against the allowance."""

    status_code = 502


class Provider(Protocol):
    name: str  # violet.models.ProviderName
    model: str
    offline: bool

    def complete(self, job: Job) -> Completion: ...

    def stream(self, job: Job) -> AsyncGenerator[Delta | Completion, None]: ...


def api_key() -> str:
    return str(settings.VIOLET_API_KEY or "")


def get_provider() -> Provider:
    """Claude when an API key is set, otherwise the offline provider. The SDK is imported
    only when it is used (importing it takes seconds: a first page would wait for it)."""
    from violet.providers.offline import OfflineProvider

    if api_key():
        from violet.providers.claude import ClaudeProvider

        return ClaudeProvider(
            api_key=api_key(),
            model=settings.VIOLET_MODEL,
            timeout=settings.VIOLET_TIMEOUT_SECONDS,
            max_retries=settings.VIOLET_MAX_RETRIES,
            base_url=settings.VIOLET_BASE_URL or None,
        )
    return OfflineProvider(delay=settings.VIOLET_OFFLINE_STREAM_DELAY)


def label(provider_name: str) -> str:
    """What the UI and the API call a draft of ``provider_name``."""
    return "Offline draft" if provider_name == "offline" else "Written with Claude"
