"""Campaigns: the edges the mutation run of messaging/campaigns/services.py (and its helper
modules) found untested (docs/mutation/messaging-campaigns.md). Each test names the mutants it
fails with there."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.test import TestCase

from accounts.models import Notification
from messaging.campaigns import services as campaigns
from messaging.fans import services as fans
from messaging.models import Campaign, CampaignStatusChange, ContactList, Delivery
from messaging.tasks import campaign_send_task, campaign_start_task
from tests.accounts.factories import UserFactory
from tests.messaging.campaign_helpers import (  # noqa: F401 (fixture)
    _locmem_sms,
    add_fans,
    make_campaign,
    send_now,
)
from umbrella.errors import ApplicationError

NOON_IN_AUSTIN = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def _notes(campaign):
    return list(
        CampaignStatusChange.objects.filter(campaign=campaign)
        .order_by("at", "id")
        .values_list("to_status", "note")
    )


def test_each_status_change_records_its_own_note_and_none_when_it_has_none(profile, fan_list):
    """_change 1 (a change without a note recorded as "XXXX"), 15 (the note dropped)."""
    add_fans(profile, fan_list, [("maya@fans.example", None, "Maya", "", "")])
    campaign = send_now(profile, make_campaign(profile, fan_list))
    assert _notes(campaign) == [("draft", ""), ("scheduled", ""), ("sending", ""), ("sent", "")]
    campaign.status = "failed"
    campaign.save(update_fields=["status"])
    type(campaign.deliveries.get()).objects.update(status="failed")
    staff = UserFactory(is_staff=True)
    with mock.patch.object(campaigns, "_enqueue_send"):
        campaigns.campaign_resend_failed(by=staff, campaign_id=campaign.pk)
    assert _notes(campaign)[-1] == ("sending", "resend to 1 failed")


def test_the_send_task_starts_at_once_after_the_fan_out(profile, fan_list):
    """_enqueue_send 1, 5, 7: the send task's countdown 1, ``None`` or not given."""
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    with (
        mock.patch.object(campaign_start_task, "apply_async"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    with (
        mock.patch.object(campaign_send_task, "apply_async") as send,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        assert campaigns.campaign_start(campaign_id=campaign.pk) is True
    send.assert_called_once_with(kwargs={"campaign_id": campaign.pk}, countdown=0)


def test_a_campaign_nobody_got_fails_saying_so_when_it_finished(profile, fan_list, settings):
    """_finish 20 (no finish time), 27, 30, 31 (no "no delivery could be sent" note)."""
    settings.SMS_BACKEND = "tests.messaging.test_campaigns_refusals._RefusingSms"
    add_fans(profile, fan_list, [(None, "+15125550101", "Maya", "", "")])
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaign = send_now(profile, make_campaign(profile, fan_list, channel="sms", body="Hi"))
    assert (campaign.status, campaign.finished_at) == ("failed", NOON_IN_AUSTIN)
    assert _notes(campaign)[-1] == ("failed", "no delivery could be sent")


def _announced(profile, day=18, **gig_fields):
    from tests.marketplace.bookings import book
    from tests.marketplace.factories import GigFactory

    gig = GigFactory(date=date(2026, 12, day), **gig_fields)  # the 18th is a Friday
    with TestCase.captureOnCommitCallbacks(execute=True):
        booking = book(gig, profile)
    return gig, Campaign.objects.get(booking=booking)


def test_a_show_announcement_is_written_out_in_full(profile, fan_list, settings):
    """announcement_for_booking: every line, the name, subject, audience and notification."""
    add_fans(profile, fan_list)
    with time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), tick=False):
        gig, campaign = _announced(
            profile,
            title="Winter {set}",
            venue_name="The {Blue} Lantern",
            location_address="1 Main St",
        )
    assert (campaign.name, campaign.subject) == (
        "Show: The {Blue} Lantern, 18 Dec 2026",
        "{artist} live at The {{Blue}} Lantern on Fri 18 Dec",
    )
    assert campaign.body == "\n".join(
        [
            "Hi {first_name},",
            "",
            "I'm playing The {{Blue}} Lantern in Austin, TX on Friday 18 December at 8:00 PM"
            " (CST).",
            "",
            "Winter {{set}}",
            "1 Main St",
            "",
            f"All the details: {settings.SITE_URL}/gigs/{gig.pk}/",
            "",
            "Hope to see you there!",
            "{artist}",
        ]
    )
    assert (
        campaign.status,
        campaign.kind,
        campaign.channel,
        campaign.all_lists,
        campaign.contact_list_id,
        campaign.created_by,
        campaign.artist,
        campaign.audience_city,
        campaign.audience_region,
    ) == ("draft", "announcement", "email", True, None, profile.user, profile, "Austin", "TX")
    assert list(
        CampaignStatusChange.objects.filter(campaign=campaign).values_list(
            "by", "from_status", "to_status", "note"
        )
    ) == [(None, "", "draft", "show announcement")]
    note = Notification.objects.get(user=profile.user, verb=campaigns.ANNOUNCEMENT_VERB)
    assert (note.text, note.target_url) == (
        "You're booked at The {Blue} Lantern: a draft announcing the show to 3 fans near "
        "Austin is ready to review and send.",
        f"/studio/campaigns/{campaign.pk}/",
    )


def test_a_show_without_a_city_or_address_is_announced_near_its_region_to_one_fan(
    profile, fan_list
):
    add_fans(profile, fan_list, [("maya@fans.example", None, "Maya", "Round Rock", "TX")])
    with time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), tick=False):
        _gig, campaign = _announced(profile, venue_name="Barn", location_city="")
    assert campaign.body.splitlines()[2] == (
        "I'm playing Barn in TX on Friday 18 December at 8:00 PM (CST)."
    )
    lines = campaign.body.splitlines()
    assert lines[5] == "" and lines[6].startswith("All the details: ")  # no address line
    assert (campaign.audience_city, campaign.audience_region) == ("", "TX")
    note = Notification.objects.get(verb=campaigns.ANNOUNCEMENT_VERB)
    assert note.text == (
        "You're booked at Barn: a draft announcing the show to 1 fan near TX is ready to "
        "review and send."
    )


def test_an_unknown_merge_field_lists_the_fields_of_its_channel(profile, fan_list):
    """_merge_check 11-16: the allowed fields of the message (email has the unsubscribe link,
    SMS not)."""
    fields = "{first_name}, {name}, {city}, {region}, {artist}, {list}"
    for channel, allowed in (("email", fields + ", {unsubscribe_url}"), ("sms", fields)):
        with pytest.raises(ApplicationError) as error:
            make_campaign(profile, fan_list, channel=channel, body="Hi {frist}")
        message = f"Unknown merge field {{frist}}. The fields are {allowed}."
        assert (error.value.message, error.value.details) == (message, {"body": [message]})
    with pytest.raises(ApplicationError) as error:  # the subject's check knows its channel
        make_campaign(profile, fan_list, subject="For {fan}")
    message = f"Unknown merge field {{fan}}. The fields are {fields}, {{unsubscribe_url}}."
    assert error.value.details == {"subject": [message]}


def test_a_change_goes_to_the_campaign_it_names(profile, fan_list):
    """_own 10: the artist's first campaign found whatever the id."""
    add_fans(profile, fan_list)
    first = make_campaign(profile, fan_list, name="First")
    second = make_campaign(profile, fan_list, name="Second")
    campaigns.campaign_update(user=profile.user, campaign_id=second.pk, body="New {city}")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.body, second.body) == ("Hi {first_name}, new single out Friday!", "New {city}")
    campaigns.campaign_delete(user=profile.user, campaign_id=second.pk)
    assert list(Campaign.objects.values_list("name", flat=True)) == ["First"]


def test_someone_elses_campaign_is_not_found(profile, fan_list):
    """_own 13 and the not-found code and message."""
    from tests.artists.factories import ArtistProfileFactory

    campaign = make_campaign(profile, fan_list)
    other = ArtistProfileFactory()
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_update(user=other.user, campaign_id=campaign.pk, body="Mine")
    assert (error.value.code, error.value.message, error.value.status_code) == (
        "not_found",
        "No such campaign.",
        404,
    )


EMAIL = {"channel": "email", "name": "News", "subject": "News", "body": "Hi {first_name}"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"channel": "fax"}, "channel", "Choose email or SMS."),
        ({"channel": None}, "channel", "Choose email or SMS."),
        ({"contact_list_id": "1"}, "contact_list_id", "No such list."),
        ({"contact_list_id": 999_999}, "contact_list_id", "No such list."),
        ({"name": "  "}, "name", "Give the campaign a name (only you see it)."),
        ({"name": 7}, "name", "Give the campaign a name (only you see it)."),
        ({"name": "n" * 101}, "name", "A name has at most 100 characters."),
        ({"subject": None}, "subject", "An email needs a subject."),
        ({"subject": "s" * 201}, "subject", "A subject has at most 200 characters."),
        ({"body": ["Hi"]}, "body", "Write the message."),
        ({"body": " \n "}, "body", "Write the message."),
        ({"body": "b" * 20_001}, "body", "The message has at most 20000 characters."),
        (
            {"channel": "sms", "subject": "", "body": "b" * 1_601},
            "body",
            "The message has at most 1600 characters.",
        ),
        ({"audience_city": 3}, "audience_city", "Enter a place name."),
        ({"audience_region": ["TX"]}, "audience_region", "Enter a place name."),
    ],
)
def test_each_refusal_of_a_campaign_names_its_field_in_its_own_words(
    profile, fan_list, data, field, message
):
    """clean_campaign: code, field, message and details of every refusal."""
    with pytest.raises(ApplicationError) as error:
        campaigns.clean_campaign(
            artist=profile, data={**EMAIL, "contact_list_id": fan_list.pk, **data}
        )
    assert (error.value.code, error.value.field, error.value.message, error.value.details) == (
        "validation_error",
        field,
        message,
        {field: [message]},
    )


def test_a_campaign_on_the_limits_is_taken_as_cleaned(profile, fan_list):
    """clean_campaign: the longest name, subject and bodies pass; values come back trimmed,
    an SMS has no subject, no list is all lists, a place is cut to its column."""
    cleaned = campaigns.clean_campaign(
        artist=profile,
        data={
            "channel": "email",
            "contact_list_id": fan_list.pk,
            "name": " " + "n" * 100 + " ",
            "subject": "s" * 200,
            "body": "b" * 20_000,
            "audience_city": "  Austin  ",
            "audience_region": "r" * 120,
        },
    )
    assert cleaned == {
        "channel": "email",
        "contact_list_id": fan_list.pk,
        "all_lists": False,
        "name": "n" * 100,
        "subject": "s" * 200,
        "body": "b" * 20_000,
        "audience_city": "Austin",
        "audience_region": "r" * 100,
    }
    sms = campaigns.clean_campaign(
        artist=profile,
        data={
            "channel": "sms",
            "contact_list_id": "",
            "name": "T",
            "subject": "Hi",
            "body": "b" * 1_600,
        },
    )
    assert sms == {
        "channel": "sms",
        "contact_list_id": None,
        "all_lists": True,
        "name": "T",
        "subject": "",
        "body": "b" * 1_600,
        "audience_city": "",
        "audience_region": "",
    }


def test_each_booking_gets_its_own_announcement_beside_other_campaigns(profile, fan_list):
    """announcement_for_booking 4 (the first active booking announced whatever the id), 16 (a
    campaign without a booking taken for the booking's announcement)."""
    add_fans(profile, fan_list)
    make_campaign(profile, fan_list, name="November news")
    with time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), tick=False):
        _gig, first = _announced(profile, venue_name="Barn")
        _gig, second = _announced(profile, day=19, venue_name="Cellar")
    assert first.booking_id != second.booking_id
    assert (first.name, second.name) == ("Show: Barn, 18 Dec 2026", "Show: Cellar, 19 Dec 2026")
    assert Campaign.objects.filter(kind="announcement").count() == 2


def test_a_booking_cancelled_before_the_hook_runs_gets_no_announcement(profile, fan_list):
    """announcement_for_booking 5: the booking's status not checked."""
    from marketplace.services.applications import booking_cancel
    from tests.marketplace.bookings import book
    from tests.marketplace.factories import GigFactory

    add_fans(profile, fan_list)
    booking = book(GigFactory(), profile)  # the hook runs on commit: not here
    booking_cancel(user=profile.user, booking_id=booking.pk, reason="Double-booked")
    assert campaigns.announcement_for_booking(booking_id=booking.pk) is None
    assert not Campaign.objects.filter(booking=booking).exists()


def test_a_show_with_no_place_is_announced_without_one(profile, fan_list):
    """announcement_for_booking 46, 51 (" in " without a place), 111, 113 (" near " without one)."""
    add_fans(profile, fan_list)
    with time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), tick=False):
        _gig, campaign = _announced(profile, venue_name="Barn", location_city="", location_state="")
    assert campaign.body.splitlines()[2] == (
        "I'm playing Barn on Friday 18 December at 8:00 PM (CST)."
    )
    note = Notification.objects.get(verb=campaigns.ANNOUNCEMENT_VERB)
    assert note.text == (
        "You're booked at Barn: a draft announcing the show to 3 fans is ready to review and send."
    )


def test_a_city_and_a_region_reach_the_fans_of_either(profile, fan_list):
    """audience 18: the region replaced the city instead of widening it."""
    add_fans(
        profile,
        fan_list,
        [
            ("ann@fans.example", None, "Ann", "Austin", ""),
            ("bea@fans.example", None, "Bea", "Dallas", "tx"),
            ("cal@fans.example", None, "Cal", "Denver", "CO"),
        ],
    )
    campaign = make_campaign(profile, fan_list, audience_city="austin", audience_region="TX")
    assert sorted(campaigns.campaign_audience(campaign).values_list("name", flat=True)) == [
        "Ann",
        "Bea",
    ]
    assert campaigns.recipient_count(campaign) == 2


def test_a_draft_records_who_made_it(profile, fan_list):
    """campaign_create 10, 13."""
    assert make_campaign(profile, fan_list).created_by == profile.user


def test_a_campaign_that_is_not_a_draft_is_not_deleted_and_says_why(profile, fan_list):
    """campaign_delete 10-24: code, message and status of the refusal."""
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    with mock.patch.object(campaign_start_task, "apply_async"):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_delete(user=profile.user, campaign_id=campaign.pk)
    assert (error.value.code, error.value.message, error.value.status_code) == (
        "campaign_not_draft",
        "The campaign is scheduled: it can't be deleted now.",
        409,
    )
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def _sending(profile, fan_list, name):
    return _sending_started(profile, make_campaign(profile, fan_list, name=name))


def _sending_started(profile, campaign):
    with (
        mock.patch.object(campaigns, "_enqueue_send"),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == "sending"
    return campaign


def test_finishing_a_campaign_looks_only_at_that_campaign(profile, fan_list):
    """campaign_finish 4 (the first sending campaign finished), 5 (any status finished), 7
    (nothing to finish answered True), 8, 10 (pending deliveries of no or every campaign)."""
    add_fans(profile, fan_list)
    busy = _sending(profile, fan_list, "Busy")
    done = _sending(profile, fan_list, "Done")
    Delivery.objects.filter(campaign=done).update(status="sent")
    assert campaigns.campaign_finish(campaign_id=busy.pk) is False
    assert campaigns.campaign_finish(campaign_id=done.pk) is True
    busy.refresh_from_db()
    done.refresh_from_db()
    assert (busy.status, done.status) == ("sending", "sent")
    changes = CampaignStatusChange.objects.count()
    assert campaigns.campaign_finish(campaign_id=done.pk) is False  # finished already
    assert CampaignStatusChange.objects.count() == changes


def _finished(profile, fan_list, name, statuses):
    """A sent campaign whose deliveries ended with these statuses (in id order)."""
    campaign = _sending(profile, fan_list, name)
    for delivery, status in zip(
        Delivery.objects.filter(campaign=campaign).order_by("id"), statuses, strict=True
    ):
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status, attempts=3, error="Twilio 503" if status == "failed" else ""
        )
    Campaign.objects.filter(pk=campaign.pk).update(status="sent")
    return campaign


def test_resending_queues_again_only_this_campaigns_failed_deliveries_as_new(profile, fan_list):
    """campaign_resend_failed 34 (other campaigns' failed deliveries), 35 (its sent ones too),
    52 (attempts start at 1), 56 (the old error kept as "XXXX")."""
    add_fans(profile, fan_list)
    mine = _finished(profile, fan_list, "Mine", ["sent", "failed", "failed"])
    other = _finished(profile, fan_list, "Other", ["failed", "sent", "sent"])
    staff = UserFactory(is_staff=True)
    with mock.patch.object(campaigns, "_enqueue_send"):
        assert campaigns.campaign_resend_failed(by=staff, campaign_id=mine.pk) == 2
    assert list(
        Delivery.objects.filter(campaign=mine)
        .order_by("id")
        .values_list("status", "attempts", "error", "claimed_at")
    ) == [("sent", 3, "", None), ("queued", 0, "", None), ("queued", 0, "", None)]
    assert list(
        Delivery.objects.filter(campaign=other).order_by("id").values_list("status", flat=True)
    ) == ["failed", "sent", "sent"]


def test_resending_refuses_naming_why(profile, fan_list):
    """campaign_resend_failed 5-13 (no such campaign), 15-29 (not finished), 37-48 (nothing
    failed): code, message and status of each refusal."""
    add_fans(profile, fan_list)
    staff = UserFactory(is_staff=True)
    draft = make_campaign(profile, fan_list, name="Draft")
    all_sent = _finished(profile, fan_list, "All sent", ["sent", "sent", "sent"])
    refusals = []
    for campaign_id in (draft.pk + all_sent.pk + 1000, draft.pk, all_sent.pk):
        with pytest.raises(ApplicationError) as error:
            campaigns.campaign_resend_failed(by=staff, campaign_id=campaign_id)
        refusals.append((error.value.code, error.value.message, error.value.status_code))
    assert refusals == [
        ("not_found", "No such campaign.", 404),
        ("campaign_not_sent", "The campaign is draft: it can't be sent again now.", 409),
        ("nothing_failed", "No delivery of this campaign failed.", 409),
    ]


def test_a_campaign_is_scheduled_once_and_the_second_time_says_why(profile, fan_list):
    """campaign_schedule 10-24: code, message and status of "not a draft"."""
    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    with mock.patch.object(campaign_start_task, "apply_async"):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
        with pytest.raises(ApplicationError) as error:
            campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    assert (error.value.code, error.value.message, error.value.status_code) == (
        "campaign_not_draft",
        "The campaign is scheduled: it can't be scheduled now.",
        409,
    )


def test_a_schedule_time_is_refused_naming_the_field_in_its_own_words(profile, fan_list):
    """campaign_schedule 29-36 and the other time refusals: field, message, details."""
    add_fans(profile, fan_list)
    refusals = []
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        campaign = make_campaign(profile, fan_list)
        for when in (
            datetime(2026, 12, 4, 12, 0),  # no time zone
            NOON_IN_AUSTIN - timedelta(minutes=1, seconds=1),
            NOON_IN_AUSTIN + timedelta(days=365, seconds=1),
        ):
            with pytest.raises(ApplicationError) as error:
                campaigns.campaign_schedule(
                    user=profile.user, campaign_id=campaign.pk, scheduled_at=when
                )
            refusals.append((error.value.code, error.value.field, error.value.details))
    assert refusals == [
        (
            "validation_error",
            "scheduled_at",
            {"scheduled_at": ["Give the time with its time zone."]},
        ),
        (
            "validation_error",
            "scheduled_at",
            {"scheduled_at": ["That time has passed. Choose a later one."]},
        ),
        ("validation_error", "scheduled_at", {"scheduled_at": ["Schedule at most a year ahead."]}),
    ]


def test_a_schedule_on_the_limits_is_taken_and_the_start_waits_for_it(profile, fan_list):
    """campaign_schedule: a minute late is now, a year ahead is taken, the start task counts
    down to the time."""
    add_fans(profile, fan_list)
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        late = make_campaign(profile, fan_list, name="Late")
        ahead = make_campaign(profile, fan_list, name="Ahead")
        with (
            mock.patch.object(campaign_start_task, "apply_async") as start,
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            campaigns.campaign_schedule(
                user=profile.user,
                campaign_id=late.pk,
                scheduled_at=NOON_IN_AUSTIN - timedelta(minutes=1),
            )
            campaigns.campaign_schedule(
                user=profile.user,
                campaign_id=ahead.pk,
                scheduled_at=NOON_IN_AUSTIN + timedelta(days=365),
            )
    late.refresh_from_db()
    ahead.refresh_from_db()
    assert (late.status, late.scheduled_at) == ("scheduled", NOON_IN_AUSTIN)
    assert (ahead.status, ahead.scheduled_at) == (
        "scheduled",
        NOON_IN_AUSTIN + timedelta(days=365),
    )
    assert CampaignStatusChange.objects.get(campaign=late, to_status="scheduled").by == profile.user
    assert start.call_args_list == [
        mock.call(kwargs={"campaign_id": late.pk}, countdown=0.0),
        mock.call(kwargs={"campaign_id": ahead.pk}, countdown=365 * 86400.0),
    ]


def test_a_campaign_nobody_can_get_is_not_scheduled_and_says_why(profile, fan_list):
    campaign = make_campaign(profile, fan_list)
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    assert (error.value.code, error.value.message, error.value.status_code) == (
        "no_recipients",
        "Nobody on the list can get this campaign yet.",
        409,
    )


def test_every_merge_field_is_filled_for_a_fan_a_nameless_fan_and_the_preview(
    profile, fan_list, settings
):
    """merge_values and render_for: each field's value, "there" without a name, the preview's
    placeholders, the footer only when the body has no unsubscribe link."""
    from messaging.fans import consent

    maya, nameless = add_fans(
        profile,
        fan_list,
        [
            ("maya@fans.example", None, "Maya  Ortiz", "Austin", "TX"),
            ("x@fans.example", None, "", "", ""),
        ],
    )
    fields = "{first_name}|{name}|{city}|{region}|{artist}|{list}"
    campaign = make_campaign(
        profile, fan_list, subject=fields, body="Hi {first_name}: {unsubscribe_url}"
    )
    maya_link = consent.unsubscribe_url(maya, artist_id=profile.pk)
    assert campaigns.render_for(campaign, maya) == (
        "Maya|Maya Ortiz|Austin|TX|Nova Reyes|Austin fans",
        f"Hi Maya: {maya_link}",
    )
    assert campaigns.render_for(campaign, nameless) == (
        "there|there|||Nova Reyes|Austin fans",
        f"Hi there: {consent.unsubscribe_url(nameless, artist_id=profile.pk)}",
    )
    assert campaigns.render_for(campaign, None) == (
        "Maya|Maya Ortiz|Austin|TX|Nova Reyes|Austin fans",
        f"Hi Maya: {settings.SITE_URL}/fans/unsubscribe/…/",
    )
    footer = campaigns.render_for(
        make_campaign(profile, None, body="Hi", audience_city="Round Rock", audience_region="CA"),
        None,
    )
    assert footer == (
        "News from Nova Reyes",
        "Hi\n\n--\nYou get this because you joined your list. Unsubscribe: "
        f"{settings.SITE_URL}/fans/unsubscribe/…/",
    )
    assert campaigns.render_for(campaign, maya, list_name="Everyone")[0].endswith("|Everyone")


def test_an_sms_gets_the_stop_line_unless_it_says_stop_itself(profile, fan_list):
    """sms_text: the footer added once; "stop" in any case is enough."""
    [maya] = add_fans(profile, fan_list, [(None, "+15125550101", "Maya", "", "")])
    texts = [
        campaigns.render_for(make_campaign(profile, fan_list, channel="sms", body=body), maya)
        for body in ("Hi {first_name}", "Hi, text stop to end", "Hi {name} {city}")
    ]
    assert texts == [
        ("", "Hi Maya\nReply STOP to opt out."),
        ("", "Hi, text stop to end"),
        ("", "Hi Maya \nReply STOP to opt out."),
    ]


def test_a_start_starts_only_that_campaign_only_when_it_is_due_and_only_once(profile, fan_list):
    """campaign_start 6 (the first due campaign started whatever the id), 7 (a sending one
    fanned out again), 8 (started before its time), 10 (nothing started answered True)."""
    add_fans(profile, fan_list)
    with time_machine.travel(NOON_IN_AUSTIN, tick=False):
        first, second, later = (
            make_campaign(profile, fan_list, name=name) for name in ("First", "Second", "Later")
        )
        with mock.patch.object(campaign_start_task, "apply_async"):
            for campaign in (first, second):
                campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
            campaigns.campaign_schedule(
                user=profile.user,
                campaign_id=later.pk,
                scheduled_at=NOON_IN_AUSTIN + timedelta(hours=1),
            )
        with mock.patch.object(campaigns, "_enqueue_send"):
            assert campaigns.campaign_start(campaign_id=second.pk) is True
            assert campaigns.campaign_start(campaign_id=second.pk) is False
            assert campaigns.campaign_start(campaign_id=later.pk) is False
    statuses = dict(Campaign.objects.values_list("name", "status"))
    assert statuses == {"First": "scheduled", "Second": "sending", "Later": "scheduled"}
    assert Delivery.objects.filter(campaign=second).count() == 3
    assert not Delivery.objects.exclude(campaign=second).exists()
    second.refresh_from_db()
    assert (second.started_at, second.recipient_count) == (NOON_IN_AUSTIN, 3)


def test_the_fan_out_writes_one_delivery_per_address_across_chunks(profile, fan_list):
    """campaign_start 24 (a repeated address ends the fan-out), 38, 40, 43 (a full chunk
    written as nothing, or the next chunk lost)."""
    from messaging.fans import services as fans

    other = fans.contact_list_create(user=profile.user, name="Everyone else")
    add_fans(profile, fan_list, [(f"a{n}@fans.example", None, "", "", "") for n in range(3)])
    add_fans(
        profile,
        other,
        [("a1@fans.example", None, "", "", "")]
        + [(f"b{n}@fans.example", None, "", "", "") for n in range(3)],
    )
    campaign = make_campaign(profile, None)  # all lists
    with mock.patch.object(campaigns, "FANOUT_CHUNK", 2):
        _sending_started(profile, campaign)
    campaign.refresh_from_db()
    assert sorted(Delivery.objects.filter(campaign=campaign).values_list("address", flat=True)) == [
        "a0@fans.example",
        "a1@fans.example",
        "a2@fans.example",
        "b0@fans.example",
        "b1@fans.example",
        "b2@fans.example",
    ]
    assert campaign.recipient_count == 6


def test_unscheduling_and_editing_refuse_naming_the_state(profile, fan_list):
    """campaign_unschedule 10-24 and campaign_update 10-23: code, message and status; the
    unscheduling is recorded as the artist's (unschedule 28)."""
    from messaging.fans import services as fans

    add_fans(profile, fan_list)
    campaign = make_campaign(profile, fan_list)
    refusals = []
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_unschedule(user=profile.user, campaign_id=campaign.pk)
    refusals.append((error.value.code, error.value.message, error.value.status_code))
    with mock.patch.object(campaign_start_task, "apply_async"):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_update(user=profile.user, campaign_id=campaign.pk, body="x")
    refusals.append((error.value.code, error.value.message, error.value.status_code))
    assert refusals == [
        ("campaign_not_scheduled", "The campaign is draft: it can't be unscheduled now.", 409),
        ("campaign_not_draft", "The campaign is scheduled: it can't be edited now.", 409),
    ]
    campaigns.campaign_unschedule(user=profile.user, campaign_id=campaign.pk)
    change = CampaignStatusChange.objects.filter(campaign=campaign).latest("id")
    assert (change.by, change.from_status, change.to_status) == (profile.user, "scheduled", "draft")
    # A scheduled campaign whose list is deleted before it starts ends saying why.
    with mock.patch.object(campaign_start_task, "apply_async"):
        campaigns.campaign_schedule(user=profile.user, campaign_id=campaign.pk)
    fans.contact_list_delete(user=profile.user, list_id=fan_list.pk)
    assert campaigns.campaign_start(campaign_id=campaign.pk) is True
    assert _notes(campaign)[-1] == (
        "failed",
        "nobody to send to (the list was deleted, or everyone left)",
    )


def test_an_email_event_finds_its_delivery_by_id_first_then_by_key(profile, fan_list):
    """email_event: without a provider id the key finds the delivery ("" taken for found); with
    an id the key of another delivery is not looked at (``or``)."""
    add_fans(profile, fan_list)
    send_now(profile, make_campaign(profile, fan_list))
    first, second, _third = Delivery.objects.order_by("id")
    Delivery.objects.filter(pk=first.pk).update(provider_message_id="re_1")
    moment = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    found = campaigns.email_event(
        event_type="delivered", message_id=None, delivery_key=second.idempotency_key, at=moment
    )
    assert found.pk == second.pk
    found = campaigns.email_event(
        event_type="delivered",
        message_id="re_1",
        delivery_key=_third.idempotency_key,
        at=moment,
    )
    assert found.pk == first.pk
    assert list(Delivery.objects.order_by("id").values_list("delivered_at", flat=True)) == [
        moment,
        moment,
        None,
    ]


def test_a_hard_bounce_and_a_complaint_opt_out_each_with_its_reason(profile, fan_list):
    """email_event 52-62: the opt-out's cause ("bounce" / "complaint") passed on."""
    from messaging.models import ArtistOptOut

    add_fans(profile, fan_list)
    send_now(profile, make_campaign(profile, fan_list))
    bounced, complained, _third = Delivery.objects.order_by("id")
    campaigns.email_event(
        event_type="bounced", message_id=None, delivery_key=bounced.idempotency_key
    )
    campaigns.email_event(
        event_type="complained", message_id=None, delivery_key=complained.idempotency_key
    )
    assert dict(ArtistOptOut.objects.values_list("email", "reason")) == {
        bounced.address: "hard bounce",
        complained.address: "spam complaint",
    }


def test_an_edit_never_moves_a_campaign_whose_list_was_deleted_to_another_list(profile):
    """_current 12: a deleted list read as list id 1 instead of "no such list", so that an
    edit quietly sent the campaign to list 1 whenever that list is the artist's. The lists'
    ids are set so that the artist's other list is list 1."""
    ContactList.objects.create(pk=1, artist=profile, name="Everyone", signup_token="k" * 32)
    gone = ContactList.objects.create(
        pk=2, artist=profile, name="Austin fans", signup_token="g" * 32
    )
    campaign = make_campaign(profile, gone)
    fans.contact_list_delete(user=profile.user, list_id=gone.pk)
    with pytest.raises(ApplicationError) as error:
        campaigns.campaign_update(user=profile.user, campaign_id=campaign.pk, body="Hi again")
    assert (error.value.code, error.value.field) == ("validation_error", "contact_list_id")
    campaign.refresh_from_db()
    assert (campaign.contact_list_id, campaign.all_lists) == (None, False)
    assert campaign.body == "Hi {first_name}, new single out Friday!"
