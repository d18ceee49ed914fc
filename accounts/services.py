"""Writes of the accounts app. Pages, API, admin and allauth adapters all call these.

``session_end`` is defined in :mod:`accounts.revocation` (``tokens`` uses it too, without
importing this module) and re-exported here for the doors.
"""

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.apps import WELCOME
from accounts.deletion import user_deletion_prepare
from accounts.models import (
    EndedSession,
    Notification,
    NotificationPreference,
    Role,
    SessionEndReason,
    User,
)
from accounts.notifications import notify
from accounts.revocation import session_end, user_sessions_end, user_token_generation_bump
from accounts.role_locks import role_lock_reason
from accounts.state_hooks import user_state_changed
from umbrella import text
from umbrella.errors import ApplicationError, NotFoundError

PROFILE_FIELDS = ("display_name", "timezone")
ENDED_SESSIONS_KEPT = timedelta(days=30)


def _clean_and_save(user: User, fields: list[str]) -> None:
    try:
        user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in fields])
    except ValidationError as error:
        details = error.message_dict
        message = next(iter(details.values()))[0]
        raise ApplicationError("validation_error", message, details=details) from error
    user.save(update_fields=[*fields, "updated_at"])


def _required(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        "validation_error", message, details={field: ["This field is required."]}
    )


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any]) -> User:
    """Change the user's own profile fields (display name, time zone)."""
    fields = [name for name in PROFILE_FIELDS if name in data]
    for name in fields:
        value = data[name]
        if name == "display_name" and isinstance(value, str):
            value = text.single_line(value)
            if not value:
                raise _required("display_name", "A display name is required.")
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    if fields:
        _clean_and_save(user, fields)
    return user


def role_check(*, user: User, role: str) -> None:
    """Whether ``user`` may take ``role`` now: one of the roles, and not a change once the role
    is locked (``accounts.role_locks``: onboarding complete, or the role's own wizard has saved
    a step). Used by the onboarding page and API (:func:`onboarding_choose_role`) and the admin."""
    if role not in Role.values:
        raise ApplicationError(
            "invalid_role", "Choose artist, venue or fan.", details={"role": ["Invalid choice."]}
        )
    if user.role and user.role != role:
        reason = role_lock_reason(user)
        if reason:
            raise ApplicationError("role_locked", reason, details={"role": [reason]}, status=409)


def user_check_staff_edit(*, user: User, role: str, is_staff: bool) -> None:
    """What staff may change on an account in admin: the role only as :func:`role_check` allows,
    and an account that finished onboarding keeps a role unless it is staff."""
    if role != user.role:
        role_check(user=user, role=role)
    if user.onboarding_complete and not role and not is_staff:
        raise ApplicationError(
            "validation_error",
            "An account that finished onboarding needs a role unless it is staff.",
            details={"is_staff": ["Give the account a role before removing staff status."]},
        )


@transaction.atomic
def onboarding_choose_role(*, user: User, role: str, display_name: str) -> User:
    """First onboarding step for everyone: pick a role and a display name.

    A fan is onboarded after this step; artists and venues go on to their own wizard, whose last
    step calls :func:`onboarding_complete`. The role cannot change once onboarding is complete,
    nor once the role's own wizard has saved a step (see ``accounts.role_locks``): a half-built
    artist profile is never left behind by a switch to another role.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    role_check(user=user, role=role)
    user.role = role
    user.display_name = text.single_line(display_name)
    if not user.display_name:
        raise _required("display_name", "A display name is required.")
    fields = ["role", "display_name"]
    welcome = role == Role.FAN and not user.onboarding_complete
    if role == Role.FAN:
        user.onboarding_complete = True
        fields.append("onboarding_complete")
    _clean_and_save(user, fields)
    user_state_changed(user)
    if welcome:
        user_welcome(user=user)
    return user


@transaction.atomic
def onboarding_complete(*, user: User) -> User:
    """Lift the onboarding gate. Called by the role's last onboarding step."""
    if not user.role:
        raise ApplicationError("role_required", "Choose a role first.")
    if not user.onboarding_complete:
        user.onboarding_complete = True
        user.save(update_fields=["onboarding_complete", "updated_at"])
        user_state_changed(user)
        user_welcome(user=user)
    return user


def user_welcome(*, user: User) -> None:
    """The first notification: onboarding is done (the ``account.welcome`` kind)."""
    name = user.display_name or user.get_short_name()
    notify(
        user,
        verb=WELCOME,
        target_url=reverse("dashboard"),
        text=f"Welcome to Umbrella, {name}! Your dashboard is the place to start.",
    )


def device_session_end(*, user: User, session_id: int) -> None:
    """End one of the user's own device sessions (404 for anybody else's)."""
    session = UserSession.objects.filter(pk=session_id, user=user).first()
    if session is None:
        raise NotFoundError("not_found", "No such session.")
    session_end(session_key=session.session_key, reason=SessionEndReason.ENDED)


def user_password_changed(
    *, user: User, reset: bool = False, keep_session_key: str | None = None
) -> int:
    """After a password change or reset: every other device session ends, with the reason.

    The new password hash already fails every older access token (``ver`` claim), refresh
    token and browser session (session auth hash); ending the sessions makes the device list
    say so. ``keep_session_key`` is the session that made the change (kept signed in).
    """
    reason = SessionEndReason.PASSWORD_RESET if reset else SessionEndReason.PASSWORD_CHANGED
    return user_sessions_end(user=user, reason=reason, keep_session_key=keep_session_key)


@transaction.atomic
def user_access_changed(*, user: User, reason: str) -> None:
    """Staff deactivated the account or changed its role or permissions: sign it out everywhere.

    Every access token, refresh token and browser session issued before stops working at once.
    """
    user_token_generation_bump(user=user)
    user_sessions_end(user=user, reason=reason)


@transaction.atomic
def user_hard_delete(*, user: User) -> None:
    """Remove the account row (staff only, from admin): its sign-ins end first, and the apps
    whose rows go with it delete their stored files after commit (``accounts.deletion``)."""
    user_sessions_end(user=user, reason=SessionEndReason.DELETED)
    user_deletion_prepare(user)
    user.delete()


@transaction.atomic
def user_soft_delete(*, user: User) -> None:
    """Anonymise the account and sign it out everywhere; content others depend on stays."""
    user_token_generation_bump(user=user)
    user_sessions_end(user=user, reason=SessionEndReason.DELETED)
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    # Notifications may quote bookings and names: they go with the person.
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.display_name = "Deleted user"
    user.is_active = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user_state_changed(user)


@transaction.atomic
def user_state_saved(*, user: User) -> None:
    """Staff saved a change to the account's role or activity in admin (which writes the row
    itself): the apps that keep a copy of that state catch up (``accounts.state_hooks``)."""
    user_state_changed(user)


def sessions_purge_expired() -> int:
    """Delete expired sessions and the device records that pointed at them. Safe to repeat."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    live_keys = Session.objects.values("session_key")
    UserSession.objects.exclude(session_key__in=live_keys).delete()
    EndedSession.objects.filter(created_at__lt=timezone.now() - ENDED_SESSIONS_KEPT).delete()
    return deleted
