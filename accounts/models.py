from typing import ClassVar
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from umbrella.models import TimeStampedModel
from umbrella.text import validate_single_line

DISPLAY_NAME_MAX_LENGTH = 80


class Role(models.TextChoices):
    ARTIST = "artist", "Artist"
    VENUE = "venue", "Venue"
    FAN = "fan", "Fan"


def validate_timezone(value: str) -> None:
    if value not in _TIMEZONES:
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/London).")


_TIMEZONES = frozenset(available_timezones())


class UserQuerySet(models.QuerySet["User"]):
    def live(self) -> "UserQuerySet":
        """Accounts that have not been anonymised (``user_soft_delete``)."""
        return self.filter(deleted_at__isnull=True)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("Users must have an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("onboarding_complete", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    """A person: artist, venue or fan (``role``), or staff (``is_staff``).

    ``role`` is empty until the person picks one during onboarding.
    """

    email = models.EmailField(unique=True)
    display_name = models.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH, blank=True, validators=[validate_single_line]
    )
    role = models.CharField(max_length=10, choices=Role.choices, blank=True, default="")
    onboarding_complete = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Bumped when staff change the role, on deactivation and on deletion: part of the session auth
    # hash and of every access token, so each sign-in issued before the bump stops working.
    token_generation = models.PositiveIntegerField(default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["", *Role.values]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(onboarding_complete=True, role="") | models.Q(is_staff=True),
                name="user_onboarded_has_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name or self.email} <{self.email}>"

    @property
    def needs_onboarding(self) -> bool:
        """The one rule for the onboarding gates (pages, API, sign-in redirect): staff skip it."""
        return not self.onboarding_complete and not self.is_staff

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def get_session_auth_hash(self) -> str:
        """Django's check that a browser session (and an app's refresh) is still good.

        Django hashes the password only; the token generation joins it, so a bump ends every
        browser session and every refresh token of the user as a password change would.
        """
        if self.token_generation == 0:
            # Django's own hash: sessions made before generations existed stay valid.
            return super().get_session_auth_hash()
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.token_generation}",
            algorithm="sha256",
        ).hexdigest()

    def access_token_version(self) -> str:
        """The ``ver`` claim of this user's access tokens (password and token generation)."""
        return salted_hmac(
            "accounts.User.access_token_version",
            f"{self.password}:{self.token_generation}",
            algorithm="sha256",
        ).hexdigest()[:24]

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        # Token-authenticated requests read users from the cache; drop the stale copy.
        cache.delete(user_cache_key(self.pk))

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        pk = self.pk
        result = super().delete(*args, **kwargs)  # type: ignore[arg-type]
        cache.delete(user_cache_key(pk))
        return result


class SessionEndReason(models.TextChoices):
    SIGNED_OUT = "signed_out", "Signed out"
    ENDED = "ended", "Ended from the device list"
    TOKEN_REUSE = "token_reuse", "Ended: a used refresh token came back (possible theft)"
    PASSWORD_CHANGED = "password_changed", "Ended: the password was changed"
    PASSWORD_RESET = "password_reset", "Ended: the password was reset"
    DEACTIVATED = "deactivated", "Ended: the account was deactivated"
    DELETED = "deleted", "Ended: the account was deleted"
    ROLE_CHANGED = "role_changed", "Ended: staff changed the account's role"
    STAFF_CHANGED = "staff_changed", "Ended: staff changed the account's permissions"


class EndedSession(TimeStampedModel):
    """A device session that has ended, and why: the device list shows the recent ones."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="ended_sessions")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=20, choices=SessionEndReason.choices)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_reason_display()} ({self.created_at:%Y-%m-%d %H:%M})"


def user_cache_key(pk: object) -> str:
    return f"accounts:user:{pk}"


# --- notifications (accounts/notifications.py) -------------------------------------------------

NOTIFICATION_TEXT_MAX_LENGTH = 280
NOTIFICATION_URL_MAX_LENGTH = 500
NOTIFICATION_VERB_MAX_LENGTH = 64


def validate_site_path(value: str) -> None:
    """A link inside this site: a relative path (``/gigs/12/``, query and fragment allowed),
    never another host (``//evil.example``, ``https://…``, ``/\\evil.example``), no spaces or
    control characters."""
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(c.isspace() or not c.isprintable() for c in value)
    ):
        raise ValidationError(
            "Must be a path on this site starting with one slash, e.g. /dashboard/.",
            code="not_a_site_path",
        )
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        raise ValidationError("Must be a path on this site, not another address.")


class Notification(models.Model):
    """One in-app notification: ``text`` for ``user``, linking to ``target_url`` on this site.

    ``verb`` is the kind (``gig.cancelled``), registered by the domain that sends it
    (``accounts.notifications.register_kind``). Written only by ``accounts.notifications.notify``.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField(max_length=NOTIFICATION_VERB_MAX_LENGTH)
    text = models.CharField(
        max_length=NOTIFICATION_TEXT_MAX_LENGTH, validators=[validate_single_line]
    )
    target_url = models.CharField(
        max_length=NOTIFICATION_URL_MAX_LENGTH, validators=[validate_site_path]
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the email went out (or is going out): a retried task never sends it twice.
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list page and API: a user's notifications, newest first.
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_new"),
            # The bell's count and the unread filter: only unread rows are in it.
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="notification_user_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.verb}: {self.text[:40]}"

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification: email or not (in-app is always on).

    No row means the kind's default (``email_default`` in the registry)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    verb = models.CharField(max_length=NOTIFICATION_VERB_MAX_LENGTH)
    email = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "verb"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.verb}: email {'on' if self.email else 'off'}"
