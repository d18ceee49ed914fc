"""The demo conversations: made through the services, between the demo accounts, safe twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from messaging.models import Conversation, Membership, Message

pytestmark = pytest.mark.django_db


def test_the_demo_has_conversations_and_seeding_twice_adds_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    assert Conversation.objects.count() == 2
    assert Message.objects.count() == 4
    artist = Membership.objects.filter(user__email="artist@demo.umbrella.test")
    assert sorted(artist.values_list("unread_count", flat=True)) == [1, 1]
    call_command("seed_demo", stdout=StringIO())
    assert (Conversation.objects.count(), Message.objects.count()) == (2, 4)


def test_the_demo_artist_has_a_fan_list_with_an_import_report(settings, tmp_path):
    from messaging.models import ContactList, ContactMember, ImportJob

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    fan_list = ContactList.objects.get(artist__user__email="artist@demo.umbrella.test")
    assert fan_list.name == "Austin fans"
    # Five imported; the demo campaign's one hard bounce opted one email address out since.
    assert ContactMember.objects.filter(contact_list=fan_list).count() == 5
    assert ContactMember.objects.filter(contact_list=fan_list, opted_in=True).count() == 4
    job = ImportJob.objects.get(contact_list=fan_list)
    assert sorted(r["verdict"] for r in job.rejected) == ["bad_email", "duplicate_in_file"]
    call_command("seed_demo", stdout=StringIO())
    assert ContactMember.objects.filter(contact_list=fan_list).count() == 5


def test_the_demo_has_a_sent_campaign_with_a_report(settings, tmp_path):

    from messaging.campaigns import selectors
    from messaging.models import ArtistOptOut, Campaign

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    campaign = Campaign.objects.get(name="New single: Night Drive")
    assert campaign.status == "sent"
    report = selectors.report(campaign)
    assert report["total"] == 4  # the demo list's four email addresses
    assert report["by_status"]["sent"] == 3 and report["bounced"] == 1
    assert report["delivered"] == 2 and report["opt_outs_since"] == 1
    assert ArtistOptOut.objects.filter(artist=campaign.artist).count() == 1
    call_command("seed_demo", stdout=StringIO())
    assert Campaign.objects.filter(name="New single: Night Drive").count() == 1
