"""The demo app: registered through the services, with a week of webhook history; safe twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from events import demo
from events.models import App, AppManifestVersion, DeadLetter, Outcome, WebhookDelivery
from events.selectors_apps import live_webhook_secrets

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_artist_has_an_app_with_two_versions_one_deprecated(seeded):
    app = App.objects.get(app_id=demo.DEMO_APP_ID)
    assert app.owner.email == demo.DEMO_OWNER
    assert app.manifest_version == "1.1.0"
    versions = dict(
        AppManifestVersion.objects.filter(app=app).values_list("version", "deprecated_at")
    )
    assert set(versions) == {"1.0.0", "1.1.0"}
    assert versions["1.0.0"] is not None and versions["1.1.0"] is None
    assert len(live_webhook_secrets(app=app)) == 2  # rotated, the older one in its grace
    assert app.credentials.filter(revoked_at=None).count() == 1
    assert f"created   demo app {demo.DEMO_APP_ID}" in seeded


def test_the_demo_app_has_a_week_of_deliveries_and_one_dead_letter(seeded, client):
    app = App.objects.get(app_id=demo.DEMO_APP_ID)
    rows = WebhookDelivery.objects.filter(app=app)
    outcomes = set(rows.values_list("outcome", flat=True))
    assert {Outcome.SUCCESS, Outcome.HTTP_ERROR, Outcome.TIMEOUT} <= outcomes
    assert rows.filter(outcome=Outcome.SUCCESS).count() > 0.8 * rows.count() > 100
    days = {d.date() for d in rows.values_list("created_at", flat=True)}
    assert len(days) >= demo.DEMO_DAYS
    letter = DeadLetter.objects.get(app=app)
    attempts = rows.filter(webhook_id=letter.webhook_id).order_by("attempt")
    assert [a.outcome for a in attempts] == ["timeout", "http_error", "http_error"]
    assert letter.attempts == 3 and letter.requeued_at is None
    first = attempts[0]
    assert first.request_headers["webhook-id"] == letter.webhook_id
    assert first.request_headers["webhook-signature"].count("v1,") == 2  # both live secrets

    client.force_login(app.owner)
    page = client.get(f"/developers/apps/{app.app_id}/metrics/")
    assert page.status_code == 200
    assert "Setlist Lottery" in page.content.decode()


def test_seeding_twice_adds_nothing(seeded):
    counts = (App.objects.count(), WebhookDelivery.objects.count(), DeadLetter.objects.count())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert (
        App.objects.count(),
        WebhookDelivery.objects.count(),
        DeadLetter.objects.count(),
    ) == counts
    assert f"exists    demo app {demo.DEMO_APP_ID}" in out.getvalue()
