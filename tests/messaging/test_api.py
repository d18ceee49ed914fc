"""The messaging API: shapes, refusals in the error shape, pagination, query counts."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from messaging import services
from messaging.api.serializers import ConversationDetailSerializer, MessageSerializer
from messaging.models import Block, Conversation, Message, Report
from tests.accounts.factories import UserFactory
from tests.messaging.conftest import client_for


def test_open_a_conversation_then_find_it_again(fan, artist):
    response = client_for(fan).post("/api/v1/conversations/", {"user_id": artist.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["other_user"] == {"id": artist.pk, "display_name": "Nova Reyes", "role": "artist"}
    assert body["last_message"] is None and body["unread_count"] == 0
    assert (body["you_blocked"], body["blocked_you"]) == (False, False)
    serializer = ConversationDetailSerializer(data=body)
    assert serializer.is_valid(), serializer.errors
    again = client_for(artist).post("/api/v1/conversations/", {"user_id": fan.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 400, "validation_error"),
        ({"user_id": "nope"}, 400, "validation_error"),
        ({"user_id": 99_999_999}, 404, "not_found"),
        ({"user_id": 1, "extra": 1}, 400, "validation_error"),
    ],
)
def test_open_refusals_in_the_error_shape(fan, payload, status, code):
    response = client_for(fan).post("/api/v1/conversations/", payload, format="json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not Conversation.objects.exists()


def test_fans_cannot_start_a_conversation_with_a_fan(fan):
    other = UserFactory(role=Role.FAN)
    response = client_for(fan).post("/api/v1/conversations/", {"user_id": other.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_messageable"


def test_send_list_and_read(fan, artist, conversation):
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    sent = client_for(fan).post(url, {"content": "  Hi Nova!  "}, format="json")
    assert sent.status_code == 201, sent.json()
    message = sent.json()
    assert message["content"] == "Hi Nova!" and message["sender_id"] == fan.pk
    assert message["read_at"] is None
    assert MessageSerializer(data=message).is_valid()

    artist_client = client_for(artist)
    assert artist_client.get("/api/v1/conversations/unread").json() == {"unread_total": 1}
    inbox = artist_client.get("/api/v1/conversations/").json()
    assert [row["id"] for row in inbox["results"]] == [conversation.pk]
    assert inbox["results"][0]["unread_count"] == 1
    assert inbox["results"][0]["last_message"] == {
        "id": message["id"],
        "sender_id": fan.pk,
        "preview": "Hi Nova!",
    }
    listed = artist_client.get(url).json()
    assert [m["id"] for m in listed["results"]] == [message["id"]]

    read = artist_client.post(f"/api/v1/conversations/{conversation.pk}/read", {}, format="json")
    assert read.json() == {"marked": 1, "unread_count": 0, "unread_total": 0}
    assert artist_client.get(url).json()["results"][0]["read_at"] is not None


def test_a_2001_character_message_is_a_clear_400_and_writes_nothing(fan, conversation):
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    response = client_for(fan).post(url, {"content": "x" * 2001}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "content" in error["details"]
    for bad in ({"content": "   "}, {"content": None}, {}, {"content": ["a"]}):
        refused = client_for(fan).post(url, bad, format="json")
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["code"] == "validation_error"
    assert not Message.objects.exists()


def test_someone_elses_conversation_is_404_everywhere(conversation):
    stranger = client_for(UserFactory(role=Role.ARTIST))
    base = f"/api/v1/conversations/{conversation.pk}"
    assert stranger.get(base).status_code == 404
    assert stranger.get(f"{base}/messages").status_code == 404
    response = stranger.post(f"{base}/messages", {"content": "hi"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert stranger.post(f"{base}/read", {}, format="json").status_code == 404
    assert not Message.objects.exists()


def test_anonymous_is_401(conversation):
    assert APIClient().get("/api/v1/conversations/").status_code == 401


def test_blocked_sending_is_403_with_a_clear_message(fan, artist, conversation):
    blocked = client_for(artist).post("/api/v1/blocks/", {"user_id": fan.pk}, format="json")
    assert blocked.status_code == 201
    assert blocked.json()["user_id"] == fan.pk
    assert client_for(artist).get("/api/v1/blocks/").json()[0]["display_name"] == "Sam Fan"
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    response = client_for(fan).post(url, {"content": "hello?"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "blocked",
        "message": "This person is not accepting messages from you.",
        "details": {},
    }
    detail = client_for(fan).get(f"/api/v1/conversations/{conversation.pk}").json()
    assert (detail["you_blocked"], detail["blocked_you"]) == (False, True)
    assert client_for(artist).delete(f"/api/v1/blocks/{fan.pk}").status_code == 204
    assert not Block.objects.exists()
    assert client_for(fan).post(url, {"content": "hello?"}, format="json").status_code == 201


def test_the_send_limit_is_429_with_retry_after(settings, fan, conversation):
    settings.MESSAGING_SEND_RATE = "2/min"
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    client = client_for(fan)
    for n in range(2):
        assert client.post(url, {"content": f"m{n}"}, format="json").status_code == 201
    response = client.post(url, {"content": "too fast"}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Message.objects.count() == 2


def test_reports(fan, artist, conversation):
    message = services.message_send(user=artist, conversation_id=conversation.pk, content="spam")
    client = client_for(fan)
    made = client.post(
        "/api/v1/reports/", {"message_id": message.pk, "reason": "Spam"}, format="json"
    )
    assert made.status_code == 201 and made.json()["status"] == "open"
    both = client.post(
        "/api/v1/reports/",
        {"message_id": message.pk, "user_id": artist.pk, "reason": "x"},
        format="json",
    )
    assert both.status_code == 400
    assert Report.objects.count() == 1


def test_messages_newest_first_by_cursor_and_catch_up_after_an_id(fan, artist, conversation):
    ids = [
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"m{n}").pk
        for n in range(7)
    ]
    client = client_for(artist)
    url = f"/api/v1/conversations/{conversation.pk}/messages?page_size=3"
    seen: list[int] = []
    while url:
        page = client.get(url).json()
        seen += [m["id"] for m in page["results"]]
        url = page["next"]
    assert seen == sorted(ids, reverse=True)
    # A client that has the first three asks for what came after: exactly the other four.
    after = f"/api/v1/conversations/{conversation.pk}/messages?page_size=3&after={ids[2]}"
    caught: list[int] = []
    while after:
        page = client.get(after).json()
        caught += [m["id"] for m in page["results"]]
        after = page["next"]
    assert sorted(caught) == ids[3:] and len(caught) == len(set(caught))
    assert (
        client.get(url or f"/api/v1/conversations/{conversation.pk}/messages?after=x").status_code
        == 400
    )


@pytest.mark.parametrize("rows", [2, 12])
def test_the_inbox_takes_a_fixed_number_of_queries(artist, rows, django_assert_max_num_queries):
    for _ in range(rows):
        other = UserFactory(role=Role.VENUE)
        conversation, _ = services.conversation_open(user=other, other_id=artist.pk)
        services.message_send(user=other, conversation_id=conversation.pk, content="hello")
    client = client_for(artist)
    with django_assert_max_num_queries(1):  # the page (force_authenticate: no user query)
        body = client.get("/api/v1/conversations/?page_size=20").json()
    assert len(body["results"]) == rows


@pytest.mark.parametrize("rows", [2, 30])
def test_the_message_list_takes_a_fixed_number_of_queries(
    fan, conversation, rows, django_assert_max_num_queries
):
    for n in range(rows):
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"m{n}")
    client = client_for(fan)
    url = f"/api/v1/conversations/{conversation.pk}/messages?page_size=50"
    with django_assert_max_num_queries(2):  # PostgreSQL: the page, which checks membership itself
        body = client.get(url).json()
    assert len(body["results"]) == rows
