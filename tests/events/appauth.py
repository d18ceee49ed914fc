"""Helpers for the app-token tests: an app with a client secret, its tokens, request headers."""

from typing import Any

from rest_framework.test import APIClient

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
    return app_login(APIClient(), user.email)["access_token"]
