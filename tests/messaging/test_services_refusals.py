"""Messaging's services: the edges the mutation run of messaging/services.py found untested
(docs/testing.md, "Messaging"). Each test fails with the mutants it names there."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from accounts.models import NotificationPreference, Role
from messaging import services
from messaging.models import Block, Membership, Message, Report, ReportStatus
from tests.accounts.factories import UserFactory
from umbrella.errors import ApplicationError


def _error(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def _shape(error: ApplicationError) -> tuple:
    return (error.code, error.status_code, error.field, error.message, error.details)


# --- the error shape -----------------------------------------------------------------------------


def test_a_refused_message_names_its_field_with_its_own_words(fan, conversation):
    error = _error(
        lambda: services.message_send(user=fan, conversation_id=conversation.pk, content=" ")
    )
    assert _shape(error) == (
        "validation_error",
        400,
        "content",
        "Write a message.",
        {"content": ["Write a message."]},
    )


# --- conversations -------------------------------------------------------------------------------


def test_opening_refusals_name_the_person_field_with_their_own_words(fan, artist):
    from accounts.permissions import OnboardingRequired
    from tests.accounts.factories import NewUserFactory

    error = _error(lambda: services.conversation_open(user=fan, other_id=fan.pk))
    message = "You cannot message yourself."
    assert _shape(error) == ("validation_error", 400, "user_id", message, {"user_id": [message]})
    error = _error(lambda: services.conversation_open(user=fan, other_id=99_999_999))
    assert (error.code, error.status_code, error.message) == ("not_found", 404, "No such person.")
    error = _error(lambda: services.conversation_open(user=NewUserFactory(), other_id=artist.pk))
    assert (error.code, error.status_code, error.message) == (
        "onboarding_required",
        403,
        OnboardingRequired.default_detail,
    )


def test_each_pair_has_its_own_conversation_when_they_share_a_side(fan, venue, artist):
    """Two fans writing to one artist (the artist is ``user_high`` of both, the fans are
    ``user_low``), and one fan writing to two: four people, three conversations."""
    other_fan = UserFactory(role=Role.FAN)
    late_artist = UserFactory(role=Role.ARTIST)  # the highest id: user_high of both below
    first, _ = services.conversation_open(user=fan, other_id=late_artist.pk)
    second, created = services.conversation_open(user=other_fan, other_id=late_artist.pk)
    assert created and second.pk != first.pk
    assert (second.user_low_id, second.user_high_id) == (other_fan.pk, late_artist.pk)
    again, created = services.conversation_open(user=late_artist, other_id=other_fan.pk)
    assert (again.pk, created) == (second.pk, False)


def test_a_message_goes_to_the_conversation_it_names(fan, artist, venue):
    first, _ = services.conversation_open(user=fan, other_id=artist.pk)
    second, _ = services.conversation_open(user=fan, other_id=venue.pk)
    message = services.message_send(user=fan, conversation_id=second.pk, content="to the venue")
    assert message.conversation_id == second.pk
    assert Membership.objects.get(conversation=second, user=venue).unread_count == 1
    assert Membership.objects.get(conversation=first, user=artist).unread_count == 0
    error = _error(lambda: services.message_send(user=fan, conversation_id=99_999_999, content="x"))
    assert (error.code, error.status_code, error.message) == (
        "not_found",
        404,
        "No such conversation.",
    )


def test_someone_who_is_not_an_artist_or_venue_is_told_who_can_be_messaged(fan):
    other_fan = UserFactory(role=Role.FAN)
    error = _error(lambda: services.conversation_open(user=fan, other_id=other_fan.pk))
    assert (error.code, error.status_code, error.message) == (
        "not_messageable",
        403,
        "You can start a conversation with artists and venues.",
    )


@pytest.mark.parametrize("content", [None, 42, ["hi"], "\u200b \n \u200b", "\u200d  \u200d"])
def test_no_text_or_only_invisible_marks_around_blanks_is_no_message(fan, conversation, content):
    error = _error(
        lambda: services.message_send(user=fan, conversation_id=conversation.pk, content=content)
    )
    assert _shape(error) == (
        "validation_error",
        400,
        "content",
        "Write a message.",
        {"content": ["Write a message."]},
    )
    assert not Message.objects.exists()


def test_a_block_stops_only_the_pair_it_is_between(fan, artist, venue, conversation):
    """Blocks elsewhere change nothing here: the artist blocking the venue, and the venue
    blocking the fan, still let the fan and the artist write to each other."""
    services.user_block(user=artist, other_id=venue.pk)
    services.user_block(user=venue, other_id=fan.pk)
    services.message_send(user=fan, conversation_id=conversation.pk, content="still here")
    services.message_send(user=artist, conversation_id=conversation.pk, content="me too")
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_the_blocker_is_told_to_unblock_and_the_blocked_is_told_nothing_more(
    fan, artist, conversation
):
    services.user_block(user=artist, other_id=fan.pk)
    mine = _error(
        lambda: services.message_send(user=artist, conversation_id=conversation.pk, content="x")
    )
    theirs = _error(
        lambda: services.message_send(user=fan, conversation_id=conversation.pk, content="x")
    )
    assert (mine.code, mine.status_code, mine.message) == (
        "blocked",
        403,
        "You blocked this person. Unblock them to send messages.",
    )
    assert (theirs.code, theirs.status_code, theirs.message) == (
        "blocked",
        403,
        "This person is not accepting messages from you.",
    )


# --- sending -------------------------------------------------------------------------------------


def test_a_message_moves_its_conversation_up_both_inboxes_and_counts_only_there(
    fan, artist, venue, conversation
):
    elsewhere, _ = services.conversation_open(user=venue, other_id=artist.pk)
    senders_other, _ = services.conversation_open(user=fan, other_id=venue.pk)
    message = services.message_send(user=fan, conversation_id=conversation.pk, content="hi")
    conversation.refresh_from_db()
    assert conversation.last_message_at == message.created_at
    theirs = Membership.objects.get(conversation=conversation, user=artist)
    assert (theirs.last_message_at, theirs.unread_count) == (message.created_at, 1)
    # The recipient's other conversation is untouched.
    other_side = Membership.objects.get(conversation=elsewhere, user=artist)
    assert (other_side.unread_count, other_side.unread_since) == (0, None)
    assert other_side.last_message_at != message.created_at
    # So is the sender's.
    mine_elsewhere = Membership.objects.get(conversation=senders_other, user=fan)
    assert mine_elsewhere.last_message_at != message.created_at


def test_a_too_long_message_says_how_long_it_is(fan, conversation):
    error = _error(
        lambda: services.message_send(user=fan, conversation_id=conversation.pk, content="x" * 2001)
    )
    message = "Keep a message to 2000 characters (this one has 2001)."
    assert _shape(error) == ("validation_error", 400, "content", message, {"content": [message]})


@pytest.mark.parametrize(("second", "wait"), [(20.5, 40), (59.5, 1), (0.0, 60)])
def test_the_send_limit_says_when_the_window_ends(settings, fan, conversation, second, wait):
    import time_machine

    settings.MESSAGING_SEND_RATE = "1/min"
    moment = (int(timezone.now().timestamp()) // 60 + 1) * 60 + second  # into a new minute
    with time_machine.travel(moment, tick=False):
        services.message_send(user=fan, conversation_id=conversation.pk, content="one")
        error = _error(
            lambda: services.message_send(user=fan, conversation_id=conversation.pk, content="2")
        )
    message = f"You are sending messages too fast. Try again in {wait} seconds."
    assert _shape(error) == (
        "throttled",
        429,
        "content",
        message,
        {"retry_after_seconds": wait},
    )


def test_a_message_to_a_deactivated_account_says_so(fan, artist, conversation):
    artist.is_active = False
    artist.save()
    error = _error(
        lambda: services.message_send(user=fan, conversation_id=conversation.pk, content="hi")
    )
    assert (error.code, error.status_code, error.message) == (
        "recipient_unavailable",
        409,
        "This account is no longer active.",
    )


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("up_to", [0, -3, "3", 2.5])
def test_mark_read_up_to_something_that_is_not_a_message_id_is_refused(
    fan, artist, conversation, up_to
):
    services.message_send(user=fan, conversation_id=conversation.pk, content="hi")
    message = "A message id (a whole number from 1)."
    error = _error(
        lambda: services.conversation_mark_read(
            user=artist, conversation_id=conversation.pk, up_to=up_to
        )
    )
    assert _shape(error) == ("validation_error", 400, "up_to", message, {"up_to": [message]})
    assert Message.objects.get().read_at is None


def test_marking_one_conversation_read_leaves_the_others_as_they_are(fan, artist, venue):
    """The artist reads the fan's conversation (its read mark ends up above the venue's
    message), then the venue's: each conversation's own messages, marks and counts only."""
    with_fan, _ = services.conversation_open(user=fan, other_id=artist.pk)
    with_venue, _ = services.conversation_open(user=venue, other_id=artist.pk)
    from_venue = services.message_send(user=venue, conversation_id=with_venue.pk, content="v")
    services.message_send(user=fan, conversation_id=with_fan.pk, content="f1")
    assert services.conversation_mark_read(user=artist, conversation_id=with_fan.pk) == 1
    venue_side = Membership.objects.get(conversation=with_venue, user=artist)
    assert (venue_side.unread_count, venue_side.unread_since) == (1, from_venue.created_at)
    from_venue.refresh_from_db()
    assert from_venue.read_at is None
    services.message_send(user=fan, conversation_id=with_fan.pk, content="f2")
    assert services.conversation_mark_read(user=artist, conversation_id=with_venue.pk) == 1
    from_venue.refresh_from_db()
    assert from_venue.read_at is not None
    venue_side.refresh_from_db()
    assert (venue_side.unread_count, venue_side.unread_since) == (0, None)
    fan_side = Membership.objects.get(conversation=with_fan, user=artist)
    assert fan_side.unread_count == 1
    assert Message.objects.get(content="f2").read_at is None


def test_reading_up_to_an_earlier_message_counts_neither_ones_own_nor_read_ones(
    fan, artist, conversation
):
    first = services.message_send(user=fan, conversation_id=conversation.pk, content="1")
    services.message_send(user=fan, conversation_id=conversation.pk, content="2")
    services.message_send(user=artist, conversation_id=conversation.pk, content="my reply")
    # Everything the fan sent is read (the reply); marking up to the first again changes
    # nothing, and the artist's own reply (unread by the fan) is no unread message of theirs.
    assert (
        services.conversation_mark_read(
            user=artist, conversation_id=conversation.pk, up_to=first.pk
        )
        == 0
    )
    side = Membership.objects.get(conversation=conversation, user=artist)
    assert (side.unread_count, side.unread_since) == (0, None)


def test_mark_read_up_to_1_is_a_message_id(fan, artist, conversation):
    services.message_send(user=fan, conversation_id=conversation.pk, content="hi")
    assert (
        services.conversation_mark_read(user=artist, conversation_id=conversation.pk, up_to=1) >= 0
    )


# --- blocks --------------------------------------------------------------------------------------


def test_block_refusals_name_the_person_field(fan):
    error = _error(lambda: services.user_block(user=fan, other_id=fan.pk))
    assert _shape(error) == (
        "validation_error",
        400,
        "user_id",
        "You cannot block yourself.",
        {"user_id": ["You cannot block yourself."]},
    )
    error = _error(lambda: services.user_block(user=fan, other_id=99_999_999))
    assert (error.code, error.status_code, error.message) == ("not_found", 404, "No such person.")


def test_blocking_again_returns_that_block_among_others(fan, artist, venue):
    """The repeat goes through the unique constraint's path: it must find the one block of
    this pair, not any block of the blocker or of the blocked."""
    first = services.user_block(user=artist, other_id=fan.pk)
    services.user_block(user=artist, other_id=venue.pk)  # the blocker blocks someone else
    services.user_block(user=venue, other_id=fan.pk)  # someone else blocks the same person
    again = services.user_block(user=artist, other_id=fan.pk)
    assert again.pk == first.pk
    assert Block.objects.count() == 3


def test_unblocking_lifts_only_ones_own_block_of_that_person(fan, artist, venue):
    services.user_block(user=artist, other_id=fan.pk)
    services.user_block(user=venue, other_id=fan.pk)
    services.user_block(user=artist, other_id=venue.pk)
    # The blocked person cannot lift a block on themselves.
    assert not services.user_unblock(user=fan, other_id=fan.pk)
    assert services.user_unblock(user=artist, other_id=fan.pk)
    assert set(Block.objects.values_list("blocker_id", "blocked_id")) == {
        (venue.pk, fan.pk),
        (artist.pk, venue.pk),
    }


# --- reports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"reason": "x"}, "non_field_errors", "Report either a message or a person."),
        ({"reason": None, "user_id": "other"}, "reason", "Say what is wrong."),
        ({"reason": 42, "user_id": "other"}, "reason", "Say what is wrong."),
        ({"reason": "x" * 1001, "user_id": "other"}, "reason", "At most 1000 characters."),
    ],
)
def test_report_refusals_name_the_field_with_their_own_words(
    fan, artist, conversation, kw, field, message
):
    kw = {k: (artist.pk if v == "other" else v) for k, v in kw.items()}
    error = _error(lambda: services.report_create(user=fan, **kw))
    assert _shape(error) == ("validation_error", 400, field, message, {field: [message]})
    assert not Report.objects.exists()


def test_report_refusals_about_a_message_or_a_person_say_why(fan, artist, conversation):
    own = services.message_send(user=fan, conversation_id=conversation.pk, content="mine")
    cases = [
        ({"message_id": 99_999_999}, ("not_found", 404, None, "No such message.")),
        (
            {"message_id": own.pk},
            ("validation_error", 400, "message_id", "You cannot report your own message."),
        ),
        ({"user_id": fan.pk}, ("validation_error", 400, "user_id", "You cannot report yourself.")),
        ({"user_id": 99_999_999}, ("not_found", 404, None, "No such person.")),
    ]
    for kw, expected in cases:
        error = _error(lambda kw=kw: services.report_create(user=fan, reason="x", **kw))
        assert _shape(error)[:4] == expected
        if expected[2]:
            assert error.details == {expected[2]: [expected[3]]}
    assert not Report.objects.exists()


def test_a_report_about_a_person_carries_the_conversation_with_them(fan, artist, venue):
    """The reporter has conversations with two people, and the reported venue one with
    someone else: only the reporter's own conversation with them is attached."""
    services.conversation_open(user=artist, other_id=venue.pk)
    with_artist, _ = services.conversation_open(user=fan, other_id=artist.pk)
    with_venue, _ = services.conversation_open(user=fan, other_id=venue.pk)
    about_venue = services.report_create(user=fan, reason="Rude", user_id=venue.pk)
    about_artist = services.report_create(user=artist, reason="Rude", user_id=fan.pk)
    assert about_venue.conversation_id == with_venue.pk
    assert about_artist.conversation_id == with_artist.pk
    stranger = UserFactory(role=Role.ARTIST)
    assert services.report_create(user=fan, reason="x", user_id=stranger.pk).conversation is None


def test_either_side_of_a_conversation_reports_a_message_they_received(fan, artist, conversation):
    """Whichever of the two has the higher id (``user_high``) reports as well as the other."""
    from_fan = services.message_send(user=fan, conversation_id=conversation.pk, content="a")
    from_artist = services.message_send(user=artist, conversation_id=conversation.pk, content="b")
    by_artist = services.report_create(user=artist, reason="Spam", message_id=from_fan.pk)
    by_fan = services.report_create(user=fan, reason="Spam", message_id=from_artist.pk)
    assert (by_artist.reported_user_id, by_fan.reported_user_id) == (fan.pk, artist.pk)
    assert {conversation.user_low_id, conversation.user_high_id} == {fan.pk, artist.pk}


@pytest.fixture
def open_report(fan, artist, conversation):
    return services.report_create(user=fan, reason="Rude", user_id=artist.pk)


@pytest.mark.parametrize(
    ("by_staff", "kw", "expected"),
    [
        (
            False,
            {"status": ReportStatus.DISMISSED, "note": "x"},
            ("permission_denied", 403, None, "Only staff can close reports."),
        ),
        (
            True,
            {"status": ReportStatus.OPEN, "note": "x"},
            ("validation_error", 400, "status", "Close a report as actioned or dismissed."),
        ),
        (
            True,
            {"status": ReportStatus.DISMISSED, "note": None},
            ("validation_error", 400, "note", "Say what was decided and why."),
        ),
        (
            True,
            {"status": ReportStatus.DISMISSED, "note": " \n "},
            ("validation_error", 400, "note", "Say what was decided and why."),
        ),
    ],
)
def test_closing_a_report_is_refused_naming_why(fan, open_report, by_staff, kw, expected):
    by = UserFactory(is_staff=True) if by_staff else fan
    error = _error(lambda: services.report_close(by=by, report_id=open_report.pk, **kw))
    assert _shape(error)[:4] == expected
    if expected[2]:
        assert error.details == {expected[2]: [expected[3]]}
    open_report.refresh_from_db()
    assert open_report.status == ReportStatus.OPEN


def test_closing_a_missing_or_closed_report_says_so(open_report):
    staff = UserFactory(is_staff=True)
    error = _error(
        lambda: services.report_close(by=staff, report_id=99_999_999, status="dismissed", note="x")
    )
    assert _shape(error)[:4] == ("not_found", 404, None, "No such report.")
    services.report_close(by=staff, report_id=open_report.pk, status="dismissed", note="Fine.")
    error = _error(
        lambda: services.report_close(
            by=staff, report_id=open_report.pk, status="actioned", note="x"
        )
    )
    assert _shape(error)[:4] == ("report_closed", 409, None, "This report is already closed.")
    assert Report.objects.get().status == ReportStatus.DISMISSED


# --- the email digest ----------------------------------------------------------------------------


def _later() -> timezone.datetime:
    return timezone.now() + timedelta(minutes=10)


def test_one_unread_message_is_enough_for_a_digest(fan, artist, conversation):
    services.message_send(user=fan, conversation_id=conversation.pk, content="Only one")
    assert services.digests_send(now=_later()) == 1
    assert "Sam Fan sent you a message" in mail.outbox[0].subject


def test_one_run_sends_every_due_digest_and_counts_them(fan, artist, venue):
    """Two people with unread messages: the first is online (skipped), the others each get
    theirs, and the run counts both."""
    other_artist = UserFactory(role=Role.ARTIST)
    for other in (artist, venue, other_artist):
        conversation, _ = services.conversation_open(user=fan, other_id=other.pk)
        services.message_send(user=fan, conversation_id=conversation.pk, content="Hi!")
    services.presence_mark(artist.pk)  # the earliest unread: online
    try:
        assert services.digests_send(now=_later()) == 2
    finally:
        cache.delete(services.presence_key(artist.pk))
    assert sorted(email.to[0] for email in mail.outbox) == sorted([venue.email, other_artist.email])


def test_no_digest_for_a_deactivated_account(fan, artist, conversation):
    services.message_send(user=fan, conversation_id=conversation.pk, content="Hello")
    artist.is_active = False
    artist.save()
    assert services.digests_send(now=_later()) == 0
    assert mail.outbox == []


def test_only_ones_own_digest_preference_counts(fan, artist, venue, conversation):
    NotificationPreference.objects.create(user=venue, verb=services.DIGEST_VERB, email=False)
    NotificationPreference.objects.create(user=artist, verb="something.else", email=False)
    services.message_send(user=fan, conversation_id=conversation.pk, content="Hello")
    assert services.digests_send(now=_later()) == 1


def test_no_digest_to_an_unverified_address(fan, artist, conversation):
    services.message_send(user=fan, conversation_id=conversation.pk, content="Hello")
    EmailAddress.objects.filter(user=artist).update(verified=False)
    assert services.digests_send(now=_later()) == 0
    assert mail.outbox == []


def test_a_verified_old_address_does_not_make_a_new_unverified_one_safe(fan, artist, conversation):
    services.message_send(user=fan, conversation_id=conversation.pk, content="Hello")
    artist.email = "new-address@example.com"
    artist.save()
    EmailAddress.objects.create(user=artist, email=artist.email, verified=False)
    assert services.digests_send(now=_later()) == 0
    assert mail.outbox == []


def test_a_digest_for_no_such_membership_or_one_not_due_sends_nothing(fan, artist, conversation):
    assert services.digest_send(membership_id=99_999_999) is False
    services.message_send(user=fan, conversation_id=conversation.pk, content="Just now")
    side = Membership.objects.get(user=artist)
    # Unread for less than the delay: not due, so nothing is claimed or sent.
    assert services.digest_send(membership_id=side.pk, now=timezone.now()) is False
    side.refresh_from_db()
    assert side.digest_sent_at is None and mail.outbox == []


def test_sending_one_digest_claims_only_that_membership(fan, artist, venue):
    first, _ = services.conversation_open(user=fan, other_id=artist.pk)
    second, _ = services.conversation_open(user=fan, other_id=venue.pk)
    for conversation in (first, second):
        services.message_send(user=fan, conversation_id=conversation.pk, content="Hi")
    now = _later()
    assert services.digest_send(membership_id=Membership.objects.get(user=artist).pk, now=now)
    assert Membership.objects.get(user=venue).digest_sent_at is None
    assert services.digest_send(membership_id=Membership.objects.get(user=venue).pk, now=now)
    assert len(mail.outbox) == 2


def test_a_digest_lists_only_the_unread_messages_of_its_conversation_from_the_other_side(
    fan, artist, venue, conversation
):
    elsewhere, _ = services.conversation_open(user=venue, other_id=artist.pk)
    services.message_send(user=venue, conversation_id=elsewhere.pk, content="another conversation")
    services.message_send(user=fan, conversation_id=conversation.pk, content="first, read")
    services.message_send(user=artist, conversation_id=conversation.pk, content="my own reply")
    services.message_send(user=fan, conversation_id=conversation.pk, content="second, unread")
    services.message_send(user=fan, conversation_id=conversation.pk, content="third, unread")
    last = Message.objects.order_by("-pk").first()
    # The artist read the second on another device: only the third is left.
    services.conversation_mark_read(user=artist, conversation_id=conversation.pk, up_to=last.pk - 1)
    side = Membership.objects.get(user=artist, conversation=conversation)
    assert services.digest_send(membership_id=side.pk, now=_later())
    [email] = mail.outbox
    assert "third, unread" in email.body
    for other in ("first, read", "my own reply", "second, unread", "another conversation"):
        assert other not in email.body
    assert "sent you a message" in email.subject


def test_a_failed_later_digest_gives_back_the_time_of_the_one_before(
    monkeypatch, fan, artist, conversation
):
    from django.core.mail import EmailMessage

    services.message_send(user=fan, conversation_id=conversation.pk, content="one")
    first_at = _later()
    assert services.digests_send(now=first_at) == 1
    services.message_send(user=fan, conversation_id=conversation.pk, content="two")
    side = Membership.objects.get(user=artist)
    before = (side.digest_sent_at, side.digest_through_id)

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with pytest.raises(OSError):
        services.digests_send(now=first_at + timedelta(hours=2))
    side.refresh_from_db()
    assert (side.digest_sent_at, side.digest_through_id) == before


def test_a_failed_digest_gives_back_only_its_own_claim(monkeypatch, fan, artist, venue):
    """Two digests in one run: the first is sent, the second fails. Only the second is given
    back; the next run sends it and does not send the first again."""
    from django.core.mail import EmailMessage

    for other in (artist, venue):
        conversation, _ = services.conversation_open(user=fan, other_id=other.pk)
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"for {other}")
    real_send = EmailMessage.send

    def refuse_the_venue(self, fail_silently=False):
        if self.to == [venue.email]:
            raise OSError("mail server down")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", refuse_the_venue)
    now = _later()
    with pytest.raises(OSError):
        services.digests_send(now=now)
    assert [email.to for email in mail.outbox] == [[artist.email]]
    monkeypatch.undo()
    assert services.digests_send(now=now) == 1
    assert [email.to for email in mail.outbox] == [[artist.email], [venue.email]]


def test_the_digest_email_names_the_sender_counts_the_rest_and_links_the_preferences(
    settings, fan, artist, conversation
):
    from django.urls import reverse

    fan.display_name = ""
    fan.save()
    for n in range(services.DIGEST_MESSAGES_SHOWN + 2):
        services.message_send(user=fan, conversation_id=conversation.pk, content=f"message {n}")
    assert services.digests_send(now=_later()) == 1
    [email] = mail.outbox
    preferences = settings.SITE_URL + reverse("notification_preferences")
    assert email.subject == f"Someone sent you 12 messages on {settings.SITE_NAME}"
    assert email.body.startswith(f"Hello {artist.display_name},")
    assert "…and 2 earlier messages." in email.body
    assert "message 0\n" not in email.body and "message 11" in email.body
    assert preferences in email.body
    assert email.extra_headers["List-Unsubscribe"] == f"<{preferences}>"
    assert email.from_email == settings.DEFAULT_FROM_EMAIL


def test_a_short_digest_has_no_earlier_messages_line(fan, artist, conversation):
    services.message_send(user=fan, conversation_id=conversation.pk, content="Hello")
    services.digests_send(now=_later())
    assert "earlier message" not in mail.outbox[0].body
