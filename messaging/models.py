"""Conversations between two people, their messages, blocks and reports (SPEC §7).

A conversation belongs to exactly two users, stored as an ordered pair (``user_low`` has the
smaller id): one row per pair whatever the order, enforced by a unique constraint and a check.
Each side has a :class:`Membership` row holding what that side needs to list its inbox in one
query (the other person, the last message time) and its unread state (count, since when, what
it has read, the last email digest). Every write goes through :mod:`messaging.services`.
"""

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.db.models import F, Q

from umbrella.text import validate_free_text

MESSAGE_MAX_LENGTH = 2000
REPORT_REASON_MAX_LENGTH = 1000
PREVIEW_LENGTH = 140


class Conversation(models.Model):
    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # The newest message, kept by message_send under the conversation's row lock.
    last_message_id = models.BigIntegerField(null=True, blank=True)
    last_message_sender_id = models.BigIntegerField(null=True, blank=True)
    last_message_preview = models.CharField(max_length=PREVIEW_LENGTH, blank=True, default="")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user_low", "user_high"], name="one_conversation_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(user_low__lt=F("user_high")), name="conversation_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk} ({self.user_low_id} ↔ {self.user_high_id})"

    def other_id(self, user_id: int) -> int:
        return self.user_high_id if user_id == self.user_low_id else self.user_low_id


class Membership(models.Model):
    """One side of a conversation: the inbox row of ``user``."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_memberships"
    )
    other = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The conversation's last_message_at, copied for the inbox's ordering index (or created_at).
    last_message_at = models.DateTimeField()
    unread_count = models.PositiveIntegerField(default=0)
    unread_since = models.DateTimeField(null=True, blank=True)
    last_read_id = models.BigIntegerField(default=0)
    # The email digest: when one was last sent and the newest message it covered.
    digest_sent_at = models.DateTimeField(null=True, blank=True)
    digest_through_id = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="one_membership_per_side"
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                F("user"), F("last_message_at").desc(), F("id").desc(), name="membership_inbox"
            ),
            models.Index(
                fields=["unread_since"], condition=Q(unread_count__gt=0), name="membership_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages_sent"
    )
    content = models.TextField(
        validators=[
            MinLengthValidator(1),
            MaxLengthValidator(MESSAGE_MAX_LENGTH),
            validate_free_text,
        ]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(F("conversation"), F("id").desc(), name="message_conversation_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id}: {self.content[:40]}"


class Block(models.Model):
    """``blocker`` blocked ``blocked``: nothing new between them, either way."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTIONED = "actioned", "Actioned"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    """A message or a person reported to staff. Staff close it through ``report_close``, which
    records who decided, when, and why."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reported_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    reason = models.TextField(
        validators=[MaxLengthValidator(REPORT_REASON_MAX_LENGTH), validate_free_text]
    )
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_closed",
    )
    staff_note = models.TextField(blank=True, default="")

    class Meta:
        indexes: ClassVar = [
            models.Index(
                fields=["created_at"], condition=Q(status="open"), name="report_open_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} on {self.reported_user_id} ({self.status})"
