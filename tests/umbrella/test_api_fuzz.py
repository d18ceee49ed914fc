"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

The schema is the one the app serves at ``/api/v1/schema/``, and every request goes in-process
through the project's WSGI application, so the test database, the cache and the autouse fixtures
of ``tests/conftest.py`` (throttles lifted, cache emptied) all apply.

Every operation is fuzzed four times: anonymously, as an onboarded fan, as an onboarded artist
(with a profile), and as a user who has not finished onboarding (all signed in with a real
app-client access token). Schemathesis runs
its examples, coverage (including unsupported methods, missing or malformed credentials and
bodies) and fuzzing phases, positive and negative data. Every response must:

* not be a server error (5xx),
* use a status code the operation documents,
* use a content type the operation documents for that status,
* match the schema documented for that status (the ``Error`` shape for errors),
* carry the headers documented for that status.

Isolation: every example runs in a savepoint that is rolled back afterwards, with an empty cache,
a fresh user and a fresh access token. So ``POST /auth/logout`` and ``DELETE /auth/sessions/{id}``
(which revoke the token they are called with), profile writes and role choices cannot change what
the next example sees, and no operation has to be excluded.
"""

from typing import Any

import pytest
import schemathesis
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.accounts.factories import PASSWORD, NewUserFactory, UserFactory
from tests.artists.factories import ArtistProfileFactory
from umbrella.wsgi import application

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

USERS = {
    "onboarded": UserFactory,
    "onboarding": NewUserFactory,
    "artist": lambda: ArtistProfileFactory().user,  # reaches the artist's own endpoints
}


def in_process_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The project's WSGI application, run the way ``django.test.Client`` runs it.

    Django closes "old" database connections when a request starts and finishes; inside a test
    that would close the connection that holds the test transaction. So that handler is
    disconnected while the request runs and its response is read and closed.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", in_process_app)

_login_client = Client()  # one instance: building the middleware chain for each example is slow


def sign_in(user: Any) -> str:
    """A real app-client access token, from the endpoint the mobile app signs in with."""
    _login_client.cookies.clear()
    response = _login_client.post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["access_token"]


@pytest.mark.parametrize("who", ["anonymous", *USERS])
@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    # State is reset per example below, so function-scoped fixtures are fine; the rest would
    # only flag slow or heavily filtered generation, which is not what this test is about.
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, who: str) -> None:
    with transaction.atomic():
        cache.clear()
        headers = {}
        if who in USERS:
            # Replaces whatever credentials schemathesis generated for the security schemes.
            headers["Authorization"] = f"Bearer {sign_in(USERS[who]())}"
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        transaction.set_rollback(True)


# Random ids almost never name one of the user's own sessions, so the success path of ending a
# device session is exercised here, with the same checks.


@pytest.mark.parametrize("which", ["other", "current"])
def test_ending_own_device_session_conforms(which: str) -> None:
    user = UserFactory()
    other_token = sign_in(user)
    token = sign_in(user)
    sessions = list(UserSession.objects.filter(user=user).order_by("pk"))
    assert len(sessions) == 2
    session = sessions[0] if which == "other" else sessions[1]
    operation = schema["/api/v1/auth/sessions/{session_id}"]["DELETE"]
    case = operation.Case(path_parameters={"session_id": session.pk})
    headers = {"Authorization": f"Bearer {token}"}

    response = case.call(headers=headers)

    case.validate_response(response, checks=CHECKS, headers=headers)
    assert response.status_code == 204
    me = schema["/api/v1/me"]["GET"].Case()
    still_valid = {"other": token, "current": other_token}[which]
    revoked = {"other": other_token, "current": token}[which]
    assert me.call(headers={"Authorization": f"Bearer {still_valid}"}).status_code == 200
    assert me.call(headers={"Authorization": f"Bearer {revoked}"}).status_code == 401
