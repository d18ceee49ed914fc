"""Messaging pages without JavaScript (plain forms, redirects) and the script's JSON door."""

import re

import pytest

from accounts.models import Role
from messaging import services
from messaging.models import Block, Conversation, Message, Report
from tests.accounts.factories import UserFactory


def _as(client, user):
    client.force_login(user)
    return client


def test_the_inbox_is_empty_at_first_and_says_how_to_start(client, fan):
    response = _as(client, fan).get("/messages/")
    assert response.status_code == 200
    assert b'data-testid="empty-state"' in response.content


def test_the_inbox_lists_conversations_with_unread_counts_and_the_badge(
    client, fan, artist, conversation
):
    services.message_send(user=fan, conversation_id=conversation.pk, content="Hi <b>Nova</b>")
    response = _as(client, artist).get("/messages/")
    html = response.content.decode()
    assert "Sam Fan" in html and "Hi &lt;b&gt;Nova&lt;/b&gt;" in html
    row = re.search(r'data-testid="conversation-unread">(\d+)', html)
    assert row and row.group(1) == "1"
    badge = re.search(r'data-testid="messages-badge"[^>]*> <span data-count>(\d+)', html)
    assert badge and badge.group(1) == "1"
    assert _as(client, fan).get("/messages/").content.decode().count("messages-badge") == 1


def test_the_badge_is_hidden_with_nothing_unread(client, fan):
    html = _as(client, fan).get("/dashboard/").content.decode()
    assert re.search(r'data-testid="messages-badge" hidden', html)


def test_opening_a_conversation_shows_it_and_marks_it_read(client, fan, artist, conversation):
    sent = services.message_send(user=fan, conversation_id=conversation.pk, content="Hello!")
    response = _as(client, artist).get(f"/messages/{conversation.pk}/")
    assert response.status_code == 200
    assert b"Hello!" in response.content
    sent.refresh_from_db()
    assert sent.read_at is not None
    own = _as(client, fan).get(f"/messages/{conversation.pk}/").content.decode()
    assert 'data-testid="receipt">Read<' in own


def test_sending_without_javascript_posts_and_redirects(client, fan, artist, conversation):
    response = _as(client, fan).post(f"/messages/{conversation.pk}/", {"content": " Hi there "})
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{conversation.pk}/#composer"
    assert Message.objects.get().content == "Hi there"


def test_a_too_long_message_shows_the_error_next_to_the_field_and_writes_nothing(
    client, fan, conversation
):
    response = _as(client, fan).post(f"/messages/{conversation.pk}/", {"content": "x" * 2001})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_content_error"' in html and "2000" in html
    blank = _as(client, fan).post(f"/messages/{conversation.pk}/", {"content": "\u200b  "})
    assert blank.status_code == 400 and b"Write a message." in blank.content
    assert not Message.objects.exists()


def test_the_script_sends_with_json(client, fan, conversation):
    client = _as(client, fan)
    url = f"/messages/{conversation.pk}/"
    ok = client.post(url, {"content": "via fetch"}, HTTP_ACCEPT="application/json")
    assert ok.status_code == 201 and ok.json()["content"] == "via fetch"
    refused = client.post(url, {"content": ""}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "validation_error"
    services.user_block(user=conversation.user_high, other_id=conversation.user_low_id)
    services.user_block(user=conversation.user_low, other_id=conversation.user_high_id)
    blocked = client.post(url, {"content": "hello?"}, HTTP_ACCEPT="application/json")
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "blocked"
    assert Message.objects.count() == 1


def test_the_script_marks_read_up_to_what_it_shows(client, fan, artist, conversation):
    first = services.message_send(user=fan, conversation_id=conversation.pk, content="1")
    services.message_send(user=fan, conversation_id=conversation.pk, content="2")
    response = _as(client, artist).post(
        f"/messages/{conversation.pk}/read/", {"up_to": first.pk}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"unread_total": 1}


def test_someone_elses_conversation_is_404(client, conversation):
    stranger = _as(client, UserFactory(role=Role.ARTIST))
    for url in ("", "read/", "block/", "report/"):
        method = stranger.get if url in ("", "report/") else stranger.post
        assert method(f"/messages/{conversation.pk}/{url}").status_code == 404, url
    assert stranger.post(f"/messages/{conversation.pk}/", {"content": "x"}).status_code == 404
    assert not Message.objects.exists() and not Block.objects.exists()


def test_the_message_button_page_starts_a_conversation_with_the_first_message(
    client, venue, artist
):
    client = _as(client, venue)
    form = client.get(f"/messages/to/{artist.pk}/")
    assert form.status_code == 200 and b"Message Nova Reyes" in form.content
    assert not Conversation.objects.exists()  # looking is not starting
    sent = client.post(f"/messages/to/{artist.pk}/", {"content": "Friday slot?"})
    conversation = Conversation.objects.get()
    assert sent["Location"] == f"/messages/{conversation.pk}/"
    assert Message.objects.get().content == "Friday slot?"
    # Once it exists, the button opens it.
    again = client.get(f"/messages/to/{artist.pk}/")
    assert again.status_code == 302 and again["Location"] == f"/messages/{conversation.pk}/"


def test_the_message_button_page_shows_why_it_cannot_start(client, fan):
    other_fan = UserFactory(role=Role.FAN)
    response = _as(client, fan).post(f"/messages/to/{other_fan.pk}/", {"content": "hi"})
    assert response.status_code == 400
    assert b"artists and venues" in response.content
    assert not Conversation.objects.exists()
    assert _as(client, fan).get("/messages/to/99999999/").status_code == 404


def test_block_and_unblock_from_the_conversation(client, fan, artist, conversation):
    client = _as(client, artist)
    client.post(f"/messages/{conversation.pk}/block/", {"action": "block"})
    assert Block.objects.filter(blocker=artist, blocked=fan).exists()
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    assert 'data-testid="blocked-note"' in page and 'data-testid="composer"' not in page
    fan_page = _as(client, fan).get(f"/messages/{conversation.pk}/").content.decode()
    assert "not accepting messages from you" in fan_page
    _as(client, artist).post(f"/messages/{conversation.pk}/block/", {"action": "unblock"})
    assert not Block.objects.exists()


def test_report_a_message_from_the_conversation(client, fan, artist, conversation):
    message = services.message_send(user=artist, conversation_id=conversation.pk, content="spam")
    client = _as(client, fan)
    url = f"/messages/{conversation.pk}/report/?message={message.pk}"
    form = client.get(url)
    assert form.status_code == 200 and b"spam" in form.content
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 400 and not Report.objects.exists()
    done = client.post(url, {"reason": "Unwanted ads"})
    assert done.status_code == 302
    report = Report.objects.get()
    assert (report.message_id, report.reported_user_id) == (message.pk, artist.pk)
    own = services.message_send(user=fan, conversation_id=conversation.pk, content="mine")
    assert client.get(f"/messages/{conversation.pk}/report/?message={own.pk}").status_code == 404


@pytest.mark.parametrize("rows", [2, 12])
def test_the_inbox_page_takes_a_fixed_number_of_queries(
    client, artist, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        other = UserFactory(role=Role.VENUE)
        conversation, _ = services.conversation_open(user=other, other_id=artist.pk)
        services.message_send(user=other, conversation_id=conversation.pk, content="hello")
    client = _as(client, artist)
    client.get("/messages/")  # the session's first use writes its last-seen time
    with django_assert_max_num_queries(5):  # session, user, the page, both badges
        response = client.get("/messages/")
    assert response.content.decode().count('data-testid="inbox-row"') == rows


@pytest.mark.parametrize("rows", [2, 40])
def test_the_conversation_page_takes_a_fixed_number_of_queries(
    client, fan, conversation, rows, django_assert_max_num_queries
):
    for n in range(rows):
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"m{n}")
    client = _as(client, fan)
    client.get(f"/messages/{conversation.pk}/")
    with django_assert_max_num_queries(7):  # session, user, membership, the page, blocks, badges
        response = client.get(f"/messages/{conversation.pk}/")
    assert response.content.decode().count('data-testid="message"') == rows


def test_a_send_refused_by_a_block_is_said_at_the_top(client, fan, artist, conversation):
    services.user_block(user=artist, other_id=fan.pk)
    client = _as(client, fan)
    response = client.post(f"/messages/{conversation.pk}/", {"content": "hello?"}, follow=True)
    assert b"not accepting messages from you" in response.content
    assert b'role="status">This person is not accepting' in response.content
    assert not Message.objects.exists()


def test_messaging_yourself_goes_to_the_inbox(client, artist):
    response = _as(client, artist).get(f"/messages/to/{artist.pk}/")
    assert response.status_code == 302 and response["Location"] == "/messages/"
