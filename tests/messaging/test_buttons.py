"""The "Message" buttons on other apps' pages, found through the domain registry."""

import re

import pytest

from marketplace.models import Application
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory

pytestmark = pytest.mark.django_db


def _button(html: str) -> str | None:
    found = re.search(r'href="([^"]+)"[^>]*data-testid="message-button"', html)
    return found.group(1) if found else None


def test_the_artist_page_has_a_message_button_that_leads_to_the_compose_page(client):
    artist = ArtistProfileFactory()
    fan = UserFactory()
    client.force_login(fan)
    link = _button(client.get(f"/artists/{artist.slug}/").content.decode())
    assert link == f"/messages/to/artist/{artist.pk}/"
    hop = client.get(link)
    assert hop.status_code == 302 and hop["Location"] == f"/messages/to/{artist.user_id}/"
    assert client.get(hop["Location"]).status_code == 200
    # Not on your own page.
    client.force_login(artist.user)
    assert _button(client.get(f"/artists/{artist.slug}/").content.decode()) is None


def test_the_gig_page_and_the_applicant_list_have_message_buttons(client):
    venue = VenueProfileFactory()
    gig = GigFactory(venue=venue)
    artist = ArtistProfileFactory()
    Application.objects.create(
        gig=gig, gig_starts_at=gig.starts_at, artist=artist, pitch="Hi", proposed_rate=100
    )
    client.force_login(artist.user)
    link = _button(client.get(f"/gigs/{gig.pk}/").content.decode())
    assert link == f"/messages/to/venue/{venue.pk}/"
    assert client.get(link)["Location"] == f"/messages/to/{venue.user_id}/"
    client.force_login(venue.user)
    applicants = client.get(f"/venue/gigs/{gig.pk}/applicants/").content.decode()
    assert _button(applicants) == f"/messages/to/artist/{artist.pk}/"


def test_an_unknown_profile_kind_or_id_is_404(client):
    client.force_login(UserFactory())
    assert client.get("/messages/to/band/1/").status_code == 404
    assert client.get("/messages/to/venue/99999999/").status_code == 404
