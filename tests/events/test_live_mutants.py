"""Apps' own live events, pinned where the mutation run of events.services.live found them loose
(docs/mutation/live-events.md): the refusals whole (code, message, details, status, field), the
size of data counted as compact UTF-8 JSON, a name that is not a string, a room id that is not a
number, and the rate's message."""

import json
import time
from datetime import UTC, datetime

import pytest
import time_machine

from events.models import RoomEvent, RoomStatus
from events.services.live import DATA_MAX_BYTES, RATE_PER_SECOND, app_event_publish
from tests.events.appauth import app_with_secret
from tests.events.factories import RoomFactory
from tests.events.members_helpers import error_shape, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def room():
    app, _secret = app_with_secret(permissions=["realtime:publish"])
    return RoomFactory(app=app, status=RoomStatus.ACTIVE)


def name(room, event="countdown"):
    return f"app:{room.app.app_id}:{event}"


def publish(room, **kwargs):
    kwargs.setdefault("room_id", room.pk)
    kwargs.setdefault("event", name(room))
    return app_event_publish(app=room.app, **kwargs)


@pytest.mark.parametrize("event", [None, 5, ["app:x:y"]], ids=["none", "int", "list"])
def test_a_name_that_is_not_a_string_is_refused_whole(room, event):
    error = refused(publish, room=room, event=event)
    message = (
        f"Name the event app:{room.app.app_id}:<name>: your app's prefix, then 1 to 40 of a-z, "
        "0-9, '_', '.', '-'."
    )
    assert error_shape(error) == ("validation_error", message, {"event": [message]}, 400)
    assert error.field == "event"


def test_a_name_of_40_characters_is_accepted(room):
    event = publish(room, event=name(room, "a" * 40))
    assert event.type == name(room, "a" * 40)


def test_the_reserved_keys_are_named_in_order(room):
    error = refused(publish, room=room, data={"timestamp": 1, "room_id": 2, "ok": 3})
    message = "The platform sets room_id, timestamp: leave it out of data."
    assert error_shape(error) == ("validation_error", message, {"data": [message]}, 400)
    assert error.field == "data"


def test_data_that_is_not_an_object_is_refused_whole(room):
    error = refused(publish, room=room, data=[1])
    message = "Send data as a JSON object."
    assert error_shape(error) == ("validation_error", message, {"data": [message]}, 400)
    assert error.field == "data"


def _blob(size, **more):
    """An object of ``size`` bytes of compact JSON: ``more`` and a blob of x's."""
    base = {**more, "blob": ""}
    overhead = len(json.dumps(base, separators=(",", ":"), ensure_ascii=False).encode())
    return {**more, "blob": "x" * (size - overhead)}


def test_the_size_is_counted_as_compact_json_with_commas(room):
    data = _blob(DATA_MAX_BYTES, a=1, b=2, c=3)  # ", " would make it 3 bytes more
    assert publish(room, data=data).data["c"] == 3


def test_the_size_is_counted_in_utf8_bytes_not_characters_or_escapes(room):
    # "é" is 2 bytes in UTF-8, 6 as an escape (\u00e9), 1 character
    fits = _blob(DATA_MAX_BYTES, e="é" * 100)
    assert publish(room, data=fits).data["e"] == "é" * 100

    over = _blob(DATA_MAX_BYTES + 1, e="é" * 100)
    error = refused(publish, room=room, data=over)
    message = f"Keep data to {DATA_MAX_BYTES} bytes of JSON (this one has {DATA_MAX_BYTES + 1})."
    assert error_shape(error) == ("validation_error", message, {"data": [message]}, 400)
    assert error.field == "data"


@pytest.mark.parametrize("room_id", [None, "abc", "12x"])
def test_a_room_id_that_is_not_a_number_is_not_found(room, room_id):
    error = refused(publish, room=room, room_id=room_id)
    assert error_shape(error) == ("not_found", "No such room.", {}, 404)


def test_a_room_id_given_as_text_is_read_as_a_number(room):
    assert publish(room, room_id=str(room.pk)).room_id == room.pk


def test_the_rate_refusal_whole(room):
    moment = datetime.fromtimestamp(int(time.time()) + 1.2, tz=UTC)
    with time_machine.travel(moment, tick=False):
        for _ in range(RATE_PER_SECOND):
            publish(room)
        error = refused(publish, room=room)
    assert error_shape(error) == (
        "throttled",
        f"At most {RATE_PER_SECOND} app events a second in a room: try again in a second.",
        {"retry_after_seconds": 1},
        429,
    )
    assert RoomEvent.objects.filter(room=room, type=name(room)).count() == RATE_PER_SECOND


def test_the_window_is_one_second_long(room):
    even = datetime.fromtimestamp((int(time.time()) // 2 + 1) * 2 + 0.2, tz=UTC)
    with time_machine.travel(even, tick=False) as clock:
        for _ in range(RATE_PER_SECOND):
            publish(room)
        clock.shift(1)  # the next second, in the same two-second window
        assert publish(room).type == name(room)
