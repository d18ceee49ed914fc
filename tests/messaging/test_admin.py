"""Staff's side: read-only records, and the report queue closed through the service."""

import pytest
from django.urls import reverse

from accounts.models import User
from messaging import services
from messaging.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    boss = User.objects.create_superuser(email="boss@example.com", password="x" * 12)
    client.force_login(boss)
    return client, boss


@pytest.fixture
def report(fan, artist, conversation):
    for n in range(15):
        services.message_send(user=artist, conversation_id=conversation.pk, content=f"before {n}")
    bad = services.message_send(user=artist, conversation_id=conversation.pk, content="the bad one")
    for n in range(3):
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"after {n}")
    return services.report_create(user=fan, reason="Abusive", message_id=bad.pk)


def test_the_report_shows_the_conversation_around_the_message(staff, report):
    client, _ = staff
    page = client.get(reverse("admin:messaging_report_change", args=[report.pk])).content.decode()
    assert "the bad one" in page and "Abusive" in page
    assert "before 14" in page and "before 5" in page and "before 4" not in page  # ten before
    assert "after 2" in page
    assert client.get(reverse("admin:messaging_report_changelist")).status_code == 200


def test_closing_asks_for_a_note_and_goes_through_the_service(staff, report):
    client, boss = staff
    url = reverse("admin:messaging_report_changelist")
    asked = client.post(url, {"action": "dismiss", "_selected_action": [report.pk]})
    assert asked.status_code == 200 and b"What was decided" in asked.content
    missing = client.post(
        url, {"action": "dismiss", "_selected_action": [report.pk], "apply": "1", "note": ""}
    )
    assert missing.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN
    client.post(
        url,
        {
            "action": "mark_actioned",
            "_selected_action": [report.pk],
            "apply": "1",
            "note": "Account warned.",
        },
    )
    report.refresh_from_db()
    assert (report.status, report.closed_by, report.staff_note) == (
        ReportStatus.ACTIONED,
        boss,
        "Account warned.",
    )


def test_records_are_read_only(staff, report):
    client, _ = staff
    for name in ("conversation", "message", "block", "report"):
        assert client.get(reverse(f"admin:messaging_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:messaging_{name}_add")).status_code == 403
    assert not Report.objects.filter(status=ReportStatus.DISMISSED).exists()
