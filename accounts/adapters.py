"""allauth customisation. Every change goes through accounts.services."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from accounts import services
from accounts.models import DISPLAY_NAME_MAX_LENGTH, SessionEndReason, User
from accounts.tasks import send_email_task
from umbrella import text


@dataclass(frozen=True)
class Site:
    """What allauth's emails call the site: without the Sites framework allauth would use the
    request's host ("Hello from 127.0.0.1:8000!")."""

    name: str
    domain: str


def site() -> Site:
    return Site(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    """allauth's hooks, each calling account services.

    Mail: rendered in the request, sent by a Celery task after the commit, so no answer waits
    for the mail server (sign-up answers for known and new addresses then cost the same; the
    password hashing half of that is ``accounts.forms.SameWorkSignupMixin``).
    """

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        context = {**context, "current_site": site()}  # not the request's host
        message = self.render_mail(template_prefix, email, context)
        payload = {
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "alternatives": [
                (alternative[0], alternative[1])
                for alternative in getattr(message, "alternatives", [])
            ],
            "headers": dict(message.extra_headers),
        }
        transaction.on_commit(lambda: send_email_task.apply_async(kwargs=payload))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if user.is_authenticated and user.needs_onboarding:
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
