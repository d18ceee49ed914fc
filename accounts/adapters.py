"""allauth customisation. Every change goes through accounts.services."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.http import HttpRequest
from django.urls import reverse

from accounts import services
from accounts.models import DISPLAY_NAME_MAX_LENGTH, SessionEndReason, User
from umbrella import text


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if user.is_authenticated and not (user.onboarding_complete or user.is_staff):
            return reverse("onboarding")
        return super().get_login_redirect_url(request)

    def set_password(self, user: Any, password: str) -> None:
        """Password change (signed in) or reset (by emailed key): other devices are signed out."""
        super().set_password(user, password)
        request = self.request
        keep = None
        signed_in = getattr(request, "user", None)
        if signed_in is not None and signed_in.is_authenticated and signed_in.pk == user.pk:
            keep = request.session.session_key
        if isinstance(user, User):
            services.user_password_changed(user=user, reset=keep is None, keep_session_key=keep)

    def logout(self, request: HttpRequest) -> None:
        session_key = request.session.session_key
        if session_key:
            services.session_end(session_key=session_key)
        super().logout(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict) -> Any:
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        name = (
            data.get("name")
            or extra.get("name")
            or " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
        )
        user.display_name = text.single_line(name or "")[:DISPLAY_NAME_MAX_LENGTH]
        return user


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Any) -> None:
        for session in sessions:
            services.session_end(session_key=session.session_key, reason=SessionEndReason.ENDED)
