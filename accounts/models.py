from typing import ClassVar
from zoneinfo import available_timezones

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models

from umbrella.models import TimeStampedModel


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
    display_name = models.CharField(max_length=80, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, blank=True, default="")
    onboarding_complete = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

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

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        # Token-authenticated requests read users from the cache; drop the stale copy.
        cache.delete(user_cache_key(self.pk))


def user_cache_key(pk: object) -> str:
    return f"accounts:user:{pk}"
