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
from django.db.models.functions import Lower

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
            # The nightly rollup's messages of one day (analytics: messages received).
            models.Index(
                fields=["created_at"], include=["conversation", "sender"], name="message_created"
            ),
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


# --- Fan lists (SPEC §7 "Fan messaging") -----------------------------------------------------
#
# An artist's lists of fans. A member has an email address and/or a phone number (E.164), kept
# in normalised form (email lower-cased, phone "+15125550100") so that the partial unique
# constraints catch duplicates. Opting out is artist-wide and lives in ArtistOptOut; every rule
# about who may be messaged is in messaging.fans.consent. Writes go through messaging.fans.

LIST_NAME_MAX_LENGTH = 100
LIST_DESCRIPTION_MAX_LENGTH = 1000
MEMBER_NAME_MAX_LENGTH = 100
PLACE_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 16  # "+" and at most 15 digits (E.164)


class ContactList(models.Model):
    artist = models.ForeignKey(
        "artists.ArtistProfile", on_delete=models.CASCADE, related_name="contact_lists"
    )
    name = models.CharField(max_length=LIST_NAME_MAX_LENGTH, validators=[validate_free_text])
    description = models.TextField(
        blank=True,
        default="",
        validators=[MaxLengthValidator(LIST_DESCRIPTION_MAX_LENGTH), validate_free_text],
    )
    # The public sign-up page is /fans/<signup_token>/join: unguessable, so that a list is
    # joined only by people the artist gave the link (or the QR code) to.
    signup_token = models.CharField(max_length=32, unique=True)
    signup_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint("artist", Lower("name"), name="contact_list_name_per_artist"),
        ]
        indexes: ClassVar = [
            models.Index(
                F("artist"), F("created_at").desc(), F("id").desc(), name="contact_list_artist"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MemberSource(models.TextChoices):
    IMPORT = "import", "CSV import"
    SIGNUP = "signup", "Sign-up page"
    MANUAL = "manual", "Added by the artist"
    ROOM = "room", "Room"


class ContactMember(models.Model):
    contact_list = models.ForeignKey(ContactList, on_delete=models.CASCADE, related_name="members")
    email = models.CharField(max_length=EMAIL_MAX_LENGTH, null=True, blank=True)
    phone = models.CharField(max_length=PHONE_MAX_LENGTH, null=True, blank=True)
    name = models.CharField(
        max_length=MEMBER_NAME_MAX_LENGTH, blank=True, default="", validators=[validate_free_text]
    )
    city = models.CharField(
        max_length=PLACE_MAX_LENGTH, blank=True, default="", validators=[validate_free_text]
    )
    region = models.CharField(
        max_length=PLACE_MAX_LENGTH, blank=True, default="", validators=[validate_free_text]
    )
    source = models.CharField(max_length=10, choices=MemberSource.choices)
    # When the fan agreed (sign-up confirmed, or the artist's attestation for an import or a
    # manual add). A sign-up waiting for its confirmation has none and is not opted in.
    consent_at = models.DateTimeField(null=True, blank=True)
    opted_in = models.BooleanField(default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    # Double opt-in: the SHA-256 of the token mailed to the address ("" once confirmed).
    confirm_token_hash = models.CharField(max_length=64, blank=True, default="")
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["contact_list", "email"],
                condition=Q(email__isnull=False),
                name="contact_member_one_per_email",
            ),
            models.UniqueConstraint(
                fields=["contact_list", "phone"],
                condition=Q(phone__isnull=False),
                name="contact_member_one_per_phone",
            ),
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False),
                name="contact_member_has_address",
            ),
            models.CheckConstraint(
                condition=~Q(email="") & ~Q(phone=""), name="contact_member_no_empty_address"
            ),
            models.CheckConstraint(
                condition=Q(opted_in=False) | Q(consent_at__isnull=False),
                name="contact_member_opted_in_with_consent",
            ),
        ]
        indexes: ClassVar = [
            models.Index(F("contact_list"), F("id").desc(), name="contact_member_list_newest"),
            # The nightly rollup's fans who joined on one day (analytics: fan list growth).
            models.Index(
                fields=["consent_at"],
                include=["contact_list", "id"],
                condition=Q(consent_at__isnull=False),
                name="contact_member_consent",
            ),
            models.Index(
                fields=["email"], condition=Q(email__isnull=False), name="contact_member_email"
            ),
            models.Index(
                fields=["phone"], condition=Q(phone__isnull=False), name="contact_member_phone"
            ),
            models.Index(
                fields=["confirm_token_hash"],
                condition=~Q(confirm_token_hash=""),
                name="contact_member_confirm_token",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.phone or f"member {self.pk}"


class OptOutChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    STAFF = "staff", "Staff"
    ARTIST = "artist", "Artist"


class ArtistOptOut(models.Model):
    """An address that must not be messaged by any list of ``artist``.

    ``artist`` is empty for an SMS STOP sent to the platform's sender number: that number
    speaks for every artist, so the phone is opted out of all of them (docs/messaging.md).
    Exactly one of ``email`` and ``phone`` is set. Rows are removed only when the person opts
    back in (a confirmed sign-up, SMS START); ConsentEvent keeps the history.
    """

    artist = models.ForeignKey(
        "artists.ArtistProfile",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fan_opt_outs",
    )
    email = models.CharField(max_length=EMAIL_MAX_LENGTH, null=True, blank=True)
    phone = models.CharField(max_length=PHONE_MAX_LENGTH, null=True, blank=True)
    at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=OptOutChannel.choices)
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["artist", "email"],
                condition=Q(email__isnull=False, artist__isnull=False),
                name="artist_opt_out_one_per_email",
            ),
            models.UniqueConstraint(
                fields=["artist", "phone"],
                condition=Q(phone__isnull=False, artist__isnull=False),
                name="artist_opt_out_one_per_phone",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(email__isnull=False, artist__isnull=True),
                name="platform_opt_out_one_per_email",
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(phone__isnull=False, artist__isnull=True),
                name="platform_opt_out_one_per_phone",
            ),
            models.CheckConstraint(
                condition=(Q(email__isnull=False) & Q(phone__isnull=True))
                | (Q(email__isnull=True) & Q(phone__isnull=False)),
                name="artist_opt_out_one_address",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["email"], condition=Q(email__isnull=False), name="artist_opt_out_email"
            ),
            models.Index(
                fields=["phone"], condition=Q(phone__isnull=False), name="artist_opt_out_phone"
            ),
        ]

    def __str__(self) -> str:
        who = self.artist_id or "all artists"
        return f"{self.email or self.phone} opted out of {who}"


class ConsentEventKind(models.TextChoices):
    SIGNUP_REQUESTED = "signup_requested", "Sign-up requested (confirmation sent)"
    SIGNUP_CONFIRMED = "signup_confirmed", "Sign-up confirmed"
    ADDED = "added", "Added by the artist"
    IMPORTED = "imported", "Imported"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed (link)"
    SMS_STOP = "sms_stop", "SMS STOP"
    SMS_START = "sms_start", "SMS START"
    REMOVED = "removed", "Removed from a list"
    ROOM_OPT_IN = "room_opt_in", "Opted in when joining a live room"


class ConsentEvent(models.Model):
    """The record of consent: who agreed or withdrew, when, how. Never edited."""

    artist = models.ForeignKey(
        "artists.ArtistProfile",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fan_consent_events",
    )
    contact_list = models.ForeignKey(
        ContactList, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.CharField(max_length=EMAIL_MAX_LENGTH, null=True, blank=True)
    phone = models.CharField(max_length=PHONE_MAX_LENGTH, null=True, blank=True)
    kind = models.CharField(max_length=20, choices=ConsentEventKind.choices)
    at = models.DateTimeField()
    # The request's IP for sign-ups and unsubscribes, the user for artist actions, etc.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(F("artist"), F("at").desc(), name="consent_event_artist"),
            # The nightly rollup's fans who left on one day (analytics: fan list growth).
            models.Index(fields=["at"], include=["artist", "kind"], name="consent_event_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.email or self.phone} at {self.at:%Y-%m-%d %H:%M}"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Previewed"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """One CSV upload: previewed, then confirmed and imported (in a Celery task when large).

    The file's text is kept until the import ends so that confirming re-reads exactly what was
    previewed; ``rejected`` is the report: one ``{"row", "verdict", "message", "email",
    "phone"}`` per refused row.
    """

    contact_list = models.ForeignKey(ContactList, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True, default="")
    source_text = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(F("contact_list"), F("id").desc(), name="import_job_list_newest"),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.contact_list_id} ({self.status})"


# --- Campaigns (SPEC §7 "Fan messaging", docs/messaging.md "Campaigns and delivery guarantees") --
#
# An artist's email or SMS to the reachable members of one list (or of every list), optionally
# only those in one city or region. Every change of a campaign's status goes through
# messaging.campaigns.services and writes a CampaignStatusChange. Sending fans out one Delivery
# per recipient address (unique per campaign and member, and per campaign and address), each
# claimed by one worker at a time and sent with its own idempotency key.

CAMPAIGN_NAME_MAX_LENGTH = 100
CAMPAIGN_SUBJECT_MAX_LENGTH = 200
CAMPAIGN_EMAIL_BODY_MAX_LENGTH = 20_000
CAMPAIGN_SMS_BODY_MAX_LENGTH = 1_600


class CampaignChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class CampaignKind(models.TextChoices):
    MANUAL = "manual", "Written by the artist"
    ANNOUNCEMENT = "announcement", "Show announcement"


class Campaign(models.Model):
    artist = models.ForeignKey(
        "artists.ArtistProfile", on_delete=models.CASCADE, related_name="campaigns"
    )
    # One list, or (all_lists) every list of the artist: an address on two lists is one
    # recipient. A campaign whose list was deleted has neither, and reaches nobody.
    contact_list = models.ForeignKey(
        ContactList, on_delete=models.SET_NULL, null=True, blank=True, related_name="campaigns"
    )
    all_lists = models.BooleanField(default=False)
    # Only members in this city or region (either matches, any case); both empty: everyone.
    audience_city = models.CharField(max_length=PLACE_MAX_LENGTH, blank=True, default="")
    audience_region = models.CharField(max_length=PLACE_MAX_LENGTH, blank=True, default="")
    kind = models.CharField(max_length=12, choices=CampaignKind.choices, default="manual")
    # A show announcement's booking: one draft per accepted booking.
    booking = models.ForeignKey(
        "marketplace.Booking",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="announcements",
    )
    channel = models.CharField(max_length=5, choices=CampaignChannel.choices)
    name = models.CharField(max_length=CAMPAIGN_NAME_MAX_LENGTH)
    subject = models.CharField(max_length=CAMPAIGN_SUBJECT_MAX_LENGTH, blank=True, default="")
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Deliveries made when sending started (the recipients of that moment).
    recipient_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(all_lists=False) | Q(contact_list__isnull=True),
                name="campaign_one_list_or_all",
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(booking__isnull=False),
                name="campaign_one_announcement_per_booking",
            ),
        ]
        indexes: ClassVar = [
            models.Index(F("artist"), F("id").desc(), name="campaign_artist_newest"),
            models.Index(
                fields=["scheduled_at"],
                condition=Q(status="scheduled"),
                name="campaign_scheduled_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel}, {self.status})"


class CampaignStatusChange(models.Model):
    """The audit row of every campaign status change: who (empty: the system), when, from, to."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="changes")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        indexes: ClassVar = [
            models.Index(F("campaign"), F("at"), name="campaign_change_history"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.from_status or '—'} → {self.to_status}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    # Claimed by a worker that is sending it now (see claimed_at and the claim lease).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    # Not sent: the address opted out (or left the list) after the fan-out.
    SKIPPED = "skipped", "Skipped (opted out)"


class Delivery(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(
        ContactMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    # The email address or E.164 number at fan-out (kept when the member row is gone).
    address = models.CharField(max_length=EMAIL_MAX_LENGTH)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    # Sent to the provider with every attempt of this delivery (Resend's Idempotency-Key).
    idempotency_key = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not before this time (quiet hours, the backoff after a provider error).
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["campaign", "member"], name="delivery_one_per_campaign_member"
            ),
            models.UniqueConstraint(
                fields=["campaign", "address"], name="delivery_one_per_campaign_address"
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["campaign", "next_attempt_at", "id"],
                condition=Q(status__in=["queued", "sending"]),
                name="delivery_pending",
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="delivery_provider_id",
            ),
            models.Index(fields=["campaign", "status"], name="delivery_campaign_status"),
            # The nightly rollup's sends of one day (analytics: campaign sends).
            models.Index(
                fields=["sent_at"],
                include=["campaign", "id"],
                condition=Q(sent_at__isnull=False),
                name="delivery_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} in campaign {self.campaign_id} ({self.status})"
