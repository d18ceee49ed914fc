"""The room event log is pruned by a beat task, keeping at least 5 minutes (SPEC-events §7)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from events import realtime
from events.models import RoomEvent, RoomStatus
from events.tasks_live import room_events_prune_task
from tests.events.factories import RoomFactory
from umbrella.beat import BEAT_SCHEDULE
from umbrella.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_the_log_keeps_at_least_five_minutes():
    assert timedelta(minutes=5) <= realtime.KEEP_EVENTS


def test_the_task_deletes_only_events_older_than_the_log_keeps():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    with transaction.atomic():
        old, recent = realtime.publish_many(room, [("test:old", {}), ("test:recent", {})])
    RoomEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - realtime.KEEP_EVENTS - timedelta(seconds=1)
    )
    RoomEvent.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - realtime.KEEP_EVENTS + timedelta(seconds=30)
    )

    deleted = room_events_prune_task.delay().get()

    assert deleted >= 1
    kinds = set(RoomEvent.objects.filter(room=room).values_list("type", flat=True))
    assert "test:old" not in kinds
    assert "test:recent" in kinds


def test_beat_runs_it_every_five_minutes_and_workers_know_it():
    entry = BEAT_SCHEDULE["events-prune-room-events"]
    assert entry["task"] == "events.room_events_prune"
    assert entry["schedule"].minute == set(range(0, 60, 5))
    assert "events.tasks_live" in celery_app.conf.imports
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
