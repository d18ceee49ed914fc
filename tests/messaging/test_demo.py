"""The demo's messaging: conversations, a fan list with its import report and a sent campaign,
made through the services between the demo accounts, and safe twice.

``seed_demo`` is the slow part (seconds: it draws pictures and walks every app's services), so
one test seeds once, checks every part, seeds again and checks that nothing was added.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from messaging.campaigns import selectors
from messaging.models import (
    ArtistOptOut,
    Campaign,
    ContactList,
    ContactMember,
    Conversation,
    ImportJob,
    Membership,
    Message,
)

pytestmark = pytest.mark.django_db

ARTIST = "artist@demo.umbrella.test"


def _check_conversations() -> None:
    assert Conversation.objects.count() == 2
    assert Message.objects.count() == 4
    artist = Membership.objects.filter(user__email=ARTIST)
    assert sorted(artist.values_list("unread_count", flat=True)) == [1, 1]


def _check_fan_list() -> ContactList:
    fan_list = ContactList.objects.get(artist__user__email=ARTIST)
    assert fan_list.name == "Austin fans"
    # Five imported; the demo campaign's one hard bounce opted one email address out since.
    assert ContactMember.objects.filter(contact_list=fan_list).count() == 5
    assert ContactMember.objects.filter(contact_list=fan_list, opted_in=True).count() == 4
    job = ImportJob.objects.get(contact_list=fan_list)
    assert sorted(r["verdict"] for r in job.rejected) == ["bad_email", "duplicate_in_file"]
    return fan_list


def _check_campaign() -> None:
    campaign = Campaign.objects.get(name="New single: Night Drive")
    assert campaign.status == "sent"
    report = selectors.report(campaign)
    assert report["total"] == 4  # the demo list's four email addresses
    assert report["by_status"]["sent"] == 3 and report["bounced"] == 1
    assert report["delivered"] == 2 and report["opt_outs_since"] == 1
    assert ArtistOptOut.objects.filter(artist=campaign.artist).count() == 1


def test_the_demo_has_conversations_a_fan_list_and_a_sent_campaign_and_seeding_twice_adds_nothing(
    settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    _check_conversations()
    fan_list = _check_fan_list()
    _check_campaign()

    call_command("seed_demo", stdout=StringIO())
    assert (Conversation.objects.count(), Message.objects.count()) == (2, 4)
    assert ContactMember.objects.filter(contact_list=fan_list).count() == 5
    assert Campaign.objects.filter(name="New single: Night Drive").count() == 1
