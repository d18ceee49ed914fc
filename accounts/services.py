"""Writes of the accounts app. Pages, API, admin and allauth adapters all call these."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.tokens import revoke_session_tokens
from umbrella.errors import ApplicationError, NotFoundError

PROFILE_FIELDS = ("display_name", "timezone")


def _clean_and_save(user: User, fields: list[str]) -> None:
    try:
        user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in fields])
    except ValidationError as error:
        details = error.message_dict
        message = next(iter(details.values()))[0]
        raise ApplicationError("validation_error", message, details=details) from error
    user.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any]) -> User:
    """Change the user's own profile fields (display name, time zone)."""
    fields = [name for name in PROFILE_FIELDS if name in data]
    for name in fields:
        value = data[name]
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    if fields:
        _clean_and_save(user, fields)
    return user


def role_check(*, user: User, role: str) -> None:
    """Whether ``user`` may take ``role`` now: one of the roles, and fixed once onboarding is
    complete (an onboarded artist's public profile must not end up belonging to a fan). Used by
    the onboarding page and API (:func:`onboarding_choose_role`) and by the admin."""
    if role not in Role.values:
        raise ApplicationError(
            "invalid_role", "Choose artist, venue or fan.", details={"role": ["Invalid choice."]}
        )
    if user.onboarding_complete and user.role != role:
        raise ApplicationError(
            "role_locked", "Your role is set once onboarding is complete.", status=409, field="role"
        )


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
    step calls :func:`onboarding_complete`. The role cannot change once onboarding is complete.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    role_check(user=user, role=role)
    user.role = role
    user.display_name = display_name.strip()
    if not user.display_name:
        raise ApplicationError(
            "validation_error",
            "A display name is required.",
            details={"display_name": ["This field is required."]},
        )
    fields = ["role", "display_name"]
    if role == Role.FAN:
        user.onboarding_complete = True
        fields.append("onboarding_complete")
    _clean_and_save(user, fields)
    return user


@transaction.atomic
def onboarding_complete(*, user: User) -> User:
    """Lift the onboarding gate. Called by the role's last onboarding step."""
    if not user.role:
        raise ApplicationError("role_required", "Choose a role first.")
    if not user.onboarding_complete:
        user.onboarding_complete = True
        user.save(update_fields=["onboarding_complete", "updated_at"])
    return user


def session_end(*, session_key: str) -> None:
    """End one device session: its access tokens stop working at once, its refresh token too."""
    revoke_session_tokens(session_key=session_key)
    Session.objects.filter(session_key=session_key).delete()
    UserSession.objects.filter(session_key=session_key).delete()


def device_session_end(*, user: User, session_id: int) -> None:
    """End one of the user's own device sessions (404 for anybody else's)."""
    session = UserSession.objects.filter(pk=session_id, user=user).first()
    if session is None:
        raise NotFoundError("not_found", "No such session.")
    session_end(session_key=session.session_key)


@transaction.atomic
def user_soft_delete(*, user: User) -> None:
    """Anonymise the account and sign it out everywhere; content others depend on stays."""
    for session in UserSession.objects.filter(user=user):
        session_end(session_key=session.session_key)
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.display_name = "Deleted user"
    user.is_active = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()


def sessions_purge_expired() -> int:
    """Delete expired sessions and the device records that pointed at them. Safe to repeat."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    live_keys = Session.objects.values("session_key")
    UserSession.objects.exclude(session_key__in=live_keys).delete()
    return deleted
