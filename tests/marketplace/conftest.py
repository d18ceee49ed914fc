import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory


@pytest.fixture
def venue(db):
    return VenueProfileFactory()


@pytest.fixture
def other_venue(db):
    return VenueProfileFactory()


@pytest.fixture
def artist(db):
    return ArtistProfileFactory()


@pytest.fixture
def gig(venue):
    return GigFactory(venue=venue)


@pytest.fixture
def boss(db):
    """A superuser (staff doors: admin, verification, staff cancels)."""
    return User.objects.create_superuser(email="boss@example.com", password="x" * 12)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
