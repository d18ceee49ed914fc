"""The app platform (SPEC-events §1): apps, their manifest history, credentials, webhook signing
secrets, every webhook attempt and the dead letters.

Live rooms (SPEC-events §1, issue 12) stand on these rows: Room, Participant, Prize, Winner,
DrawCommitment, Draw, and RoomEvent (the per-room live-event log with its sequence numbers).
Every write goes through :mod:`events.services` (and its submodules); these classes hold only
one row's invariants (constraints) and reusable queries.
"""

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
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


# --- Live rooms (SPEC-events §1, §2; issue 12) ------------------------------------------------

ROOM_NAME_MAX = 255
ROOM_DESCRIPTION_MAX = 2000
# The hash chain of a room's commitment has this many links: a room makes at most this many
# draws (docs/draws.md).
DRAW_CHAIN_LENGTH = 1000


class RoomStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Role(models.TextChoices):
    """Room roles (SPEC §8, SPEC-events §2). What each may do is :mod:`events.policy`."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    MODERATOR = "moderator"
    PARTICIPANT = "participant"
    VIEWER = "viewer"


class ParticipantStatus(models.TextChoices):
    ACTIVE = "active"
    PENDING_APPROVAL = "pending_approval"


class WinnerMethod(models.TextChoices):
    APP = "app"
    FALLBACK_RANDOM = "fallback_random"
    MANUAL = "manual"


class RoomQuerySet(models.QuerySet["Room"]):
    def live(self) -> "RoomQuerySet":
        return self.filter(deleted_at__isnull=True)


class Room(TimeStampedModel):
    """A live event run by an app, locked to the manifest version it was created with (its
    settings are validated against that version forever, until an upgrade)."""

    name = models.CharField(max_length=ROOM_NAME_MAX)
    description = models.TextField(max_length=ROOM_DESCRIPTION_MAX, blank=True, default="")
    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="rooms")
    app_manifest_version = models.ForeignKey(
        AppManifestVersion, on_delete=models.PROTECT, related_name="rooms"
    )
    app_settings = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=RoomStatus.choices, default=RoomStatus.DRAFT)
    is_public = models.BooleanField(default=True)
    gig = models.ForeignKey(
        "marketplace.Gig", on_delete=models.SET_NULL, null=True, blank=True, related_name="rooms"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_rooms"
    )
    # The sequence number of the room's last live event (events.realtime); 0: none yet.
    event_seq = models.PositiveBigIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(status__in=RoomStatus.values), name="room_status_known"
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["status", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="room_live_status_recent",
            ),
            models.Index(fields=["app", "status"], name="room_app_status"),
            models.Index(fields=["created_by", "-created_at"], name="room_creator_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def live(self) -> "ParticipantQuerySet":
        return self.filter(deleted_at__isnull=True)


class Participant(models.Model):
    """A person's membership of a room. One row per (room, user) for ever: leaving soft-deletes
    it (``deleted_at``) and rejoining revives it."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.PARTICIPANT)
    status = models.CharField(
        max_length=16, choices=ParticipantStatus.choices, default=ParticipantStatus.ACTIVE
    )
    metadata = models.JSONField(default=dict, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["joined_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["room", "user"], name="one_participant_per_user"),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="participant_role_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ParticipantStatus.values),
                name="participant_status_known",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["room", "role", "status"],
                condition=Q(deleted_at__isnull=True),
                name="participant_live_room_role",
            ),
            models.Index(fields=["user", "-joined_at"], name="participant_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in room {self.room_id} ({self.role})"


class PrizeQuerySet(models.QuerySet["Prize"]):
    def live(self) -> "PrizeQuerySet":
        return self.filter(deleted_at__isnull=True)


class Prize(models.Model):
    """Units to award in a room. ``quantity_remaining`` is only ever changed under a row lock
    or with ``F()`` (events.services.winners); the constraints make over-awarding impossible
    even for a buggy caller."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="prizes")
    name = models.CharField(max_length=255)
    description = models.TextField(max_length=2000, blank=True, default="")
    # An https URL of an image (the API takes a URL; uploads are not part of the contract).
    image = models.URLField(max_length=500, blank=True, default="")
    quantity = models.PositiveIntegerField(default=1)
    quantity_remaining = models.PositiveIntegerField(default=1)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = PrizeQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="prize_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_remaining__gte=0) & Q(quantity_remaining__lte=F("quantity")),
                name="prize_remaining_in_range",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["room", "created_at"],
                condition=Q(deleted_at__isnull=True),
                name="prize_live_room",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.quantity_remaining}/{self.quantity})"


class WinnerQuerySet(models.QuerySet["Winner"]):
    def live(self) -> "WinnerQuerySet":
        return self.filter(revoked_at__isnull=True)


class Winner(models.Model):
    """One awarded unit of a prize. Revoking gives the unit back in the same transaction
    (events.services.winners). ``metadata`` is the audit: the draw number, the revealed chain
    element, the app's answer."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="winners")
    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="winners")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="wins")
    method = models.CharField(max_length=16, choices=WinnerMethod.choices)
    draw = models.ForeignKey(
        "Draw", on_delete=models.PROTECT, null=True, blank=True, related_name="winners"
    )
    metadata = models.JSONField(default=dict, blank=True)
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who triggered the pick or draw (empty: an app's system call).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = WinnerQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["prize", "participant"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_win_per_prize_and_participant",
            ),
            models.CheckConstraint(
                condition=Q(method__in=WinnerMethod.values), name="winner_method_known"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["room", "created_at"], name="winner_room_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} won {self.prize_id} ({self.method})"


class DrawCommitment(models.Model):
    """The room's hash chain (docs/draws.md): c_0 = ``seed`` (secret until revealed), c_(i+1) =
    SHA-256(c_i), and ``commitment`` = c_N is published when the room is activated, before
    anyone can join. Draw k reveals c_(N-k)."""

    room = models.OneToOneField(
        Room, on_delete=models.CASCADE, primary_key=True, related_name="commitment"
    )
    chain_length = models.PositiveIntegerField(default=DRAW_CHAIN_LENGTH)
    commitment = models.CharField(max_length=64, help_text="c_N, hex.")
    seed = models.CharField(max_length=64, help_text="c_0, hex. Never sent before its reveal.")
    draws_made = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(draws_made__lte=F("chain_length")), name="draws_within_chain"
            ),
        ]

    def __str__(self) -> str:
        return f"room {self.room_id} commitment {self.commitment[:12]}…"


class Draw(models.Model):
    """Draw number ``number`` (k ≥ 1) of a room: its frozen entrants (sorted participant ids)
    and their hash, the revealed chain element c_(N-k) and the result. Never edited."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="draws")
    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveIntegerField()
    entrants = models.JSONField(default=list, help_text="Sorted participant ids, frozen.")
    entrants_hash = models.CharField(max_length=64)
    revealed = models.CharField(max_length=64, help_text="c_(N-k), hex.")
    count = models.PositiveIntegerField(default=1)
    result = models.JSONField(default=list, help_text="Winning participant ids, in order.")
    method = models.CharField(max_length=16, choices=WinnerMethod.choices)
    fallback_used = models.BooleanField(default=False)
    app_answer = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["room_id", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["room", "number"], name="one_draw_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="draw_number_positive"),
        ]

    def __str__(self) -> str:
        return f"room {self.room_id} draw {self.number}"


class RoomEvent(models.Model):
    """The room's live-event log (events.realtime): every event sent to the room's sockets,
    numbered 1, 2, 3… per room, in commit order, so a reconnecting client can ask for what it
    missed. Kept at least :data:`events.realtime.KEEP_EVENTS`."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="live_events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=80)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["room_id", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["room", "seq"], name="one_event_per_seq"),
        ]
        indexes: ClassVar = [models.Index(fields=["created_at"], name="room_event_created")]

    def __str__(self) -> str:
        return f"room {self.room_id} #{self.seq} {self.type}"


# --- Quiz rooms (SPEC-events §8 Quiz; events.services.quiz) -----------------------------------


class QuizStatus(models.TextChoices):
    IDLE = "idle"
    QUESTION_OPEN = "question_open"
    BETWEEN = "between"
    FINISHED = "finished"


class QuizRun(models.Model):
    """A room's quiz: where it stands and the question now open. Times are the server's clock.

    ``closes_at``: answers received from then on are refused. ``settles_at`` (``closes_at`` plus
    the app's judging time): the question is closed (correct index revealed, round winner
    announced) by then at the latest, so an answer received in time is still being judged.
    ``questions`` is the room's questions as they were at the start (one run sees one set)."""

    room = models.OneToOneField(Room, on_delete=models.CASCADE, related_name="quiz_run")
    status = models.CharField(max_length=16, choices=QuizStatus.choices, default=QuizStatus.IDLE)
    questions = models.JSONField(default=list, blank=True)
    question_index = models.IntegerField(null=True, blank=True)
    question_id = models.CharField(max_length=100, blank=True, default="")
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    settles_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"quiz of room {self.room_id} ({self.status})"


class QuizRound(models.Model):
    """One question as it was shown; ``closed_at`` set once it closed, with the correct index
    revealed and the round's winner: the first correct answer by server receive time."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="quiz_rounds")
    question_id = models.CharField(max_length=100)
    index = models.PositiveIntegerField()
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    correct_index = models.IntegerField(null=True, blank=True)
    winner = models.ForeignKey(
        "QuizAnswer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["room_id", "index"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["room", "question_id"], name="one_round_per_question"),
        ]

    def __str__(self) -> str:
        return f"room {self.room_id} question {self.question_id}"


class QuizJudge(models.TextChoices):
    APP = "app"  # the app's quiz_validation webhook answered
    CACHE = "cache"  # the app failed; its earlier verdicts for the question decided


class QuizAnswer(models.Model):
    """A participant's one answer to one question, timed by the server (``received_at``,
    ``response_ms`` from the question's opening). ``correct`` and ``score`` are secret until the
    question closes."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="quiz_answers")
    question_id = models.CharField(max_length=100)
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="quiz_answers"
    )
    answer_index = models.PositiveSmallIntegerField()
    received_at = models.DateTimeField()
    response_ms = models.PositiveIntegerField()
    correct = models.BooleanField()
    score = models.FloatField(default=0)
    judged_by = models.CharField(max_length=8, choices=QuizJudge.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["room_id", "question_id", "received_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["room", "question_id", "participant"], name="one_answer_per_question"
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["room", "question_id", "correct", "received_at"], name="quiz_first_correct"
            ),
        ]

    def __str__(self) -> str:
        return f"room {self.room_id} question {self.question_id} by {self.participant_id}"


class RoomAuditAction(models.TextChoices):
    CREATE = "create"
    UPDATE = "update"
    ACTIVATE = "activate"
    COMPLETE = "complete"
    CANCEL = "cancel"
    DELETE = "delete"
    UPGRADE_MANIFEST = "upgrade_manifest"


class RoomAudit(models.Model):
    """One change to a room, written by its service in the change's transaction
    (events.services.rooms). ``by`` is empty for an app's system call (``detail.app_id`` then
    names the app). Never edited."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="audit")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=20, choices=RoomAuditAction.choices)
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["room", "-created_at"], name="roomaudit_room_recent"),
        ]

    def __str__(self) -> str:
        change = f" {self.from_status}→{self.to_status}" if self.to_status else ""
        return f"room {self.room_id}: {self.action}{change}"
