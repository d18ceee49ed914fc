from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import PASSWORD, UserFactory

LOGIN_URL = "/_allauth/app/v1/auth/login"
REFRESH_URL = "/_allauth/app/v1/tokens/refresh"


def app_login(client: APIClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign in as an app client; returns allauth's ``meta`` (access, refresh, session token)."""
    response = client.post(LOGIN_URL, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["meta"]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def tokens(api_client, user) -> dict[str, Any]:
    return app_login(api_client, user.email)
