"""App authentication (events.auth): system calls, acting for a user, and where apps may call."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from events import scopes
from events.auth import AppPrincipal
from events.scopes import AppScopes, UserOrApp
from tests.accounts.conftest import bearer
from tests.accounts.factories import UserFactory
from tests.events.appauth import acting, app_with_secret, system, token_for, user_token

pytestmark = pytest.mark.django_db

ME_URL = "/api/v1/apps/me"


@pytest.fixture
def app_token():
    app, secret = app_with_secret(permissions=["users:read"])
    return token_for(app, secret)


# --- system calls and acting for a user --------------------------------------------------------


class WhoApi(APIView):
    """A stand-in for an endpoint that people and apps both call (the rooms issue's kind)."""

    app_endpoint = "test.who"
    permission_classes = [UserOrApp, AppScopes]

    def get(self, request: Request) -> Response:
        auth = request.auth
        return Response(
            {
                "user": request.user.pk if request.user.is_authenticated else None,
                "anonymous": isinstance(request.user, AnonymousUser),
                "is_app": isinstance(auth, AppPrincipal),
                "app_id": getattr(auth, "app_id", None),
                "acting_for": getattr(getattr(auth, "acting_for", None), "pk", None),
            }
        )


@pytest.fixture
def who(monkeypatch):
    monkeypatch.setitem(scopes.APP_ENDPOINTS, "test.who", {"GET": "rooms:read"})

    def call(**headers):
        return WhoApi.as_view()(APIRequestFactory().get("/api/v1/test/who", **headers))

    return call


def test_a_system_call_is_anonymous_with_the_app_as_its_auth(who):
    app, secret = app_with_secret(permissions=["rooms:read"])

    response = who(**system(token_for(app, secret)))

    assert response.status_code == 200
    assert response.data == {
        "user": None,
        "anonymous": True,
        "is_app": True,
        "app_id": app.app_id,
        "acting_for": None,
    }


def test_acting_for_a_user_makes_the_user_the_user_and_the_app_the_auth(who):
    user = UserFactory()
    app, secret = app_with_secret(permissions=["rooms:read"])

    response = who(**acting(user_token(user), token_for(app, secret)))

    assert response.status_code == 200
    assert response.data == {
        "user": user.pk,
        "anonymous": False,
        "is_app": True,
        "app_id": app.app_id,
        "acting_for": user.pk,
    }


def test_a_person_alone_is_not_subject_to_scopes(who):
    user = UserFactory()
    response = who(**bearer(user_token(user)))
    assert response.status_code == 200
    assert response.data["is_app"] is False
    assert response.data["user"] == user.pk


def test_apps_me_describes_the_app_and_the_user_it_acts_for(api_client):
    user = UserFactory(display_name="Nova R.")
    app, secret = app_with_secret(permissions=["rooms:read"], name="Holiday Lottery")
    token = token_for(app, secret)

    alone = api_client.get(ME_URL, **system(token)).json()
    for_user = api_client.get(ME_URL, **acting(user_token(user), token)).json()

    assert alone["acting_for"] is None
    assert alone["name"] == "Holiday Lottery"
    assert alone["manifest_version"] == "1.0.0"
    assert for_user["acting_for"] == {"id": user.pk, "display_name": "Nova R."}
    assert "email" not in str(for_user)


def test_apps_only_endpoints_refuse_people_and_anonymous_callers(api_client):
    user = UserFactory()
    person = api_client.get(ME_URL, **bearer(user_token(user)))
    anonymous = api_client.get(ME_URL)

    assert person.status_code == 403
    assert person.json()["error"]["code"] == "app_required"
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda app, user: {"HTTP_X_APP_TOKEN": app}, id="no user token"),
        pytest.param(lambda app, user: acting(app, app), id="app token twice"),
        pytest.param(lambda app, user: acting("not-a-jwt", app), id="bad user token"),
        pytest.param(lambda app, user: acting(user, "uat_forged"), id="bad app token"),
        pytest.param(lambda app, user: acting(user, "   "), id="empty app token"),
    ],
)
def test_acting_for_a_user_needs_both_tokens_valid(api_client, app_token, headers):
    user = UserFactory()
    response = api_client.get(ME_URL, **headers(app_token, user_token(user)))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_acting_for_a_user_whose_session_ended_is_refused(api_client, app_token):
    user = UserFactory()
    token = user_token(user)
    assert api_client.post("/api/v1/auth/logout", **bearer(token)).status_code == 204

    response = api_client.get(ME_URL, **acting(token, app_token))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_acting_for_a_deactivated_user_is_refused(api_client, app_token):
    user = UserFactory()
    token = user_token(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    from accounts.selectors import user_cache_put

    user.refresh_from_db()
    user_cache_put(user)  # as the account services do when they deactivate

    response = api_client.get(ME_URL, **acting(token, app_token))

    assert response.status_code == 401


def test_a_session_cookie_does_not_stand_in_for_the_user_token(api_client, app_token):
    user = UserFactory()
    api_client.force_login(user)
    response = api_client.get(ME_URL, HTTP_X_APP_TOKEN=app_token)
    assert response.status_code == 401


# --- where apps may call -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/me"),
        ("patch", "/api/v1/me"),
        ("get", "/api/v1/auth/sessions"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/notifications/"),
        ("get", "/api/v1/conversations/"),
        ("get", "/api/v1/artists/"),  # public for people, still not part of the apps' API
        ("post", "/api/v1/users/1"),  # an app endpoint, with a method apps may not use
    ],
)
@pytest.mark.parametrize("mode", ["system", "acting"])
def test_apps_may_not_call_endpoints_outside_the_table(api_client, app_token, method, path, mode):
    user = UserFactory()
    headers = system(app_token) if mode == "system" else acting(user_token(user), app_token)

    response = getattr(api_client, method)(path, {}, format="json", **headers)

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "app_not_allowed"
    assert path in response.json()["error"]["message"]


def test_acting_for_a_user_cannot_log_the_user_out(api_client, app_token):
    user = UserFactory()
    token = user_token(user)

    refused = api_client.post("/api/v1/auth/logout", **acting(token, app_token))

    assert refused.status_code == 403
    assert api_client.get("/api/v1/me", **bearer(token)).status_code == 200  # still signed in


def test_options_on_an_app_endpoint_needs_no_scope(api_client):
    app, secret = app_with_secret(permissions=[])
    response = api_client.options("/api/v1/users/1", **system(token_for(app, secret)))
    assert response.status_code == 200


# --- the users' public profile -----------------------------------------------------------------


def test_an_app_reads_a_public_profile_and_nothing_private(api_client, app_token):
    user = UserFactory(display_name="Nova R.")

    response = api_client.get(f"/api/v1/users/{user.pk}", **system(app_token))

    assert response.status_code == 200
    assert response.json() == {"id": user.pk, "display_name": "Nova R."}


@pytest.mark.parametrize("change", [{"is_active": False}, {"deleted_at": timezone.now()}])
def test_an_inactive_or_deleted_user_is_not_found(api_client, app_token, change):
    user = UserFactory()
    type(user).objects.filter(pk=user.pk).update(**change)

    response = api_client.get(f"/api/v1/users/{user.pk}", **system(app_token))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_or_huge_user_id_is_not_found(api_client, app_token):
    assert api_client.get("/api/v1/users/999999", **system(app_token)).status_code == 404
    assert api_client.get(f"/api/v1/users/{2**70}", **system(app_token)).status_code == 404


def test_a_public_profile_read_is_one_query_after_authentication(
    api_client, app_token, django_assert_num_queries
):
    user = UserFactory()
    # one for the app token's credential and app, one for the user
    with django_assert_num_queries(2):
        assert api_client.get(f"/api/v1/users/{user.pk}", **system(app_token)).status_code == 200


def test_head_follows_get(api_client, app_token):
    user = UserFactory()
    assert api_client.head(f"/api/v1/users/{user.pk}", **system(app_token)).status_code == 200
    app, secret = app_with_secret(permissions=["rooms:read"])
    refused = api_client.head(f"/api/v1/users/{user.pk}", **system(token_for(app, secret)))
    assert refused.status_code == 403
