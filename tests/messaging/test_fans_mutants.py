"""Fan lists: the edges the mutation run of messaging/fans/services.py, imports.py and
addresses.py found untested (docs/mutation/messaging-fans.md). Each test fails with at least one
mutant that the earlier fan-list tests let through; refusals are compared whole (code, status,
field, message, details)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from messaging.fans import consent
from messaging.fans import services as fans
from messaging.models import (
    ArtistOptOut,
    ConsentEvent,
    ConsentEventKind,
    ContactList,
    ContactMember,
    MemberSource,
    OptOutChannel,
)
from tests.artists.factories import ArtistProfileFactory
from umbrella.errors import ApplicationError


def refused(call: Any, **kwargs: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def shape(error: ApplicationError) -> tuple[Any, ...]:
    """Everything a page or the API shows of a refusal."""
    return (error.code, error.status_code, error.field, error.message, error.details)


def invalid(field: str, message: str) -> tuple[Any, ...]:
    return ("validation_error", 400, field, message, {field: [message]})


def events() -> list[dict[str, Any]]:
    return list(
        ConsentEvent.objects.order_by("id").values(
            "kind", "artist_id", "contact_list_id", "email", "phone", "detail"
        )
    )


# --- lists ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": " "}, invalid("name", "Give the list a name.")),
        ({"name": "x" * 101}, invalid("name", "A list's name has at most 100 characters.")),
        (
            {"name": "Long", "description": "d" * 1001},
            invalid("description", "A description has at most 1000 characters."),
        ),
    ],
    ids=["blank-name", "long-name", "long-description"],
)
def test_list_refusals_name_their_field_in_their_own_words(profile, fields, expected):
    assert shape(refused(fans.contact_list_create, user=profile.user, **fields)) == expected
    assert not ContactList.objects.exists()


def test_a_name_and_a_description_of_exactly_the_limit_are_kept(profile):
    made = fans.contact_list_create(user=profile.user, name="n" * 100, description="d" * 1000)
    assert (made.name, made.description) == ("n" * 100, "d" * 1000)
    made = fans.contact_list_create(user=profile.user, name="Other", description=" Tour  news ")
    assert made.description == "Tour  news"
    # A description that is not text is no description (a form or API sent something odd).
    odd = fans.contact_list_create(user=profile.user, name="Third", description=5)
    assert odd.description == ""


def test_the_cap_on_lists_counts_only_the_artists_own(profile, settings):
    settings.FANS_MAX_LISTS = 1
    other = ArtistProfileFactory()
    fans.contact_list_create(user=other.user, name="Theirs")
    fans.contact_list_create(user=profile.user, name="Mine")
    error = refused(fans.contact_list_create, user=profile.user, name="Second")
    assert shape(error) == (
        "too_many_lists",
        409,
        None,
        "An artist can have 1 lists. Delete one first.",
        {},
    )


def test_a_lists_sign_up_token_is_16_random_bytes(profile):
    made = [fans.contact_list_create(user=profile.user, name=f"L{n}") for n in (1, 2)]
    tokens = {contact_list.signup_token for contact_list in made}
    assert len(tokens) == 2 and {len(token) for token in tokens} == {22}  # the column holds 32


def test_a_taken_name_is_named_on_create_and_on_rename(profile, fan_list):
    expected = invalid("name", "You already have a list called “Austin Fans”.")
    assert shape(refused(fans.contact_list_create, user=profile.user, name="Austin Fans")) == (
        expected
    )
    second = fans.contact_list_create(user=profile.user, name="Second")
    error = refused(
        fans.contact_list_update, user=profile.user, list_id=second.pk, name=" Austin Fans "
    )
    assert shape(error) == expected
    assert ContactList.objects.get(pk=second.pk).name == "Second"


def test_an_update_changes_only_what_it_is_given(profile, fan_list):
    fans.contact_list_update(user=profile.user, list_id=fan_list.pk, description=" New  text ")
    fan_list.refresh_from_db()
    assert (fan_list.name, fan_list.description, fan_list.signup_open) == (
        "Austin fans",
        "New  text",
        True,
    )
    fans.contact_list_update(user=profile.user, list_id=fan_list.pk, name="Renamed")
    fans.contact_list_update(user=profile.user, list_id=fan_list.pk, signup_open=False)
    fan_list.refresh_from_db()
    assert (fan_list.name, fan_list.description, fan_list.signup_open) == (
        "Renamed",
        "New  text",
        False,
    )
    fans.contact_list_update(user=profile.user, list_id=fan_list.pk, signup_open=True)
    fan_list.refresh_from_db()
    assert fan_list.signup_open is True


def test_someone_elses_list_is_no_such_list(fan_list):
    other = ArtistProfileFactory()
    error = refused(fans.contact_list_update, user=other.user, list_id=fan_list.pk, name="Mine")
    assert shape(error) == ("not_found", 404, None, "No such list.", {})


# --- opt-outs from the email provider ----------------------------------------------------------


def test_a_hard_bounce_opts_the_address_out_of_the_artist_only(profile, fan_list):
    other = ArtistProfileFactory()
    their_list = fans.contact_list_create(user=other.user, name="Theirs")
    second = fans.contact_list_create(user=profile.user, name="Second")
    bounced = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    ContactMember.objects.filter(pk=bounced.pk).update(confirm_token_hash="pending")
    left_before = fans.member_add(user=profile.user, list_id=second.pk, email="a@example.com")
    earlier = timezone.now() - timedelta(days=3)
    ContactMember.objects.filter(pk=left_before.pk).update(opted_in=False, opted_out_at=earlier)
    theirs = fans.member_add(user=other.user, list_id=their_list.pk, email="a@example.com")
    neighbour = fans.member_add(user=profile.user, list_id=fan_list.pk, email="b@example.com")
    ConsentEvent.objects.all().delete()

    fans.email_undeliverable(artist_id=profile.pk, email="a@example.com", cause="bounce")

    opt_out = ArtistOptOut.objects.get()
    assert (opt_out.artist_id, opt_out.email, opt_out.phone, opt_out.channel, opt_out.reason) == (
        profile.pk,
        "a@example.com",
        None,
        OptOutChannel.EMAIL,
        "hard bounce",
    )
    bounced.refresh_from_db()
    assert (bounced.opted_in, bounced.opted_out_at, bounced.confirm_token_hash) == (
        False,
        opt_out.at,
        "",
    )
    assert bounced.updated_at == opt_out.at
    left_before.refresh_from_db()
    assert left_before.opted_out_at == earlier  # its own time of leaving stays
    for member in (theirs, neighbour):
        member.refresh_from_db()
        assert member.opted_in and member.opted_out_at is None
    [recorded] = ConsentEvent.objects.all()
    assert events() == [
        {
            "kind": ConsentEventKind.UNSUBSCRIBED,
            "artist_id": profile.pk,
            "contact_list_id": None,
            "email": "a@example.com",
            "phone": None,
            "detail": {"cause": "bounce"},
        }
    ]
    assert recorded.at == opt_out.at

    # Again: nothing more is opted out, the first opt-out stays as it was.
    fans.email_undeliverable(artist_id=profile.pk, email="a@example.com", cause="bounce")
    assert list(ArtistOptOut.objects.values_list("pk", "at")) == [(opt_out.pk, opt_out.at)]


def test_a_spam_complaint_says_so(profile, fan_list):
    fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    fans.email_undeliverable(artist_id=profile.pk, email="a@example.com", cause="complaint")
    assert ArtistOptOut.objects.get().reason == "spam complaint"
    assert not consent.may_message(ContactMember.objects.get(), "email")
    assert ConsentEvent.objects.last().detail == {"cause": "complaint"}


# --- members -------------------------------------------------------------------------------------


def test_adding_a_member_records_both_addresses_and_who_added(profile, fan_list):
    member = fans.member_add(
        user=profile.user, list_id=fan_list.pk, email="a@example.com", phone="+15125550101"
    )
    assert events() == [
        {
            "kind": ConsentEventKind.ADDED,
            "artist_id": profile.pk,
            "contact_list_id": fan_list.pk,
            "email": "a@example.com",
            "phone": "+15125550101",
            "detail": {"by": profile.user.pk},
        }
    ]
    assert ConsentEvent.objects.get().at == member.consent_at
    assert member.source == MemberSource.MANUAL


def test_a_members_name_city_and_region_are_kept_on_one_line_and_cut_to_their_columns(
    profile, fan_list
):
    member = fans.member_add(
        user=profile.user,
        list_id=fan_list.pk,
        email="a@example.com",
        name=" Maya\n Ortiz ",
        city="c" * 120,
        region=" Texas ",
    )
    assert (member.name, member.city, member.region) == ("Maya Ortiz", "c" * 100, "Texas")
    member = fans.member_add(
        user=profile.user,
        list_id=fan_list.pk,
        email="b@example.com",
        name="n" * 120,
        city=7,
        region="r" * 120,
    )
    assert (member.name, member.city, member.region) == ("n" * 100, "", "r" * 100)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"email": "not-an-email"}, invalid("email", "“not-an-email” is not an email address.")),
        ({"phone": "12"}, invalid("phone", "“12” is not a valid phone number.")),
        ({"phone": "call me"}, invalid("phone", "“call me” is not a phone number.")),
        ({"email": " "}, invalid("email", "Give an email address or a phone number.")),
    ],
    ids=["email", "invalid-phone", "not-a-phone", "no-address"],
)
def test_a_refused_address_is_named_in_the_fans_own_words(profile, fan_list, fields, expected):
    assert shape(refused(fans.member_add, user=profile.user, list_id=fan_list.pk, **fields)) == (
        expected
    )
    assert not ContactMember.objects.exists()


def test_an_address_the_artist_lost_is_refused_by_email_or_by_phone(profile, fan_list):
    opted_out = (
        "opted_out",
        409,
        None,
        "This fan unsubscribed from your messages. Only they can sign up again, on your "
        "sign-up page.",
        {},
    )
    now = timezone.now()
    ArtistOptOut.objects.create(artist=profile, email="gone@example.com", at=now, channel="email")
    ArtistOptOut.objects.create(artist=profile, phone="+15125550199", at=now, channel="artist")
    for fields in (
        {"email": "gone@example.com"},
        {"email": "new@example.com", "phone": "+15125550199"},
    ):
        error = refused(fans.member_add, user=profile.user, list_id=fan_list.pk, **fields)
        assert shape(error) == opted_out
    assert not ContactMember.objects.exists()


def test_an_address_already_on_the_list_is_refused_by_email_or_by_phone(profile, fan_list):
    fans.member_add(
        user=profile.user, list_id=fan_list.pk, email="a@example.com", phone="+15125550101"
    )
    already = (
        "already_member",
        409,
        None,
        "This email address or phone number is already on the list.",
        {},
    )
    for fields in (
        {"email": "A@example.com"},
        {"email": "a@example.com", "phone": "+15125550199"},
        {"email": "b@example.com", "phone": "5125550101"},
    ):
        error = refused(fans.member_add, user=profile.user, list_id=fan_list.pk, **fields)
        assert shape(error) == already
    assert ContactMember.objects.count() == 1


def test_removing_takes_off_only_that_member_of_that_list_and_records_it(profile, fan_list):
    second = fans.contact_list_create(user=profile.user, name="Second")
    elsewhere = fans.member_add(user=profile.user, list_id=second.pk, email="b@example.com")
    kept = fans.member_add(user=profile.user, list_id=fan_list.pk, email="k@example.com")
    leaving = fans.member_add(
        user=profile.user, list_id=fan_list.pk, email="a@example.com", phone="+15125550101"
    )
    error = refused(
        fans.member_remove, user=profile.user, list_id=fan_list.pk, member_id=elsewhere.pk
    )
    assert shape(error) == ("not_found", 404, None, "No such member.", {})
    ConsentEvent.objects.all().delete()

    fans.member_remove(user=profile.user, list_id=fan_list.pk, member_id=leaving.pk)

    assert set(ContactMember.objects.values_list("pk", flat=True)) == {elsewhere.pk, kept.pk}
    assert events() == [
        {
            "kind": ConsentEventKind.REMOVED,
            "artist_id": profile.pk,
            "contact_list_id": fan_list.pk,
            "email": "a@example.com",
            "phone": "+15125550101",
            "detail": {"by": profile.user.pk},
        }
    ]


# --- the public sign-up --------------------------------------------------------------------------


def test_a_closed_sign_up_page_says_so(profile, fan_list):
    fans.contact_list_update(user=profile.user, list_id=fan_list.pk, signup_open=False)
    error = refused(fans.signup_request, token=fan_list.signup_token, email="a@example.com")
    assert shape(error) == (
        "not_found",
        404,
        None,
        "This sign-up page does not exist or is closed.",
        {},
    )


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("nope", invalid("email", "“nope” is not an email address.")),
        ("  ", invalid("email", "Enter your email address.")),
    ],
    ids=["not-an-email", "blank"],
)
def test_a_sign_up_without_a_usable_email_says_why(fan_list, email, expected):
    assert shape(refused(fans.signup_request, token=fan_list.signup_token, email=email)) == (
        expected
    )
    assert not ContactMember.objects.exists()


def test_a_sign_up_keeps_the_fans_phone_name_and_city_and_records_the_ip(fan_list):
    outcome = fans.signup_request(
        token=fan_list.signup_token,
        email="a@example.com",
        phone="512 555 0101",
        name=" Maya ",
        city="Austin",
        ip="10.0.0.9",
    )
    assert outcome == fans.SIGNUP_SENT
    member = ContactMember.objects.get()
    assert (member.phone, member.name, member.city, member.region) == (
        "+15125550101",
        "Maya",
        "Austin",
        "",
    )
    assert [event["detail"] for event in events()] == [{"ip": "10.0.0.9"}]


def test_a_fan_on_one_list_can_sign_up_to_another(profile, fan_list):
    fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    second = fans.contact_list_create(user=profile.user, name="Second")
    assert fans.signup_request(token=second.signup_token, email="a@example.com") == "sent"
    assert ContactMember.objects.filter(contact_list=second, email="a@example.com").exists()


def test_the_sign_up_is_throttled_per_ip_and_per_address_separately(fan_list, settings):
    settings.FANS_SIGNUP_RATE = "2/hour"
    throttled = (
        "throttled",
        429,
        "email",
        "Too many sign-ups from here. Try again later.",
        {"retry_after_seconds": 3600},
    )
    token = fan_list.signup_token
    for n in (1, 2):
        fans.signup_request(token=token, email=f"f{n}@example.com", ip="10.0.0.1")
    error = refused(fans.signup_request, token=token, email="f3@example.com", ip="10.0.0.1")
    assert shape(error) == throttled
    # Another IP, and sign-ups without one, are not the first IP's.
    fans.signup_request(token=token, email="f4@example.com", ip="10.0.0.2")
    fans.signup_request(token=token, email="f5@example.com")
    # One address asked for three times, from three places.
    for ip in ("10.0.1.1", "10.0.1.2"):
        fans.signup_request(token=token, email="same@example.com", ip=ip)
    error = refused(fans.signup_request, token=token, email="same@example.com", ip="10.0.1.3")
    assert shape(error) == throttled


def test_a_sign_up_is_recorded_with_its_list_and_addresses(fan_list, profile):
    fans.signup_request(token=fan_list.signup_token, email="a@example.com", phone="5125550101")
    member = ContactMember.objects.get()
    assert events() == [
        {
            "kind": ConsentEventKind.SIGNUP_REQUESTED,
            "artist_id": profile.pk,
            "contact_list_id": fan_list.pk,
            "email": "a@example.com",
            "phone": "+15125550101",
            "detail": {},
        }
    ]
    assert ConsentEvent.objects.get().at == member.confirm_sent_at


def test_a_sign_up_with_a_number_already_on_the_list_joins_without_it(profile, fan_list):
    fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    fans.signup_request(token=fan_list.signup_token, email="a@example.com", phone="5125550101")
    fans.signup_request(token=fan_list.signup_token, email="b@example.com", phone="5125550102")
    assert dict(
        ContactMember.objects.filter(email__isnull=False).values_list("email", "phone")
    ) == {"a@example.com": None, "b@example.com": "+15125550102"}


def test_a_new_confirmation_goes_out_once_the_wait_is_over_and_updates_the_name(fan_list, settings):
    import time_machine

    settings.FANS_CONFIRM_RESEND_SECONDS = 300
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fans.signup_request(
            token=fan_list.signup_token, email="a@example.com", name="Sam", city="Austin"
        )
    with time_machine.travel(start + timedelta(seconds=299), tick=False):
        assert fans.signup_request(token=fan_list.signup_token, email="a@example.com") == "recent"
    with time_machine.travel(start + timedelta(seconds=300), tick=False):
        outcome = fans.signup_request(
            token=fan_list.signup_token, email="a@example.com", name="Sam Fan", city=""
        )
    assert outcome == "sent"
    member = ContactMember.objects.get()
    assert (member.name, member.city, member.confirm_sent_at) == (
        "Sam Fan",
        "Austin",
        start + timedelta(seconds=300),
    )


def test_a_confirmation_link_that_is_not_ours_or_of_a_removed_fan_is_not_valid(profile, fan_list):
    fans.signup_request(token=fan_list.signup_token, email="a@example.com")
    member = ContactMember.objects.get()
    token = consent.confirm_token(member)
    not_valid = ("not_found", 404, None, "This confirmation link is not valid.", {})
    assert shape(refused(fans.signup_confirm, token="not-a-token")) == not_valid
    member.delete()
    assert shape(refused(fans.signup_confirm, token=token)) == not_valid


def test_a_confirmation_link_clicked_after_leaving_does_not_bring_the_fan_back(fan_list):
    fans.signup_request(token=fan_list.signup_token, email="a@example.com")
    member = ContactMember.objects.get()
    token = consent.confirm_token(member)
    fans.signup_confirm(token=token)
    fans.unsubscribe(token=consent.unsubscribe_token(member))
    error = refused(fans.signup_confirm, token=token)
    assert shape(error) == (
        "not_found",
        404,
        None,
        "This confirmation link is not valid any more.",
        {},
    )
    member.refresh_from_db()
    assert not member.opted_in and member.opted_out_at is not None


def test_confirming_lifts_only_this_artists_opt_out_of_this_address(profile, fan_list):
    other = ArtistProfileFactory()
    now = timezone.now()
    ArtistOptOut.objects.create(artist=profile, email="a@example.com", at=now, channel="email")
    ArtistOptOut.objects.create(artist=profile, email="b@example.com", at=now, channel="email")
    ArtistOptOut.objects.create(artist=other, email="a@example.com", at=now, channel="email")
    fans.signup_request(token=fan_list.signup_token, email="a@example.com")
    fans.signup_confirm(token=consent.confirm_token(ContactMember.objects.get()))
    assert set(ArtistOptOut.objects.values_list("artist_id", "email")) == {
        (profile.pk, "b@example.com"),
        (other.pk, "a@example.com"),
    }


def test_confirming_is_recorded_with_both_addresses_the_time_and_the_ip(profile, fan_list):
    fans.signup_request(token=fan_list.signup_token, email="a@example.com", phone="5125550101")
    member = fans.signup_confirm(
        token=consent.confirm_token(ContactMember.objects.get()), ip="10.0.0.7"
    )
    confirmed = ConsentEvent.objects.get(kind=ConsentEventKind.SIGNUP_CONFIRMED)
    assert (
        confirmed.artist_id,
        confirmed.contact_list_id,
        confirmed.email,
        confirmed.phone,
        confirmed.detail,
        confirmed.at,
    ) == (
        profile.pk,
        fan_list.pk,
        "a@example.com",
        "+15125550101",
        {"ip": "10.0.0.7"},
        (member.consent_at),
    )


def test_the_confirmation_email_says_how_many_days_the_link_lasts(fan_list, settings):
    settings.FANS_CONFIRM_MAX_AGE_SECONDS = 3 * 86400 - 1
    fans.signup_request(token=fan_list.signup_token, email="a@example.com")
    message = fans.confirmation_email(ContactMember.objects.get())
    assert "(valid 2 days)" in message.body
    settings.FANS_CONFIRM_MAX_AGE_SECONDS = 3 * 86400
    assert "(valid 3 days)" in fans.confirmation_email(ContactMember.objects.get()).body


def test_the_confirmation_task_sends_to_the_member_named_while_still_pending(fan_list):
    from django.core import mail

    for email in ("a@example.com", "b@example.com"):
        fans.signup_request(token=fan_list.signup_token, email=email)
    first, second = ContactMember.objects.order_by("id")
    mail.outbox.clear()
    assert fans.send_confirmation(member_id=second.pk) is True
    assert [message.to for message in mail.outbox] == [["b@example.com"]]
    fans.signup_confirm(token=consent.confirm_token(first))
    mail.outbox.clear()
    assert fans.send_confirmation(member_id=first.pk) is False
    assert fans.send_confirmation(member_id=0) is False
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("no_artist", "This room is not an artist's: there is no fan list to join."),
        ("no_open_list", "This artist has no fan list open for sign-ups."),
    ],
)
def test_no_fan_list_says_why_on_the_opt_in_field(reason, message):
    assert shape(fans.no_fan_list(7, reason)) == (
        "no_fan_list",
        409,
        "fan_list_opt_in",
        message,
        {"reason": reason, "artist_id": 7},
    )


# --- from a live room ----------------------------------------------------------------------------


def test_a_room_opt_in_goes_to_the_artists_own_oldest_open_list(profile, fan_list):
    from tests.accounts.factories import UserFactory

    other = ArtistProfileFactory()
    theirs = fans.contact_list_create(user=other.user, name="Theirs")
    newer = fans.contact_list_create(user=profile.user, name="Newer")
    # The oldest by creation time, whatever the ids say.
    ContactList.objects.filter(pk=newer.pk).update(
        created_at=fan_list.created_at - timedelta(days=1)
    )
    ContactList.objects.filter(pk=theirs.pk).update(
        created_at=fan_list.created_at - timedelta(days=2)
    )
    fan = UserFactory(email="fan@example.com")
    # Already subscribed to another artist: that is not this artist's list.
    fans.member_add(user=other.user, list_id=theirs.pk, email="fan@example.com")

    member = fans.room_opt_in(artist_id=profile.pk, user=fan, room_id=3)

    assert (member.contact_list_id, member.email, member.opted_in) == (
        newer.pk,
        "fan@example.com",
        True,
    )
    assert ContactMember.objects.filter(contact_list=newer).count() == 1


def test_a_room_opt_in_without_an_open_list_or_a_usable_address_is_refused(profile, fan_list):
    from tests.accounts.factories import UserFactory

    fans.contact_list_update(user=profile.user, list_id=fan_list.pk, signup_open=False)
    error = refused(fans.room_opt_in, artist_id=profile.pk, user=UserFactory(), room_id=3)
    assert shape(error) == shape(fans.no_fan_list(profile.pk, "no_open_list"))
    fans.contact_list_update(user=profile.user, list_id=fan_list.pk, signup_open=True)
    broken = UserFactory(email="not-an-address", verified_email=False)
    error = refused(fans.room_opt_in, artist_id=profile.pk, user=broken, room_id=3)
    assert shape(error) == invalid("fan_list_opt_in", "Your account has no usable email address.")
    assert not ContactMember.objects.exists()


def test_only_the_accounts_own_verified_address_skips_the_confirmation(profile, fan_list):
    from allauth.account.models import EmailAddress

    from tests.accounts.factories import UserFactory

    fan = UserFactory(email="fan@example.com", verified_email=False)
    EmailAddress.objects.create(user=fan, email="fan@example.com", verified=False, primary=True)
    EmailAddress.objects.create(user=fan, email="old@example.com", verified=True)

    member = fans.room_opt_in(artist_id=profile.pk, user=fan, room_id=3)

    assert (member.email, member.opted_in, member.consent_at) == ("fan@example.com", False, None)
    assert member.confirm_sent_at is not None


def test_an_unverified_fan_asking_again_stays_one_pending_member(profile, fan_list, settings):
    from tests.accounts.factories import UserFactory

    settings.FANS_CONFIRM_RESEND_SECONDS = 0
    other = ArtistProfileFactory()
    theirs = fans.contact_list_create(user=other.user, name="Theirs")
    fan = UserFactory(email="fan@example.com", verified_email=False)
    fans.member_add(user=other.user, list_id=theirs.pk, email="fan@example.com")
    first = fans.room_opt_in(artist_id=profile.pk, user=fan, room_id=3)
    again = fans.room_opt_in(artist_id=profile.pk, user=fan, room_id=3)
    assert again.pk == first.pk and again.contact_list_id == fan_list.pk
    assert not again.opted_in
    assert ContactMember.objects.filter(contact_list=fan_list).count() == 1


def test_a_verified_fan_back_through_a_room_is_opted_in_again_and_recorded(profile, fan_list):
    from tests.accounts.factories import UserFactory

    other = ArtistProfileFactory()
    fan = UserFactory(email="fan@example.com")
    member = fans.member_add(
        user=profile.user, list_id=fan_list.pk, email="fan@example.com", phone="+15125550101"
    )
    fans.unsubscribe(token=consent.unsubscribe_token(member))
    now = timezone.now()
    ArtistOptOut.objects.create(artist=other, email="fan@example.com", at=now, channel="email")
    ConsentEvent.objects.all().delete()

    again = fans.room_opt_in(artist_id=profile.pk, user=fan, room_id=3)

    assert (again.pk, again.opted_in, again.opted_out_at) == (member.pk, True, None)
    assert list(ArtistOptOut.objects.values_list("artist_id", flat=True)) == [other.pk]
    assert events() == [
        {
            "kind": ConsentEventKind.ROOM_OPT_IN,
            "artist_id": profile.pk,
            "contact_list_id": fan_list.pk,
            "email": "fan@example.com",
            "phone": "+15125550101",
            "detail": {"user": fan.pk, "room": 3},
        }
    ]


def test_a_new_verified_fan_from_a_room_lifts_only_this_artists_opt_out_of_them(profile, fan_list):
    from tests.accounts.factories import UserFactory

    other = ArtistProfileFactory()
    now = timezone.now()
    for artist, email in ((profile, "fan@example.com"), (profile, "b@example.com")):
        ArtistOptOut.objects.create(artist=artist, email=email, at=now, channel="email")
    ArtistOptOut.objects.create(artist=other, email="fan@example.com", at=now, channel="email")
    fans.room_opt_in(artist_id=profile.pk, user=UserFactory(email="fan@example.com"), room_id=3)
    assert set(ArtistOptOut.objects.values_list("artist_id", "email")) == {
        (profile.pk, "b@example.com"),
        (other.pk, "fan@example.com"),
    }


# --- leaving ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one_click", "reason"), [(False, "unsubscribe link"), (True, "one-click unsubscribe")]
)
def test_an_unsubscribe_records_the_artists_opt_out_however_many_others_exist(
    profile, fan_list, one_click, reason
):
    other = ArtistProfileFactory()
    now = timezone.now()
    # Opt-outs of the address elsewhere, and of other addresses here, are not this one.
    ArtistOptOut.objects.create(artist=other, email="a@example.com", at=now, channel="email")
    ArtistOptOut.objects.create(artist=None, email="a@example.com", at=now, channel="staff")
    ArtistOptOut.objects.create(artist=profile, email="b@example.com", at=now, channel="email")
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    # Written directly: member_add refuses an address the platform opted out.
    ContactMember.objects.filter(pk=member.pk).update(email="a@example.com")
    member.refresh_from_db()

    if one_click:
        fans.unsubscribe(token=consent.unsubscribe_token(member), one_click=True)
    else:
        fans.unsubscribe(token=consent.unsubscribe_token(member))

    made = ArtistOptOut.objects.get(artist=profile, email="a@example.com")
    assert (made.channel, made.reason) == (OptOutChannel.EMAIL, reason)
    assert ArtistOptOut.objects.count() == 4


def test_the_unsubscribe_link_of_a_number_without_email_takes_off_that_member_only(
    profile, fan_list
):
    leaving = fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    staying = fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550102")
    fans.unsubscribe(token=consent.unsubscribe_token(leaving))
    leaving.refresh_from_db()
    staying.refresh_from_db()
    assert (leaving.opted_in, staying.opted_in) == (False, True)
    assert leaving.opted_out_at is not None and staying.opted_out_at is None
    assert not ArtistOptOut.objects.exists()


def test_an_unsubscribe_link_that_is_not_ours_or_of_a_deleted_artist_says_so(profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    token = consent.unsubscribe_token(member)
    error = refused(fans.unsubscribe, token="not-a-token")
    assert shape(error) == ("not_found", 404, None, "This unsubscribe link is not valid.", {})
    profile.delete()
    error = refused(fans.unsubscribe, token=token)
    assert shape(error) == (
        "not_found",
        404,
        None,
        "This unsubscribe link is not valid any more.",
        {},
    )


# --- SMS STOP ----------------------------------------------------------------------------------


def test_stop_records_the_platforms_opt_out_beside_other_opt_outs_of_numbers(profile):
    now = timezone.now()
    ArtistOptOut.objects.create(artist=profile, phone="+15125550101", at=now, channel="artist")
    ArtistOptOut.objects.create(artist=None, phone="+15125550102", at=now, channel="sms")
    assert fans.sms_inbound(from_number="+15125550101", body="STOP") == "stop"
    made = ArtistOptOut.objects.get(artist=None, phone="+15125550101")
    assert (made.channel, made.reason) == (OptOutChannel.SMS, "SMS STOP")


def test_stop_and_start_touch_only_that_number_and_respect_every_other_opt_out(profile, fan_list):
    """STOP opts the number out everywhere (once per member); START brings back the members who
    consented and left only by STOP — not one whose email left this artist or the platform, nor
    one whose number this artist opted out, nor one who never confirmed (another artist's opt-out
    of the email is that artist's business)."""
    other = ArtistProfileFactory()
    third = ArtistProfileFactory()
    theirs = fans.contact_list_create(user=other.user, name="Theirs")
    second = fans.contact_list_create(user=profile.user, name="Second")
    mine3 = fans.contact_list_create(user=profile.user, name="Third")
    theirs2 = fans.contact_list_create(user=other.user, name="Theirs 2")
    thirds = fans.contact_list_create(user=third.user, name="Third's")
    mine4 = fans.contact_list_create(user=profile.user, name="Fourth")
    mine5 = fans.contact_list_create(user=profile.user, name="Fifth")

    def add(contact_list, email=None, phone="+15125550101", **values):
        member = ContactMember.objects.create(
            contact_list=contact_list,
            email=email,
            phone=phone,
            source="manual",
            opted_in=True,
            consent_at=timezone.now(),
        )
        if values:
            ContactMember.objects.filter(pk=member.pk).update(**values)
        return member

    earlier = timezone.now() - timedelta(days=3)
    back = add(fan_list)
    theirs_back = add(theirs, email="t@example.com")
    other_number = add(fan_list, phone="+15125550102")
    left_before = add(second, email="gone@example.com")
    ContactMember.objects.filter(pk=left_before.pk).update(opted_in=False, opted_out_at=earlier)
    pending = add(mine4, email="p@example.com", opted_in=False, consent_at=None)
    email_left_elsewhere = add(mine5, email="g@example.com")
    email_left_artist = add(mine3, email="e@example.com")
    email_left_platform = add(theirs2, email="f@example.com")
    number_left_artist = add(thirds, email="h@example.com")
    left_by_link = add(theirs, phone="+15125550102", opted_in=False, opted_out_at=earlier)
    now = timezone.now()
    ArtistOptOut.objects.create(artist=profile, email="e@example.com", at=now, channel="email")
    ArtistOptOut.objects.create(artist=profile, email="gone@example.com", at=now, channel="email")
    ArtistOptOut.objects.create(artist=None, email="f@example.com", at=now, channel="staff")
    ArtistOptOut.objects.create(artist=third, phone="+15125550101", at=now, channel="artist")
    ArtistOptOut.objects.create(artist=other, email="g@example.com", at=now, channel="email")
    ArtistOptOut.objects.create(artist=None, phone="+15125550102", at=now, channel="sms")

    assert fans.sms_inbound(from_number="(512) 555-0101", body=" stop! thanks") == "stop"

    stop = ConsentEvent.objects.get(kind=ConsentEventKind.SMS_STOP)
    assert (stop.artist_id, stop.phone, stop.detail) == (None, "+15125550101", {"word": "STOP"})
    for member in (back, theirs_back, email_left_artist, pending):
        member.refresh_from_db()
        assert (member.opted_in, member.opted_out_at, member.updated_at) == (
            False,
            stop.at,
            stop.at,
        )
    other_number.refresh_from_db()
    left_before.refresh_from_db()
    assert (other_number.opted_in, other_number.opted_out_at) == (True, None)
    assert (left_before.opted_in, left_before.opted_out_at) == (False, earlier)

    assert fans.sms_inbound(from_number="+15125550101", body="Start") == "start"

    start = ConsentEvent.objects.get(kind=ConsentEventKind.SMS_START)
    assert (start.artist_id, start.phone, start.detail) == (None, "+15125550101", {"word": "START"})
    assert set(ArtistOptOut.objects.values_list("artist_id", "email", "phone")) == {
        (profile.pk, "e@example.com", None),
        (profile.pk, "gone@example.com", None),
        (None, "f@example.com", None),
        (third.pk, None, "+15125550101"),
        (None, None, "+15125550102"),
        (other.pk, "g@example.com", None),
    }
    for member in (back, theirs_back, email_left_elsewhere):
        member.refresh_from_db()
        assert (member.opted_in, member.opted_out_at, member.updated_at) == (True, None, start.at)
    for member in (email_left_artist, email_left_platform, number_left_artist, pending):
        member.refresh_from_db()
        assert not member.opted_in and member.opted_out_at is not None
    left_by_link.refresh_from_db()
    assert (left_by_link.opted_in, left_by_link.opted_out_at) == (False, earlier)


# --- staff ---------------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(is_staff=True)


def test_only_staff_record_opt_outs(profile):
    error = refused(
        fans.opt_out_by_staff, by=profile.user, artist_id=None, email="a@example.com", reason="x"
    )
    assert shape(error) == ("permission_denied", 403, None, "Only staff can do this.", {})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"artist_id": 0, "email": "a@example.com"}, None),
        ({"artist_id": -1, "email": "a@example.com"}, invalid("artist", "No such artist.")),
        ({"email": "nope"}, invalid("email", "“nope” is not an email address.")),
        ({"phone": "call me"}, invalid("phone", "“call me” is not a phone number.")),
        ({}, invalid("email", "Give either an email address or a phone number.")),
        (
            {"email": "a@example.com", "phone": "+15125550101"},
            invalid("email", "Give either an email address or a phone number."),
        ),
        (
            {"email": "a@example.com", "reason": 5},
            invalid("reason", "Say why (kept with the opt-out)."),
        ),
    ],
    ids=["no-artist", "unknown-artist", "email", "phone", "neither", "both", "reason-not-text"],
)
def test_staff_opt_out_refusals_say_why_on_their_field(staff, fields, expected):
    values = {"artist_id": None, "reason": "asked by phone", **fields}
    if expected is None:  # 0 is "every artist", like an empty field
        assert fans.opt_out_check(**values)["email"] == "a@example.com"
        return
    assert shape(refused(fans.opt_out_by_staff, by=staff, **values)) == expected
    assert not ArtistOptOut.objects.exists()


def test_a_staff_opt_out_of_an_email_for_one_artist(profile, fan_list, staff):
    other = ArtistProfileFactory()
    their_list = fans.contact_list_create(user=other.user, name="Theirs")
    leaving = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    ContactMember.objects.filter(pk=leaving.pk).update(confirm_token_hash="pending")
    staying = fans.member_add(user=other.user, list_id=their_list.pk, email="a@example.com")
    neighbour = fans.member_add(user=profile.user, list_id=fan_list.pk, email="b@example.com")
    second = fans.contact_list_create(user=profile.user, name="Second")
    left_before = fans.member_add(user=profile.user, list_id=second.pk, email="a@example.com")
    earlier = timezone.now() - timedelta(days=1)
    ContactMember.objects.filter(pk=left_before.pk).update(opted_in=False, opted_out_at=earlier)
    ArtistOptOut.objects.create(artist=other, email="b@example.com", at=earlier, channel="email")
    ArtistOptOut.objects.create(artist=profile, email="c@example.com", at=earlier, channel="email")
    ArtistOptOut.objects.create(artist=None, email="a@example.com", at=earlier, channel="staff")
    ConsentEvent.objects.all().delete()

    made = fans.opt_out_by_staff(
        by=staff, artist_id=profile.pk, email=" A@example.com ", reason="r" * 250
    )

    assert (made.artist_id, made.email, made.phone, made.channel, made.reason) == (
        profile.pk,
        "a@example.com",
        None,
        OptOutChannel.STAFF,
        "r" * 200,
    )
    leaving.refresh_from_db()
    staying.refresh_from_db()
    assert (leaving.opted_in, leaving.opted_out_at, leaving.confirm_token_hash) == (
        False,
        made.at,
        "",
    )
    assert leaving.updated_at == made.at
    assert (staying.opted_in, staying.opted_out_at) == (True, None)
    neighbour.refresh_from_db()
    left_before.refresh_from_db()
    assert (neighbour.opted_in, neighbour.opted_out_at) == (True, None)
    assert left_before.opted_out_at == earlier
    assert events() == [
        {
            "kind": ConsentEventKind.UNSUBSCRIBED,
            "artist_id": profile.pk,
            "contact_list_id": None,
            "email": "a@example.com",
            "phone": None,
            "detail": {"by": staff.pk, "reason": "r" * 200},
        }
    ]
    assert ConsentEvent.objects.get().at == made.at


def test_a_staff_opt_out_of_a_number_for_every_artist_read_in_the_artists_country(
    fan_list, profile, staff
):
    london = ArtistProfileFactory(location_country="GB")
    london_list = fans.contact_list_create(user=london.user, name="London")
    leaving = fans.member_add(user=london.user, list_id=london_list.pk, phone="020 7946 0958")
    also = fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+442079460958")
    staying = fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    ArtistOptOut.objects.create(
        artist=profile, phone="+442079460958", at=timezone.now(), channel="staff"
    )
    ArtistOptOut.objects.create(artist=None, phone="+15125550199", at=timezone.now(), channel="sms")

    # Read in the London artist's country, recorded for every artist.
    check = fans.opt_out_check(artist_id=london.pk, phone="020 7946 0958", reason="asked")
    assert check == {"email": None, "phone": "+442079460958", "reason": "asked"}
    made = fans.opt_out_by_staff(by=staff, artist_id=None, phone="+44 20 7946 0958", reason="x")

    assert (made.artist_id, made.email, made.phone) == (None, None, "+442079460958")
    for member in (leaving, also):
        member.refresh_from_db()
        assert not member.opted_in and member.opted_out_at == made.at
    staying.refresh_from_db()
    assert staying.opted_in and staying.opted_out_at is None
    assert ConsentEvent.objects.last().phone == "+442079460958"
    for_london = fans.opt_out_by_staff(
        by=staff, artist_id=london.pk, phone="020 7946 0958", reason="x"
    )
    assert (for_london.artist_id, for_london.phone) == (london.pk, "+442079460958")


# --- CSV imports (messaging/fans/imports.py) -----------------------------------------------------


def preview(profile, fan_list, data: str | bytes):
    from messaging.fans import imports

    raw = data.encode() if isinstance(data, str) else data
    return imports.import_preview(user=profile.user, list_id=fan_list.pk, data=raw)


def about_file(code: str, message: str, status: int = 400) -> tuple[Any, ...]:
    return (code, status, "file", message, {"file": [message]})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"email\n" + b"x" * 995,
            about_file("file_too_large", "The file is too large: at most 1,000 bytes.", 413),
        ),
        (
            "email\nñ@example.com\n".encode("latin-1"),
            about_file(
                "csv_not_utf8", "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."
            ),
        ),
        (
            b"email\n\x00a@example.com\n",
            about_file("csv_malformed", "The file is not a CSV file (it holds binary data)."),
        ),
        (b" \n", about_file("csv_empty", "The file is empty.")),
        (b",,\n ,\n", about_file("csv_empty", "The file is empty.")),
        (
            b'email\n"unterminated@example.com\n',
            about_file("csv_malformed", "The file is not valid CSV (unexpected end of data)."),
        ),
        (
            b"maya@example.com,Maya\nLeo,Austin\n",
            about_file(
                "csv_no_header",
                "The first row must be a header naming the columns (email, phone, name, city, "
                "region); this file starts with data.",
            ),
        ),
        (
            b"name,city\nMaya,Austin\n",
            about_file(
                "csv_no_address_column",
                "No email or phone column: the header row needs a column called “email” or "
                "“phone”.",
            ),
        ),
        (
            b"email\n" + b"".join(b"f%d@example.com\n" % n for n in range(4)),
            about_file("csv_too_many_rows", "The file has 4 rows; at most 3 at a time."),
        ),
        (b"email\n", about_file("csv_empty", "The file has a header but no rows.")),
    ],
    ids=[
        "too-large",
        "not-utf8",
        "binary",
        "blank",
        "only-empty-cells",
        "bad-csv",
        "no-header",
        "no-address-column",
        "too-many-rows",
        "header-only",
    ],
)
def test_a_refused_file_says_why_on_the_file_field(profile, fan_list, settings, data, expected):
    from messaging.models import ImportJob

    settings.FANS_IMPORT_MAX_BYTES = 1000
    settings.FANS_IMPORT_MAX_ROWS = 3
    assert shape(refused(preview, profile=profile, fan_list=fan_list, data=data)) == expected
    assert not ImportJob.objects.exists()


def test_a_file_of_exactly_the_limits_is_taken(profile, fan_list, settings):
    rows = "".join(f"f{n}@example.com\n" for n in range(3))
    data = ("email\n" + rows).encode()
    settings.FANS_IMPORT_MAX_BYTES = len(data)
    settings.FANS_IMPORT_MAX_ROWS = 3
    assert preview(profile, fan_list, data).total_rows == 3


@pytest.mark.parametrize("separator", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_each_separator_is_read_with_short_rows_and_every_column(profile, fan_list, separator):
    from messaging.fans import imports

    lines = [
        ["Email", "Phone", "City", "Region", "Name"],
        ["a@example.com", "512-555-0101", "Austin", "TX", "Maya Ortiz"],
        ["b@example.com"],  # a short row: the missing cells are empty
    ]
    job = preview(profile, fan_list, "\n".join(separator.join(cells) for cells in lines) + "\n")
    job = imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    assert (job.imported_count, job.rejected_count) == (2, 0)
    imported = ContactMember.objects.order_by("id")
    assert [(m.email, m.phone, m.city, m.region, m.name) for m in imported] == [
        ("a@example.com", "+15125550101", "Austin", "TX", "Maya Ortiz"),
        ("b@example.com", None, "", "", ""),
    ]


def test_a_rejected_row_reports_its_line_and_its_addresses_as_stored_or_as_written_cut(
    profile, fan_list
):
    long_email = "x" * 300 + "@example.com"
    long_phone = "1" * 45
    text = (
        "email,phone\n"
        "leo@example.com,512-555-0102\n"
        "LEO@Example.com,512-555-0102\n"
        f"{long_email},\n"
        f"c@example.com,{long_phone}\n"
        "nope,\n"
        "d@example.com,call me\n"
        "e@example.com,(512) 555-0102\n"
    )
    job = preview(profile, fan_list, text)
    assert [(r["row"], r["verdict"], r["email"], r["phone"]) for r in job.rejected] == [
        (3, "duplicate_in_file", "leo@example.com", "+15125550102"),
        (4, "bad_email", long_email[:254], ""),
        (5, "bad_phone", "c@example.com", long_phone[:40]),
        (6, "bad_email", "nope", ""),
        (7, "bad_phone", "d@example.com", "call me"),
        (8, "duplicate_in_file", "e@example.com", "+15125550102"),
    ]
    assert [r["message"] for r in job.rejected] == [
        "Same email or phone as an earlier row of the file",
        "An email address has at most 254 characters.",
        "That is too long for a phone number.",
        "“nope” is not an email address.",
        "“call me” is not a phone number.",
        "Same email or phone as an earlier row of the file",
    ]


def test_rows_are_judged_by_phone_as_well_as_by_email_against_this_list_only(profile, fan_list):
    other = ArtistProfileFactory()
    their_list = fans.contact_list_create(user=other.user, name="Theirs")
    fans.member_add(user=other.user, list_id=their_list.pk, email="theirs@example.com")
    fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    ArtistOptOut.objects.create(
        artist=profile, phone="+15125550102", at=timezone.now(), channel="artist"
    )
    text = (
        "email,phone\na@example.com,512-555-0101\nb@example.com,512-555-0102\ntheirs@example.com,\n"
    )
    job = preview(profile, fan_list, text)
    assert [(r["row"], r["verdict"]) for r in job.rejected] == [
        (2, "already_on_list"),
        (3, "opted_out"),
    ]
    assert (job.total_rows, job.rejected_count) == (3, 2)
    assert job.filename == ""  # none given


def test_a_preview_keeps_who_made_it_and_the_files_name_cut_to_its_column(profile, fan_list):
    from messaging.fans import imports

    london = ArtistProfileFactory(location_country="GB")
    london_list = fans.contact_list_create(user=london.user, name="London")
    job = imports.import_preview(
        user=london.user, list_id=london_list.pk, data=b"phone\n020 7946 0958\n", filename="f" * 300
    )
    assert (job.created_by, job.filename, job.total_rows, job.rejected) == (
        london.user,
        "f" * 255,
        1,
        [],
    )
    imports.import_confirm(user=london.user, job_id=job.pk, consent_confirmed=True)
    assert ContactMember.objects.get().phone == "+442079460958"


def test_confirming_one_import_leaves_the_others_and_its_refusals_say_why(profile, fan_list):
    from messaging.fans import imports
    from messaging.models import ImportStatus

    first = preview(profile, fan_list, "email\na@example.com\n")
    second = preview(profile, fan_list, "email\nb@example.com\n")
    error = refused(
        imports.import_confirm, user=profile.user, job_id=second.pk, consent_confirmed="yes"
    )
    message = "Confirm that everyone in the file agreed to get your messages."
    assert shape(error) == invalid("consent", message)

    done = imports.import_confirm(user=profile.user, job_id=second.pk, consent_confirmed=True)

    first.refresh_from_db()
    assert (done.pk, done.status, first.status) == (second.pk, ImportStatus.DONE, "preview")
    assert done.confirmed_at is not None and done.confirmed_at <= done.finished_at
    assert list(ContactMember.objects.values_list("email", flat=True)) == ["b@example.com"]
    error = refused(
        imports.import_confirm, user=profile.user, job_id=second.pk, consent_confirmed=True
    )
    assert shape(error) == ("import_confirmed", 409, None, "This import was confirmed already.", {})
    other = ArtistProfileFactory()
    their_list = fans.contact_list_create(user=other.user, name="Theirs")
    preview(other, their_list, "email\nz@example.com\n")  # they have an import of their own
    error = refused(
        imports.import_confirm, user=other.user, job_id=first.pk, consent_confirmed=True
    )
    assert shape(error) == ("not_found", 404, None, "No such import.", {})


def test_a_file_of_exactly_the_async_size_is_imported_at_once(profile, fan_list, settings):
    from messaging.fans import imports
    from messaging.models import ImportStatus

    settings.FANS_IMPORT_ASYNC_ROWS = 2
    job = preview(profile, fan_list, "email\na@example.com\nb@example.com\n")
    done = imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    assert (done.status, done.imported_count) == (ImportStatus.DONE, 2)


def test_running_one_import_claims_only_that_one(profile, fan_list, settings):
    from messaging.fans import imports
    from messaging.models import ImportJob, ImportStatus

    settings.FANS_IMPORT_ASYNC_ROWS = 0
    queued = [
        imports.import_confirm(
            user=profile.user,
            job_id=preview(profile, fan_list, f"email\n{name}@example.com\n").pk,
            consent_confirmed=True,
        )
        for name in ("a", "b")
    ]
    assert [job.status for job in queued] == [ImportStatus.QUEUED, ImportStatus.QUEUED]
    imports.import_run(job_id=queued[1].pk)
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses == {queued[0].pk: ImportStatus.QUEUED, queued[1].pk: ImportStatus.DONE}


def test_a_confirmation_link_works_to_its_last_second_then_says_it_expired(fan_list, settings):
    import time_machine

    settings.FANS_CONFIRM_MAX_AGE_SECONDS = 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fans.signup_request(token=fan_list.signup_token, email="a@example.com")
        fans.signup_request(token=fan_list.signup_token, email="b@example.com")
    first, second = ContactMember.objects.order_by("id")
    with time_machine.travel(start + timedelta(seconds=3601), tick=False):
        error = refused(fans.signup_confirm, token=consent.confirm_token(second))
    assert shape(error) == (
        "link_expired",
        410,
        None,
        "This link has expired. Sign up again for a new one.",
        {},
    )
    with time_machine.travel(start + timedelta(seconds=3600), tick=False):
        assert fans.signup_confirm(token=consent.confirm_token(first)).opted_in


def test_an_unsubscribe_clears_a_pending_link_and_is_recorded_with_how_it_came(profile, fan_list):
    fans.signup_request(token=fan_list.signup_token, email="a@example.com")
    pending = ContactMember.objects.get()
    other = fans.member_add(user=profile.user, list_id=fan_list.pk, email="b@example.com")
    ConsentEvent.objects.all().delete()

    fans.unsubscribe(token=consent.unsubscribe_token(pending), one_click=True, ip="10.0.0.3")
    fans.unsubscribe(token=consent.unsubscribe_token(other))

    pending.refresh_from_db()
    first = ConsentEvent.objects.order_by("id").first()
    assert (pending.confirm_token_hash, pending.opted_out_at, pending.updated_at) == (
        "",
        first.at,
        first.at,
    )
    assert events() == [
        {
            "kind": ConsentEventKind.UNSUBSCRIBED,
            "artist_id": profile.pk,
            "contact_list_id": None,
            "email": email,
            "phone": None,
            "detail": detail,
        }
        for email, detail in (
            ("a@example.com", {"ip": "10.0.0.3", "one_click": True}),
            ("b@example.com", {}),
        )
    ]


def test_rejections_add_up_over_batches_and_each_batch_is_recorded(profile, fan_list, monkeypatch):
    from messaging.fans import imports

    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    text = "email\na@example.com\nnope\nalso-nope\nb@example.com\n"
    job = preview(profile, fan_list, text)
    ConsentEvent.objects.all().delete()
    done = imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    assert (done.imported_count, done.rejected_count, done.processed_rows) == (2, 2, 4)
    assert [r["row"] for r in done.rejected] == [3, 4]
    assert events() == [
        {
            "kind": ConsentEventKind.IMPORTED,
            "artist_id": profile.pk,
            "contact_list_id": fan_list.pk,
            "email": None,
            "phone": None,
            "detail": {"job": job.pk, "rows": rows, "by": profile.user.pk},
        }
        for rows in ([2], [5])
    ]
    members = ContactMember.objects.order_by("id")
    assert [event.at for event in ConsentEvent.objects.order_by("id")] == [
        member.consent_at for member in members
    ]


def test_a_task_giving_up_fails_only_its_own_unfinished_job_with_a_sized_error(profile, fan_list):
    from messaging.fans import imports
    from messaging.models import ImportJob, ImportStatus

    jobs = [preview(profile, fan_list, f"email\n{n}@example.com\n") for n in "abc"]
    ImportJob.objects.filter(pk__in=[jobs[0].pk, jobs[1].pk]).update(status=ImportStatus.RUNNING)
    done = imports.import_confirm(user=profile.user, job_id=jobs[2].pk, consent_confirmed=True)
    imports.import_fail(job_id=jobs[0].pk, error="x" * 600)
    imports.import_fail(job_id=done.pk, error="late")
    failed = ImportJob.objects.get(pk=jobs[0].pk)
    assert (failed.status, failed.error) == (ImportStatus.FAILED, "x" * 500)
    assert failed.finished_at is not None
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert (statuses[jobs[1].pk], statuses[done.pk]) == (ImportStatus.RUNNING, ImportStatus.DONE)


# --- addresses (messaging/fans/addresses.py) ----------------------------------------------------


def test_an_email_of_exactly_254_characters_is_kept_and_longer_ones_say_so(profile, fan_list):
    longest = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 61
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email=longest.upper())
    assert member.email == longest
    error = refused(fans.member_add, user=profile.user, list_id=fan_list.pk, email=longest + "d")
    assert shape(error) == invalid("email", "An email address has at most 254 characters.")
    error = refused(fans.member_add, user=profile.user, list_id=fan_list.pk, email="x" * 100)
    assert shape(error) == invalid("email", f"“{'x' * 80}” is not an email address.")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"email": 5}, invalid("email", "Enter an email address.")),
        ({"phone": 5}, invalid("phone", "Enter a phone number.")),
        (
            {"phone": "+1" + " " * 27 + "512 555 0101"},
            invalid("phone", "That is too long for a phone number."),
        ),
    ],
    ids=["email-not-text", "phone-not-text", "phone-of-41"],
)
def test_an_address_that_is_not_text_or_too_long_says_so(profile, fan_list, fields, expected):
    assert shape(refused(fans.member_add, user=profile.user, list_id=fan_list.pk, **fields)) == (
        expected
    )


def test_a_number_of_40_characters_is_read(profile, fan_list):
    member = fans.member_add(
        user=profile.user, list_id=fan_list.pk, phone="+1" + " " * 26 + "512 555 0101"
    )
    assert member.phone == "+15125550101"


@pytest.mark.parametrize(
    ("country", "local", "stored"),
    [
        ("gb", "020 7946 0958", "+442079460958"),
        ("", "(512) 555-0101", "+15125550101"),
        ("ZZ", "(512) 555-0101", "+15125550101"),
    ],
    ids=["lower-case-country", "no-country", "unknown-country"],
)
def test_a_local_number_is_read_in_the_artists_country_else_the_default_region(
    db, settings, country, local, stored
):
    settings.FANS_DEFAULT_PHONE_REGION = "US"
    artist = ArtistProfileFactory(location_country=country)
    made = fans.contact_list_create(user=artist.user, name="Mine")
    assert fans.member_add(user=artist.user, list_id=made.pk, phone=local).phone == stored


# --- defaults, the confirmation email, odd texts --------------------------------------------------


def test_what_is_not_given_is_empty(profile, fan_list, staff):
    from tests.accounts.factories import UserFactory

    assert fans.contact_list_create(user=profile.user, name="Bare").description == ""
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    assert (member.name, member.city, member.region) == ("", "", "")
    fans.signup_request(token=fan_list.signup_token, email="b@example.com")
    signed = ContactMember.objects.get(email="b@example.com")
    assert (signed.name, signed.city, signed.region) == ("", "", "")
    fan = UserFactory(email="c@example.com", display_name="Cy", verified_email=False)
    pending = fans.room_opt_in(artist_id=profile.pk, user=fan, room_id=3)
    assert (pending.name, pending.city, pending.region) == ("Cy", "", "")
    error = refused(fans.opt_out_by_staff, by=staff, artist_id=None, email="d@example.com")
    assert shape(error) == invalid("reason", "Say why (kept with the opt-out).")
    error = refused(fans.opt_out_check, artist_id=None, email="d@example.com")
    assert shape(error) == invalid("reason", "Say why (kept with the opt-out).")


def test_the_confirmation_email_greets_the_fan_and_names_the_list_and_the_site(fan_list, settings):
    settings.SITE_NAME = "Umbrella Test"
    fans.signup_request(token=fan_list.signup_token, email="a@example.com", name="Sam")
    member = ContactMember.objects.get()
    message = fans.confirmation_email(member)
    assert message.to == ["a@example.com"]
    assert message.subject == "Confirm that you want news from Nova Reyes"
    assert message.body.startswith("Hi Sam,\n")
    assert "to join “Austin fans”, Nova Reyes's fan list on Umbrella Test." in message.body
    assert consent.confirm_url(member) in message.body


def test_the_unsubscribe_link_still_takes_off_a_member_whose_email_changed(profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="old@example.com")
    token = consent.unsubscribe_token(member)
    ContactMember.objects.filter(pk=member.pk).update(email="new@example.com")
    fans.unsubscribe(token=token)
    member.refresh_from_db()
    assert not member.opted_in and member.opted_out_at is not None


def test_a_word_that_only_contains_stop_is_not_stop(profile, fan_list):
    fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    assert fans.sms_inbound(from_number="+15125550101", body="XSTOPX") is None
    assert ContactMember.objects.get().opted_in


def test_staff_delete_a_list_and_only_staff(profile, fan_list, staff):
    error = refused(fans.contact_list_delete_by_staff, by=profile.user, list_id=fan_list.pk)
    assert shape(error) == ("permission_denied", 403, None, "Only staff can do this.", {})
    fans.contact_list_delete_by_staff(by=staff, list_id=fan_list.pk)
    assert not ContactList.objects.exists()
    error = refused(fans.contact_list_delete_by_staff, by=staff, list_id=fan_list.pk)
    assert shape(error) == ("not_found", 404, None, "No such list.", {})


def test_headers_of_several_words_underscores_and_a_stray_semicolon_are_read(profile, fan_list):
    from messaging.fans import imports

    text = (
        "E-mail  Address,Phone_Number, First   Name ,last_name,Nick;name\n"
        "a@example.com,512-555-0101,Maya,Ortiz,M\n"
    )
    job = preview(profile, fan_list, text)
    imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    member = ContactMember.objects.get()
    assert (member.email, member.phone, member.name) == (
        "a@example.com",
        "+15125550101",
        "Maya Ortiz",
    )


def test_imported_names_cities_and_regions_are_cut_to_their_columns(profile, fan_list):
    from messaging.fans import imports

    long = "x" * 120
    job = preview(
        profile, fan_list, f"email,name,city,region\na@example.com,{long},{long},{long}\n"
    )
    imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    member = ContactMember.objects.get()
    assert (member.name, member.city, member.region) == ("x" * 100, "x" * 100, "x" * 100)
