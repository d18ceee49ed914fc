"""A completed or cancelled room keeps the settings it ran under (events.services.rooms
.room_update): a change is ``409 invalid_transition`` and nothing is written, while its name can
still change and the same settings sent again (a form posting everything) are fine."""

import pytest

from events.models import RoomAudit, RoomStatus
from events.services import rooms as services
from tests.events.factories import RoomFactory
from tests.events.test_rooms_services import error_of, events_of, lottery_app

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [RoomStatus.COMPLETED, RoomStatus.CANCELLED])
def test_an_ended_room_keeps_its_settings_but_may_be_renamed(status):
    room = RoomFactory(app=lottery_app(), app_settings={"ticket_count": 5}, status=status)

    error = error_of(
        services.room_update,
        room=room,
        by=room.created_by,
        app_settings={"ticket_count": 9},
        name="Renamed too",
    )

    assert (error.code, error.status_code) == ("invalid_transition", 409)
    assert error.details == {"from": status, "to": status, "allowed": []}
    assert error.message == f"A {status} room is over: its settings can't change."
    room.refresh_from_db()
    assert room.app_settings == {"ticket_count": 5} and room.name != "Renamed too"
    assert events_of(room) == [] and not RoomAudit.objects.filter(room=room).exists()

    renamed = services.room_update(
        room=room, by=room.created_by, app_settings={"ticket_count": 5}, name="Renamed"
    )

    assert renamed.name == "Renamed" and renamed.app_settings == {"ticket_count": 5}
    [(kind, data)] = events_of(room)
    assert kind == "room:updated" and data["fields"] == ["name"]


@pytest.mark.parametrize("status", [RoomStatus.DRAFT, RoomStatus.ACTIVE])
def test_a_draft_or_active_room_still_takes_new_settings(status):
    room = RoomFactory(app=lottery_app(), app_settings={"ticket_count": 5}, status=status)

    updated = services.room_update(room=room, by=room.created_by, app_settings={"ticket_count": 9})

    assert updated.app_settings == {"ticket_count": 9}


def test_the_api_answers_409_for_an_ended_rooms_settings(api_client):
    room = RoomFactory(
        app=lottery_app(), app_settings={"ticket_count": 5}, status=RoomStatus.COMPLETED
    )
    api_client.force_authenticate(room.created_by)

    response = api_client.patch(
        f"/api/v1/rooms/{room.pk}", {"app_settings": {"ticket_count": 9}}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
