"""Fan lists and consent: the edges the mutation run of messaging/fans/ found untested
(docs/testing.md, "Messaging"). Each test fails with the mutants it names there."""

import pytest
from django.utils import timezone

from messaging.fans import consent
from messaging.fans import services as fans
from messaging.models import ArtistOptOut, ContactMember
from umbrella.errors import ApplicationError


@pytest.mark.parametrize(
    "flags",
    [
        {"opted_in": False},
        {"opted_out_at": "now"},
    ],
    ids=["not-opted-in", "opted-out"],
)
def test_each_consent_flag_alone_keeps_a_member_from_every_channel(profile, fan_list, flags):
    """Each flag is a rule of its own (a row written by a bug, a restore or an import that set
    only one of them is still not messaged). Opted in without a consent time cannot be
    written: the database refuses it (``contact_member_opted_in_with_consent``)."""
    member = fans.member_add(
        user=profile.user, list_id=fan_list.pk, email="a@example.com", phone="+15125550101"
    )
    values = {k: (timezone.now() if v == "now" else v) for k, v in flags.items()}
    ContactMember.objects.filter(pk=member.pk).update(**values)
    for channel in ("email", "sms"):
        assert not consent.may_message(member, channel)
        assert list(consent.artist_reachable_members(profile.pk, channel)) == []


def test_an_address_that_opted_out_is_refused_even_with_another_address_beside_it(
    profile, fan_list
):
    ArtistOptOut.objects.create(
        artist=profile, email="gone@example.com", at=timezone.now(), channel="email"
    )
    with pytest.raises(ApplicationError) as error:
        fans.member_add(
            user=profile.user, list_id=fan_list.pk, email="gone@example.com", phone="+15125550101"
        )
    assert (error.value.code, error.value.status_code) == ("opted_out", 409)
    assert consent.opted_out(profile.pk, email="new@example.com", phone="+15125550101") is False
    assert consent.opted_out(profile.pk, email="gone@example.com", phone="+15125550101") is True


def test_one_opt_out_does_not_refuse_everybody_else(profile, fan_list):
    ArtistOptOut.objects.create(
        artist=profile, email="gone@example.com", at=timezone.now(), channel="email"
    )
    member = fans.member_add(user=profile.user, list_id=fan_list.pk, email="new@example.com")
    assert consent.may_message(member, "email")


def test_imports_see_this_artists_own_opt_outs_and_the_platforms(profile):
    from tests.artists.factories import ArtistProfileFactory

    other = ArtistProfileFactory()
    ArtistOptOut.objects.create(
        artist=profile, email="mine@example.com", at=timezone.now(), channel="email"
    )
    ArtistOptOut.objects.create(artist=None, phone="+15125550101", at=timezone.now(), channel="sms")
    emails, phones = consent.opted_out_addresses(
        profile.pk, emails=["mine@example.com", "ok@example.com"], phones=["+15125550101"]
    )
    assert (emails, phones) == ({"mine@example.com"}, {"+15125550101"})
    assert consent.opted_out_addresses(other.pk, emails=["mine@example.com"], phones=[]) == (
        set(),
        set(),
    )
    assert consent.opted_out_addresses(profile.pk, emails=[], phones=[]) == (set(), set())
