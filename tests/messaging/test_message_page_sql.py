"""The message list's one statement (PostgreSQL) against its reference queryset, and what an
empty page means (docs/conventions.md "Fast reads")."""

import base64
import random

import pytest
from django.db import connection
from rest_framework.exceptions import NotFound

from accounts.models import Role
from messaging import selectors, services
from tests.accounts.factories import UserFactory
from tests.messaging.conftest import client_for

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the statement is PostgreSQL's"
)


def _never() -> None:
    raise AssertionError("a page with rows must not check membership")


def test_the_statement_and_the_queryset_agree_on_every_page(fan, artist, conversation):
    other_fan = UserFactory(role=Role.FAN)
    elsewhere, _ = services.conversation_open(user=other_fan, other_id=artist.pk)
    ids = []
    for n in range(60):  # two conversations interleaved, as ids are in production
        ids.append(
            services.message_send(user=fan, conversation_id=conversation.pk, content=f"m{n}").pk
        )
        services.message_send(user=other_fan, conversation_id=elsewhere.pk, content=f"o{n}")
    rng = random.Random(7)
    for _ in range(150):
        after = rng.choice([None, rng.randint(ids[0] - 5, ids[-1] + 5)])
        cut = rng.randint(ids[0] - 3, ids[-1] + 3)
        start = rng.randint(0, 5)
        size = rng.randint(1, 25)
        source = selectors.message_page_source(
            user_id=artist.pk,
            conversation_id=conversation.pk,
            after=after,
            check_member=lambda: None,
        )
        reference = selectors.messages_of(conversation_id=conversation.pk, after=after)
        for order, lookup in (("-id", "id__lt"), ("id", "id__gt")):
            got = source.order_by(order).filter(**{lookup: str(cut)})[start : start + size]
            want = list(reference.order_by(order).filter(**{lookup: cut})[start : start + size])
            assert got == [
                {**row, "created_at": _iso(row["created_at"]), "read_at": _iso(row["read_at"])}
                for row in want
            ]


def _iso(value):
    return value and value.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_page_with_rows_is_one_query_and_never_asks_about_membership(
    fan, conversation, django_assert_num_queries
):
    for n in range(5):
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"m{n}")
    source = selectors.message_page_source(
        user_id=fan.pk, conversation_id=conversation.pk, check_member=_never
    )
    with django_assert_num_queries(1):
        assert len(source.order_by("-id")[0:21]) == 5


def test_a_stranger_reads_nothing_and_an_empty_page_asks(fan, conversation):
    services.message_send(user=fan, conversation_id=conversation.pk, content="private")
    stranger = UserFactory(role=Role.FAN)

    def refuse() -> None:
        raise NotFound

    source = selectors.message_page_source(
        user_id=stranger.pk, conversation_id=conversation.pk, check_member=refuse
    )
    with pytest.raises(NotFound):
        source.order_by("-id")[0:21]


def test_empty_pages_through_the_api(fan, artist, conversation):
    client = client_for(artist)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    assert client.get(url).json()["results"] == []  # a member, nothing sent yet: 200, empty
    last = services.message_send(user=fan, conversation_id=conversation.pk, content="hi").pk
    assert client.get(f"{url}?after={last}").json()["results"] == []
    stranger = client_for(UserFactory(role=Role.VENUE))
    for path in (url, f"{url}?after={last}", f"{url}?after=0"):
        response = stranger.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    # A cursor whose position is no id: the same 400 the queryset's filter gave.
    bad = base64.b64encode(b"p=abc").decode()
    response = client.get(f"{url}?cursor={bad}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
