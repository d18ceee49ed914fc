"""Fan list pages: the artist's studio (lists, a list, import, QR code), the fans' own pages
(sign up, confirm, unsubscribe with RFC 8058 one-click), and the admin doors."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from messaging.fans import consent
from messaging.fans import services as fans
from messaging.models import (
    ArtistOptOut,
    ContactList,
    ContactMember,
    ImportJob,
    ImportStatus,
)
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory


def _as(client, user):
    client.force_login(user)
    return client


def test_the_studio_links_to_fan_lists(client, profile):
    html = _as(client, profile.user).get("/studio/").content.decode()
    assert 'href="/studio/fans/"' in html


def test_create_a_list_on_the_page(client, profile):
    page = _as(client, profile.user)
    assert b"No lists yet" in page.get("/studio/fans/").content
    response = page.post("/studio/fans/", {"name": "Austin fans", "description": "News"})
    made = ContactList.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/studio/fans/{made.pk}/"
    refused = page.post("/studio/fans/", {"name": "AUSTIN fans"})
    assert refused.status_code == 400 and b"already have a list" in refused.content
    assert ContactList.objects.count() == 1
    assert b'data-testid="list-row"' in page.get("/studio/fans/").content


def test_the_list_page_shows_members_the_sign_up_link_and_the_qr_code(client, profile, fan_list):
    fans.member_add(user=profile.user, list_id=fan_list.pk, email="maya@example.com")
    html = _as(client, profile.user).get(f"/studio/fans/{fan_list.pk}/").content.decode()
    assert "maya@example.com" in html
    assert f"/fans/{fan_list.signup_token}/join" in html
    assert f'src="/studio/fans/{fan_list.pk}/qr.svg"' in html


def test_the_qr_code_in_svg_and_png(client, profile, fan_list):
    page = _as(client, profile.user)
    svg = page.get(f"/studio/fans/{fan_list.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<?xml") and b"<svg" in svg.content
    png = page.get(f"/studio/fans/{fan_list.pk}/qr.png?download=1")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"] == f'attachment; filename="fan-list-{fan_list.pk}-qr.png"'
    assert page.get(f"/studio/fans/{fan_list.pk}/qr.gif").status_code == 404
    other = ArtistProfileFactory()
    assert _as(client, other.user).get(f"/studio/fans/{fan_list.pk}/qr.svg").status_code == 404


def test_the_qr_code_holds_the_sign_up_url(client, profile, fan_list):
    """Read the PNG's modules back (12 px each, a border of 2) and compare them with the QR
    code of the sign-up URL: what a phone scans is that URL."""
    import io

    import segno
    from PIL import Image

    from messaging.fans.selectors import signup_url

    png = _as(client, profile.user).get(f"/studio/fans/{fan_list.pk}/qr.png").content
    image = Image.open(io.BytesIO(png)).convert("L")
    expected = segno.make(signup_url(fan_list.signup_token), error="m")
    size = expected.symbol_size(scale=1, border=0)[0]
    assert image.size == ((size + 4) * 12, (size + 4) * 12)
    read = [
        [image.getpixel(((x + 2) * 12 + 6, (y + 2) * 12 + 6)) < 128 for x in range(size)]
        for y in range(size)
    ]
    assert read == [[bool(module) for module in row] for row in expected.matrix]


def test_add_and_remove_a_fan_on_the_page(client, profile, fan_list):
    page = _as(client, profile.user)
    url = f"/studio/fans/{fan_list.pk}/members/"
    no_consent = page.post(url, {"email": "a@example.com"})
    assert no_consent.status_code == 400 and not ContactMember.objects.exists()
    bad = page.post(url, {"phone": "12", "consent": "on"})
    assert bad.status_code == 400 and b"not a valid phone number" in bad.content.replace(
        b"\xe2\x80\x9c12\xe2\x80\x9d ", b""
    )
    assert page.post(url, {"email": "a@example.com", "consent": "on"}).status_code == 302
    duplicate = page.post(url, {"email": "A@example.com", "consent": "on"})
    assert duplicate.status_code == 409 and b"already on the list" in duplicate.content
    member = ContactMember.objects.get()
    removed = page.post(f"/studio/fans/{fan_list.pk}/members/{member.pk}/remove/")
    assert removed.status_code == 302 and not ContactMember.objects.exists()


def test_edit_and_delete_a_list_on_the_page(client, profile, fan_list):
    page = _as(client, profile.user)
    page.post(f"/studio/fans/{fan_list.pk}/edit/", {"name": "Texas", "description": ""})
    fan_list.refresh_from_db()
    assert (fan_list.name, fan_list.signup_open) == ("Texas", False)
    other = ArtistProfileFactory()
    assert _as(client, other.user).post(f"/studio/fans/{fan_list.pk}/delete/").status_code == 404
    assert _as(client, profile.user).post(f"/studio/fans/{fan_list.pk}/delete/").status_code == 302
    assert not ContactList.objects.exists()


def test_studio_pages_are_for_artists(client, fan_list):
    assert client.get("/studio/fans/").status_code == 302  # sign in first
    venue = UserFactory(role=Role.VENUE)
    refused = _as(client, venue).get("/studio/fans/")
    assert refused.status_code == 302 and refused["Location"] == "/dashboard/"


def test_the_import_pages_preview_then_import(client, profile, fan_list):
    page = _as(client, profile.user)
    url = f"/studio/fans/{fan_list.pk}/import/"
    assert page.get(url).status_code == 200
    text = b"email,phone\na@example.com,\nbad,\n,+15125550101\n"
    response = page.post(url, {"file": SimpleUploadedFile("fans.csv", text)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/studio/fans/imports/{job.pk}/"
    preview = page.get(response["Location"]).content.decode()
    assert 'data-testid="verdict-ok">Will be imported: 2' in preview
    assert 'data-testid="verdict-bad_email">Not an email address: 1' in preview
    assert preview.count('data-testid="rejected-row"') == 1
    assert not ContactMember.objects.exists()
    assert page.post(response["Location"], {}).status_code == 400  # the consent box
    done = page.post(response["Location"], {"consent": "on"})
    assert done.status_code == 302
    report = page.get(response["Location"]).content.decode()
    assert 'data-testid="import-done"' in report and "2 imported, 1 not imported" in report
    assert ContactMember.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"name\nMaya\n", 400, "No email or phone column"),
        ("email\nñ@x.com\n".encode("latin-1"), 400, "not UTF-8"),
        (b"a@example.com\n", 400, "must be a header"),
    ],
)
def test_a_bad_file_on_the_page_says_why_and_writes_nothing(
    client, profile, fan_list, data, status, message
):
    response = _as(client, profile.user).post(
        f"/studio/fans/{fan_list.pk}/import/", {"file": SimpleUploadedFile("f.csv", data)}
    )
    assert response.status_code == status
    assert message in response.content.decode()
    assert not ImportJob.objects.exists() and not ContactMember.objects.exists()


def test_a_large_import_shows_progress_that_htmx_polls_and_refresh_works_without_js(
    client, profile, fan_list, settings
):
    settings.FANS_IMPORT_ASYNC_ROWS = 1
    page = _as(client, profile.user)
    page.post(
        f"/studio/fans/{fan_list.pk}/import/",
        {"file": SimpleUploadedFile("f.csv", b"email\na@example.com\nb@example.com\n")},
    )
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=1)
    html = page.get(f"/studio/fans/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in html and "1 of 2 rows" in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    fragment = page.get(f"/studio/fans/imports/{job.pk}/?fragment=progress").content.decode()
    assert fragment.lstrip().startswith('<div id="import-progress"')


# --- the fans' pages -----------------------------------------------------------------------------


def test_join_confirm_and_unsubscribe_without_an_account(
    client, fan_list, django_capture_on_commit_callbacks
):
    url = f"/fans/{fan_list.signup_token}/join"
    page = client.get(url)
    assert page.status_code == 200 and b"Get news from Nova Reyes" in page.content
    bad = client.post(url, {"email": "nope"})
    assert bad.status_code == 400 and not ContactMember.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the email goes after commit
        sent_page = client.post(url, {"email": "maya@example.com", "name": "Maya"})
    assert sent_page.status_code == 200 and b'data-testid="join-sent"' in sent_page.content
    [sent] = mail.outbox
    confirm_url = re.search(r"https?://\S+/fans/confirm/\S+/", sent.body)
    assert confirm_url
    path = confirm_url.group(0).split("://", 1)[1].split("/", 1)[1]
    shown = client.get("/" + path)
    assert shown.status_code == 200 and b"Yes, send me news" in shown.content
    assert not ContactMember.objects.get().opted_in  # a GET (a link scanner) confirms nothing
    confirmed = client.post("/" + path)
    assert b'data-testid="confirmed"' in confirmed.content
    assert ContactMember.objects.get().opted_in

    unsubscribe = sent.extra_headers["List-Unsubscribe"].strip("<>").split("://", 1)[1]
    unsubscribe_path = "/" + unsubscribe.split("/", 1)[1]
    asked = client.get(unsubscribe_path)
    assert asked.status_code == 200 and b"Unsubscribe from Nova Reyes?" in asked.content
    assert ContactMember.objects.get().opted_in
    # A mail client's one-click POST (RFC 8058): no cookie, no CSRF token.
    from django.test import Client

    one_click = Client(enforce_csrf_checks=True).post(
        unsubscribe_path, {"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200 and b'data-testid="unsubscribed"' in one_click.content
    member = ContactMember.objects.get()
    assert not member.opted_in and member.opted_out_at is not None
    assert ArtistOptOut.objects.get().reason == "one-click unsubscribe"


def test_bad_tokens_are_404(client, fan_list):
    assert client.get("/fans/nope/join").status_code == 404
    assert client.get("/fans/confirm/nope/").status_code == 404
    assert client.post("/fans/confirm/nope/").status_code == 404
    assert client.get("/fans/unsubscribe/nope/").status_code == 404
    assert client.post("/fans/unsubscribe/nope/").status_code == 404
    assert not ArtistOptOut.objects.exists()


def test_the_sign_up_page_is_throttled(client, fan_list, settings):
    settings.FANS_SIGNUP_RATE = "1/hour"
    url = f"/fans/{fan_list.signup_token}/join"
    assert client.post(url, {"email": "a@example.com"}).status_code == 200
    refused = client.post(url, {"email": "b@example.com"})
    assert refused.status_code == 429 and b"Too many sign-ups" in refused.content
    assert ContactMember.objects.count() == 1


def test_the_unsubscribe_page_for_a_member(client, profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    path = f"/fans/unsubscribe/{consent.unsubscribe_token(member)}/"
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200  # again: still fine
    assert client.put(path).status_code == 405
    assert ArtistOptOut.objects.count() == 1


# --- admin ---------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_admin_lists_members_and_the_record_are_readable(staff_client, profile, fan_list):
    fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    for url in (
        "/admin/messaging/contactlist/",
        f"/admin/messaging/contactlist/{fan_list.pk}/change/",
        "/admin/messaging/contactmember/",
        "/admin/messaging/artistoptout/",
        "/admin/messaging/consentevent/",
        "/admin/messaging/importjob/",
    ):
        assert staff_client.get(url).status_code == 200, url
    assert staff_client.get("/admin/messaging/contactmember/add/").status_code == 403


def test_admin_records_an_opt_out_through_the_service(staff_client, profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    refused = staff_client.post(
        "/admin/messaging/artistoptout/add/",
        {"artist": profile.pk, "email": "", "phone": "12", "reason": "asked"},
    )
    assert refused.status_code == 200 and not ArtistOptOut.objects.exists()
    done = staff_client.post(
        "/admin/messaging/artistoptout/add/",
        {"artist": "", "email": "", "phone": "512-555-0101", "reason": "asked by email"},
    )
    assert done.status_code == 302
    opt_out = ArtistOptOut.objects.get()
    assert (opt_out.artist, opt_out.phone, opt_out.channel) == (None, "+15125550101", "staff")
    member.refresh_from_db()
    assert not consent.may_message(member, "sms") and member.opted_out_at is not None


def test_admin_opts_selected_members_out(staff_client, profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    response = staff_client.post(
        "/admin/messaging/contactmember/",
        {"action": "opt_out", "_selected_action": [member.pk], "apply": "1", "reason": "asked"},
    )
    assert response.status_code == 302
    assert ArtistOptOut.objects.filter(artist=profile, email="a@example.com").exists()


def test_admin_deletes_a_list_through_the_service(staff_client, profile, fan_list):
    response = staff_client.post(
        f"/admin/messaging/contactlist/{fan_list.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302 and not ContactList.objects.exists()


def test_the_list_page_takes_the_same_queries_for_2_or_45_members(client, profile, fan_list):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = _as(client, profile.user)
    page.get(f"/studio/fans/{fan_list.pk}/")  # the first request of a session reads more
    counts = []
    for rows in (2, 45):
        ContactMember.objects.all().delete()
        ContactMember.objects.bulk_create(
            ContactMember(contact_list=fan_list, email=f"f{n}@example.com", source="import")
            for n in range(rows)
        )
        with CaptureQueriesContext(connection) as queries:
            html = page.get(f"/studio/fans/{fan_list.pk}/").content.decode()
        assert html.count('data-testid="member-row"') == rows
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_one_phone_rule_through_every_door(client, profile, fan_list):
    """The same bad number through the API, the studio page and the admin: the same message
    (addresses.normalize_phone), nothing written."""
    from django.test import Client

    from tests.messaging.conftest import client_for

    api = client_for(profile.user).post(
        f"/api/v1/fan-lists/{fan_list.pk}/members", {"phone": "555", "consent": True}, format="json"
    )
    message = api.json()["error"]["details"]["phone"][0]
    assert message == "“555” is not a valid phone number."
    page = _as(client, profile.user).post(
        f"/studio/fans/{fan_list.pk}/members/", {"phone": "555", "consent": "on"}
    )
    assert page.status_code == 400 and message in page.content.decode()
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    admin = staff.post(
        "/admin/messaging/artistoptout/add/",
        {"artist": profile.pk, "email": "", "phone": "555", "reason": "asked"},
    )
    assert admin.status_code == 200 and message in admin.content.decode()
    assert not ContactMember.objects.exists() and not ArtistOptOut.objects.exists()
