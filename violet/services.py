"""Violet's writes: reserve a unit of the daily allowance and record a generation, complete or
fail it, and save a draft into the profile (docs/violet.md).

A generation goes through three steps, so that no row is locked while the provider writes:

1. :func:`generation_start` (one short transaction): take one unit of today's allowance with a
   conditional ``UPDATE … SET prompts = prompts + 1 WHERE prompts < limit`` on the artist's
   :class:`~violet.models.DailyUsage` row — concurrent requests queue on that row and each
   re-reads it, so the limit is never passed — and write the generation as ``pending``.
2. The provider writes (no transaction open): :func:`generate` for one JSON answer, or
   violet/streaming.py for a stream.
3. :func:`generation_complete` records the output and the tokens, or :func:`generation_fail`
   marks it failed and **gives the unit back**: a provider failure or timeout does not use up
   the allowance. :func:`generation_cancel` (the stream's client went away) keeps the unit.

A process that dies between steps 1 and 3 leaves a pending generation holding its unit; the
next :func:`generation_start` of that artist fails it (and so gives the unit back) once it is
older than any provider call can last (:func:`stale_after`).
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from artists import selectors as artist_selectors
from artists.services import profiles as profile_services
from umbrella.errors import ApplicationError, NotFoundError
from violet import prompts
from violet.grounding import Grounding, field_label, ground
from violet.models import DailyUsage, Generation, GenerationStatus
from violet.providers import Completion, Job, Provider, ProviderFailure, get_provider
from violet.tools import TOOLS, Tool, tool_named

logger = logging.getLogger(__name__)


class DailyLimitReached(ApplicationError):
    """429: the day's allowance is used. ``retry_after`` is seconds to the next UTC midnight."""

    status_code = 429

    def __init__(self, code: str, message: str, *, details: dict[str, Any], retry_after: int):
        super().__init__(code, message, details=details)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Prepared:
    """A request that passed every check, with the prompt built: ready to reserve and send."""

    tool: Tool
    inputs: dict[str, Any]
    grounding: Grounding
    prompt: prompts.Prompt

    @property
    def job(self) -> Job:
        return Job(tool=self.tool, inputs=self.inputs, grounding=self.grounding, prompt=self.prompt)


# --- the day and the allowance ------------------------------------------------------------------


def utc_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(UTC).date()


def next_reset(now: datetime | None = None) -> datetime:
    """The next UTC midnight: when a new day's allowance starts."""
    return datetime.combine(utc_today(now) + timedelta(days=1), time(0), tzinfo=UTC)


def daily_limit() -> int:
    return int(settings.VIOLET_DAILY_LIMIT)


def stale_after() -> timedelta:
    """How old a pending generation must be before it is known dead: longer than any call to
    the provider may last (every retry's timeout, or the whole stream's deadline)."""
    call = settings.VIOLET_TIMEOUT_SECONDS * (settings.VIOLET_MAX_RETRIES + 1)
    return timedelta(seconds=max(call, settings.VIOLET_STREAM_MAX_SECONDS) + 60)


def cost_micro_usd(completion: Completion) -> int:
    """What an answer cost, from the token prices in settings (USD per million tokens, which
    is micro-dollars per token)."""
    prices = settings.VIOLET_PRICES_USD_PER_MTOK
    return round(
        completion.input_tokens * prices["input"]
        + completion.output_tokens * prices["output"]
        + completion.cache_read_tokens * prices["cache_read"]
        + completion.cache_write_tokens * prices["cache_write"]
    )


def _limit_reached(artist_id: int, day: date) -> DailyLimitReached:
    used = (
        DailyUsage.objects.filter(artist_id=artist_id, day=day)
        .values_list("prompts", flat=True)
        .first()
    ) or 0
    limit, resets_at = daily_limit(), next_reset()
    return DailyLimitReached(
        "violet_limit_reached",
        f"You have used your {limit} Violet prompts for today. More at midnight UTC.",
        details={
            "limit": limit,
            "used": used,
            "remaining": max(0, limit - used),
            "resets_at": resets_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        retry_after=max(1, int((resets_at - timezone.now()).total_seconds() + 0.999)),
    )


def _reserve(artist_id: int, day: date) -> None:
    """Take one unit of ``day``'s allowance, or raise :class:`DailyLimitReached`.

    The row is created if missing (``ON CONFLICT DO NOTHING``: concurrent first requests of a
    day make one row), then one conditional ``UPDATE`` takes the unit. PostgreSQL makes
    concurrent updates of the row wait for each other and re-check ``prompts < limit`` on the
    row as the previous one left it, so exactly ``limit`` of any number of racing requests
    succeed. No check-then-act.
    """
    DailyUsage.objects.bulk_create(
        [DailyUsage(artist_id=artist_id, day=day)], ignore_conflicts=True
    )
    taken = DailyUsage.objects.filter(
        artist_id=artist_id, day=day, prompts__lt=daily_limit()
    ).update(prompts=F("prompts") + 1, updated_at=timezone.now())
    if not taken:
        raise _limit_reached(artist_id, day)


def _give_back(artist_id: int, day: date) -> None:
    DailyUsage.objects.filter(artist_id=artist_id, day=day, prompts__gt=0).update(
        prompts=F("prompts") - 1, failures=F("failures") + 1, updated_at=timezone.now()
    )


# --- a generation ------------------------------------------------------------------------------


def _require_onboarded(user: User) -> None:
    if user.needs_onboarding:
        raise ApplicationError(
            "onboarding_required", "Finish onboarding before doing this.", status=403
        )


def generation_prepare(*, user: User, tool: Any, inputs: Any) -> Prepared:
    """Check a request and build its prompt; writes nothing and uses no allowance.

    Refuses: 403 ``onboarding_required`` / ``not_an_artist``; 400 ``validation_error`` (an
    unknown tool, bad inputs, with ``details.tool`` or ``details.inputs``); 404 for a gig,
    booking or conversation that is not there or not the artist's; 409 ``gig_not_open``,
    ``booking_not_active``; 409 ``profile_incomplete`` when the tool needs profile fields the
    artist has not filled in (``details.missing_fields``).
    """
    _require_onboarded(user)
    spec = tool_named(tool)
    artist_selectors.artist_require(user=user)
    cleaned = spec.clean(inputs)
    grounding = ground(user=user, tool=spec, inputs=cleaned)
    if grounding.missing:
        labels = [field_label(name) for name in grounding.missing]
        raise ApplicationError(
            "profile_incomplete",
            f"Fill in your profile first: {', '.join(labels)}.",
            status=409,
            details={
                "missing_fields": [
                    {"field": name, "label": field_label(name)} for name in grounding.missing
                ]
            },
        )
    prompt = prompts.build(spec, cleaned, grounding, max_tokens=settings.VIOLET_MAX_TOKENS)
    return Prepared(tool=spec, inputs=cleaned, grounding=grounding, prompt=prompt)


def _expire_stale(artist_id: int) -> None:
    cutoff = timezone.now() - stale_after()
    stale = Generation.objects.filter(
        artist_id=artist_id, status=GenerationStatus.PENDING, created_at__lt=cutoff
    ).values_list("pk", flat=True)
    for generation_id in list(stale):
        generation_fail(
            generation_id=generation_id,
            error=ProviderFailure(
                "violet_provider_timeout", "No answer came: the draft was abandoned.", status=504
            ),
        )


@transaction.atomic
def generation_start(*, prepared: Prepared, provider: Provider) -> Generation:
    """Take a unit of today's allowance (429 ``violet_limit_reached`` when none is left) and
    record the generation as pending. Call the provider only after this commits."""
    artist = prepared.grounding.artist
    _expire_stale(artist.pk)
    day = utc_today()
    _reserve(artist.pk, day)
    return Generation.objects.create(
        artist=artist,
        tool=prepared.tool.name,
        inputs=prepared.inputs,
        facts=[fact.as_dict() for fact in prepared.grounding.facts],
        prompt=prepared.prompt.user,
        provider=provider.name,
        model=provider.model,
        gig_id=prepared.grounding.gig_id,
        booking_id=prepared.grounding.booking_id,
        conversation_id=prepared.grounding.conversation_id,
        usage_day=day,
    )


def _lock(generation_id: int) -> Generation:
    return Generation.objects.select_for_update().get(pk=generation_id)


@transaction.atomic
def generation_complete(*, generation_id: int, completion: Completion) -> Generation:
    """Record the draft and its tokens (on the generation and the day's usage).

    A generation that was expired as stale meanwhile (its unit given back) takes a unit again
    if one is left; otherwise it stays failed: the limit is never passed."""
    generation = _lock(generation_id)
    if generation.status == GenerationStatus.FAILED:
        try:
            _reserve(generation.artist_id, generation.usage_day)
        except DailyLimitReached:
            return generation
    elif generation.status != GenerationStatus.PENDING:
        return generation
    now = timezone.now()
    cost = cost_micro_usd(completion)
    generation.status = GenerationStatus.COMPLETED
    generation.output = completion.text
    generation.model = completion.model or generation.model
    generation.error_code = generation.error_message = ""
    generation.input_tokens = completion.input_tokens
    generation.output_tokens = completion.output_tokens
    generation.cache_read_tokens = completion.cache_read_tokens
    generation.cache_write_tokens = completion.cache_write_tokens
    generation.cost_micro_usd = cost
    generation.completed_at = now
    generation.save()
    DailyUsage.objects.filter(artist_id=generation.artist_id, day=generation.usage_day).update(
        input_tokens=F("input_tokens") + completion.input_tokens,
        output_tokens=F("output_tokens") + completion.output_tokens,
        cache_read_tokens=F("cache_read_tokens") + completion.cache_read_tokens,
        cache_write_tokens=F("cache_write_tokens") + completion.cache_write_tokens,
        cost_micro_usd=F("cost_micro_usd") + cost,
        updated_at=now,
    )
    return generation


@transaction.atomic
def generation_fail(*, generation_id: int, error: ApplicationError) -> Generation:
    """Mark a pending generation failed and give its unit back (idempotent)."""
    generation = _lock(generation_id)
    if generation.status != GenerationStatus.PENDING:
        return generation
    generation.status = GenerationStatus.FAILED
    generation.error_code = error.code[:40]
    generation.error_message = error.message[:300]
    generation.completed_at = timezone.now()
    generation.save()
    _give_back(generation.artist_id, generation.usage_day)
    return generation


@transaction.atomic
def generation_cancel(*, generation_id: int, partial: str) -> Generation:
    """The stream's client went away before the end: keep what was written; the unit stays
    used (the provider did the work)."""
    generation = _lock(generation_id)
    if generation.status != GenerationStatus.PENDING:
        return generation
    generation.status = GenerationStatus.CANCELLED
    generation.output = partial
    generation.error_code = "cancelled"
    generation.error_message = "The page was closed before the draft was finished."
    generation.completed_at = timezone.now()
    generation.save()
    return generation


def generate(*, user: User, tool: Any, inputs: Any, provider: Provider | None = None) -> Generation:
    """One whole draft (the JSON API, and the workspace page without JavaScript).

    Call it outside any transaction: the provider is called between two short ones. A provider
    failure gives the unit back and is raised (502 ``violet_provider_error``, 504
    ``violet_provider_timeout``)."""
    prepared = generation_prepare(user=user, tool=tool, inputs=inputs)
    provider = provider or get_provider()
    generation = generation_start(prepared=prepared, provider=provider)
    try:
        completion = provider.complete(prepared.job)
    except ProviderFailure as error:
        generation_fail(generation_id=generation.pk, error=error)
        raise
    except Exception:
        logger.exception("Violet provider %s crashed", provider.name)
        generation_fail(
            generation_id=generation.pk,
            error=ProviderFailure("violet_provider_error", "The AI provider failed."),
        )
        raise
    return generation_complete(generation_id=generation.pk, completion=completion)


# --- saving a draft into the profile ------------------------------------------------------------


def save_field_of(generation: Generation) -> str:
    tool = TOOLS.get(generation.tool)
    return tool.save_field if tool else ""


@transaction.atomic
def generation_save_to_profile(*, user: User, generation_id: int) -> Generation:
    """Put a completed draft into the profile field its tool writes (bio, tagline) through the
    artists' ``profile_update``: the profile editor's own validation and normalisation.

    Refuses: 404 for a generation that is not the artist's; 409 ``violet_not_savable`` (the
    tool writes no profile field) or ``violet_not_completed``; 400 ``validation_error`` when
    the profile refuses the text (too long for a tagline, …), and nothing is saved."""
    artist = artist_selectors.artist_own(user=user)
    generation = (
        Generation.objects.select_for_update().filter(pk=generation_id, artist=artist).first()
    )
    if generation is None:
        raise NotFoundError("not_found", "No such draft of yours.")
    field = save_field_of(generation)
    if not field:
        raise ApplicationError(
            "violet_not_savable",
            "This kind of draft has no profile field to go into: copy it instead.",
            status=409,
        )
    if generation.status != GenerationStatus.COMPLETED:
        raise ApplicationError(
            "violet_not_completed", "Only a finished draft can be saved.", status=409
        )
    profile_services.profile_update(user=user, data={field: generation.output})
    generation.saved_field = field
    generation.saved_at = timezone.now()
    generation.save(update_fields=["saved_field", "saved_at", "updated_at"])
    return generation
