"""The apps API (SPEC-events §6): status, body, and that a refused request changed nothing."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import resolve
from django.utils import timezone

from events.api.apps import AppApi
from events.api.urls import AppIdConverter
from events.manifest import MANIFEST_SCHEMA
from events.models import App, AppCredential, AppManifestVersion, WebhookSecret
from events.services import apps as services
from events.services.credentials import client_secret_matches
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.events.factories import AppFactory, manifest

pytestmark = pytest.mark.django_db


def _version(version: str) -> dict:
    data = manifest()
    data["meta"]["version"] = version
    return data


def _snapshot(app: App) -> tuple:
    app.refresh_from_db()
    return (
        app.manifest_version,
        app.manifest,
        app.is_active,
        sorted(AppManifestVersion.objects.filter(app=app).values_list("version", "deprecated_at")),
        sorted(WebhookSecret.objects.filter(app=app).values_list("secret", "expires_at")),
        sorted(AppCredential.objects.filter(app=app).values_list("secret_hash", "revoked_at")),
    )


@pytest.fixture
def owner_client(api_client):
    owner = UserFactory()
    api_client.force_authenticate(owner)
    api_client.owner = owner
    return api_client


@pytest.fixture
def registered(owner_client):
    response = owner_client.post("/api/v1/apps", {"manifest": manifest()}, format="json")
    assert response.status_code == 201
    return App.objects.get(app_id=response.json()["app_id"])


# --- the manifest schema --------------------------------------------------------------------


def test_the_manifest_schema_is_public(api_client):
    response = api_client.get("/api/v1/apps/manifest-schema")
    assert response.status_code == 200
    assert response.json() == MANIFEST_SCHEMA
    assert response.json()["$schema"] == "http://json-schema.org/draft-07/schema#"


# --- register -------------------------------------------------------------------------------


def test_register_answers_201_with_both_secrets_once(owner_client):
    response = owner_client.post(
        "/api/v1/apps", {"manifest": manifest(), "app_id": "app_lottery_v1"}, format="json"
    )

    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["app_id"] == "app_lottery_v1"
    assert body["owner_id"] == owner_client.owner.pk
    assert body["manifest"] == manifest()
    assert body["manifest_version"] == "1.0.0"
    assert body["capabilities"] == ["winner_selection", "notifications"]
    app = App.objects.get(app_id="app_lottery_v1")
    credential = AppCredential.objects.get(app=app)
    assert client_secret_matches(body["client_secret"], credential.secret_hash)
    assert WebhookSecret.objects.get(app=app).secret == body["webhook_secret"]
    assert body["webhook_secrets"][0]["prefix"] == body["webhook_secret"][:12]

    # never again: the app's page has only the secrets' first characters
    again = owner_client.get("/api/v1/apps/app_lottery_v1").json()
    assert "client_secret" not in again and "webhook_secret" not in again
    assert body["webhook_secret"] not in str(again)


def test_register_needs_a_signed_in_onboarded_user(api_client):
    anonymous = api_client.post("/api/v1/apps", {"manifest": manifest()}, format="json")
    assert anonymous.status_code == 401
    api_client.force_authenticate(NewUserFactory())
    new_user = api_client.post("/api/v1/apps", {"manifest": manifest()}, format="json")
    assert new_user.status_code == 403
    assert new_user.json()["error"]["code"] == "onboarding_required"
    assert App.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "manifest"), ({"manifest": manifest(), "colour": 1}, "colour")],
)
def test_register_refuses_a_malformed_body(owner_client, body, field):
    response = owner_client.post("/api/v1/apps", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]
    assert App.objects.count() == 0


def test_register_lists_every_manifest_problem(owner_client):
    bad = manifest(base_url="http://example.com", permissions=["rooms:read", "god:mode"])
    bad["webhooks"]["notifications"]["timeout_ms"] = 60000
    response = owner_client.post("/api/v1/apps", {"manifest": bad}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_manifest"
    assert [f["path"] for f in error["details"]["fields"]] == [
        "$.base_url",
        "$.permissions[1]",
        "$.webhooks.notifications.timeout_ms",
    ]
    assert all(f["message"] for f in error["details"]["fields"])
    assert App.objects.count() == 0


def test_a_taken_app_id_is_409(owner_client, registered):
    response = owner_client.post(
        "/api/v1/apps", {"manifest": manifest(), "app_id": registered.app_id}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "app_id_taken"
    assert App.objects.count() == 1


def test_apps_token_is_never_read_as_an_app_id():
    assert resolve("/api/v1/apps/token_app").func.view_class is AppApi
    assert getattr(resolve("/api/v1/apps/token").func, "view_class", None) is not AppApi
    for segment in ("token", "manifest-schema"):
        assert not re.fullmatch(AppIdConverter.regex, segment)
    assert re.fullmatch(AppIdConverter.regex, "tokens")


# --- read -----------------------------------------------------------------------------------


def test_the_list_has_the_callers_apps_and_staff_see_all(api_client, django_assert_max_num_queries):
    mine = [AppFactory(app_id=f"app_mine_{n}") for n in range(3)]
    owner = mine[0].owner
    for app in mine[1:]:
        app.owner = owner
        app.save()
    AppFactory(app_id="app_other")
    AppFactory(app_id="app_gone", owner=owner, deleted_at=timezone.now())

    api_client.force_authenticate(owner)
    with django_assert_max_num_queries(2):  # the count, the page
        body = api_client.get("/api/v1/apps?page_size=2").json()
    assert body["count"] == 3
    assert [a["app_id"] for a in body["results"]] == ["app_mine_0", "app_mine_1"]
    assert body["next"]

    api_client.force_authenticate(UserFactory(is_staff=True))
    everything = api_client.get("/api/v1/apps").json()
    assert [a["app_id"] for a in everything["results"]] == [
        "app_mine_0",
        "app_mine_1",
        "app_mine_2",
        "app_other",
    ]


def test_the_list_filters_by_state_and_owner(api_client):
    on = AppFactory(app_id="app_on")
    AppFactory(app_id="app_off", is_active=False)
    api_client.force_authenticate(UserFactory(is_staff=True))

    def ids(query: str) -> list[str]:
        response = api_client.get(f"/api/v1/apps?{query}")
        assert response.status_code == 200
        return [a["app_id"] for a in response.json()["results"]]

    assert ids("is_active=true") == ["app_on"]
    assert ids("is_active=false") == ["app_off"]
    assert ids(f"owner_id={on.owner_id}") == ["app_on"]
    bad = api_client.get("/api/v1/apps?is_active=perhaps")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "validation_error"


def test_an_app_is_404_for_strangers_and_readable_by_staff(api_client, registered):
    api_client.force_authenticate(UserFactory())
    stranger = api_client.get(f"/api/v1/apps/{registered.app_id}")
    assert stranger.status_code == 404
    assert stranger.json()["error"]["code"] == "not_found"
    missing = api_client.get("/api/v1/apps/app_no_such_app")
    assert missing.json() == stranger.json()  # the same answer: existence is not leaked

    api_client.force_authenticate(UserFactory(is_staff=True))
    staff = api_client.get(f"/api/v1/apps/{registered.app_id}")
    assert staff.status_code == 200
    assert staff.json()["app_id"] == registered.app_id


# --- new versions ---------------------------------------------------------------------------


def test_patch_publishes_a_new_version(owner_client, registered):
    response = owner_client.patch(
        f"/api/v1/apps/{registered.app_id}", {"manifest": _version("1.1.0")}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["manifest_version"] == "1.1.0"

    versions = owner_client.get(f"/api/v1/apps/{registered.app_id}/versions").json()
    assert [(v["version"], v["is_current"]) for v in versions["results"]] == [
        ("1.1.0", True),
        ("1.0.0", False),
    ]
    assert versions["results"][1]["manifest"] == manifest()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"manifest": _version("1.0.0")}, 409, "version_not_higher"),
        ({"manifest": _version("0.1.0")}, 409, "version_not_higher"),
        ({"manifest": {**_version("2.0.0"), "base_url": "http://x.test"}}, 400, "invalid_manifest"),
        ({}, 400, "validation_error"),
    ],
)
def test_a_refused_patch_changes_nothing(owner_client, registered, body, status, code):
    before = _snapshot(registered)
    response = owner_client.patch(f"/api/v1/apps/{registered.app_id}", body, format="json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert _snapshot(registered) == before


def test_strangers_cannot_publish_or_list_versions(api_client, registered):
    before = _snapshot(registered)
    api_client.force_authenticate(UserFactory())
    patch = api_client.patch(
        f"/api/v1/apps/{registered.app_id}", {"manifest": _version("2.0.0")}, format="json"
    )
    versions = api_client.get(f"/api/v1/apps/{registered.app_id}/versions")
    assert (patch.status_code, versions.status_code) == (404, 404)
    assert _snapshot(registered) == before


def test_the_versions_list_is_paginated_with_fixed_queries(
    owner_client, registered, django_assert_max_num_queries
):
    for minor in range(1, 6):
        services.app_version_publish(
            app=registered, manifest=_version(f"1.{minor}.0"), by=owner_client.owner
        )
    with django_assert_max_num_queries(3):  # the app, the count, the page
        body = owner_client.get(f"/api/v1/apps/{registered.app_id}/versions?page_size=4").json()
    assert body["count"] == 6
    assert [v["version"] for v in body["results"]] == ["1.5.0", "1.4.0", "1.3.0", "1.2.0"]


# --- deprecation ----------------------------------------------------------------------------


def test_deprecate_an_older_version(owner_client, registered):
    services.app_version_publish(app=registered, manifest=_version("1.1.0"), by=owner_client.owner)
    response = owner_client.post(
        f"/api/v1/apps/{registered.app_id}/deprecate-version",
        {"version": "1.0.0", "reason": "Unfair draws."},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["deprecation_reason"], body["is_current"]) == (
        "1.0.0",
        "Unfair draws.",
        False,
    )
    assert body["deprecated_at"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"version": "1.0.0", "reason": "old"}, 409, "version_is_current"),
        ({"version": "3.0.0", "reason": "old"}, 404, "not_found"),
        ({"version": "1.0.0"}, 400, "validation_error"),
    ],
)
def test_a_refused_deprecation_changes_nothing(owner_client, registered, body, status, code):
    before = _snapshot(registered)
    response = owner_client.post(
        f"/api/v1/apps/{registered.app_id}/deprecate-version", body, format="json"
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert _snapshot(registered) == before


# --- secrets --------------------------------------------------------------------------------


def test_rotating_the_signing_secret_keeps_the_old_one_for_the_grace(owner_client, registered):
    old = WebhookSecret.objects.get(app=registered)
    with time_machine.travel("2026-12-01 12:00:00+00:00", tick=False):
        response = owner_client.post(
            f"/api/v1/apps/{registered.app_id}/rotate-secret", {}, format="json"
        )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["secret"] == "webhook"
    assert body["value"].startswith("whsec_")
    assert body["older_expire_at"] == "2026-12-02T12:00:00Z"
    old.refresh_from_db()
    assert old.expires_at == datetime.fromisoformat("2026-12-02 12:00:00+00:00")
    assert WebhookSecret.objects.get(secret=body["value"]).expires_at is None


def test_rotating_with_no_grace(owner_client, registered):
    body = owner_client.post(
        f"/api/v1/apps/{registered.app_id}/rotate-secret", {"grace_hours": 0}, format="json"
    ).json()
    assert body["older_expire_at"] is None
    assert [s.secret for s in WebhookSecret.objects.live().filter(app=registered)] == [
        body["value"]
    ]


def test_rotating_the_client_secret_revokes_the_old_one(owner_client, registered):
    response = owner_client.post(
        f"/api/v1/apps/{registered.app_id}/rotate-secret", {"secret": "client"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["secret"] == "client" and body["value"].startswith("ucs_")
    assert body["older_expire_at"] is None
    live = AppCredential.objects.get(app=registered, revoked_at__isnull=True)
    assert client_secret_matches(body["value"], live.secret_hash)
    assert AppCredential.objects.filter(app=registered, revoked_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    "body", [{"secret": "both"}, {"grace_hours": 500}, {"grace_hours": -1}, {"x": 1}]
)
def test_a_refused_rotation_changes_nothing(owner_client, registered, body):
    before = _snapshot(registered)
    response = owner_client.post(
        f"/api/v1/apps/{registered.app_id}/rotate-secret", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert _snapshot(registered) == before


def test_too_many_live_secrets_is_409(owner_client, registered):
    url = f"/api/v1/apps/{registered.app_id}/rotate-secret"
    for _ in range(2):
        assert owner_client.post(url, {}, format="json").status_code == 200
    before = _snapshot(registered)
    response = owner_client.post(url, {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_secrets"
    assert _snapshot(registered) == before


def test_strangers_cannot_rotate_or_deprecate(api_client, registered):
    before = _snapshot(registered)
    api_client.force_authenticate(UserFactory())
    for path, body in [
        ("rotate-secret", {}),
        ("rotate-secret", {"secret": "client"}),
        ("deprecate-version", {"version": "1.0.0", "reason": "x"}),
    ]:
        response = api_client.post(f"/api/v1/apps/{registered.app_id}/{path}", body, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert _snapshot(registered) == before


def test_secret_expiry_moves_with_the_clock(owner_client, registered):
    """The grace is counted from the rotation: 24 hours later, only the new secret signs."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        new = owner_client.post(
            f"/api/v1/apps/{registered.app_id}/rotate-secret", {}, format="json"
        ).json()["value"]
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        live = list(WebhookSecret.objects.live().filter(app=registered))
    assert [s.secret for s in live] == [new]
