"""Fan lists: the services (lists, members, consent, sign-up, unsubscribe, SMS STOP/START)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from messaging.fans import consent
from messaging.fans import services as fans
from messaging.models import (
    ArtistOptOut,
    ConsentEvent,
    ConsentEventKind,
    ContactList,
    ContactMember,
    MemberSource,
)
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from umbrella.errors import ApplicationError, NotFoundError


def _token_from(email_body: str) -> str:
    url = next(line for line in email_body.splitlines() if "/fans/confirm/" in line)
    return url.rstrip("/").rsplit("/", 1)[1]


# --- lists ---------------------------------------------------------------------------------------


def test_a_list_gets_a_name_a_description_and_its_own_sign_up_token(profile):
    made = fans.contact_list_create(user=profile.user, name="  Tour   2027 ", description=" x ")
    assert (made.name, made.description, made.signup_open) == ("Tour 2027", "x", True)
    other = fans.contact_list_create(user=profile.user, name="Another")
    assert len(made.signup_token) >= 20 and made.signup_token != other.signup_token


def test_list_names_are_unique_per_artist_in_any_case(profile, fan_list):
    with pytest.raises(ApplicationError) as error:
        fans.contact_list_create(user=profile.user, name="AUSTIN FANS")
    assert (error.value.code, error.value.field) == ("validation_error", "name")
    other = ArtistProfileFactory()
    assert fans.contact_list_create(user=other.user, name="Austin fans").pk
    assert ContactList.objects.filter(artist=profile).count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, None, 5])
def test_a_bad_list_name_is_refused(profile, name):
    with pytest.raises(ApplicationError) as error:
        fans.contact_list_create(user=profile.user, name=name)
    assert error.value.field == "name"
    assert not ContactList.objects.exists()


def test_only_artists_have_lists(db):
    venue = UserFactory(role=Role.VENUE)
    with pytest.raises(ApplicationError) as error:
        fans.contact_list_create(user=venue, name="Mine")
    assert (error.value.code, error.value.status_code) == ("not_an_artist", 403)


def test_the_number_of_lists_is_capped(profile, settings):
    settings.FANS_MAX_LISTS = 2
    fans.contact_list_create(user=profile.user, name="One")
    fans.contact_list_create(user=profile.user, name="Two")
    with pytest.raises(ApplicationError) as error:
        fans.contact_list_create(user=profile.user, name="Three")
    assert (error.value.code, error.value.status_code) == ("too_many_lists", 409)


def test_rename_close_and_delete_a_list_keeps_opt_outs_and_the_record(profile, fan_list):
    updated = fans.contact_list_update(
        user=profile.user, list_id=fan_list.pk, name="Texas fans", signup_open=False
    )
    assert (updated.name, updated.signup_open) == ("Texas fans", False)
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    fans.unsubscribe(token=consent.unsubscribe_token(member))
    fans.contact_list_delete(user=profile.user, list_id=fan_list.pk)
    assert not ContactList.objects.exists() and not ContactMember.objects.exists()
    assert ArtistOptOut.objects.filter(artist=profile, email="a@example.com").exists()
    assert ConsentEvent.objects.filter(kind=ConsentEventKind.UNSUBSCRIBED).exists()


def test_someone_elses_list_is_not_found(fan_list):
    other = ArtistProfileFactory()
    with pytest.raises(NotFoundError):
        fans.contact_list_update(user=other.user, list_id=fan_list.pk, name="Mine now")
    with pytest.raises(NotFoundError):
        fans.member_add(user=other.user, list_id=fan_list.pk, email="x@example.com")
    with pytest.raises(NotFoundError):
        fans.contact_list_delete(user=other.user, list_id=fan_list.pk)
    assert ContactList.objects.get().name == "Austin fans"


# --- members -------------------------------------------------------------------------------------


def test_a_manual_member_is_normalised_and_consent_is_recorded(profile, fan_list):
    member = fans.member_add(
        user=profile.user,
        list_id=fan_list.pk,
        email=" Maya@Example.COM ",
        phone="(512) 555-0101",
        name=" Maya\u200b  Ortiz ",
        city="Austin",
    )
    assert (member.email, member.phone, member.name) == (
        "maya@example.com",
        "+15125550101",
        "Maya Ortiz",
    )
    assert member.source == MemberSource.MANUAL
    assert member.opted_in and member.consent_at is not None
    assert ConsentEvent.objects.get().kind == ConsentEventKind.ADDED


def test_a_local_number_is_read_in_the_artists_country(db):
    london = ArtistProfileFactory(location_country="GB")
    made = fans.contact_list_create(user=london.user, name="London")
    member = fans.member_add(user=london.user, list_id=made.pk, phone="020 7946 0958")
    assert member.phone == "+442079460958"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"phone": "+1 555 555"}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({}, "email"),
        ({"email": " ", "phone": ""}, "email"),
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_written(profile, fan_list, fields, field):
    with pytest.raises(ApplicationError) as error:
        fans.member_add(user=profile.user, list_id=fan_list.pk, **fields)
    assert (error.value.code, error.value.field) == ("validation_error", field)
    assert not ContactMember.objects.exists() and not ConsentEvent.objects.exists()


def test_one_member_per_list_and_address(profile, fan_list):
    fans.member_add(
        user=profile.user, list_id=fan_list.pk, email="a@example.com", phone="+15125550101"
    )
    for fields in ({"email": "A@example.com"}, {"phone": "512-555-0101"}):
        with pytest.raises(ApplicationError) as error:
            fans.member_add(user=profile.user, list_id=fan_list.pk, **fields)
        assert (error.value.code, error.value.status_code) == ("already_member", 409)
    other = fans.contact_list_create(user=profile.user, name="Other")
    assert fans.member_add(user=profile.user, list_id=other.pk, email="a@example.com")
    assert ContactMember.objects.count() == 2


def test_the_database_refuses_a_second_row_of_one_address(fan_list):
    from django.db import IntegrityError, transaction

    ContactMember.objects.create(contact_list=fan_list, email="a@example.com", source="manual")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactMember.objects.create(contact_list=fan_list, email="a@example.com", source="manual")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactMember.objects.create(contact_list=fan_list, source="manual")  # no address
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactMember.objects.create(
            contact_list=fan_list, email="b@example.com", source="manual", opted_in=True
        )  # opted in without consent


def test_removing_a_member_keeps_the_record(profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    fans.member_remove(user=profile.user, list_id=fan_list.pk, member_id=member.pk)
    assert not ContactMember.objects.exists()
    assert ConsentEvent.objects.filter(kind=ConsentEventKind.REMOVED, email="a@example.com")


# --- the artist-wide opt-out ---------------------------------------------------------------------


def test_an_opt_out_from_one_list_is_honoured_by_every_list_of_the_artist(profile, fan_list):
    second = fans.contact_list_create(user=profile.user, name="Second")
    on_first = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    on_second = fans.member_add(user=profile.user, list_id=second.pk, email="a@example.com")
    keeps = fans.member_add(user=profile.user, list_id=second.pk, email="b@example.com")
    assert set(consent.reachable_members(second, "email")) == {on_second, keeps}

    fans.unsubscribe(token=consent.unsubscribe_token(on_first))

    assert list(consent.reachable_members(fan_list, "email")) == []
    assert list(consent.reachable_members(second, "email")) == [keeps]
    on_second.refresh_from_db()
    assert not on_second.opted_in and on_second.opted_out_at is not None  # kept for the record
    # A list made later, and a manual add to it: refused.
    third = fans.contact_list_create(user=profile.user, name="Third")
    with pytest.raises(ApplicationError) as error:
        fans.member_add(user=profile.user, list_id=third.pk, email="A@example.com")
    assert (error.value.code, error.value.status_code) == ("opted_out", 409)
    # Another artist's list is not affected.
    other = ArtistProfileFactory()
    their_list = fans.contact_list_create(user=other.user, name="Theirs")
    theirs = fans.member_add(user=other.user, list_id=their_list.pk, email="a@example.com")
    assert consent.may_message(theirs, "email")


def test_an_address_opted_out_even_if_the_row_was_written_elsewhere(profile, fan_list):
    """The rule is the opt-out table, not the member's flags: a member row that says opted in
    (a bug, a restore) is still not reachable when its address opted out."""
    member = fans.member_add(
        user=profile.user, list_id=fan_list.pk, email="a@example.com", phone="+15125550101"
    )
    ArtistOptOut.objects.create(
        artist=profile, email="a@example.com", at=timezone.now(), channel="email"
    )
    assert not consent.may_message(member, "email")
    assert consent.may_message(member, "sms")
    ArtistOptOut.objects.create(artist=None, phone="+15125550101", at=timezone.now(), channel="sms")
    assert not consent.may_message(member, "sms")


def test_the_unsubscribe_link_is_signed_and_idempotent(profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    token = consent.unsubscribe_token(member)
    with pytest.raises(NotFoundError):
        fans.unsubscribe(token=token[:-2] + "xx")
    assert not ArtistOptOut.objects.exists()
    assert fans.unsubscribe(token=token, one_click=True) == profile
    assert fans.unsubscribe(token=token) == profile
    assert ArtistOptOut.objects.get().reason == "one-click unsubscribe"
    # Still works once the member is gone (the link carries the artist and the address).
    ContactMember.objects.all().delete()
    ArtistOptOut.objects.all().delete()
    fans.unsubscribe(token=token)
    assert ArtistOptOut.objects.filter(artist=profile, email="a@example.com").exists()


def test_the_unsubscribe_link_is_the_same_at_any_time(profile, fan_list):
    """A campaign email sent again after a crash must be the first one byte for byte (the
    provider's idempotency key): its unsubscribe link may not carry the time."""
    from datetime import timedelta

    import time_machine
    from django.core import signing

    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    first = consent.unsubscribe_token(member)
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert consent.unsubscribe_token(member) == first
        assert consent.read_unsubscribe_token(first)["e"] == "a@example.com"
    # A link sent before tokens lost their time stamp still works.
    old = signing.dumps(
        {"m": member.pk, "a": profile.pk, "e": "a@example.com"}, salt=consent.UNSUBSCRIBE_SALT
    )
    assert consent.read_unsubscribe_token(old) == consent.read_unsubscribe_token(first)


def test_the_list_unsubscribe_headers_follow_rfc_8058(profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    headers = consent.list_unsubscribe_headers(member)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"]
    assert link.startswith("<http") and link.endswith(">") and "/fans/unsubscribe/" in link


# --- sign-up with double opt-in ------------------------------------------------------------------


def test_sign_up_sends_a_confirmation_and_the_link_records_consent(
    fan_list, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = fans.signup_request(
            token=fan_list.signup_token, email="Maya@Example.com", name="Maya", ip="10.0.0.1"
        )
    assert outcome == fans.SIGNUP_SENT
    member = ContactMember.objects.get()
    assert (member.email, member.source, member.opted_in, member.consent_at) == (
        "maya@example.com",
        MemberSource.SIGNUP,
        False,
        None,
    )
    assert list(consent.reachable_members(fan_list, "email")) == []
    [sent] = mail.outbox
    assert sent.to == ["maya@example.com"] and "Nova Reyes" in sent.subject
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/fans/unsubscribe/" in sent.extra_headers["List-Unsubscribe"]

    confirmed = fans.signup_confirm(token=_token_from(sent.body), ip="10.0.0.2")
    assert confirmed.opted_in and confirmed.consent_at is not None
    assert confirmed.confirm_token_hash == ""
    assert list(consent.reachable_members(fan_list, "email")) == [confirmed]
    # A second click is fine and changes nothing.
    again = fans.signup_confirm(token=_token_from(sent.body))
    assert again.consent_at == confirmed.consent_at
    kinds = list(ConsentEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [ConsentEventKind.SIGNUP_REQUESTED, ConsentEventKind.SIGNUP_CONFIRMED]


def test_re_submitting_is_safe(fan_list, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert fans.signup_request(token=fan_list.signup_token, email="a@example.com") == "sent"
        assert fans.signup_request(token=fan_list.signup_token, email="A@example.com") == "recent"
    assert ContactMember.objects.count() == 1 and len(mail.outbox) == 1
    settings.FANS_CONFIRM_RESEND_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert fans.signup_request(token=fan_list.signup_token, email="a@example.com") == "sent"
    assert ContactMember.objects.count() == 1 and len(mail.outbox) == 2
    # Only the newest link works.
    with pytest.raises(NotFoundError):
        fans.signup_confirm(token=_token_from(mail.outbox[0].body))
    fans.signup_confirm(token=_token_from(mail.outbox[1].body))
    with django_capture_on_commit_callbacks(execute=True):
        assert fans.signup_request(token=fan_list.signup_token, email="a@example.com") == "already"
    assert len(mail.outbox) == 2


def test_an_expired_link_is_refused(fan_list, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fans.signup_request(token=fan_list.signup_token, email="a@example.com")
    token = _token_from(mail.outbox[0].body)
    member = ContactMember.objects.get()
    past = timezone.now() - timedelta(days=8)
    ContactMember.objects.filter(pk=member.pk).update(confirm_sent_at=past)
    ContactMember.objects.filter(pk=member.pk).update(
        confirm_token_hash=consent.token_hash(consent.confirm_token(ContactMember.objects.get()))
    )
    token = consent.confirm_token(ContactMember.objects.get())
    with pytest.raises(ApplicationError) as error:
        fans.signup_confirm(token=token)
    assert (error.value.code, error.value.status_code) == ("link_expired", 410)
    assert not ContactMember.objects.get().opted_in


def test_the_sign_up_is_throttled(fan_list, settings):
    settings.FANS_SIGNUP_RATE = "2/hour"
    for n in range(2):
        fans.signup_request(token=fan_list.signup_token, email=f"f{n}@example.com", ip="10.1.1.1")
    with pytest.raises(ApplicationError) as error:
        fans.signup_request(token=fan_list.signup_token, email="f9@example.com", ip="10.1.1.1")
    assert (error.value.code, error.value.status_code) == ("throttled", 429)
    assert ContactMember.objects.count() == 2


def test_a_closed_or_unknown_sign_up_page_is_not_found(profile, fan_list):
    fans.contact_list_update(user=profile.user, list_id=fan_list.pk, signup_open=False)
    for token in (fan_list.signup_token, "nope"):
        with pytest.raises(NotFoundError):
            fans.signup_request(token=token, email="a@example.com")
    assert not ContactMember.objects.exists()


def test_signing_up_again_after_unsubscribing_needs_the_fans_own_confirmation(
    profile, fan_list, django_capture_on_commit_callbacks, settings
):
    settings.FANS_CONFIRM_RESEND_SECONDS = 0
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    fans.unsubscribe(token=consent.unsubscribe_token(member))
    with django_capture_on_commit_callbacks(execute=True):
        assert fans.signup_request(token=fan_list.signup_token, email="a@example.com") == "sent"
    assert not consent.may_message(ContactMember.objects.get(), "email")  # not until confirmed
    fans.signup_confirm(token=_token_from(mail.outbox[-1].body))
    member.refresh_from_db()
    assert member.opted_in and member.opted_out_at is None
    assert consent.may_message(member, "email")
    assert not ArtistOptOut.objects.exists()


# --- SMS STOP / START ----------------------------------------------------------------------------


def test_stop_opts_the_number_out_of_every_artist_and_start_brings_it_back(profile, fan_list):
    other = ArtistProfileFactory()
    their_list = fans.contact_list_create(user=other.user, name="Theirs")
    mine = fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    theirs = fans.member_add(user=other.user, list_id=their_list.pk, phone="+15125550101")
    untouched = fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550102")

    assert fans.sms_inbound(from_number="+15125550101", body=" stop ") == "stop"
    assert not consent.may_message(mine, "sms") and not consent.may_message(theirs, "sms")
    assert consent.may_message(untouched, "sms")
    assert ArtistOptOut.objects.get().artist is None
    # A later import or manual add of that number is refused, for any artist.
    with pytest.raises(ApplicationError):
        fans.member_add(
            user=profile.user,
            list_id=fans.contact_list_create(user=profile.user, name="New").pk,
            phone="512-555-0101",
        )

    assert fans.sms_inbound(from_number="+15125550101", body="START") == "start"
    mine.refresh_from_db()
    assert mine.opted_in and mine.opted_out_at is None
    assert consent.may_message(mine, "sms") and consent.may_message(theirs, "sms")
    assert not ArtistOptOut.objects.exists()
    kinds = set(ConsentEvent.objects.values_list("kind", flat=True))
    assert {ConsentEventKind.SMS_STOP, ConsentEventKind.SMS_START} <= kinds


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit."])
def test_every_stop_word_works(fan_list, profile, word):
    fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    assert fans.sms_inbound(from_number="+15125550101", body=word) == "stop"
    assert ArtistOptOut.objects.filter(phone="+15125550101").exists()


def test_start_does_not_bring_back_a_fan_who_left_by_email(profile, fan_list):
    member = fans.member_add(
        user=profile.user, list_id=fan_list.pk, email="a@example.com", phone="+15125550101"
    )
    fans.sms_inbound(from_number="+15125550101", body="STOP")
    fans.unsubscribe(token=consent.unsubscribe_token(member))
    fans.sms_inbound(from_number="+15125550101", body="START")
    member.refresh_from_db()
    assert not member.opted_in


@pytest.mark.parametrize(
    ("number", "body"),
    [("+15125550101", "hello"), ("+15125550101", ""), ("garbage", "STOP"), (None, None)],
)
def test_other_texts_change_nothing(fan_list, profile, number, body):
    fans.member_add(user=profile.user, list_id=fan_list.pk, phone="+15125550101")
    assert fans.sms_inbound(from_number=number, body=body) is None
    assert not ArtistOptOut.objects.exists()
    assert ContactMember.objects.get().opted_in


# --- staff ---------------------------------------------------------------------------------------


def test_staff_record_an_opt_out_through_the_service(profile, fan_list):
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    staff = UserFactory(is_staff=True)
    with pytest.raises(ApplicationError) as error:
        fans.opt_out_by_staff(
            by=profile.user, artist_id=profile.pk, email="a@example.com", reason="asked"
        )
    assert error.value.status_code == 403
    with pytest.raises(ApplicationError) as error:
        fans.opt_out_by_staff(by=staff, artist_id=profile.pk, email="a@example.com", reason="")
    assert error.value.field == "reason"
    assert not ArtistOptOut.objects.exists()
    fans.opt_out_by_staff(
        by=staff, artist_id=profile.pk, email="A@example.com", reason="asked by phone"
    )
    member.refresh_from_db()
    assert member.opted_out_at is not None and not consent.may_message(member, "email")
