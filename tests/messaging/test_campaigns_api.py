"""Campaigns: the API (/api/v1/campaigns/), the studio pages, and the email tracking webhook."""

import base64
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from messaging.models import ArtistOptOut, Campaign, CampaignStatusChange, Delivery
from tests.messaging.campaign_helpers import (  # noqa: F401 (fixture)
    _locmem_sms,
    add_fans,
    make_campaign,
    resend_event,
    send_now,
)
from tests.messaging.conftest import client_for

NEW = {
    "name": "News",
    "channel": "email",
    "subject": "Hello from {artist}",
    "body": "Hi {first_name}!",
}


def test_create_preview_and_send_through_the_api(profile, fan_list):
    add_fans(profile, fan_list)
    api = client_for(profile.user)
    made = api.post("/api/v1/campaigns/", {**NEW, "contact_list_id": fan_list.pk}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["status"], body["contact_list_name"], body["kind"]) == (
        "draft",
        "Austin fans",
        "manual",
    )
    preview = api.get(f"/api/v1/campaigns/{body['id']}/preview").json()
    assert preview["recipient_count"] == 3 and preview["segments"] is None
    assert preview["subject"] == "Hello from Nova Reyes"
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = api.post(f"/api/v1/campaigns/{body['id']}/schedule", {}, format="json")
    assert sent.status_code == 200, sent.json()
    assert len(mail.outbox) == 3
    detail = api.get(f"/api/v1/campaigns/{body['id']}").json()
    assert (detail["status"], detail["sent_count"], detail["recipient_count"]) == ("sent", 3, 3)
    report = api.get(f"/api/v1/campaigns/{body['id']}/report").json()
    assert report["by_status"]["sent"] == 3 and report["total"] == 3
    assert report["opt_outs_since"] == 0


def test_the_sms_preview_has_the_segments(profile, fan_list):
    api = client_for(profile.user)
    made = api.post(
        "/api/v1/campaigns/",
        {**NEW, "channel": "sms", "subject": "", "body": "🎸 tonight"},
        format="json",
    ).json()
    preview = api.get(f"/api/v1/campaigns/{made['id']}/preview").json()
    assert preview["segments"] == {"encoding": "UCS-2", "units": 33, "count": 1, "per_segment": 70}


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({**NEW, "body": "Hi {frist_name}"}, "unknown_merge_field", "body"),
        ({**NEW, "channel": "fax"}, "validation_error", "channel"),
        ({**NEW, "body": "x" * 20_001}, "validation_error", "body"),
        ({**NEW, "contact_list_id": "abc"}, "validation_error", "contact_list_id"),
        ({**NEW, "contact_list_id": 99999}, "validation_error", "contact_list_id"),
        ({**NEW, "surprise": 1}, "validation_error", "surprise"),
    ],
)
def test_bad_input_is_a_400_naming_it_and_nothing_is_written(profile, data, code, field):
    response = client_for(profile.user).post("/api/v1/campaigns/", data, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and field in error["details"]
    if code == "unknown_merge_field":
        assert "{frist_name}" in error["message"]
    assert not Campaign.objects.exists() and not CampaignStatusChange.objects.exists()


def test_a_bad_schedule_is_refused_and_nothing_changes(profile, fan_list):
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    api = client_for(profile.user)
    for data in ({"scheduled_at": "yesterday"}, {"scheduled_at": "2001-01-01T00:00:00Z"}):
        response = api.post(f"/api/v1/campaigns/{campaign.pk}/schedule", data, format="json")
        assert response.status_code == 400
    campaign.refresh_from_db()
    assert campaign.status == "draft" and not Delivery.objects.exists()
    assert (
        api.patch(f"/api/v1/campaigns/{campaign.pk}", {"body": "Hi {x}"}, format="json").status_code
        == 400
    )
    campaign.refresh_from_db()
    assert campaign.body == "Hi {first_name}, new single out Friday!"


def test_other_people_see_no_campaign(profile, fan_list):
    from tests.artists.factories import ArtistProfileFactory

    campaign = make_campaign(profile, fan_list)
    other = client_for(ArtistProfileFactory().user)
    for url in (f"/api/v1/campaigns/{campaign.pk}", f"/api/v1/campaigns/{campaign.pk}/report"):
        assert other.get(url).status_code == 404
    assert other.get("/api/v1/campaigns/").json()["results"] == []
    assert (
        other.post(f"/api/v1/campaigns/{campaign.pk}/schedule", {}, format="json").status_code
        == 404
    )


def test_the_list_and_the_report_take_the_same_queries_for_more_rows(profile, fan_list):
    add_fans(profile, fan_list)
    api = client_for(profile.user)
    send_now(profile, make_campaign(profile, fan_list))

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as listed:
            assert api.get("/api/v1/campaigns/").status_code == 200
        campaign = Campaign.objects.order_by("-id").first()
        with CaptureQueriesContext(connection) as reported:
            assert api.get(f"/api/v1/campaigns/{campaign.pk}/report").status_code == 200
        return len(listed), len(reported)

    few = counts()
    more = [(f"x{i}@fans.example", None, f"Fan {i}", "Austin", "TX") for i in range(15)]
    add_fans(profile, fan_list, more)
    for _ in range(3):
        send_now(profile, make_campaign(profile, fan_list))
    assert counts() == few


# --- pages ---------------------------------------------------------------------------------------


def test_the_studio_pages_write_preview_confirm_and_report(client, profile, fan_list):
    add_fans(profile, fan_list)
    client.force_login(profile.user)
    assert client.get(reverse("campaigns")).status_code == 200
    page = client.get(reverse("campaign-new"))
    assert page.status_code == 200
    response = client.post(
        reverse("campaign-new"),
        {
            "name": "News",
            "channel": "sms",
            "contact_list_id": str(fan_list.pk),
            "body": "New single {frist_name}",
        },
    )
    assert response.status_code == 400
    assert "Unknown merge field {frist_name}" in response.content.decode()
    assert not Campaign.objects.exists()
    response = client.post(
        reverse("campaign-new"),
        {
            "name": "News",
            "channel": "sms",
            "contact_list_id": str(fan_list.pk),
            "body": "Hi {first_name}",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "campaign-detail", args=[campaign.pk]
    )
    detail = client.get(response.url).content.decode()
    assert 'data-testid="recipient-count"><strong>3</strong>' in detail
    assert "1 SMS segment each (GSM-7" in detail
    confirm = client.get(reverse("campaign-send", args=[campaign.pk])).content.decode()
    assert "It goes to <strong>3</strong> fans by SMS" in confirm
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("campaign-send", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status in ("sending", "sent")
    report = client.get(reverse("campaign-detail", args=[campaign.pk])).content.decode()
    assert 'data-testid="report"' in report
    listed = client.get(reverse("campaigns")).content.decode()
    assert "News" in listed


def test_a_schedule_form_in_the_past_shows_the_error(client, profile, fan_list):
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    client.force_login(profile.user)
    response = client.post(
        reverse("campaign-schedule", args=[campaign.pk]), {"scheduled_at": "2001-01-01T10:00"}
    )
    assert response.status_code == 400
    assert "That time has passed" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_other_artists_get_404_on_the_pages(client, profile, fan_list):
    from tests.artists.factories import ArtistProfileFactory

    campaign = make_campaign(profile, fan_list)
    client.force_login(ArtistProfileFactory().user)
    assert client.get(reverse("campaign-detail", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("campaign-delete", args=[campaign.pk])).status_code == 302
    assert Campaign.objects.filter(pk=campaign.pk).exists()


# --- the tracking webhook ------------------------------------------------------------------------


def test_resend_bounces_come_back_through_anymails_webhook(client, profile, fan_list, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hook:s3cret"}
    add_fans(profile, fan_list)
    send_now(profile, make_campaign(profile, fan_list))
    delivery = Delivery.objects.get(address="maya@fans.example")
    Delivery.objects.filter(pk=delivery.pk).update(provider_message_id="re_abc")
    url = "/anymail/resend/tracking/"
    event = resend_event(
        "email.bounced", "re_abc", bounce={"message": "hard bounce message", "type": "Permanent"}
    )
    refused = client.post(url, json.dumps(event), content_type="application/json")
    assert refused.status_code == 400  # no basic auth
    assert not ArtistOptOut.objects.exists()
    auth = "Basic " + base64.b64encode(b"hook:s3cret").decode()
    ok = client.post(
        url, json.dumps(event), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert ok.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "bounced"
    assert ArtistOptOut.objects.filter(artist=profile, email="maya@fans.example").exists()


def test_without_a_secret_the_webhook_is_not_there(client, settings):
    settings.ANYMAIL = {k: v for k, v in settings.ANYMAIL.items() if k != "WEBHOOK_SECRET"}
    response = client.post("/anymail/resend/tracking/", "{}", content_type="application/json")
    assert response.status_code == 404


def test_edit_schedule_unschedule_and_delete_pages(client, profile, fan_list):
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    client.force_login(profile.user)
    edit = reverse("campaign-edit", args=[campaign.pk])
    assert 'value="November news"' in client.get(edit).content.decode()
    response = client.post(
        edit,
        {
            "name": "December news",
            "channel": "email",
            "contact_list_id": "",
            "subject": "Hi from {artist}",
            "body": "Hello {first_name}",
            "audience_city": "Austin",
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.contact_list_id, campaign.audience_city) == (
        "December news",
        None,
        "Austin",
    )
    profile.user.timezone = "America/Chicago"
    profile.user.save(update_fields=["timezone"])
    chicago = ZoneInfo("America/Chicago")
    day = (timezone.now() + timedelta(days=30)).astimezone(chicago).date()
    response = client.post(
        reverse("campaign-schedule", args=[campaign.pk]), {"scheduled_at": f"{day}T20:00"}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"
    # 20:00 in the artist's time zone.
    assert campaign.scheduled_at == datetime.combine(day, time(20, 0), tzinfo=chicago)
    page = client.get(edit, follow=True)
    assert "it can&#x27;t be edited now" in page.content.decode()
    client.post(reverse("campaign-unschedule", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert (campaign.status, campaign.scheduled_at) == ("draft", None)
    response = client.post(reverse("campaign-delete", args=[campaign.pk]))
    assert response.status_code == 302 and response.url == reverse("campaigns")
    assert not Campaign.objects.exists()


def test_the_campaign_list_page_takes_the_same_queries_for_more_campaigns(
    client, profile, fan_list
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_fans(profile, fan_list)
    client.force_login(profile.user)
    send_now(profile, make_campaign(profile, fan_list))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("campaigns")).status_code == 200
        return len(queries)

    count()  # warm: the first request fills the caches (session user, menu)
    few = count()
    for _ in range(4):
        send_now(profile, make_campaign(profile, fan_list))
    make_campaign(profile, None)
    assert count() == few
