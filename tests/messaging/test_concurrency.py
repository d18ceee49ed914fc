"""Races on PostgreSQL: threads released together (tests/concurrency.py)."""

import itertools
import threading

import pytest

from accounts.models import Role, User
from messaging import services
from messaging.models import Conversation, Membership, Message
from tests.accounts.factories import UserFactory
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_people_opening_the_same_conversation_at_once_get_one(settings):
    venue = UserFactory(role=Role.VENUE)
    artist = UserFactory(role=Role.ARTIST)
    turn = itertools.cycle([(venue, artist), (artist, venue)])
    lock = threading.Lock()

    def open_it() -> tuple[int, bool]:
        with lock:
            me, other = next(turn)
        user = User.objects.get(pk=me.pk)
        conversation, created = services.conversation_open(user=user, other_id=other.pk)
        return conversation.pk, created

    results = run_together(open_it, 8)
    assert all(isinstance(result, tuple) for result in results), results
    assert len({pk for pk, _ in results}) == 1
    # Exactly one of them made it (the others lost the race and say so).
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert Conversation.objects.count() == 1
    assert Membership.objects.count() == 2


def test_concurrent_sends_keep_the_unread_count_exact(settings):
    settings.MESSAGING_SEND_RATE = "1000/min"
    venue = UserFactory(role=Role.VENUE)
    artist = UserFactory(role=Role.ARTIST)
    conversation, _ = services.conversation_open(user=venue, other_id=artist.pk)
    counter = itertools.count()
    lock = threading.Lock()

    def send() -> int:
        with lock:
            n = next(counter)
        return services.message_send(
            user=User.objects.get(pk=venue.pk), conversation_id=conversation.pk, content=f"m{n}"
        ).pk

    results = run_together(send, 8)
    assert all(isinstance(result, int) for result in results), results
    side = Membership.objects.get(conversation=conversation, user=artist)
    assert side.unread_count == Message.objects.count() == 8
    conversation.refresh_from_db()
    assert conversation.last_message_id == max(results)
