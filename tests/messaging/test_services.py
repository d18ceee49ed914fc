"""Messaging's services: the rules every door shares."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import NotificationPreference, Role
from messaging import services
from messaging.models import (
    MESSAGE_MAX_LENGTH,
    Block,
    Conversation,
    Membership,
    Message,
    Report,
    ReportStatus,
)
from tests.accounts.factories import NewUserFactory, UserFactory
from umbrella.errors import ApplicationError


def _code(call) -> tuple[str, int]:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code, caught.value.status_code


# --- conversations ------------------------------------------------------------------------------


def test_one_conversation_per_pair_whatever_the_order(fan, artist):
    first, created = services.conversation_open(user=fan, other_id=artist.pk)
    assert created
    again, created_again = services.conversation_open(user=artist, other_id=fan.pk)
    assert again.pk == first.pk and not created_again
    assert (first.user_low_id, first.user_high_id) == tuple(sorted((fan.pk, artist.pk)))
    sides = Membership.objects.filter(conversation=first).values_list("user_id", "other_id")
    assert sorted(sides) == sorted([(fan.pk, artist.pk), (artist.pk, fan.pk)])


def test_a_new_conversation_needs_an_artist_or_venue_on_the_other_side(fan, venue, artist):
    other_fan = UserFactory(role=Role.FAN)
    assert _code(lambda: services.conversation_open(user=fan, other_id=other_fan.pk)) == (
        "not_messageable",
        403,
    )
    assert services.conversation_open(user=venue, other_id=artist.pk)[1]
    assert services.conversation_open(user=artist, other_id=venue.pk)[0]
    assert Conversation.objects.count() == 1


def test_refusals_when_opening(fan, artist):
    assert _code(lambda: services.conversation_open(user=fan, other_id=fan.pk)) == (
        "validation_error",
        400,
    )
    assert _code(lambda: services.conversation_open(user=fan, other_id=99_999_999)) == (
        "not_found",
        404,
    )
    newcomer = NewUserFactory()
    assert _code(lambda: services.conversation_open(user=newcomer, other_id=artist.pk)) == (
        "onboarding_required",
        403,
    )
    unfinished = UserFactory(role=Role.ARTIST, onboarding_complete=False)
    assert _code(lambda: services.conversation_open(user=fan, other_id=unfinished.pk))[0] == (
        "not_messageable"
    )
    gone = UserFactory(role=Role.ARTIST, is_active=False)
    assert _code(lambda: services.conversation_open(user=fan, other_id=gone.pk))[0] == "not_found"
    assert Conversation.objects.count() == 0


# --- sending ------------------------------------------------------------------------------------


def test_a_message_is_trimmed_and_updates_both_inbox_rows(fan, artist, conversation):
    message = services.message_send(
        user=fan, conversation_id=conversation.pk, content="  \n Hello there!\u202e \n\n "
    )
    assert message.content == "Hello there!"
    conversation.refresh_from_db()
    assert conversation.last_message_id == message.pk
    assert conversation.last_message_sender_id == fan.pk
    assert conversation.last_message_preview == "Hello there!"
    mine = Membership.objects.get(conversation=conversation, user=fan)
    theirs = Membership.objects.get(conversation=conversation, user=artist)
    assert mine.unread_count == 0 and mine.last_message_at == message.created_at
    assert theirs.unread_count == 1 and theirs.unread_since == message.created_at
    services.message_send(user=fan, conversation_id=conversation.pk, content="Second")
    theirs.refresh_from_db()
    assert theirs.unread_count == 2 and theirs.unread_since == message.created_at


@pytest.mark.parametrize("content", ["", "   \n\t ", "\u200b\u202e", None, 42])
def test_an_empty_message_is_refused_and_nothing_is_written(fan, conversation, content):
    assert _code(
        lambda: services.message_send(user=fan, conversation_id=conversation.pk, content=content)
    ) == ("validation_error", 400)
    assert not Message.objects.exists()


def test_2000_characters_pass_and_2001_do_not(fan, conversation):
    exactly = "x" * MESSAGE_MAX_LENGTH
    assert (
        services.message_send(
            user=fan, conversation_id=conversation.pk, content=f"  {exactly}  "
        ).content
        == exactly
    )
    with pytest.raises(ApplicationError) as caught:
        services.message_send(user=fan, conversation_id=conversation.pk, content=exactly + "y")
    assert caught.value.code == "validation_error"
    assert "content" in caught.value.details
    assert Message.objects.count() == 1
    conversation.refresh_from_db()
    assert conversation.last_message_preview == exactly[:140]


def test_only_the_two_people_can_send_in_a_conversation(conversation):
    stranger = UserFactory(role=Role.ARTIST)
    assert _code(
        lambda: services.message_send(user=stranger, conversation_id=conversation.pk, content="hi")
    ) == ("not_found", 404)
    assert not Message.objects.exists()


def test_a_block_stops_messages_both_ways_until_it_is_lifted(fan, artist, conversation):
    services.user_block(user=artist, other_id=fan.pk)
    services.user_block(user=artist, other_id=fan.pk)  # again: nothing changes
    assert Block.objects.count() == 1
    with pytest.raises(ApplicationError) as theirs:
        services.message_send(user=fan, conversation_id=conversation.pk, content="hello?")
    assert (theirs.value.code, theirs.value.status_code) == ("blocked", 403)
    assert "not accepting messages" in theirs.value.message
    with pytest.raises(ApplicationError) as mine:
        services.message_send(user=artist, conversation_id=conversation.pk, content="hi")
    assert "Unblock them" in mine.value.message
    assert not Message.objects.exists()
    # Nor a new conversation with the blocker.
    conversation.delete()
    assert _code(lambda: services.conversation_open(user=fan, other_id=artist.pk))[0] == "blocked"
    assert services.user_unblock(user=artist, other_id=fan.pk)
    assert not services.user_unblock(user=artist, other_id=fan.pk)
    again, _ = services.conversation_open(user=fan, other_id=artist.pk)
    services.message_send(user=fan, conversation_id=again.pk, content="hello again")


def test_blocking_oneself_or_nobody_is_refused(fan):
    assert _code(lambda: services.user_block(user=fan, other_id=fan.pk))[0] == "validation_error"
    assert _code(lambda: services.user_block(user=fan, other_id=99_999_999))[0] == "not_found"


def test_messages_to_a_deactivated_account_are_refused(fan, artist, conversation):
    artist.is_active = False
    artist.save()
    assert _code(
        lambda: services.message_send(user=fan, conversation_id=conversation.pk, content="hi")
    ) == ("recipient_unavailable", 409)


def test_sending_is_rate_limited_per_person(settings, fan, artist, venue, conversation):
    settings.MESSAGING_SEND_RATE = "3/min"
    for n in range(3):
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"m{n}")
    with pytest.raises(ApplicationError) as caught:
        services.message_send(user=fan, conversation_id=conversation.pk, content="one more")
    assert (caught.value.code, caught.value.status_code) == ("throttled", 429)
    assert 1 <= caught.value.details["retry_after_seconds"] <= 60
    assert Message.objects.count() == 3
    # Per person: the artist still sends.
    services.message_send(user=artist, conversation_id=conversation.pk, content="reply")


def test_the_default_send_rate_is_30_a_minute(settings):
    import umbrella.settings as shipped

    settings.MESSAGING_SEND_RATE = shipped.MESSAGING_SEND_RATE
    assert services.send_rate() == (30, 60)


# --- reading ------------------------------------------------------------------------------------


def test_mark_read_up_to_a_message_and_then_all(fan, artist, conversation):
    sent = [
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"m{n}")
        for n in range(3)
    ]
    marked = services.conversation_mark_read(
        user=artist, conversation_id=conversation.pk, up_to=sent[1].pk
    )
    assert marked == 2
    side = Membership.objects.get(conversation=conversation, user=artist)
    assert side.unread_count == 1 and side.unread_since == sent[2].created_at
    assert side.last_read_id == sent[1].pk
    read = dict(Message.objects.values_list("pk", "read_at"))
    assert read[sent[0].pk] and read[sent[1].pk] and read[sent[2].pk] is None
    assert services.conversation_mark_read(user=artist, conversation_id=conversation.pk) == 1
    assert services.conversation_mark_read(user=artist, conversation_id=conversation.pk) == 0
    side.refresh_from_db()
    assert (side.unread_count, side.unread_since, side.last_read_id) == (0, None, sent[2].pk)
    # The sender's own messages are never "read" by the sender.
    assert services.conversation_mark_read(user=fan, conversation_id=conversation.pk) == 0


def test_replying_marks_what_came_before_read(fan, artist, conversation):
    services.message_send(user=fan, conversation_id=conversation.pk, content="hi")
    services.message_send(user=artist, conversation_id=conversation.pk, content="hello")
    assert Membership.objects.get(conversation=conversation, user=artist).unread_count == 0
    assert Message.objects.get(sender=fan).read_at is not None


def test_someone_elses_conversation_cannot_be_marked_read(conversation):
    stranger = UserFactory()
    assert _code(
        lambda: services.conversation_mark_read(user=stranger, conversation_id=conversation.pk)
    ) == ("not_found", 404)


# --- reports -----------------------------------------------------------------------------------


def test_report_a_message_or_a_person_and_staff_close_it(fan, artist, conversation):
    message = services.message_send(user=artist, conversation_id=conversation.pk, content="spam")
    about_message = services.report_create(user=fan, reason=" Spam. ", message_id=message.pk)
    assert (about_message.reported_user_id, about_message.message_id) == (artist.pk, message.pk)
    assert about_message.conversation_id == conversation.pk and about_message.reason == "Spam."
    about_person = services.report_create(user=fan, reason="Rude", user_id=artist.pk)
    assert about_person.conversation_id == conversation.pk and about_person.message_id is None

    staff = UserFactory(is_staff=True)
    assert _code(
        lambda: services.report_close(
            by=fan, report_id=about_message.pk, status="dismissed", note="x"
        )
    ) == ("permission_denied", 403)
    assert (
        _code(
            lambda: services.report_close(
                by=staff, report_id=about_message.pk, status="dismissed", note="  "
            )
        )[0]
        == "validation_error"
    )
    closed = services.report_close(
        by=staff, report_id=about_message.pk, status=ReportStatus.ACTIONED, note="Warned them."
    )
    assert (closed.status, closed.closed_by, closed.staff_note) == (
        ReportStatus.ACTIONED,
        staff,
        "Warned them.",
    )
    assert closed.closed_at is not None
    assert _code(
        lambda: services.report_close(
            by=staff, report_id=about_message.pk, status="dismissed", note="again"
        )
    ) == ("report_closed", 409)


def test_report_refusals_write_nothing(fan, artist, conversation):
    own = services.message_send(user=fan, conversation_id=conversation.pk, content="mine")
    outsider = UserFactory(role=Role.ARTIST)
    other, _ = services.conversation_open(user=UserFactory(), other_id=outsider.pk)
    elsewhere = services.message_send(
        user=outsider, conversation_id=other.pk, content="not for the fan"
    )
    cases = [
        dict(reason="x", message_id=own.pk),  # your own message
        dict(reason="x", message_id=elsewhere.pk),  # not in your conversations: 404
        dict(reason="x", user_id=fan.pk),  # yourself
        dict(reason="", user_id=artist.pk),  # no reason
        dict(reason="x" * 1001, user_id=artist.pk),
        dict(reason="x"),  # neither
        dict(reason="x", user_id=artist.pk, message_id=own.pk),  # both
    ]
    codes = [_code(lambda c=case: services.report_create(user=fan, **c))[0] for case in cases]
    assert codes == ["validation_error", "not_found"] + ["validation_error"] * 5
    assert not Report.objects.exists()


# --- the email digest --------------------------------------------------------------------------


@pytest.fixture
def unread_hour_ago(fan, artist, conversation):
    """Two messages to the artist, unread for ten minutes."""
    for content in ("Are you free on Friday?", "We pay $400."):
        services.message_send(user=fan, conversation_id=conversation.pk, content=content)
    return timezone.now() + timedelta(minutes=10)


def test_an_offline_person_gets_one_digest_per_conversation_and_hour(
    fan, artist, conversation, unread_hour_ago
):
    now = unread_hour_ago
    assert services.digests_send(now=now) == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [artist.email]
    assert "Sam Fan sent you 2 messages" in email.subject
    assert "Are you free on Friday?" in email.body and "We pay $400." in email.body
    assert f"/messages/{conversation.pk}/" in email.body
    assert "List-Unsubscribe" in email.extra_headers
    # Again at once, and again later in the hour with a new message: nothing more.
    assert services.digests_send(now=now) == 0
    services.message_send(user=fan, conversation_id=conversation.pk, content="Still there?")
    assert services.digests_send(now=now + timedelta(minutes=30)) == 0
    assert len(mail.outbox) == 1
    # An hour after the first: one more, with only the new message.
    assert services.digests_send(now=now + timedelta(minutes=61)) == 1
    assert len(mail.outbox) == 2
    assert "Still there?" in mail.outbox[1].body and "Friday" not in mail.outbox[1].body
    # Nothing new since: nothing, and the hour is not spent on it: a message after that is
    # emailed once it has waited the delay.
    assert services.digests_send(now=now + timedelta(hours=3)) == 0
    services.message_send(user=fan, conversation_id=conversation.pk, content="Hello?")
    later = timezone.now() + timedelta(minutes=10)
    assert services.digests_send(now=max(later, now + timedelta(hours=3, minutes=10))) == 1
    assert "Hello?" in mail.outbox[2].body and "Still there?" not in mail.outbox[2].body


def test_no_digest_too_soon_when_online_when_read_or_when_turned_off(
    fan, artist, conversation, unread_hour_ago
):
    assert services.digests_send(now=timezone.now()) == 0  # unread for less than the delay
    services.presence_mark(artist.pk)
    assert services.digests_send(now=unread_hour_ago) == 0  # a socket is open
    services.presence_mark  # noqa: B018 (the mark expires; simulate it:)
    from django.core.cache import cache

    cache.delete(services.presence_key(artist.pk))
    NotificationPreference.objects.create(user=artist, verb=services.DIGEST_VERB, email=False)
    assert services.digests_send(now=unread_hour_ago) == 0
    NotificationPreference.objects.all().delete()
    services.conversation_mark_read(user=artist, conversation_id=conversation.pk)
    assert services.digests_send(now=unread_hour_ago) == 0
    assert mail.outbox == []


def test_a_failed_digest_is_given_back_and_sent_by_the_next_run(
    monkeypatch, artist, unread_hour_ago
):
    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with pytest.raises(OSError):
        services.digests_send(now=unread_hour_ago)
    side = Membership.objects.get(user=artist)
    assert side.digest_sent_at is None and side.digest_through_id == 0
    monkeypatch.undo()
    assert services.digests_send(now=unread_hour_ago) == 1


def test_two_runs_at_once_send_one_digest(artist, unread_hour_ago):
    side = Membership.objects.get(user=artist)
    assert services.digest_send(membership_id=side.pk, now=unread_hour_ago)
    assert not services.digest_send(membership_id=side.pk, now=unread_hour_ago)
    assert len(mail.outbox) == 1


def test_the_digest_task_runs_the_service(artist, unread_hour_ago, monkeypatch):
    from messaging.tasks import send_digests_task

    monkeypatch.setattr(services, "digests_send", lambda: 7)
    assert send_digests_task.apply().get() == 7
