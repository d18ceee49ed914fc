"""A device session's last-seen time is written at most once per interval, not per request."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TABLE = UserSession._meta.db_table
PAGE = "/dashboard/"


def _session_queries(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries if TABLE in query["sql"]]


@pytest.fixture
def signed_in(client, settings):
    settings.LAST_SEEN_INTERVAL_SECONDS = 300
    user = UserFactory()
    client.force_login(user)
    return client, user


def test_the_first_request_records_the_device_session(signed_in):
    client, user = signed_in

    assert client.get(PAGE).status_code == 200

    session = UserSession.objects.get(user=user)
    assert session.session_key == client.session.session_key


def test_requests_within_the_interval_do_not_touch_the_session_row(signed_in):
    client, user = signed_in
    client.get(PAGE)
    long_ago = timezone.now() - timedelta(hours=1)
    UserSession.objects.filter(user=user).update(last_seen_at=long_ago)

    with CaptureQueriesContext(connection) as queries:
        statuses = {client.get(PAGE).status_code for _ in range(5)}

    assert statuses == {200}
    assert _session_queries(queries) == []
    assert UserSession.objects.get(user=user).last_seen_at == long_ago


def test_after_the_interval_the_next_request_writes_again(signed_in):
    client, user = signed_in
    client.get(PAGE)
    long_ago = timezone.now() - timedelta(hours=1)
    UserSession.objects.filter(user=user).update(last_seen_at=long_ago, ip="10.0.0.1")
    cache.clear()  # the gate is a cache entry that lives for the interval: let it lapse

    client.get(PAGE, REMOTE_ADDR="127.0.0.1")

    session = UserSession.objects.get(user=user)
    assert session.last_seen_at > long_ago
    assert session.ip == "127.0.0.1"


def test_an_interval_of_zero_writes_on_every_request(signed_in, settings):
    client, user = signed_in
    settings.LAST_SEEN_INTERVAL_SECONDS = 0
    client.get(PAGE)
    long_ago = timezone.now() - timedelta(hours=1)
    UserSession.objects.filter(user=user).update(last_seen_at=long_ago)

    client.get(PAGE)

    assert UserSession.objects.get(user=user).last_seen_at > long_ago


def test_anonymous_requests_write_nothing(client):
    with CaptureQueriesContext(connection) as queries:
        client.get("/")

    assert _session_queries(queries) == []
    assert not UserSession.objects.exists()
