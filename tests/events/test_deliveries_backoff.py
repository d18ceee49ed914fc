"""The retry backoff (a pure function) and the 90-day pruning of attempt rows (beat task)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from events.models import WebhookDelivery
from events.services import deliveries
from events.tasks import deliveries_prune_task
from tests.events.factories import AppFactory
from umbrella.beat import BEAT_SCHEDULE


@pytest.mark.parametrize(
    ("attempt", "step"),
    [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 16.0), (6, 30.0), (7, 30.0), (60, 30.0)],
)
def test_the_delay_doubles_from_one_second_and_is_capped_at_thirty(attempt, step):
    assert deliveries.retry_delay(attempt, rand=lambda: 0.0) == step  # no jitter
    # The most jitter takes 30 % off, never more; nothing ever goes over the cap.
    assert deliveries.retry_delay(attempt, rand=lambda: 0.999999) == pytest.approx(step * 0.7)
    delays = [deliveries.retry_delay(attempt) for _ in range(500)]
    assert all(step * 0.7 <= d <= step <= 30.0 for d in delays)
    assert max(delays) - min(delays) > step * 0.1  # the jitter really spreads them


def test_attempts_count_from_one():
    with pytest.raises(ValueError, match="from 1"):
        deliveries.retry_delay(0)


@pytest.mark.django_db
def test_the_prune_task_deletes_attempts_older_than_90_days_in_batches():
    app = AppFactory()
    now = timezone.now()

    def attempt(age: timedelta) -> WebhookDelivery:
        return WebhookDelivery.objects.create(
            app=app,
            capability="notifications",
            event="e.v",
            webhook_id=f"msg_{age.total_seconds()}",
            outcome="success",
            created_at=now - age,
        )

    old = [attempt(timedelta(days=90, seconds=n + 1)) for n in range(5)]
    kept = [attempt(timedelta(days=89)), attempt(timedelta(days=90) - timedelta(minutes=1))]

    with time_machine.travel(now, tick=False):
        assert deliveries.deliveries_prune(batch=2) == 5  # three statements of at most 2
        assert deliveries_prune_task.apply().get() == 0  # what beat runs: nothing left
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert not WebhookDelivery.objects.filter(pk__in=[r.pk for r in old]).exists()


def test_beat_prunes_daily():
    entry = BEAT_SCHEDULE["events-prune-deliveries"]
    assert entry["task"] == deliveries_prune_task.name == "events.deliveries_prune"
