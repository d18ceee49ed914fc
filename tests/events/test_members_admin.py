"""Staff's admin for participants, prizes, winners and draws: read-only lists whose actions go
through the room services (approve, remove, delete prize, revoke)."""

import pytest
from django.urls import reverse

from accounts.models import User
from events.models import Participant, ParticipantStatus, Prize, RoomEvent, Winner
from events.services import winners
from tests.events.factories import PrizeFactory
from tests.events.members_helpers import cast_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_superuser(email="boss@example.com", password="x" * 12))
    return client


def act(staff, model, action, ids):
    return staff.post(
        reverse(f"admin:events_{model}_changelist"),
        {"action": action, "_selected_action": ids},
        follow=True,
    )


def test_every_list_and_change_page_answers(staff):
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=2)
    won = winners.winner_pick(
        room=cast.room,
        by=cast.user("organizer"),
        prize_id=prize.pk,
        participant_id=cast.rows["participant"].pk,
    )
    for model, pk in (("participant", cast.rows["viewer"].pk), ("prize", prize.pk),
                      ("winner", won.pk)):  # fmt: skip
        assert staff.get(reverse(f"admin:events_{model}_changelist")).status_code == 200
        page = staff.get(reverse(f"admin:events_{model}_change", args=[pk]))
        assert page.status_code == 200
        assert b'name="_save"' not in page.content  # read-only
    assert staff.get(reverse("admin:events_draw_changelist")).status_code == 200
    assert staff.get(reverse("admin:events_participant_add")).status_code == 403


def test_approve_remove_delete_and_revoke_go_through_the_services(staff):
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=1)
    won = winners.winner_pick(
        room=cast.room,
        by=cast.user("organizer"),
        prize_id=prize.pk,
        participant_id=cast.rows["participant"].pk,
    )

    act(staff, "participant", "approve", [cast.rows["pending"].pk])
    assert Participant.objects.get(pk=cast.rows["pending"].pk).status == ParticipantStatus.ACTIVE
    refused = act(staff, "participant", "remove", [cast.rows["organizer"].pk])
    assert "keeps at least one organizer" in refused.content.decode()
    assert Participant.objects.get(pk=cast.rows["organizer"].pk).deleted_at is None
    act(staff, "participant", "remove", [cast.rows["viewer"].pk])
    assert Participant.objects.get(pk=cast.rows["viewer"].pk).deleted_at is not None

    act(staff, "winner", "revoke", [won.pk])
    assert Winner.objects.get(pk=won.pk).revoked_by_id is not None
    assert Prize.objects.get(pk=prize.pk).quantity_remaining == 1
    act(staff, "prize", "delete_prizes", [prize.pk])
    assert Prize.objects.get(pk=prize.pk).deleted_at is not None  # it had a winner

    types = list(RoomEvent.objects.filter(room=cast.room).values_list("type", flat=True))
    assert types[-4:] == ["participant:updated", "participant:left", "winner:revoked",
                          "prize:deleted"]  # fmt: skip
