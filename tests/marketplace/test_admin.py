"""Admin doors into the marketplace go through the services (cancel, verify), with audit rows."""

import pytest

from marketplace import services
from marketplace.models import Booking, Gig, StatusChange, VenueProfile, VenueVerificationNote
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/marketplace"


@pytest.fixture
def staff(client, boss):
    client.force_login(boss)
    return client


def test_every_marketplace_list_and_change_page_opens(staff, gig):
    artist = ArtistProfileFactory()
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=gig.venue.user, application_id=application.pk)
    pages = {
        "venueprofile": gig.venue.pk,
        "gig": gig.pk,
        "application": application.pk,
        "booking": booking.pk,
        "statuschange": StatusChange.objects.first().pk,
    }
    for model, pk in pages.items():
        assert staff.get(f"{ADMIN}/{model}/").status_code == 200, model
        assert staff.get(f"{ADMIN}/{model}/{pk}/change/").status_code == 200, model
    assert staff.get(f"{ADMIN}/gig/add/").status_code == 403
    assert staff.get(f"{ADMIN}/gig/{gig.pk}/delete/").status_code == 403


def test_cancel_gigs_action_asks_a_reason_and_goes_through_the_service(staff, boss, gig):
    artist = ArtistProfileFactory()
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=gig.venue.user, application_id=application.pk)
    other = GigFactory()
    form = {"action": "cancel", "_selected_action": [gig.pk, other.pk]}

    asked = staff.post(f"{ADMIN}/gig/", form)
    assert asked.status_code == 200 and b"Reason" in asked.content
    assert Gig.objects.filter(status="cancelled").count() == 0
    staff.post(f"{ADMIN}/gig/", {**form, "apply": "1", "note": ""})  # a reason is required
    assert Gig.objects.filter(status="cancelled").count() == 0

    done = staff.post(f"{ADMIN}/gig/", {**form, "apply": "1", "note": "Fraud report"})

    assert done.status_code == 302
    assert set(Gig.objects.values_list("status", flat=True)) == {"cancelled"}
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by, booking.cancel_reason) == (
        "cancelled",
        "staff",
        "Fraud report",
    )
    last = StatusChange.objects.filter(gig=gig, subject="gig").last()
    assert (last.to_status, last.by, last.reason) == ("cancelled", boss, "Fraud report")
    assert Booking.objects.filter(status="active").count() == 0


def test_verify_venues_with_a_note(staff, boss, venue):
    form = {"action": "verify", "_selected_action": [venue.pk], "apply": "1"}
    staff.post(f"{ADMIN}/venueprofile/", {**form, "note": "Checked the licence"})
    venue.refresh_from_db()
    assert venue.verified is True
    note = VenueVerificationNote.objects.get(venue=venue)
    assert (note.by, note.verified, note.note) == (boss, True, "Checked the licence")
    staff.post(
        f"{ADMIN}/venueprofile/",
        {**form, "action": "unverify", "note": "Licence expired"},
    )
    assert VenueProfile.objects.get(pk=venue.pk).verified is False
    assert VenueVerificationNote.objects.count() == 2


def test_admin_cannot_edit_a_gig_directly(staff, gig):
    response = staff.post(f"{ADMIN}/gig/{gig.pk}/change/", {"title": "Hacked", "status": "filled"})
    assert response.status_code == 403
    gig.refresh_from_db()
    assert (gig.status, gig.title) != ("filled", "Hacked")


def test_hide_reviews_action_recounts_the_rating(staff, boss, gig):
    from decimal import Decimal

    from artists.models import ArtistProfile
    from marketplace.models import Review

    artist = ArtistProfileFactory()
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=gig.venue.user, application_id=application.pk)
    services.gig_complete(gig_id=gig.pk, now=gig.ends_at)
    review = services.review_create(user=gig.venue.user, booking_id=booking.pk, data={"rating": 1})
    services.review_create(user=artist.user, booking_id=booking.pk, data={"rating": 5})
    assert ArtistProfile.objects.get(pk=artist.pk).total_reviews == 1

    staff.post(
        f"{ADMIN}/review/",
        {"action": "hide", "_selected_action": [review.pk], "apply": "1", "note": "Slur"},
    )

    review = Review.objects.get(pk=review.pk)
    assert (review.hidden, review.hidden_reason, review.hidden_by) == (True, "Slur", boss)
    artist.refresh_from_db()
    assert (artist.avg_rating, artist.total_reviews) == (Decimal("0.00"), 0)


def test_saved_searches_are_read_and_deleted_through_the_service(staff, boss, monkeypatch):
    from marketplace.models import SavedSearch
    from marketplace.services import saved_searches as saved_services

    artist = ArtistProfileFactory()
    one = services.saved_search_create(user=artist.user, name="Jazz", filters={"genre": "jazz"})
    two = services.saved_search_create(user=artist.user, name="Soul", filters={"genre": "soul"})
    three = services.saved_search_create(user=artist.user, name="Folk", filters={})
    assert staff.get(f"{ADMIN}/savedsearch/").status_code == 200
    page = staff.get(f"{ADMIN}/savedsearch/{one.pk}/change/")
    assert page.status_code == 200 and b"jazz" in page.content
    assert staff.get(f"{ADMIN}/savedsearch/add/").status_code == 403
    # no edit: the change page has no save button
    staff.post(f"{ADMIN}/savedsearch/{one.pk}/change/", {"name": "Renamed"})
    assert SavedSearch.objects.get(pk=one.pk).name == "Jazz"

    calls = []
    real = saved_services.saved_search_delete_by_staff
    monkeypatch.setattr(
        services,
        "saved_search_delete_by_staff",
        lambda **kw: calls.append(kw["saved_search_id"]) or real(**kw),
    )
    staff.post(f"{ADMIN}/savedsearch/{one.pk}/delete/", {"post": "yes"})
    staff.post(
        f"{ADMIN}/savedsearch/",
        {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"},
    )
    assert calls == [one.pk, two.pk]
    assert list(SavedSearch.objects.values_list("pk", flat=True)) == [three.pk]
