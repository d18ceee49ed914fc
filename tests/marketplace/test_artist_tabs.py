"""The public artist page's Gigs and Reviews tabs: served by the marketplace at its own URLs,
registered with ``umbrella.domains`` (so ``artists`` never imports ``marketplace``), loaded
into the artist page with HTMX, and whole pages without JavaScript."""

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace import services
from marketplace.models import Booking, Review
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days
from umbrella import domains

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def booked(artist, venue=None, **gig) -> Booking:
    gig = GigFactory(venue=venue or VenueProfileFactory(), **gig)
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    return services.application_accept(user=gig.venue.user, application_id=application.pk)


def completed(artist, venue=None, **gig) -> Booking:
    booking = booked(artist, venue, **gig)
    services.gig_complete(gig_id=booking.gig_id, now=booking.gig.ends_at)
    Booking.objects.filter(pk=booking.pk).update(completed_at=timezone.now())
    booking.refresh_from_db()
    return booking


def reviewed(artist, *, rating: int, comment: str, venue=None) -> Review:
    """A completed booking reviewed both ways (so published); the venue's review of the artist."""
    booking = completed(artist, venue)
    review = services.review_create(
        user=booking.gig.venue.user,
        booking_id=booking.pk,
        data={"rating": rating, "comment": comment},
    )
    services.review_create(user=artist.user, booking_id=booking.pk, data={"rating": 5})
    review.refresh_from_db()
    return review


# --- the tab bar on the artist page -----------------------------------------------------------


def test_the_artist_page_lists_the_marketplace_tabs(client, artist):
    html = client.get(reverse("artist-public", args=[artist.slug])).content.decode()
    for name, label, url_name in (
        ("gigs", "Gigs", "artist-gigs-tab"),
        ("reviews", "Reviews", "artist-reviews-tab"),
    ):
        # without JavaScript the link leads to the marketplace's page; a click (HTMX) asks the
        # artist page, which keeps the tab bar and loads the content
        assert (
            f'id="tab-{name}" aria-controls="tab-panel" '
            f'href="{reverse(url_name, args=[artist.slug])}" '
            f'hx-get="{reverse("artist-public-tab", args=[artist.slug, name])}"'
        ) in html
        assert f">{label}</a>" in html
    assert (
        html.index('id="tab-stats"') < html.index('id="tab-gigs"') < html.index('id="tab-reviews"')
    )


def test_the_artist_page_loads_a_marketplace_tab_from_its_url(client, artist):
    url = reverse("artist-public-tab", args=[artist.slug, "gigs"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    fragment_url = reverse("artist-gigs-tab", args=[artist.slug])
    assert f'hx-get="{fragment_url}" hx-trigger="load"' in html
    assert f'<a href="{fragment_url}">Gigs of {artist.stage_name}</a>' in html  # no JavaScript
    assert 'aria-selected="true">Gigs</a>' in html
    # a tab click gets only the tab block, with the same placeholder
    partial = client.get(url, **HX).content.decode()
    assert "<html" not in partial and f'hx-get="{fragment_url}"' in partial
    assert client.get(reverse("artist-public-tab", args=[artist.slug, "nope"])).status_code == 404


def test_without_the_registration_the_artist_page_has_only_its_own_tabs(
    client, artist, monkeypatch
):
    monkeypatch.setattr(domains, "_registry", dict(domains._registry))
    monkeypatch.setattr(domains, "_open_prefixes", domains._open_prefixes)  # unregister resets it
    domains.unregister("marketplace")
    html = client.get(reverse("artist-public", args=[artist.slug])).content.decode()
    assert 'id="tab-stats"' in html and 'id="tab-gigs"' not in html
    assert client.get(reverse("artist-public-tab", args=[artist.slug, "gigs"])).status_code == 404


def test_profile_tabs_are_checked_when_registered(monkeypatch):
    monkeypatch.setattr(domains, "_registry", dict(domains._registry))
    monkeypatch.setattr(domains, "_open_prefixes", domains._open_prefixes)  # unregister resets it
    with pytest.raises(ValueError, match="lower-case slug"):
        domains.ProfileTab(name="Gigs/", label="Gigs", url_name="artist-gigs-tab")
    clash = domains.ProfileTab(name="gigs", label="Other gigs", url_name="artist-gigs-tab")
    with pytest.raises(ValueError, match="both add the tabs"):
        domains.register(domains.EntryPoints(app="other", artist_tabs=(clash,)))
    assert [tab.name for tab in domains.artist_tabs()] == ["gigs", "reviews"]


# --- the Gigs tab -----------------------------------------------------------------------------


def test_the_gigs_tab_shows_confirmed_and_past_gigs_only(client, artist):
    venue = VenueProfileFactory(name="Blue Door")
    played = completed(artist, title="Played last month")
    coming = booked(artist, venue, title="Coming up at Blue Door", date=in_days(11))
    cancelled = booked(artist, title="Cancelled one", date=in_days(12))
    services.booking_cancel(user=artist.user, booking_id=cancelled.pk, reason="Ill")
    pending = GigFactory(title="Only applied", date=in_days(13))
    services.application_create(user=artist.user, gig_id=pending.pk, data={})
    booked(ArtistProfileFactory(), title="Somebody else's")

    response = client.get(reverse("artist-gigs-tab", args=[artist.slug]), **HX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment for HTMX
    assert [g["gig__title"] for g in response.context["upcoming"]] == [coming.gig.title]
    assert [g["gig__title"] for g in response.context["past"]] == [played.gig.title]
    for hidden in ("Cancelled one", "Only applied", "Somebody else"):
        assert hidden not in html
    assert "$" not in html  # fees stay private
    assert reverse("venue-public", args=[venue.slug]) in html
    assert reverse("gig-detail", args=[coming.gig_id]) in html
    assert "HX-Request" in response["Vary"]


def test_a_tab_without_javascript_is_a_whole_page(client, artist):
    completed(artist, title="Played last month")
    response = client.get(reverse("artist-gigs-tab", args=[artist.slug]))
    html = response.content.decode()
    assert "<html" in html
    assert f"<title>Gigs of {artist.stage_name} · Umbrella</title>" in html
    assert f"<h1>Gigs of {artist.stage_name}</h1>" in html
    assert f'href="{reverse("artist-public", args=[artist.slug])}"' in html  # back to the profile
    assert "Played last month" in html


def test_the_gigs_tab_empty_states(client, artist):
    html = client.get(reverse("artist-gigs-tab", args=[artist.slug]), **HX).content.decode()
    assert 'data-testid="upcoming-empty"' in html and 'data-testid="past-empty"' in html


def test_a_venue_that_is_not_public_is_named_but_not_linked(client, artist):
    booking = booked(artist, title="At a closed venue")
    venue = booking.gig.venue
    venue.user.is_active = False
    venue.user.save(update_fields=["is_active"])
    html = client.get(reverse("artist-gigs-tab", args=[artist.slug]), **HX).content.decode()
    assert venue.name in html
    assert reverse("venue-public", args=[venue.slug]) not in html


def test_past_gigs_come_in_pages(client, artist):
    for day in range(11):
        completed(artist, title=f"Night {day:02}")
    url = reverse("artist-gigs-tab", args=[artist.slug])
    first = client.get(url, **HX)
    assert len(first.context["past"]) == 10 and first.context["has_next"]
    assert f'href="{url}?page=2"' in first.content.decode()  # absolute: works inside the page
    second = client.get(url, {"page": "2"})
    assert len(second.context["past"]) == 1 and not second.context["has_next"]


# --- the Reviews tab --------------------------------------------------------------------------


def test_the_reviews_tab_shows_published_reviews_with_replies_and_a_summary(client, artist):
    good = reviewed(artist, rating=5, comment="Packed the room")
    reviewed(artist, rating=3, comment="A bit late")
    services.review_reply(user=artist.user, review_id=good.pk, reply="Thanks, Blue Door!")
    hidden = reviewed(artist, rating=1, comment="Rude words")
    services.review_hide(review_id=hidden.pk, by=UserFactory(is_staff=True), reason="Abuse")
    blind = completed(artist)  # only the venue has written: blind
    services.review_create(
        user=blind.gig.venue.user, booking_id=blind.pk, data={"rating": 2, "comment": "Blind"}
    )
    other = reviewed(ArtistProfileFactory(), rating=1, comment="Someone else")

    response = client.get(reverse("artist-reviews-tab", args=[artist.slug]), **HX)

    html = response.content.decode()
    assert [r.comment for r in response.context["reviews"]] == ["A bit late", "Packed the room"]
    assert "Reply from " + artist.stage_name in html and "Thanks, Blue Door!" in html
    for hidden_text in ("Rude words", "Blind", other.comment):
        assert hidden_text not in html
    assert response.context["total"] == 2
    assert response.context["average"] == 4.0
    assert [c["count"] for c in response.context["counts"]] == [1, 0, 1, 0, 0]  # 5 stars → 1
    assert "4.0 out of 5" in html and "from 2 reviews" in html
    assert reverse("venue-public", args=[good.venue.slug]) in html
    # the rating the profile shows is the same
    artist.refresh_from_db()
    assert (float(artist.avg_rating), artist.total_reviews) == (4.0, 2)


def test_the_reviews_tab_empty_state(client, artist):
    html = client.get(reverse("artist-reviews-tab", args=[artist.slug]), **HX).content.decode()
    assert 'data-testid="reviews-empty"' in html


def test_tabs_of_unknown_or_hidden_artists_are_404(client):
    hidden = ArtistProfileFactory()
    hidden.user.is_active = False
    hidden.user.save(update_fields=["is_active"])
    for url_name in ("artist-gigs-tab", "artist-reviews-tab"):
        for slug in ("no-such-artist", hidden.slug):
            assert client.get(reverse(url_name, args=[slug]), **HX).status_code == 404


@pytest.mark.parametrize(
    ("url_name", "queries"), [("artist-gigs-tab", 3), ("artist-reviews-tab", 3)]
)
def test_the_tabs_read_a_fixed_number_of_queries(
    client, artist, url_name, queries, django_assert_num_queries
):
    url = reverse(url_name, args=[artist.slug])
    reviewed(artist, rating=4, comment="One")
    booked(artist, date=in_days(20))
    with django_assert_num_queries(queries):
        assert client.get(url, **HX).status_code == 200
    for n in range(3):
        reviewed(artist, rating=5, comment=f"More {n}")
        booked(artist, date=in_days(21 + n))
    with django_assert_num_queries(queries):
        assert client.get(url, **HX).status_code == 200
