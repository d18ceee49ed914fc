"""The rooms bench (bench/rooms.py): its requests are valid and varied, and its check passes the
API's answers and refuses wrong bodies."""

import json
import random

import pytest
from rest_framework.test import APIClient

from bench import rooms
from bench.endpoints import ENDPOINTS
from events.models import RoomStatus
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory, ParticipantFactory, RoomFactory


def test_the_endpoint_is_measured_against_the_floor():
    [endpoint] = [e for e in ENDPOINTS if e.name == "rooms"]
    assert endpoint.auth and endpoint.target_ratio == 0.30


@pytest.mark.django_db
def test_every_kind_of_request_is_answered_and_passes_its_check():
    user = UserFactory()
    apps = [AppFactory(app_id=rooms.app_id(n)) for n in range(rooms.APPS)]
    for app in apps:
        for status in RoomStatus.values:
            for public in (True, False):
                room = RoomFactory(app=app, status=status, is_public=public)
                if not public:
                    ParticipantFactory(room=room, user=user)
    client = APIClient()
    client.force_authenticate(user)
    calls = [rooms.rooms_call(0, random.Random(f"rooms:{i}")) for i in range(60)]
    assert len({call.path for call in calls}) > 20  # varied

    for call in calls:
        response = client.get(call.path)
        assert response.status_code == 200, (call.path, response.content)
        assert call.check(response.content) is None, call.path


def test_the_check_refuses_wrong_bodies():
    check = rooms.check_rooms(["active"], "app_bench_1", True)
    row = {"id": 1, "status": "active", "app": "app_bench_1", "is_public": True, "created_at": "b"}

    def body(*rows):
        return json.dumps({"next": None, "previous": None, "results": list(rows)}).encode()

    assert check(body(row)) is None
    assert check(b"[]") == "no results list"
    assert check(body()) == "no rooms"
    assert check(body({**row, "status": "draft"})) == "a row of another status"
    assert check(body({**row, "app": "app_bench_0"})) == "a row of another app"
    assert check(body({**row, "is_public": False})) == "a row of the other visibility"
    assert check(body({**row, "created_at": "a"}, row)) == "not newest first"
