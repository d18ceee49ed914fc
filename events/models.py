"""The app platform (SPEC-events §1): apps, their manifest history, credentials, webhook signing
secrets, every webhook attempt and the dead letters.

Rooms, participants, prizes and draws come with the next issue; they stand on these rows. Every
write goes through :mod:`events.services` (and its submodules); these classes hold only one
row's invariants (constraints) and reusable queries.
"""

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from umbrella.models import TimeStampedModel

APP_ID_PATTERN = r"^[a-z][a-z0-9_]{2,63}$"


class Capability(models.TextChoices):
    """SPEC-events §3. The first four need a webhook."""

    WINNER_SELECTION = "winner_selection"
    PARTICIPANT_REGISTRATION = "participant_registration"
    NOTIFICATIONS = "notifications"
    QUIZ_VALIDATION = "quiz_validation"
    PRIZE_FUND = "prize_fund"
    ROOM_SETTINGS = "room_settings"


WEBHOOK_CAPABILITIES = frozenset(
    {
        Capability.WINNER_SELECTION,
        Capability.PARTICIPANT_REGISTRATION,
        Capability.NOTIFICATIONS,
        Capability.QUIZ_VALIDATION,
    }
)


class Scope(models.TextChoices):
    """The 11 app scopes of SPEC-events §2."""

    USERS_READ = "users:read"
    ROOMS_READ = "rooms:read"
    ROOMS_WRITE = "rooms:write"
    PARTICIPANTS_READ = "participants:read"
    PARTICIPANTS_WRITE = "participants:write"
    PRIZES_READ = "prizes:read"
    PRIZES_WRITE = "prizes:write"
    WINNERS_READ = "winners:read"
    WINNERS_WRITE = "winners:write"
    REALTIME_SUBSCRIBE = "realtime:subscribe"
    REALTIME_PUBLISH = "realtime:publish"


class AppQuerySet(models.QuerySet["App"]):
    def live(self) -> "AppQuerySet":
        return self.filter(deleted_at__isnull=True)


class App(TimeStampedModel):
    """A third-party (or built-in) app. ``manifest`` and ``manifest_version`` are the current
    version's, copied from its :class:`AppManifestVersion` row for one-row reads."""

    app_id = models.CharField(
        max_length=64,
        unique=True,
        validators=[RegexValidator(APP_ID_PATTERN)],
        help_text="Public business key, e.g. app_lottery_v1.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_apps"
    )
    name = models.CharField(max_length=100)
    manifest = models.JSONField()
    manifest_version = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    # Capabilities whose webhook answered 410 Gone: no more calls until the owner re-enables it.
    disabled_webhooks = models.JSONField(default=list, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = AppQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["app_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"


class AppManifestVersion(models.Model):
    """One published manifest, a full copy. Never edited except the deprecation fields."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=64)
    manifest = models.JSONField()
    published_at = models.DateTimeField(default=timezone.now)
    deprecated_at = models.DateTimeField(null=True, blank=True)
    deprecation_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering: ClassVar = ["app_id", "-published_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["app", "version"], name="one_manifest_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {self.version}"


class AppCredential(models.Model):
    """A client secret, stored hashed; exchanged for a 1-hour app access token."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="credentials")
    # First characters of the secret, so the owner can tell credentials apart.
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["app_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.app_id} credential {self.prefix}…"


class WebhookSecretQuerySet(models.QuerySet["WebhookSecret"]):
    def live(self, now: datetime | None = None) -> "WebhookSecretQuerySet":
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class WebhookSecret(models.Model):
    """A signing secret (``whsec_`` + base64 of the key bytes). During a rotation several are
    live at once and every live one signs."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="webhook_secrets")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookSecretQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["app_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.app_id} signing secret {self.secret[:10]}…"


class Outcome(models.TextChoices):
    SUCCESS = "success"
    HTTP_ERROR = "http_error"  # an answer outside 2xx
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    INVALID_ANSWER = "invalid_answer"
    REFUSED = "refused"  # SSRF guard, redirect, oversized answer
    GONE = "gone"  # 410: the webhook is disabled


class WebhookDelivery(models.Model):
    """One attempt of one webhook message (``webhook_id`` is the same on every attempt).
    Kept 90 days."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="deliveries")
    capability = models.CharField(max_length=40)
    event = models.CharField(max_length=100)
    webhook_id = models.CharField(max_length=64)
    attempt = models.PositiveSmallIntegerField(default=1)
    url = models.CharField(max_length=2000, blank=True, default="")
    request_headers = models.JSONField(default=dict, blank=True)
    request_body = models.TextField(blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    error = models.CharField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["app", "-created_at"], name="delivery_app_recent"),
            models.Index(
                fields=["app", "capability", "-created_at"], name="delivery_app_cap_recent"
            ),
            models.Index(fields=["webhook_id"], name="delivery_webhook_id"),
            models.Index(fields=["created_at"], name="delivery_created"),
            # Metrics (events.metrics): an app's attempts in a window, read from the index alone.
            models.Index(
                fields=["app", "created_at"],
                include=["capability", "outcome", "duration_ms"],
                name="delivery_metrics",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {self.capability} {self.webhook_id} #{self.attempt} {self.outcome}"


class DeadLetter(models.Model):
    """An async message that failed every attempt; listed, inspected, replayed, deleted."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="dead_letters")
    capability = models.CharField(max_length=40)
    event = models.CharField(max_length=100)
    webhook_id = models.CharField(max_length=64)
    payload = models.JSONField()
    last_error = models.CharField(max_length=1000, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    failed_at = models.DateTimeField(default=timezone.now)
    requeued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-failed_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["webhook_id"], name="one_dead_letter_per_message"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["app", "-failed_at"], name="dead_letter_app_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {self.capability} {self.webhook_id} (dead letter)"


# --- health checks and alerts (events.health, events.alerts) --------------------------------


class AppHealth(models.Model):
    """The last health check of an app (``GET {base_url}/health``) and how many failed in a
    row; a success resets the count."""

    app = models.OneToOneField(
        App, on_delete=models.CASCADE, primary_key=True, related_name="health"
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        ordering: ClassVar = ["app_id"]
        verbose_name_plural = "app health"

    def __str__(self) -> str:
        return f"{self.app_id} health ({self.consecutive_failures} failed in a row)"


class IncidentKind(models.TextChoices):
    HEALTH = "health", "health check failing"  # 3 failed checks in a row
    SUCCESS_RATE = "success_rate", "success rate low"  # < 95 % (warning), < 90 % (critical)
    SLOW = "slow", "p95 over 80 % of the timeout"
    DEAD_LETTERS = "dead_letters", "over 100 dead letters"


class Severity(models.TextChoices):
    WARNING = "warning"
    CRITICAL = "critical"


class AppIncidentQuerySet(models.QuerySet["AppIncident"]):
    def open(self) -> "AppIncidentQuerySet":
        return self.filter(closed_at__isnull=True)


class AppIncident(models.Model):
    """One incident of one kind for one (app, capability): opened (and its alert sent) when the
    condition starts, closed when it clears. At most one open per (app, capability, kind), so an
    alert goes out once per incident whoever evaluates it. ``capability`` is blank for the
    app-wide health check."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="incidents")
    capability = models.CharField(max_length=40, blank=True, default="")
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    detail = models.CharField(max_length=500, blank=True, default="")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = AppIncidentQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-opened_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["app", "capability", "kind"],
                condition=Q(closed_at__isnull=True),
                name="one_open_incident_per_kind",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["app", "-opened_at"], name="incident_app_recent"),
        ]

    def __str__(self) -> str:
        where = f" {self.capability}" if self.capability else ""
        state = "open" if self.closed_at is None else "closed"
        return f"{self.app_id}{where} {self.get_kind_display()} ({self.severity}, {state})"
