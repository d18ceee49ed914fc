"""A write with a field the endpoint does not take is refused (400 naming it), never ignored."""

import importlib
import inspect
import re

import pytest
from django.http import QueryDict
from rest_framework import serializers
from rest_framework.test import APIClient

from artists.models import ArtistProfile, Track
from tests.artists.factories import ArtistProfileFactory, wav_upload
from tests.umbrella.test_error_shape import assert_error
from umbrella.api import InputSerializer

pytestmark = pytest.mark.django_db


class NameInput(InputSerializer):
    name = serializers.CharField(max_length=5)
    created = serializers.DateTimeField(read_only=True)


@pytest.mark.parametrize(
    "data",
    [{"name": "Ann", "nmae": "Ann"}, QueryDict("name=Ann&nmae=Ann")],
    ids=["json", "form"],
)
def test_an_unknown_key_is_named(data):
    serializer = NameInput(data=data)

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"nmae"}
    assert "nmae" in str(serializer.errors["nmae"][0])


def test_unknown_keys_are_reported_with_the_other_field_errors():
    serializer = NameInput(data={"name": "far too long", "extra": 1})

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"name", "extra"}


def test_a_read_only_field_cannot_be_written():
    serializer = NameInput(data={"name": "Ann", "created": "2026-01-01T00:00:00Z"})

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"created"}


def test_the_form_csrf_token_is_not_a_field():
    serializer = NameInput(data=QueryDict("name=Ann&csrfmiddlewaretoken=abc"))

    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"name": "Ann"}


def test_partial_updates_refuse_unknown_keys_too():
    serializer = NameInput(data={"nmae": "Ann"}, partial=True)

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"nmae"}


def test_only_narrows_the_accepted_fields():
    class TwoFields(InputSerializer):
        name = serializers.CharField()
        city = serializers.CharField(required=False)

    serializer = TwoFields(data={"name": "Ann", "city": "Austin"}, only=["name"])

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"city"}
    assert TwoFields(data={"name": "Ann"}, only=["name"]).is_valid()


# --- through the API -------------------------------------------------------------------------


@pytest.fixture
def artist_client(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    artist = ArtistProfileFactory(base_rate_flat=50000)
    client = APIClient()
    client.force_authenticate(artist.user)
    return artist, client


def test_a_misspelt_profile_field_is_refused_and_nothing_changes(artist_client):
    artist, client = artist_client
    before = ArtistProfile.objects.get(pk=artist.pk).updated_at

    response = client.patch(
        "/api/v1/artists/me",
        {"tagline": "New tagline", "base_rate_flat_cents": 99},
        format="json",
    )

    error = assert_error(response, 400, "validation_error")
    assert set(error["details"]) == {"base_rate_flat_cents"}
    assert "base_rate_flat_cents" in error["message"]
    artist.refresh_from_db()
    assert artist.base_rate_flat == 50000
    assert artist.tagline != "New tagline"
    assert artist.updated_at == before


def test_an_unknown_field_in_a_multipart_upload_is_refused(artist_client):
    _, client = artist_client

    response = client.post(
        "/api/v1/artists/me/tracks",
        {"title": "Song", "audio": wav_upload(), "lyrics": "la la"},
        format="multipart",
    )

    error = assert_error(response, 400, "validation_error")
    assert set(error["details"]) == {"lyrics"}
    assert not Track.objects.exists()


@pytest.mark.parametrize("module_name", ["accounts.api.views", "artists.api.views"])
def test_every_input_serializer_refuses_unknown_fields(module_name):
    """Every serializer a view fills from the request body derives from ``InputSerializer``."""
    module = importlib.import_module(module_name)
    names = set(re.findall(r"(\w+)\(data=request\.data", inspect.getsource(module)))

    assert names  # the views still follow the pattern this test reads
    plain = {name for name in names if not issubclass(getattr(module, name), InputSerializer)}
    assert not plain
