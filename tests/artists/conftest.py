import pytest
from rest_framework.test import APIClient

from tests.artists.factories import ArtistProfileFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def artist(db):
    return ArtistProfileFactory()


@pytest.fixture
def artist_client(artist) -> APIClient:
    client = APIClient()
    client.force_authenticate(artist.user)
    return client
