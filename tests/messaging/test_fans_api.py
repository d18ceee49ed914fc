"""Fan lists through the API (/api/v1/fan-lists/, /api/v1/fan-imports/) and Twilio's inbound SMS
webhook (signature checked with the Twilio SDK)."""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from twilio.request_validator import RequestValidator

from accounts.models import Role
from messaging.fans import consent
from messaging.fans import services as fans
from messaging.models import ArtistOptOut, ConsentEvent, ContactList, ContactMember, ImportJob
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.messaging.conftest import client_for

TWILIO_TOKEN = "test-auth-token-0123456789abcdef"
WEBHOOK = "/api/v1/webhooks/twilio/sms"


def _csv(text: str, name: str = "fans.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_lists_crud(profile):
    client = client_for(profile.user)
    made = client.post("/api/v1/fan-lists/", {"name": "Austin fans"}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["name"] == "Austin fans" and body["member_count"] == 0
    assert "/fans/" in body["signup_url"] and body["signup_url"].endswith("/join")
    list_id = body["id"]
    again = client.post("/api/v1/fan-lists/", {"name": "austin FANS"}, format="json")
    assert again.status_code == 400 and again.json()["error"]["details"]["name"]
    assert client.get("/api/v1/fan-lists/").json()[0]["id"] == list_id
    patched = client.patch(
        f"/api/v1/fan-lists/{list_id}", {"signup_open": False, "name": "Texas"}, format="json"
    )
    assert patched.json()["signup_open"] is False and patched.json()["name"] == "Texas"
    unknown = client.patch(f"/api/v1/fan-lists/{list_id}", {"colour": "red"}, format="json")
    assert unknown.status_code == 400
    assert client.delete(f"/api/v1/fan-lists/{list_id}").status_code == 204
    assert client.get(f"/api/v1/fan-lists/{list_id}").status_code == 404


def test_only_the_owner_and_only_artists(profile, fan_list):
    other = client_for(ArtistProfileFactory().user)
    assert other.get(f"/api/v1/fan-lists/{fan_list.pk}").json()["error"]["code"] == "not_found"
    assert other.delete(f"/api/v1/fan-lists/{fan_list.pk}").status_code == 404
    assert other.get(f"/api/v1/fan-lists/{fan_list.pk}/members").status_code == 404
    fan = client_for(UserFactory(role=Role.FAN))
    refused = fan.get("/api/v1/fan-lists/")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_an_artist")
    assert ContactList.objects.count() == 1


def test_members_add_list_and_remove(profile, fan_list):
    client = client_for(profile.user)
    url = f"/api/v1/fan-lists/{fan_list.pk}/members"
    added = client.post(
        url, {"email": "Maya@Example.com", "phone": "512-555-0101", "consent": True}, format="json"
    )
    assert added.status_code == 201, added.json()
    member = added.json()
    assert (member["email"], member["phone"], member["status"], member["source"]) == (
        "maya@example.com",
        "+15125550101",
        "subscribed",
        "manual",
    )
    assert member["consent_at"]
    duplicate = client.post(url, {"email": "maya@example.com", "consent": True}, format="json")
    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "already_member")
    no_consent = client.post(url, {"email": "b@example.com", "consent": False}, format="json")
    assert no_consent.status_code == 400 and "consent" in no_consent.json()["error"]["details"]
    bad_phone = client.post(url, {"phone": "12", "consent": True}, format="json")
    assert bad_phone.json()["error"]["details"]["phone"]
    assert ContactMember.objects.count() == 1
    listed = client.get(url).json()
    assert [m["id"] for m in listed["results"]] == [member["id"]]
    assert client.get(url + "?status=bogus").status_code == 400
    assert client.delete(f"{url}/{member['id']}").status_code == 204
    assert client.delete(f"{url}/{member['id']}").status_code == 404


def test_an_opted_out_address_cannot_be_added_back_by_the_artist(profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    fans.unsubscribe(token=consent.unsubscribe_token(member))
    other_list = fans.contact_list_create(user=profile.user, name="Other")
    response = client_for(profile.user).post(
        f"/api/v1/fan-lists/{other_list.pk}/members",
        {"email": "a@example.com", "consent": True},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "opted_out")


def test_the_member_list_pages_by_cursor_and_filters_by_status(profile, fan_list):
    for n in range(5):
        fans.member_add(user=profile.user, list_id=fan_list.pk, email=f"f{n}@example.com")
    gone = ContactMember.objects.order_by("id").first()
    assert gone is not None
    fans.unsubscribe(token=consent.unsubscribe_token(gone))
    client = client_for(profile.user)
    url = f"/api/v1/fan-lists/{fan_list.pk}/members?page_size=2"
    seen: list[int] = []
    while url:
        page = client.get(url).json()
        seen += [m["id"] for m in page["results"]]
        url = page["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == 5
    out = client.get(f"/api/v1/fan-lists/{fan_list.pk}/members?status=opted_out").json()
    assert [m["id"] for m in out["results"]] == [gone.pk]
    assert out["results"][0]["status"] == "opted_out"


@pytest.mark.parametrize("rows", [2, 40])
def test_the_member_list_takes_a_fixed_number_of_queries(
    profile, fan_list, rows, django_assert_num_queries
):
    ContactMember.objects.bulk_create(
        ContactMember(contact_list=fan_list, email=f"f{n}@example.com", source="import")
        for n in range(rows)
    )
    client = client_for(profile.user)
    # The artist's profile, the list (ownership), the page.
    with django_assert_num_queries(3):
        body = client.get(f"/api/v1/fan-lists/{fan_list.pk}/members?page_size=50").json()
    assert len(body["results"]) == rows


def test_import_through_the_api(profile, fan_list):
    client = client_for(profile.user)
    preview = client.post(
        f"/api/v1/fan-lists/{fan_list.pk}/imports",
        {"file": _csv("email,phone\na@example.com,\nbad,\n,+15125550101\na@example.com,\n")},
        format="multipart",
    )
    assert preview.status_code == 201, preview.json()
    job = preview.json()
    assert job["status"] == "preview" and job["total_rows"] == 4
    assert job["verdicts"] == {"ok": 2, "bad_email": 1, "duplicate_in_file": 1}
    assert [(r["row"], r["verdict"]) for r in job["rejected"]] == [
        (3, "bad_email"),
        (5, "duplicate_in_file"),
    ]
    assert not ContactMember.objects.exists()
    assert client.get(f"/api/v1/fan-imports/{job['id']}").json()["status"] == "preview"
    url = f"/api/v1/fan-imports/{job['id']}/confirm"
    assert client.post(url, {}, format="json").status_code == 400
    done = client.post(url, {"consent": True}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["imported_count"] == 2 and done.json()["rejected_count"] == 2
    assert ContactMember.objects.count() == 2
    again = client.post(url, {"consent": True}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "import_confirmed")
    other = client_for(ArtistProfileFactory().user)
    assert other.get(f"/api/v1/fan-imports/{job['id']}").status_code == 404


def test_a_large_import_is_accepted_and_polled(
    profile, fan_list, settings, django_capture_on_commit_callbacks
):
    settings.FANS_IMPORT_ASYNC_ROWS = 2
    client = client_for(profile.user)
    text = "email\n" + "".join(f"f{n}@example.com\n" for n in range(5))
    job = client.post(
        f"/api/v1/fan-lists/{fan_list.pk}/imports", {"file": _csv(text)}, format="multipart"
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(
            f"/api/v1/fan-imports/{job['id']}/confirm", {"consent": True}, format="json"
        )
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"
    polled = client.get(f"/api/v1/fan-imports/{job['id']}").json()
    assert (polled["status"], polled["processed_rows"], polled["percent"]) == ("done", 5, 100)


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        ("email\nä@example.com\n".encode("utf-16"), "csv_not_utf8", 400),
        (b"a@example.com\nb@example.com\n", "csv_no_header", 400),
        (b"name\nMaya\n", "csv_no_address_column", 400),
        (b"", "csv_empty", 400),
        (b"email\n" + b"x" * 300 + b"\n", "file_too_large", 413),
    ],
)
def test_a_bad_file_through_the_api_is_4xx_and_writes_nothing(
    profile, fan_list, settings, data, code, status
):
    settings.FANS_IMPORT_MAX_BYTES = 200
    response = client_for(profile.user).post(
        f"/api/v1/fan-lists/{fan_list.pk}/imports",
        {"file": SimpleUploadedFile("f.csv", data, content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] in (code, "empty_file", "validation_error")
    if data:
        assert response.json()["error"]["code"] == code
    assert not ImportJob.objects.exists() and not ContactMember.objects.exists()


# --- Twilio's inbound SMS webhook ------------------------------------------------------------


@pytest.fixture
def twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.SITE_URL = "https://umbrella.example.com"
    settings.TWILIO_SMS_WEBHOOK_URL = ""
    return settings


def _signed(params: dict[str, str], url: str = "https://umbrella.example.com" + WEBHOOK) -> str:
    return RequestValidator(TWILIO_TOKEN).compute_signature(url, params)


@pytest.fixture
def texted(profile, fan_list):
    return fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")


def twilio_post(client, params: dict[str, str], **headers: str):
    """POST the form as Twilio does: ``application/x-www-form-urlencoded``."""
    return client.post(
        WEBHOOK,
        urlencode(params),
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
        **headers,
    )


def _sms(body: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + "0" * 32,
        "From": "+15125550101",
        "To": "+15005550006",
        "Body": body,
    }


def test_a_signed_stop_opts_the_number_out(api_client, twilio, texted):
    params = _sms("STOP")
    response = twilio_post(api_client, params, HTTP_X_TWILIO_SIGNATURE=_signed(params))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response></Response>" in response.content
    assert ArtistOptOut.objects.filter(artist=None, phone="+15125550101").exists()
    assert not consent.may_message(texted, "sms")
    params = _sms("start")
    response = twilio_post(api_client, params, HTTP_X_TWILIO_SIGNATURE=_signed(params))
    assert response.status_code == 200 and consent.may_message(texted, "sms")


def test_the_configured_public_url_is_what_is_signed(api_client, twilio, texted):
    twilio.TWILIO_SMS_WEBHOOK_URL = "https://hooks.example.net/twilio/sms"
    params = _sms("STOP")
    wrong_url = twilio_post(api_client, params, HTTP_X_TWILIO_SIGNATURE=_signed(params))
    assert wrong_url.status_code == 403
    signature = _signed(params, url="https://hooks.example.net/twilio/sms")
    assert twilio_post(api_client, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200


@pytest.mark.parametrize(
    "signature",
    [None, "", "bm90IGEgc2lnbmF0dXJl", "tampered"],
)
def test_an_unsigned_or_wrongly_signed_webhook_is_403_and_writes_nothing(
    api_client, twilio, texted, signature
):
    params = _sms("STOP")
    if signature == "tampered":
        signature = _signed({**params, "Body": "hello"})
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    response = twilio_post(api_client, params, **headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not ArtistOptOut.objects.exists() and not ConsentEvent.objects.exclude(kind="added")
    texted.refresh_from_db()
    assert texted.opted_in


def test_without_an_auth_token_every_webhook_is_refused(api_client, twilio, texted):
    params = _sms("STOP")
    signature = _signed(params)
    twilio.TWILIO_AUTH_TOKEN = ""
    assert twilio_post(api_client, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    assert not ArtistOptOut.objects.exists()


def test_the_webhook_takes_only_form_posts(db, api_client, twilio):
    assert api_client.get(WEBHOOK).status_code == 405
    params = _sms("STOP")
    response = api_client.post(
        WEBHOOK, params, format="json", HTTP_X_TWILIO_SIGNATURE=_signed(params)
    )
    assert response.status_code in (403, 415)
    assert not ArtistOptOut.objects.exists()
