"""What the workspace's form offers (the gigs, bookings and conversations a draft can be about)
and the pitch pasted into a gig's application, pinned where the second mutation run of
violet.selectors found them loose (docs/mutation/analytics-violet.md)."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.models import Booking, Gig
from messaging import services as messaging_services
from tests.marketplace.bookings import book
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days
from tests.violet.factories import full_artist
from violet import selectors, services
from violet.models import Generation

pytestmark = pytest.mark.django_db


def label(gig: Gig) -> str:
    return f"{gig.title} · {gig.venue_name} · {gig.date:%d %b %Y}"


def test_a_pitch_can_be_for_an_open_gig_still_ahead_soonest_first():
    later = GigFactory(title="Later", date=in_days(20))
    sooner = GigFactory(title="Sooner", date=in_days(5))
    GigFactory(title="Gone", date=in_days(6), status="cancelled")
    past = GigFactory(title="Past", date=in_days(7))
    Gig.objects.filter(pk=past.pk).update(starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert selectors.gig_choices() == [(sooner.pk, label(sooner)), (later.pk, label(later))]
    assert selectors.gig_choices(limit=1) == [(sooner.pk, label(sooner))]


def test_a_press_release_can_be_for_a_booking_not_cancelled_latest_first():
    artist = full_artist()
    later = book(GigFactory(title="Later", date=in_days(20)), artist)  # booked first
    sooner = book(GigFactory(title="Sooner", date=in_days(5)), artist)
    cancelled = book(GigFactory(title="Off", date=in_days(30)), artist)
    Booking.objects.filter(pk=cancelled.pk).update(
        status="cancelled", cancelled_at=dt.datetime.now(dt.UTC)
    )
    assert selectors.booking_choices(user=artist.user) == [
        (later.pk, label(later.gig)),
        (sooner.pk, label(sooner.gig)),
    ]
    assert selectors.booking_choices(user=artist.user, limit=1) == [(later.pk, label(later.gig))]


def test_a_reply_can_be_to_a_conversation_named_by_who_and_the_last_words():
    artist = full_artist()
    quiet = VenueProfileFactory()
    quiet.user.display_name = "Quiet Room"
    quiet.user.save()
    chatty = VenueProfileFactory()
    chatty.user.display_name = "Sam at The Blue Door"
    chatty.user.save()
    silent, _ = messaging_services.conversation_open(user=quiet.user, other_id=artist.user.pk)
    talk, _ = messaging_services.conversation_open(user=chatty.user, other_id=artist.user.pk)
    text = "Are you free on Friday the 9th for a late show? " * 2
    messaging_services.message_send(user=chatty.user, conversation_id=talk.pk, content=text)
    choices = selectors.conversation_choices(user=artist.user)
    assert choices == [
        (talk.pk, f"Sam at The Blue Door: “{text[:40]}”"),
        (silent.pk, "Quiet Room"),
    ]
    assert selectors.conversation_choices(user=artist.user, limit=1) == choices[:1]


def test_the_workspace_form_offers_those_choices(client):
    artist = full_artist()
    gig = GigFactory(title="Late Show")
    client.force_login(artist.user)
    form = client.get("/violet/", {"tool": "gig_pitch"}).context["form"]
    assert list(form.fields["gig"].choices)[1:] == [(gig.pk, label(gig))]


def pitch(artist, gig, output: str) -> Generation:
    generation = services.generate(user=artist.user, tool="gig_pitch", inputs={"gig": gig.pk})
    Generation.objects.filter(pk=generation.pk).update(output=output)
    return generation


def test_the_pitch_pasted_is_the_one_asked_for():
    artist = full_artist()
    gig = GigFactory()
    first = pitch(artist, gig, "The first pitch.")
    pitch(artist, gig, "The second pitch.")
    assert selectors.pitch_draft(artist.user, gig.pk, str(first.pk)) == "The first pitch."
    assert selectors.pitch_draft(artist.user, gig.pk, f"{first.pk}a") is None
    assert selectors.pitch_draft(AnonymousUser(), gig.pk, str(first.pk)) is None


def test_a_draft_reference_of_up_to_18_digits_is_looked_up_and_a_longer_one_ignored():
    artist = full_artist()
    gig = GigFactory()
    generation = pitch(artist, gig, "A pitch with a big id.")
    big = 10**17  # 18 digits
    Generation.objects.filter(pk=generation.pk).update(id=big)
    assert selectors.pitch_draft(artist.user, gig.pk, str(big)) == "A pitch with a big id."
    # 19 digits: not looked up (Django 5 would answer an out-of-range id with no row anyway)
    assert selectors.pitch_draft(artist.user, gig.pk, "9" * 19) is None


def test_only_a_finished_pitch_for_that_gig_is_pasted():
    artist = full_artist()
    gig, elsewhere = GigFactory(), GigFactory()
    other_gig = pitch(artist, elsewhere, "For another gig.")
    cut = pitch(artist, gig, "Half a pitch")
    Generation.objects.filter(pk=cut.pk).update(status="cancelled")
    booking = book(gig, artist)  # the gig is filled: no more pitches for it
    release = services.generate(
        user=artist.user, tool="press_release", inputs={"booking": booking.pk}
    )
    assert release.gig_id == gig.pk  # about the same gig, but not a pitch
    for ref in (other_gig.pk, release.pk, cut.pk):
        assert selectors.pitch_draft(artist.user, gig.pk, str(ref)) is None
