"""Staff's admin for rooms: status actions and deletion through the room services (audited,
published), participants and prizes inline read-only, the audit read-only; and concurrent
activations on PostgreSQL (one wins, one commitment)."""

import pytest
from django.urls import reverse

from accounts.models import User
from events.models import DrawCommitment, Room, RoomAudit, RoomEvent, RoomStatus
from events.services import rooms as services
from tests.concurrency import run_together
from tests.events.factories import PrizeFactory, RoomFactory
from umbrella.errors import ApplicationError


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    return client


@pytest.mark.django_db
def test_status_actions_run_the_services_and_report_refusals(staff):
    draft = RoomFactory()
    done = RoomFactory(status=RoomStatus.COMPLETED)
    url = reverse("admin:events_room_changelist")

    response = staff.post(
        url, {"action": "activate", "_selected_action": [draft.pk, done.pk]}, follow=True
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    done.refresh_from_db()
    assert (draft.status, done.status) == ("active", "completed")
    assert DrawCommitment.objects.filter(room=draft).exists()
    assert RoomAudit.objects.get(room=draft).by.email == "boss@example.com"
    text = response.content.decode()
    assert "Activated: " in text and "can&#x27;t become active" in text


@pytest.mark.django_db
def test_delete_is_soft_through_the_service_and_bulk_hard_delete_is_gone(staff):
    room = RoomFactory()
    url = reverse("admin:events_room_changelist")
    assert (
        "delete_selected"
        not in staff.get(url).context["action_form"].fields["action"].choices.__repr__()
    )

    staff.post(url, {"action": "soft_delete", "_selected_action": [room.pk]})

    room.refresh_from_db()
    assert room.deleted_at is not None
    assert RoomEvent.objects.filter(room=room, type="room:deleted").exists()


@pytest.mark.django_db
def test_the_change_page_saves_through_the_service_and_shows_inlines_read_only(staff):
    prize = PrizeFactory(name="Signed vinyl")
    room = prize.room
    url = reverse("admin:events_room_change", args=[room.pk])

    page = staff.get(url)
    assert page.status_code == 200 and "Signed vinyl" in page.content.decode()
    data = {"name": "Renamed", "description": "", "is_public": "on"}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update(
            {f"{management.prefix}-{name}": value for name, value in management.initial.items()}
        )
    saved = staff.post(url, data)
    assert saved.status_code == 302, saved.content

    room.refresh_from_db()
    assert room.name == "Renamed"
    assert RoomAudit.objects.get(room=room, action="update").detail == {"fields": ["name"]}
    audit_url = reverse("admin:events_roomaudit_changelist")
    assert staff.get(audit_url).status_code == 200
    assert staff.get(reverse("admin:events_room_add")).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_activations_make_one_transition_and_one_commitment():
    room = RoomFactory()
    organizer = room.created_by

    results = run_together(
        lambda: services.room_activate(room=Room.objects.get(pk=room.pk), by=organizer), 8
    )

    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 7 and {r.code for r in refused} == {"invalid_transition"}
    assert DrawCommitment.objects.filter(room=room).count() == 1
    assert RoomAudit.objects.filter(room=room, action="activate").count() == 1
    assert RoomEvent.objects.filter(room=room, type="room:status_changed").count() == 1
