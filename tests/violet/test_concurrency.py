"""The daily allowance under concurrent requests, on PostgreSQL: never one prompt more than
the limit, whatever the number of racing requests; and the day's row made once."""

import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.concurrency import run_together
from tests.violet.factories import full_artist
from violet.models import DailyUsage, Generation, GenerationStatus
from violet.services import utc_today

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _post_as(user):
    def call() -> int:
        client = APIClient()
        client.force_authenticate(user)
        response = client.post(
            "/api/v1/violet/generate", {"tool": "tagline", "inputs": {}}, format="json"
        )
        return response.status_code

    return call


def wait_for_free_connections(needed: int, *, seconds: float = 120) -> None:
    """Parallel test workers share one PostgreSQL (max_connections 300, README): wait until
    ``needed`` connections are free, so that another worker's race test is not refused."""
    deadline = time.monotonic() + seconds
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity"
            )
            free = cursor.fetchone()[0]
        if free >= needed or time.monotonic() > deadline:
            return
        time.sleep(1)


@pytest.mark.timeout(300)
def test_200_concurrent_requests_at_45_of_50_accept_exactly_5(settings):
    settings.VIOLET_OFFLINE_STREAM_DELAY = 0
    artist = full_artist()
    DailyUsage.objects.create(artist=artist, day=utc_today(), prompts=45)
    wait_for_free_connections(200 + 20)
    connection.close()

    statuses = run_together(_post_as(artist.user), 200)

    assert sorted(set(statuses)) == [201, 429], statuses
    assert statuses.count(201) == 5
    assert statuses.count(429) == 195
    usage = DailyUsage.objects.get(artist=artist)
    assert usage.prompts == 50
    assert Generation.objects.filter(artist=artist, status=GenerationStatus.COMPLETED).count() == 5


def test_the_first_requests_of_a_day_make_one_row_and_respect_the_limit(settings):
    settings.VIOLET_DAILY_LIMIT = 5
    artist = full_artist()
    connection.close()

    statuses = run_together(_post_as(artist.user), 30)

    assert statuses.count(201) == 5
    assert statuses.count(429) == 25
    assert list(DailyUsage.objects.filter(artist=artist).values_list("day", "prompts")) == [
        (utc_today(), 5)
    ]
