"""The messaging benchmark: its seed (on PostgreSQL) and its requests, checked against the API."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bench import messages
from bench.endpoints import ENDPOINTS
from messaging.models import Conversation, Membership, Message
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import VenueProfileFactory


def test_counts_add_up_and_vary():
    sizes = messages.counts(2_000)
    assert sum(sizes) == messages.MESSAGES
    assert min(sizes) > messages.FIRST and max(sizes) < messages.FIRST + messages.SPREAD
    assert len(set(sizes)) > 500
    assert sum(messages.counts(5, total=1_000)) == 1_000


def test_cursor_is_drf_s():
    from rest_framework.pagination import CursorPagination

    encoded = messages.cursor_before(12345)
    paginator = CursorPagination()
    paginator.ordering = "-id"

    class Request:
        query_params = {"cursor": encoded}

    assert paginator.decode_cursor(Request()).position == "12345"  # type: ignore[arg-type]


@pytest.mark.django_db
def test_seed_then_every_kind_of_request_passes_its_check():
    if connection.vendor != "postgresql":
        pytest.skip("the bench seeds with COPY (PostgreSQL)")
    venues = [VenueProfileFactory(slug=f"bench-venue-{v:04d}") for v in range(3)]
    for i in range(40):
        ArtistProfileFactory(slug=f"bench-artist-{i:05d}")
    done = messages.seed_messages(artists=40, venues=3, total=900)
    assert done == "bench messages: created 900 in 3 conversations"
    assert messages.seed_messages(artists=40, venues=3, total=900) == "bench messages: 900 there"
    assert Message.objects.count() == 900
    assert Conversation.objects.count() == 3
    for conversation in Conversation.objects.all():
        last = Message.objects.filter(conversation=conversation).latest("id")
        assert conversation.last_message_id == last.pk
        sides = {m.user_id: m for m in Membership.objects.filter(conversation=conversation)}
        assert len(sides) == 2
    venue_sides = Membership.objects.filter(user__in=[v.user for v in venues])
    assert {m.unread_count for m in venue_sides} == {0}
    artist_sides = Membership.objects.exclude(user__in=[v.user for v in venues])
    assert {m.unread_count for m in artist_sides} == {messages.UNREAD_TAIL}

    ids = {"tokens": {}, "conversations": messages.venue_conversations(3)}
    clients = {}
    for v, venue in enumerate(venues):
        ids["tokens"][str(v)] = f"token-{v}"
        clients[f"Bearer token-{v}"] = APIClient()
        clients[f"Bearer token-{v}"].force_authenticate(venue.user)
    endpoint = next(e for e in ENDPOINTS if e.name == "messages")
    calls = endpoint.calls(40, "t", 60, identities=ids)
    kinds = {("cursor=" in c.path, "after=" in c.path) for c in calls}
    assert kinds == {(False, False), (True, False), (False, True)}
    for call in calls:
        response = clients[call.headers["Authorization"]].get(call.path)
        assert response.status_code == 200, call.path
        assert call.check(response.content) is None, call.path


def test_the_check_refuses_wrong_bodies():
    check = messages.check_messages(7, below=None, above=None, full=True)
    row = {"conversation_id": 7, "content": "hi", "created_at": "2026-01-01T00:00:00Z"}
    page = [{**row, "id": 100 - i} for i in range(messages.PAGE)]
    assert check(_body(page)) is None
    assert check(_body(page[:-1])) == "19 messages, not a full page"
    assert check(_body(list(reversed(page)))) == "not newest first"
    assert check(_body([{**page[0], "conversation_id": 8}, *page[1:]])) == (
        "a message of another conversation"
    )
    after = messages.check_messages(7, below=None, above=90, full=False)
    assert after(_body(page[:10])) is None
    assert after(_body(page[:11])) == "not after the id asked"


def _body(rows):
    import json

    return json.dumps({"next": None, "previous": None, "results": rows}).encode()
