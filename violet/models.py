"""Violet's records (SPEC §9): every generation an artist asked for, and each artist's use of
the daily allowance.

- :class:`Generation` is one prompt and its output: the tool, the typed inputs, the grounding
  facts the model was given (copied, so the history shows what was used even after the
  profile or the gig changed), the prompt text, the output, the provider and model, the tokens
  and what it cost. It is written ``pending`` before the provider is called and becomes
  ``completed`` or ``failed`` after (violet/services.py).
- :class:`DailyUsage` is one row per artist per UTC day: ``prompts`` is the number of units of
  the allowance in use (completed, pending and cancelled generations; a failed one gives its
  unit back),
  plus the tokens and the cost of that day. The allowance is enforced on this row with one
  conditional ``UPDATE`` (docs/violet.md "The daily allowance"). Kept when the artist's
  account is deleted (``SET NULL``), so the staff's spend per day never changes afterwards.
"""

from typing import ClassVar

from django.db import models
from django.db.models import Q

from artists.models import ArtistProfile
from marketplace.models import Booking, Gig
from messaging.models import Conversation
from umbrella.models import TimeStampedModel


class Tool(models.TextChoices):
    BIO = "bio", "Bio"
    TAGLINE = "tagline", "Tagline"
    PRESS_RELEASE = "press_release", "Press release"
    GIG_PITCH = "gig_pitch", "Gig pitch"
    SOCIAL_CAPTIONS = "social_captions", "Social captions"
    SETLIST_IDEAS = "setlist_ideas", "Setlist ideas"
    MESSAGE_REPLY = "message_reply", "Reply to a message"


class ProviderName(models.TextChoices):
    CLAUDE = "claude", "Claude"
    OFFLINE = "offline", "Offline draft"


class GenerationStatus(models.TextChoices):
    PENDING = "pending", "Writing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    # The page was closed (the stream's client went away) before the draft was finished: the
    # provider worked, so the unit stays used.
    CANCELLED = "cancelled", "Stopped"


class Generation(TimeStampedModel):
    artist = models.ForeignKey(
        ArtistProfile, on_delete=models.CASCADE, related_name="violet_generations"
    )
    tool = models.CharField(max_length=20, choices=Tool.choices)
    inputs = models.JSONField(default=dict, blank=True)
    # [{"source": "profile", "field": "stage_name", "label": "Stage name", "value": "…"}, …]
    facts = models.JSONField(default=list, blank=True)
    prompt = models.TextField(help_text="The instructions sent with the facts (the user turn).")
    output = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=GenerationStatus.choices, default=GenerationStatus.PENDING
    )
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    provider = models.CharField(max_length=10, choices=ProviderName.choices)
    model = models.CharField(max_length=100, blank=True)
    gig = models.ForeignKey(Gig, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The UTC day whose allowance this generation holds a unit of (given back there on failure).
    usage_day = models.DateField()
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_read_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    cost_micro_usd = models.PositiveBigIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The profile field the output was saved into ("bio", "tagline"), and when.
    saved_field = models.CharField(max_length=20, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [
            models.Index(fields=["artist", "-id"], name="violet_history"),
            models.Index(
                fields=["artist", "created_at"],
                condition=Q(status="pending"),
                name="violet_pending",
            ),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status__in=GenerationStatus.values), name="violet_generation_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tool_display()} for {self.artist} ({self.get_status_display()})"


class DailyUsage(TimeStampedModel):
    artist = models.ForeignKey(
        ArtistProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="violet_usage",
    )
    day = models.DateField(help_text="UTC day.")
    prompts = models.PositiveIntegerField(
        default=0, help_text="Units of the allowance in use (failed generations gave theirs back)."
    )
    failures = models.PositiveIntegerField(
        default=0, help_text="Generations that failed and gave their unit back."
    )
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    cache_read_tokens = models.PositiveBigIntegerField(default=0)
    cache_write_tokens = models.PositiveBigIntegerField(default=0)
    cost_micro_usd = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["-day", "-id"]
        verbose_name = "daily usage"
        verbose_name_plural = "daily usage"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["artist", "day"], name="violet_one_usage_per_day"),
        ]
        indexes: ClassVar = [models.Index(fields=["day"], name="violet_usage_day")]

    def __str__(self) -> str:
        who = self.artist.stage_name if self.artist else "deleted artist"
        return f"{who} on {self.day}: {self.prompts} prompts"
