"""The venue's pages: the public venue page /venues/<slug>/ (profile, open gigs, scorecard in
plain words, reviews from artists), the profile editor /venue/profile/, and the venue
dashboard's pages of gigs."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role, User
from marketplace import selectors, services
from marketplace.models import Booking, GigStatus, Review, VenueProfile
from marketplace.pages.venues import scorecard_lines
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.conftest import client_for
from tests.marketplace.factories import GigFactory, VenueProfileFactory
from umbrella.pagination import page_number

pytestmark = pytest.mark.django_db


def completed_booking(venue, artist=None) -> Booking:
    gig = GigFactory(venue=venue)
    artist = artist or ArtistProfileFactory()
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = services.application_accept(user=venue.user, application_id=application.pk)
    services.gig_complete(gig_id=gig.pk, now=gig.ends_at)
    Booking.objects.filter(pk=booking.pk).update(completed_at=timezone.now())
    booking.refresh_from_db()
    return booking


def reviewed_both_ways(venue, *, artist_says="Paid on time", venue_says="Great set") -> Booking:
    booking = completed_booking(venue)
    services.review_create(
        user=booking.artist.user, booking_id=booking.pk, data={"rating": 4, "comment": artist_says}
    )
    services.review_create(
        user=venue.user, booking_id=booking.pk, data={"rating": 5, "comment": venue_says}
    )
    return booking


def review_of(booking: Booking, side: str) -> Review:
    return Review.objects.get(booking=booking, side=side)


# --- the public venue page --------------------------------------------------------------------


def test_the_public_page_shows_the_venue_its_open_gigs_and_its_revealed_reviews(client, venue):
    VenueProfile.objects.filter(pk=venue.pk).update(
        about="Jazz since 1962.", website="https://bluedoor.example", phone="+1 512 555 0100"
    )
    open_gig = GigFactory(venue=venue, title="Friday jazz")
    filled = GigFactory(venue=venue, title="Already booked")
    filled.status = GigStatus.FILLED
    filled.save()
    GigFactory(venue=venue, title="Called off", status=GigStatus.CANCELLED)
    GigFactory(title="Somebody else's gig")
    revealed = reviewed_both_ways(venue, artist_says="Paid on time, great sound")
    services.review_reply(
        user=venue.user, review_id=review_of(revealed, "artist").pk, reply="Come back soon!"
    )
    blind = completed_booking(venue)  # only the artist has written: blind, not shown
    services.review_create(
        user=blind.artist.user, booking_id=blind.pk, data={"rating": 1, "comment": "Still blind"}
    )
    hidden = reviewed_both_ways(venue, artist_says="Hidden by staff")
    services.review_hide(
        review_id=review_of(hidden, "artist").pk,
        by=UserFactory(is_staff=True),
        reason="Personal attack",
    )

    response = client.get(reverse("venue-public", args=[venue.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{venue.name}" in html
    for shown in ("Jazz since 1962.", "https://bluedoor.example", "+1 512 555 0100", "200 people"):
        assert shown in html
    assert [g["title"] for g in response.context["gigs"]] == ["Friday jazz"]
    assert reverse("gig-detail", args=[open_gig.pk]) in html
    assert "Already booked" not in html and "Called off" not in html and "Somebody" not in html
    # the revealed review with the venue's reply; neither the blind nor the hidden one
    assert [r.comment for r in response.context["reviews"]] == ["Paid on time, great sound"]
    assert "Reply from " + venue.name in html and "Come back soon!" in html
    assert "Still blind" not in html and "Hidden by staff" not in html
    assert "Great set" not in html  # the venue's review of the artist belongs to the artist
    assert reverse("artist-public", args=[revealed.artist.slug]) in html


def test_unknown_unfinished_and_deactivated_venues_are_404(client, venue):
    unfinished = VenueProfileFactory(user=UserFactory(role=Role.VENUE, onboarding_complete=False))
    gone = VenueProfileFactory()
    User.objects.filter(pk=gone.user_id).update(is_active=False)
    for slug in ("no-such-venue", unfinished.slug, gone.slug):
        assert client.get(reverse("venue-public", args=[slug])).status_code == 404
    assert client.get(reverse("venue-public", args=[venue.slug])).status_code == 200


def test_the_page_has_a_title_description_and_canonical_link(client, venue):
    html = client.get(reverse("venue-public", args=[venue.slug])).content.decode()
    assert f"<title>{venue.name} · live music in Austin · Umbrella</title>" in html
    # no "about": a sentence from the venue's fields
    assert f'content="{venue.name} is a live music venue in Austin, TX, US. Books indie' in html
    assert f'<link rel="canonical" href="http://testserver/venues/{venue.slug}/">' in html
    VenueProfile.objects.filter(pk=venue.pk).update(about="The best room\nin town.")
    html = client.get(reverse("venue-public", args=[venue.slug])).content.decode()
    assert '<meta name="description" content="The best room in town.">' in html


def test_empty_states_and_not_enough_data(client, venue):
    html = client.get(reverse("venue-public", args=[venue.slug])).content.decode()
    assert 'data-testid="gigs-empty"' in html
    assert 'data-testid="reviews-empty"' in html
    assert "Not enough data" in html and "(so far: 0)" in html
    assert "No bookings yet" in html and "No reviews yet" in html


def test_the_scorecard_is_explained_in_plain_words():
    card = {
        "applications": 6,
        "enough_data": True,
        "median_answer_hours": 10.0,
        "answered_within_7_days": 0.6,
        "acceptance_rate": 0.25,
        "bookings": 3,
        "bookings_cancelled_by_venue": 1,
        "avg_rating": 4.5,
        "reviews": 2,
    }
    lines = {line["key"]: line for line in scorecard_lines(card)}
    assert list(lines) == ["median", "week", "acceptance", "cancelled", "rating"]
    assert lines["median"]["value"] == "10 hours"
    assert (
        "Half of the applications got an answer, yes or no, within 10 hours"
        in (lines["median"]["text"])
    )
    assert lines["week"]["value"] == "60%"
    assert "about 1 in 2 got an answer within 7 days" in lines["week"]["text"]
    assert lines["acceptance"]["value"] == "25%"
    assert "it accepted about 1 in 4" in lines["acceptance"]["text"]
    assert lines["cancelled"]["value"] == "1 of 3"
    assert lines["rating"]["value"] == "4.5 out of 5"
    assert "2 reviews by artists" in lines["rating"]["text"]

    slow = {**card, "median_answer_hours": 0.4, "acceptance_rate": 0.0}
    lines = {line["key"]: line for line in scorecard_lines(slow)}
    assert lines["median"]["value"] == "less than an hour"
    assert "none so far" in lines["acceptance"]["text"]
    assert {line["key"]: line for line in scorecard_lines({**card, "median_answer_hours": 100})}[
        "median"
    ]["value"] == "4 days"

    few = {**card, "applications": 4, "enough_data": False}
    few.update(median_answer_hours=None, answered_within_7_days=None, acceptance_rate=None)
    values = [line["value"] for line in scorecard_lines(few)]
    assert values == ["Not enough data"] * 3 + ["1 of 3", "4.5 out of 5"]


def test_the_page_shows_the_real_scorecard(client, venue):
    gig = GigFactory(venue=venue)
    applications = [
        services.application_create(user=ArtistProfileFactory().user, gig_id=gig.pk, data={})
        for _ in range(5)
    ]
    services.application_reject(user=venue.user, application_id=applications[0].pk)
    response = client.get(reverse("venue-public", args=[venue.slug]))
    card = response.context["scorecard"]
    assert card == selectors.venue_scorecard(venue=venue)
    assert card["enough_data"] is True and card["acceptance_rate"] == 0.0
    html = response.content.decode()
    assert "Not enough data" not in html
    assert 'data-testid="score-acceptance"' in html and "0%" in html


def test_reviews_come_in_pages(client, venue):
    for n in range(11):
        reviewed_both_ways(venue, artist_says=f"Review {n}")
    first = client.get(reverse("venue-public", args=[venue.slug]))
    assert len(first.context["reviews"]) == 10 and first.context["has_next"]
    assert "?page=2#reviews" in first.content.decode()
    second = client.get(reverse("venue-public", args=[venue.slug]), {"page": "2"})
    assert [r.comment for r in second.context["reviews"]] == ["Review 0"]  # the oldest
    assert not second.context["has_next"]
    beyond = client.get(reverse("venue-public", args=[venue.slug]), {"page": "9"})
    assert 'data-testid="reviews-empty"' in beyond.content.decode()


def test_the_page_reads_a_fixed_number_of_queries(client, venue, django_assert_num_queries):
    def read() -> None:
        with django_assert_num_queries(5):  # venue, reviews, gigs, scorecard (2)
            assert client.get(reverse("venue-public", args=[venue.slug])).status_code == 200

    reviewed_both_ways(venue)
    GigFactory(venue=venue)
    read()
    for _ in range(3):
        reviewed_both_ways(venue)
        GigFactory(venue=venue)
    read()


def test_the_page_is_open_before_onboarding_and_shows_the_owner_an_edit_link(client, venue):
    client.force_login(NewUserFactory())
    response = client.get(reverse("venue-public", args=[venue.slug]))
    assert response.status_code == 200
    assert 'data-testid="owner-note"' not in response.content.decode()
    client.force_login(venue.user)
    html = client.get(reverse("venue-public", args=[venue.slug])).content.decode()
    assert 'data-testid="owner-note"' in html and reverse("venue-profile-edit") in html


def test_gig_cards_and_gig_detail_link_the_venue(client, gig):
    venue_url = reverse("venue-public", args=[gig.venue.slug])
    assert (
        f'<a href="{venue_url}">{gig.venue.name}</a>'
        in client.get(reverse("gig-board")).content.decode()
    )
    detail = client.get(reverse("gig-detail", args=[gig.pk])).content.decode()
    assert f'href="{venue_url}" data-testid="venue-link"' in detail


def test_the_verified_notification_links_the_public_page(venue):
    services.venue_set_verified(
        venue_id=venue.pk, by=UserFactory(is_staff=True), verified=True, note="Checked."
    )
    note = Notification.objects.get(user=venue.user, verb="venue.verified")
    assert note.target_url == reverse("venue-public", args=[venue.slug])


# --- the venue's profile editor ---------------------------------------------------------------

EDIT = {
    "name": "Blue Door Club",
    "address": "5 Elm St",
    "city": "Houston",
    "state": "TX",
    "country": "us",
    "timezone": "America/Chicago",
    "capacity": "350",
    "genres_booked": "Jazz, soul",
    "about": "Jazz since 1962.",
    "website": "https://bluedoor.example",
    "phone": "+1 713 555 0100",
}


def _fields(venue: VenueProfile) -> dict:
    venue.refresh_from_db()
    return {name: getattr(venue, name) for name in EDIT}


def test_a_venue_edits_every_field_of_its_profile(client, venue):
    client.force_login(venue.user)
    page = client.get(reverse("venue-profile-edit"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_name">Venue name</label>' in html
    assert 'value="indie, jazz"' in html  # the current genres, as typed
    for name in EDIT:
        assert f'name="{name}"' in html

    response = client.post(reverse("venue-profile-edit"), EDIT)

    assert response.status_code == 302
    assert response["Location"] == reverse("venue-profile-edit")
    assert _fields(venue) == {
        **EDIT,
        "country": "US",
        "capacity": 350,
        "genres_booked": ["jazz", "soul"],
        "website": "https://bluedoor.example/",  # the WHATWG form, as the API stores it
    }
    assert venue.slug.startswith("venue-")  # the address stays


def test_the_editor_shows_service_errors_next_to_fields_and_saves_nothing(client, venue):
    client.force_login(venue.user)
    before = _fields(venue)
    response = client.post(
        reverse("venue-profile-edit"),
        {**EDIT, "timezone": "Mars/Olympus", "genres_booked": "jazz, polka-core"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"timezone", "genres_booked"}
    html = response.content.decode()
    assert 'id="id_timezone_error"' in html and 'data-testid="error-summary"' in html
    assert _fields(venue) == before


def test_what_the_wizard_required_stays_required_at_both_doors(client, venue):
    client.force_login(venue.user)
    before = _fields(venue)
    response = client.post(reverse("venue-profile-edit"), {**EDIT, "city": "", "capacity": ""})
    assert set(response.context["form"].errors) == {"city", "capacity"}
    api = client_for(venue.user).patch("/api/v1/venues/me", {"city": ""}, format="json")
    assert api.status_code == 400
    assert api.json()["error"]["details"] == {"city": ["This field is required."]}
    assert _fields(venue) == before
    # optional fields may be emptied
    response = client.post(reverse("venue-profile-edit"), {**EDIT, "phone": "", "about": ""})
    assert response.status_code == 302
    assert (_fields(venue)["phone"], _fields(venue)["about"]) == ("", "")


def test_only_the_venue_itself_edits_its_profile(client, venue, other_venue, artist):
    before = _fields(venue)
    # another venue's post edits its own profile, never this one
    client.force_login(other_venue.user)
    client.post(reverse("venue-profile-edit"), {**EDIT, "name": "Taken over"})
    assert _fields(venue) == before
    assert VenueProfile.objects.get(pk=other_venue.pk).name == "Taken over"
    # an artist is sent to the dashboard, nothing changed
    client.force_login(artist.user)
    for response in (
        client.get(reverse("venue-profile-edit")),
        client.post(reverse("venue-profile-edit"), EDIT),
    ):
        assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    # signed out: the sign-in page
    client.logout()
    response = client.post(reverse("venue-profile-edit"), EDIT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _fields(venue) == before


def test_an_unfinished_venue_is_sent_to_its_wizard(client):
    user = UserFactory(role=Role.VENUE, onboarding_complete=False)
    client.force_login(user)
    response = client.get(reverse("venue-profile-edit"))
    assert response.status_code == 302
    # the onboarding gate or the page itself: either way, the wizard
    assert response["Location"] in (reverse("onboarding"), reverse("venue-onboarding"))


# --- the venue dashboard's pages ----------------------------------------------------------------


def test_the_dashboard_links_the_editor_and_pages_its_gigs(
    client, venue, django_assert_max_num_queries
):
    client.force_login(venue.user)
    client.get(reverse("venue-dashboard"))  # the first request after sign-in records the device
    for day in range(21):
        GigFactory(
            venue=venue,
            title=f"Night {day:02}",
            date=timezone.localdate() + dt.timedelta(days=10 + day),
        )
    with django_assert_max_num_queries(8):
        first = client.get(reverse("venue-dashboard"))
    html = first.content.decode()
    assert reverse("venue-profile-edit") in html
    assert reverse("venue-public", args=[venue.slug]) in html
    assert len(first.context["gigs"]) == 20 and first.context["has_next"]
    assert 'href="?page=2"' in html
    second = client.get(reverse("venue-dashboard"), {"page": "2"})
    assert [g["title"] for g in second.context["gigs"]] == ["Night 20"]
    assert 'href="?page=1"' in second.content.decode()
    assert not second.context["has_next"]
    beyond = client.get(reverse("venue-dashboard"), {"page": "5"}).content.decode()
    assert 'data-testid="empty-state"' in beyond and "Back to the first page" in beyond
    garbage = client.get(reverse("venue-dashboard"), {"page": "²"})
    assert garbage.status_code == 200 and garbage.context["page_number"] == 1


def test_the_dashboard_query_count_does_not_grow_with_gigs(client, venue):
    client.force_login(venue.user)
    client.get(reverse("venue-dashboard"))  # the first request after sign-in records the device
    GigFactory(venue=venue)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("venue-dashboard"))
    GigFactory.create_batch(15, venue=venue)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("venue-dashboard"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_empty_dashboard_says_how_to_start(client, venue):
    client.force_login(venue.user)
    html = client.get(reverse("venue-dashboard")).content.decode()
    assert "You have not posted a gig yet" in html
    assert 'aria-label="Pages of your gigs"' not in html


@pytest.mark.parametrize("path", ["/gigs/", "/artists/", "/venue/"])
def test_a_strange_page_number_is_page_one_not_a_500(client, venue, path):
    client.force_login(venue.user)
    for raw in ("²", "٣", "-1", "9" * 5000):
        response = client.get(path, {"page": raw})
        assert response.status_code == 200, (path, raw)


def test_page_numbers_from_the_query_string():
    assert [page_number(v) for v in (None, "", "0", "-1", "x", "²", " 3 ", "12")] == [
        1, 1, 1, 1, 1, 1, 3, 12
    ]  # fmt: skip
    assert page_number("9" * 50) == 10_000
