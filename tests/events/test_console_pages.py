"""The developer console's app pages: list, register by pasting, overview, versions; forms,
errors next to the manifest field, secrets shown once, 404 for strangers."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from events import usage
from events.models import App, AppCredential, AppManifestVersion, WebhookSecret
from events.services import apps as services
from events.services.credentials import client_secret_matches
from events.views_apps import annotated
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.events.factories import AppFactory, manifest

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    return response.content.decode()


def _version(version: str) -> dict:
    data = manifest()
    data["meta"]["version"] = version
    return data


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def app(owner):
    return services.app_register(owner=owner, manifest=manifest(), app_id="app_lottery").app


# --- list -----------------------------------------------------------------------------------


def test_the_list_has_an_empty_state_and_a_register_button(owner):
    response = _client(owner).get("/developers/apps/")
    assert response.status_code == 200
    page = _text(response)
    assert 'data-testid="empty-state"' in page
    assert 'href="/developers/apps/new/"' in page
    assert "/api/v1/apps/manifest-schema" in page


def test_the_list_shows_only_your_apps(owner, app):
    AppFactory(app_id="app_someone_else")
    page = _text(_client(owner).get("/developers/apps/"))
    assert page.count('data-testid="app-row"') == 1
    assert 'href="/developers/apps/app_lottery/"' in page
    assert "app_someone_else" not in page
    staff_page = _text(_client(UserFactory(is_staff=True)).get("/developers/apps/"))
    assert staff_page.count('data-testid="app-row"') == 2


def test_the_console_needs_a_signed_in_onboarded_user(app):
    anonymous = Client().get("/developers/apps/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    unfinished = _client(NewUserFactory()).get("/developers/apps/new/")
    assert unfinished.status_code == 302
    assert "/developers/" not in unfinished["Location"]


def test_the_dashboard_links_the_console(owner):
    page = _text(_client(owner).get("/dashboard/"))
    assert 'href="/developers/apps/"' in page


# --- register -------------------------------------------------------------------------------


def test_registering_shows_the_secrets_once(owner):
    client = _client(owner)
    response = client.post(
        "/developers/apps/new/", {"manifest": json.dumps(manifest()), "app_id": ""}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = _text(response)
    app = App.objects.get(owner=owner)
    client_secret = re.search(r'data-testid="client-secret">([^<]+)<', page).group(1)
    webhook_secret = re.search(r'data-testid="webhook-secret">([^<]+)<', page).group(1)
    assert client_secret_matches(client_secret, AppCredential.objects.get(app=app).secret_hash)
    assert WebhookSecret.objects.get(app=app).secret == webhook_secret
    assert "shown this once" in page

    overview = _text(client.get(f"/developers/apps/{app.app_id}/"))
    assert client_secret not in overview and webhook_secret not in overview
    assert webhook_secret[:12] in overview  # the first characters tell secrets apart


def test_a_bad_manifest_is_shown_with_every_problem_next_to_the_field(owner):
    bad = manifest(base_url="http://example.com", permissions=["rooms:read", "god:mode"])
    bad["webhooks"]["notifications"]["timeout_ms"] = 99
    del bad["meta"]["name"]

    response = _client(owner).post(
        "/developers/apps/new/", {"manifest": json.dumps(bad, indent=2), "app_id": ""}
    )

    assert response.status_code == 400
    page = _text(response)
    problems = re.search(r'data-testid="manifest-problems".*?</ul>', page, re.S).group(0)
    paths = re.findall(r'data-path="([^"]+)"', problems)
    assert paths == [
        "$.base_url",
        "$.meta.name",
        "$.permissions[1]",
        "$.webhooks.notifications.timeout_ms",
    ]
    assert "4 problems" in page
    # the pasted manifest, each problem highlighted on its line
    annotated_block = re.search(r'data-testid="manifest-annotated">(.*?)</pre>', page, re.S)
    bad_lines = re.findall(r'<span class="line bad"><mark>(.*?)</mark>', annotated_block.group(1))
    assert any("base_url" in line for line in bad_lines)
    assert any("timeout_ms" in line and "99" in line for line in bad_lines)
    assert any("god:mode" in line for line in bad_lines)
    assert any("&quot;meta&quot;" in line for line in bad_lines)  # a missing field: its parent
    # what was pasted stays in the box
    assert "god:mode" in re.search(r"<textarea.*?</textarea>", page, re.S).group(0)
    assert App.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "Not valid JSON"),
        ("", "required"),
        ('{"a": NaN}', "NaN is not a JSON value"),
        ("[" * 65 + "]" * 65, "Nested deeper than 64"),
        ("[" * 5000 + "]" * 5000, "Nested deeper than 64"),
    ],
)
def test_text_that_is_not_json_is_refused_next_to_the_field(owner, text, message):
    response = _client(owner).post("/developers/apps/new/", {"manifest": text, "app_id": ""})
    assert response.status_code == 400
    error = re.search(r'data-testid="manifest-error">([^<]*)<', _text(response)).group(1)
    assert message in error
    assert App.objects.count() == 0


def test_a_taken_app_id_is_shown_next_to_its_field(owner, app):
    response = _client(owner).post(
        "/developers/apps/new/", {"manifest": json.dumps(manifest()), "app_id": "app_lottery"}
    )
    assert response.status_code == 400
    error = re.search(r'data-testid="app-id-error">([^<]*)<', _text(response)).group(1)
    assert "taken" in error
    assert App.objects.count() == 1


# --- overview -------------------------------------------------------------------------------


def test_strangers_get_404_on_every_page_of_an_app(app):
    client = _client(UserFactory())
    before = (AppManifestVersion.objects.count(), WebhookSecret.objects.count())
    for path in ("", "versions/"):
        assert client.get(f"/developers/apps/{app.app_id}/{path}").status_code == 404
    for path, data in [
        ("rotate/", {"secret": "webhook"}),
        ("rotate/", {"secret": "client"}),
        ("webhooks/enable/", {"capability": "notifications"}),
        ("active/", {"active": "0"}),
        ("versions/publish/", {"manifest": json.dumps(_version("2.0.0"))}),
        ("versions/deprecate/", {"version": "1.0.0", "reason": "x"}),
    ]:
        assert client.post(f"/developers/apps/{app.app_id}/{path}", data).status_code == 404
    assert client.get("/developers/apps/app_no_such/").status_code == 404
    assert (AppManifestVersion.objects.count(), WebhookSecret.objects.count()) == before
    app.refresh_from_db()
    assert app.is_active


def test_the_overview_shows_the_version_webhooks_and_tabs(owner, app):
    page = _text(_client(owner).get(f"/developers/apps/{app.app_id}/"))
    assert re.search(r'data-testid="current-version">1\.0\.0', page)
    assert "http://127.0.0.1:8765/hooks/winners" in page
    assert "http://127.0.0.1:8765/hooks/notify" in page
    assert page.count('data-testid="webhook-row"') == 2
    for tab in ("", "versions/", "deliveries/", "dead-letters/", "metrics/"):
        assert f'href="/developers/apps/{app.app_id}/{tab}"' in page
    assert 'aria-current="page">Overview' in page
    assert 'data-testid="set-active"' not in page  # staff only


def test_a_disabled_webhook_is_shown_and_enabled_again(owner, app):
    app.disabled_webhooks = ["notifications"]
    app.save()
    client = _client(owner)
    page = _text(client.get(f"/developers/apps/{app.app_id}/"))
    assert page.count('data-testid="webhook-disabled"') == 1
    response = client.post(
        f"/developers/apps/{app.app_id}/webhooks/enable/", {"capability": "notifications"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.disabled_webhooks == []
    assert 'data-testid="webhook-disabled"' not in _text(client.get(response["Location"]))


def test_rotating_the_signing_secret_shows_the_new_one_once(owner, app):
    old = WebhookSecret.objects.get(app=app)
    response = _client(owner).post(
        f"/developers/apps/{app.app_id}/rotate/", {"secret": "webhook", "grace_hours": "24"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = _text(response)
    shown = re.search(r'data-testid="webhook-secret">([^<]+)<', page).group(1)
    new = WebhookSecret.objects.exclude(pk=old.pk).get(app=app)
    assert shown == new.secret
    assert "next 24 hours" in page
    old.refresh_from_db()
    assert old.expires_at is not None
    assert 'data-testid="client-secret"' not in page


def test_rotating_the_client_secret_shows_the_new_one_once(owner, app):
    response = _client(owner).post(f"/developers/apps/{app.app_id}/rotate/", {"secret": "client"})
    shown = re.search(r'data-testid="client-secret">([^<]+)<', _text(response)).group(1)
    live = AppCredential.objects.get(app=app, revoked_at__isnull=True)
    assert client_secret_matches(shown, live.secret_hash)
    assert AppCredential.objects.filter(app=app).count() == 2


def test_a_refused_rotation_is_a_message_and_changes_nothing(owner, app):
    client = _client(owner)
    for _ in range(2):
        client.post(f"/developers/apps/{app.app_id}/rotate/", {"secret": "webhook"})
    count = WebhookSecret.objects.filter(app=app).count()
    response = client.post(
        f"/developers/apps/{app.app_id}/rotate/", {"secret": "webhook"}, follow=True
    )
    assert "signing secrets are live" in _text(response)
    assert WebhookSecret.objects.filter(app=app).count() == count


def test_staff_disable_and_enable_an_app_from_its_page(app, owner):
    staff = _client(UserFactory(is_staff=True))
    assert 'data-testid="set-active"' in _text(staff.get(f"/developers/apps/{app.app_id}/"))
    staff.post(f"/developers/apps/{app.app_id}/active/", {"active": "0"})
    app.refresh_from_db()
    assert not app.is_active
    assert 'data-testid="app-disabled"' in _text(
        _client(owner).get(f"/developers/apps/{app.app_id}/")
    )
    # the owner can't switch it back on
    _client(owner).post(f"/developers/apps/{app.app_id}/active/", {"active": "1"})
    app.refresh_from_db()
    assert not app.is_active
    staff.post(f"/developers/apps/{app.app_id}/active/", {"active": "1"})
    app.refresh_from_db()
    assert app.is_active


# --- versions -------------------------------------------------------------------------------


def test_publishing_a_new_version_from_the_versions_page(owner, app):
    client = _client(owner)
    page = _text(client.get(f"/developers/apps/{app.app_id}/versions/"))
    assert page.count('data-testid="version-row"') == 1
    assert "&quot;version&quot;: &quot;1.0.0&quot;" in page  # the box starts with the current

    response = client.post(
        f"/developers/apps/{app.app_id}/versions/publish/",
        {"manifest": json.dumps(_version("1.1.0"))},
    )
    assert response.status_code == 302
    page = _text(client.get(response["Location"]))
    assert re.findall(r'data-version="([^"]+)"', page) == ["1.1.0", "1.0.0"]
    assert "Version 1.1.0 is now the current version" in page


def test_a_refused_version_is_shown_next_to_the_field(owner, app):
    client = _client(owner)
    lower = client.post(
        f"/developers/apps/{app.app_id}/versions/publish/",
        {"manifest": json.dumps(_version("0.9.0"))},
    )
    assert lower.status_code == 400
    assert "not higher than the current 1.0.0" in _text(lower)

    bad = _version("2.0.0")
    bad["capabilities"].append("quiz_validation")
    invalid = client.post(
        f"/developers/apps/{app.app_id}/versions/publish/", {"manifest": json.dumps(bad)}
    )
    assert invalid.status_code == 400
    assert 'data-path="$.webhooks.quiz_validation"' in _text(invalid)
    assert AppManifestVersion.objects.filter(app=app).count() == 1


def test_deprecating_from_the_versions_page_notifies_organizers(owner, app):
    organizer = UserFactory()
    remove = usage.version_organizers_register(lambda *, app, version: [organizer])
    try:
        services.app_version_publish(app=app, manifest=_version("1.1.0"), by=owner)
        client = _client(owner)
        page = _text(client.get(f"/developers/apps/{app.app_id}/versions/"))
        assert '<option value="1.0.0">' in page
        assert '<option value="1.1.0">' not in page  # the current one can't be

        response = client.post(
            f"/developers/apps/{app.app_id}/versions/deprecate/",
            {"version": "1.0.0", "reason": "Unfair draws."},
        )
    finally:
        remove()
    assert response.status_code == 302
    row = AppManifestVersion.objects.get(app=app, version="1.0.0")
    assert row.deprecation_reason == "Unfair draws."
    assert Notification.objects.filter(user=organizer, verb="app.version_deprecated").exists()


def test_deprecating_the_current_version_is_refused_on_the_page(owner, app):
    services.app_version_publish(app=app, manifest=_version("1.1.0"), by=owner)
    response = _client(owner).post(
        f"/developers/apps/{app.app_id}/versions/deprecate/", {"version": "1.1.0", "reason": "x"}
    )
    assert response.status_code == 400
    assert "publish a newer one" in _text(response)
    assert not AppManifestVersion.objects.filter(deprecated_at__isnull=False).exists()


# --- the annotated manifest -----------------------------------------------------------------


def test_annotation_puts_each_problem_on_its_line_or_its_parents():
    lines = annotated(
        {"meta": {"version": "x"}, "odd key": [1, 2]},
        [
            {"path": "$.meta.version", "message": "bad"},
            {"path": "$.meta.name", "message": "required"},
            {"path": '$["odd key"][1]', "message": "too big"},
            {"path": "$", "message": "whole"},
        ],
    )
    marked = {line.text.strip(): line.problems for line in lines if line.problems}
    assert marked == {
        '"version": "x"': ["bad"],
        '"meta": {': ["$.meta.name required"],
        "2": ["too big"],
        "{": ["whole"],
    }


# --- queries don't grow with rows -----------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_list_and_versions_pages_read_a_fixed_number_of_queries(owner, app):
    staff = _client(UserFactory(is_staff=True))
    client = _client(owner)
    versions = "/developers/apps/app_lottery/versions/"
    _queries(staff, "/developers/apps/")  # the first request of a session does more
    _queries(client, versions)
    few = (_queries(staff, "/developers/apps/"), _queries(client, versions))
    for n in range(4):
        AppFactory(app_id=f"app_more_{n}")
        services.app_version_publish(app=app, manifest=_version(f"1.{n + 1}.0"), by=owner)
    many = (_queries(staff, "/developers/apps/"), _queries(client, versions))
    assert many == few
