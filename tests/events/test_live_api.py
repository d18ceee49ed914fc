"""Apps' own live events: ``POST /api/v1/rooms/{id}/events {event, data}`` (SPEC-events §5):
the scope, the app's prefix, the room's app, the size cap and the rate of 10 a second per room
(counted in the cache: Redis when REDIS_URL is set, shared by every process)."""

import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from events.models import Room, RoomEvent, RoomStatus
from events.services.live import DATA_MAX_BYTES, RATE_PER_SECOND
from tests.accounts.conftest import bearer
from tests.accounts.factories import UserFactory
from tests.events.appauth import acting, app_with_secret, minted_user_token, system, token_for
from tests.events.factories import ParticipantFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def app_and_token():
    app, secret = app_with_secret(permissions=["realtime:publish"])
    return app, token_for(app, secret)


@pytest.fixture
def room(app_and_token):
    return RoomFactory(app=app_and_token[0], status=RoomStatus.ACTIVE)


def post(client, room_id, body, headers):
    return client.post(f"/api/v1/rooms/{room_id}/events", body, format="json", **headers)


def name(app, event="countdown"):
    return f"app:{app.app_id}:{event}"


def test_a_system_call_publishes_an_app_event_to_the_room(
    api_client, app_and_token, room, django_assert_max_num_queries
):
    app, token = app_and_token
    before = Room.objects.get(pk=room.pk).event_seq

    with django_assert_max_num_queries(12):
        response = post(
            api_client, room.pk, {"event": name(app), "data": {"left": 3}}, system(token)
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == name(app)
    assert body["seq"] == before + 1
    assert body["data"]["left"] == 3
    assert body["data"]["room_id"] == room.pk
    assert body["data"]["timestamp"]
    logged = RoomEvent.objects.get(room=room, seq=body["seq"])
    assert (logged.type, logged.data) == (body["type"], body["data"])


def test_data_may_be_left_out(api_client, app_and_token, room):
    app, token = app_and_token
    response = post(api_client, room.pk, {"event": name(app, "ping")}, system(token))
    assert response.status_code == 201
    assert set(response.json()["data"]) == {"room_id", "timestamp"}


def test_an_app_acting_for_a_member_publishes_and_for_anyone_else_is_refused(
    api_client, app_and_token, room
):
    app, token = app_and_token
    member = ParticipantFactory(room=room).user
    stranger = UserFactory()

    ok = post(api_client, room.pk, {"event": name(app)}, acting(minted_user_token(member), token))
    refused = post(
        api_client, room.pk, {"event": name(app)}, acting(minted_user_token(stranger), token)
    )

    assert ok.status_code == 201
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_a_person_alone_cannot_publish(api_client, room):
    response = post(
        api_client, room.pk, {"event": name(room.app)}, bearer(minted_user_token(room.created_by))
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "app_required"


def test_an_app_without_the_scope_is_refused(api_client, room):
    app, secret = app_with_secret(permissions=["realtime:subscribe"])
    mine = RoomFactory(app=app)
    response = post(api_client, mine.pk, {"event": name(app)}, system(token_for(app, secret)))
    assert response.status_code == 403
    assert response.json()["error"]["details"] == {
        "required": ["realtime:publish"],
        "granted": ["realtime:subscribe"],
    }


@pytest.mark.parametrize(
    "event",
    [
        "countdown",
        "app:countdown",
        "app:app_other_1:countdown",  # another app's prefix
        "app:{app_id}:",
        "app:{app_id}:Count Down",
        "app:{app_id}:a:b",
        "app:{app_id}:" + "x" * 41,
        "room:deleted",  # the platform's own events
        "winner:selected",
    ],
)
def test_the_event_name_must_carry_the_apps_own_prefix(api_client, app_and_token, room, event):
    app, token = app_and_token
    response = post(api_client, room.pk, {"event": event.format(app_id=app.app_id)}, system(token))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "event" in error["details"]
    assert f"app:{app.app_id}:" in error["message"]
    assert not RoomEvent.objects.filter(room=room, type__startswith="app:").exists()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"blob": "x" * DATA_MAX_BYTES}, f"{DATA_MAX_BYTES} bytes"),
        ({"room_id": 1}, "room_id"),
        ({"timestamp": "now"}, "timestamp"),
        ([1, 2], "JSON object"),
        ("text", "JSON object"),
    ],
    ids=["too-large", "room_id", "timestamp", "list", "string"],
)
def test_data_is_a_small_json_object(api_client, app_and_token, room, data, says):
    app, token = app_and_token
    response = post(api_client, room.pk, {"event": name(app), "data": data}, system(token))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert says in error["details"]["data"][0]


def test_data_just_under_the_cap_is_accepted(api_client, app_and_token, room):
    app, token = app_and_token
    filler = "x" * (DATA_MAX_BYTES - len('{"blob":""}'))
    response = post(
        api_client, room.pk, {"event": name(app), "data": {"blob": filler}}, system(token)
    )
    assert response.status_code == 201


def test_another_apps_room_or_a_deleted_one_is_not_found(api_client, app_and_token, room):
    app, token = app_and_token
    others = RoomFactory(status=RoomStatus.ACTIVE)
    deleted = RoomFactory(app=app, deleted_at=timezone.now())
    for room_id in (others.pk, deleted.pk, room.pk + 10_000):
        response = post(api_client, room_id, {"event": name(app)}, system(token))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def _next_second() -> datetime:
    return datetime.fromtimestamp(int(time.time()) + 1.2, tz=UTC)


def test_at_most_ten_events_a_second_per_room(api_client, app_and_token, room):
    app, token = app_and_token
    other = RoomFactory(app=app)
    headers = system(token)
    with time_machine.travel(_next_second(), tick=False) as clock:
        codes = [
            post(api_client, room.pk, {"event": name(app)}, headers).status_code
            for _ in range(RATE_PER_SECOND)
        ]
        logged = RoomEvent.objects.filter(room=room).count()
        refused = post(api_client, room.pk, {"event": name(app)}, headers)
        elsewhere = post(api_client, other.pk, {"event": name(app)}, headers)
        clock.shift(0.5)
        still = post(api_client, room.pk, {"event": name(app)}, headers)
        clock.shift(0.5)  # the next second
        again = post(api_client, room.pk, {"event": name(app)}, headers)

    assert codes == [201] * RATE_PER_SECOND
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert refused.json()["error"]["code"] == "throttled"
    assert refused.json()["error"]["details"] == {"retry_after_seconds": 1}
    assert elsewhere.status_code == 201  # per room
    assert still.status_code == 429
    assert again.status_code == 201
    assert RoomEvent.objects.filter(room=room).count() == logged + 1  # refused ones wrote nothing
