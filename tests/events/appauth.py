"""Helpers for the app-token tests: an app with a client secret, its tokens, request headers."""

from typing import Any

from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import UmbrellaTokenStrategy
from events.models import App
from events.services.credentials import credential_issue
from events.services.tokens import app_token_issue
from tests.accounts.conftest import app_login
from tests.events.factories import AppFactory, manifest

TOKEN_URL = "/api/v1/apps/token"


def app_with_secret(*, permissions: list[str] | None = None, **fields: Any) -> tuple[App, str]:
    """A live app whose current manifest grants ``permissions``, and its client secret."""
    if permissions is not None:
        fields["manifest"] = manifest(permissions=permissions)
    app = AppFactory(**fields)
    _credential, secret = credential_issue(app=app)
    return app, secret


def token_for(app: App, secret: str) -> str:
    return app_token_issue(app_id=app.app_id, app_secret=secret).access_token


def system(token: str) -> dict[str, str]:
    """Headers of a system call: the app token alone."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def acting(user_token: str, token: str) -> dict[str, str]:
    """Headers of an app acting for a user: the user's token plus X-App-Token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {user_token}", "HTTP_X_APP_TOKEN": token}


def user_token(user: Any) -> str:
    """A person's access token by signing in through the API (allauth's whole login)."""
    return app_login(APIClient(), user.email)["access_token"]


def minted_user_token(user: User) -> str:
    """A person's access token minted as the login mints it (one device session, the same
    claims, allauth's JWT), without the login request: for tests that need many acting users
    and test the app's side, not the sign-in. ``user_token`` proves the two are alike."""
    session = SessionStore()
    session.create()
    return jwt_internal.create_access_token(user, session, UmbrellaTokenStrategy().get_claims(user))
