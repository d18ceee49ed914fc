"""The fast-read pattern of discovery (docs/conventions.md, "Fast reads"): capped ranking,
public image URLs built once and reused, a bounded number of queries."""

from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from artists import filters, selectors
from tests.artists.factories import ArtistProfileFactory

LIST_URL = "/api/v1/artists/"

S3 = {
    "STORAGES": {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    "AWS_STORAGE_BUCKET_NAME": "test-bucket",
    # A closed local port: signing is local, a request to S3 would fail the test.
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_ACCESS_KEY_ID": "TESTFAKEACCESSKEY000",
    "AWS_SECRET_ACCESS_KEY": "test-fake-secret",
    "AWS_QUERYSTRING_AUTH": True,
    "AWS_S3_SIGNATURE_VERSION": "s3v4",
    "AWS_S3_ADDRESSING_STYLE": "path",
}


def _slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_broad_word_ranks_at_most_rank_candidates_matches(api_client, monkeypatch):
    for i in range(5):
        ArtistProfileFactory(slug=f"jazz-{i}", stage_name=f"Jazz Act {i}")
    monkeypatch.setattr(filters, "RANK_CANDIDATES", 3)

    capped = _slugs(api_client.get(LIST_URL, {"q": "jazz", "page_size": 100}))

    assert len(capped) == 3
    assert set(capped) <= {f"jazz-{i}" for i in range(5)}
    monkeypatch.setattr(filters, "RANK_CANDIDATES", 10)
    assert len(_slugs(api_client.get(LIST_URL, {"q": "jazz", "page_size": 100}))) == 5


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_cap_keeps_ranking_and_the_typo_fallback(api_client, monkeypatch):
    monkeypatch.setattr(filters, "RANK_CANDIDATES", 2)
    ArtistProfileFactory(slug="bio-only", stage_name="Harbor Lights", bio="Under the moonlight.")
    ArtistProfileFactory(slug="name-match", stage_name="Moonlight Drive", bio="A trio.")

    assert _slugs(api_client.get(LIST_URL, {"q": "moonlight"})) == ["name-match", "bio-only"]
    assert _slugs(api_client.get(LIST_URL, {"q": "moonlite"}))[0] == "name-match"


class CountingStorage:
    querystring_auth = True
    querystring_expire = 10

    def __init__(self) -> None:
        self.calls = 0

    def url(self, name: str) -> str:
        self.calls += 1
        return f"https://files.example/{name}?sig={self.calls}"


def test_public_file_url_is_reused_for_half_its_validity(monkeypatch):
    storage = CountingStorage()
    now = [1000.0]
    monkeypatch.setattr(selectors, "default_storage", storage)
    monkeypatch.setattr(selectors.clock, "monotonic", lambda: now[0])
    selectors._PUBLIC_URLS.clear()

    first = selectors.public_file_url("artists/avatars/a.jpg")
    now[0] += 4.9
    assert selectors.public_file_url("artists/avatars/a.jpg") == first
    assert storage.calls == 1
    now[0] += 0.2  # past half of the 10 s validity: signed again
    assert selectors.public_file_url("artists/avatars/a.jpg") != first
    assert storage.calls == 2
    assert selectors.public_file_url("") is None
    assert selectors.public_file_url(None) is None
    assert storage.calls == 2


def test_changing_storage_settings_forgets_the_urls(monkeypatch):
    selectors._PUBLIC_URLS.clear()
    selectors.public_file_url("artists/avatars/a.jpg")
    assert selectors._PUBLIC_URLS
    with override_settings(MEDIA_URL="/elsewhere/"):
        assert not selectors._PUBLIC_URLS


@pytest.mark.django_db
def test_s3_avatars_are_presigned_locally_in_the_list_and_the_profile(
    api_client, django_assert_max_num_queries
):
    with override_settings(**S3):
        ArtistProfileFactory(
            slug="pictured", avatar="artists/avatars/p.jpg", banner="artists/banners/p.jpg"
        )
        with django_assert_max_num_queries(2):
            listed = api_client.get(LIST_URL).json()["results"][0]
        profile = api_client.get("/api/v1/artists/pictured").json()

    assert "X-Amz-Signature=" in listed["avatar_url"]
    assert listed["avatar_url"].startswith("http://127.0.0.1:9/test-bucket/artists/avatars/p.jpg")
    assert profile["avatar_url"] == listed["avatar_url"]  # the same signed URL, reused
    assert "artists/banners/p.jpg" in profile["banner_url"]


NAMES = ["artists/avatars/a.jpg", "a b+c/ü é(1)~x.jpg", "x&y=z?.png", "/lead/slash.jpg"]


@pytest.mark.parametrize("addressing", ["path", "virtual"])
@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9", None])
def test_the_query_signer_gives_botocores_url_byte_for_byte(addressing, endpoint):
    import time_machine
    from django.core.files.storage import default_storage

    from artists.integrations.s3_urls import signer_for

    settings = {**S3, "AWS_S3_ADDRESSING_STYLE": addressing, "AWS_S3_ENDPOINT_URL": endpoint}
    with override_settings(**settings), time_machine.travel("2026-12-02 23:59:59Z", tick=False):
        signer = signer_for(default_storage)
        assert signer is not None
        for name in NAMES:
            assert signer.url(name) == default_storage.url(name)


def test_the_query_signer_stays_out_of_what_it_does_not_reproduce():
    from django.core.files.storage import default_storage

    from artists.integrations.s3_urls import signer_for

    file_system = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    with override_settings(STORAGES={**S3["STORAGES"], **file_system}):
        assert signer_for(default_storage) is None
    with override_settings(**{**S3, "AWS_SESSION_TOKEN": "temporary"}):
        assert signer_for(default_storage) is None
    with override_settings(**{**S3, "AWS_S3_CUSTOM_DOMAIN": "cdn.example"}):
        assert signer_for(default_storage) is None
    with override_settings(**{**S3, "AWS_S3_SIGNATURE_VERSION": "s3"}):
        assert signer_for(default_storage) is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_stage_name_matches_are_ranked_even_past_the_cap(api_client, monkeypatch):
    for i in range(4):  # created first: first in table order, all matching in their bios only
        ArtistProfileFactory(slug=f"bio-{i}", stage_name=f"Plain {i}", bio="We love marimba.")
    ArtistProfileFactory(slug="the-name", stage_name="Marimba Kings", bio="A trio.")
    # "First in table order" must hold physically: the text candidates are the first matches
    # a bitmap scan meets, and rows written after other tests' rolled-back ones may land in
    # freed space anywhere. Rewrite the table in id order (allowed in a transaction).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("CLUSTER artists_artistprofile USING artists_artistprofile_pkey")
    monkeypatch.setattr(filters, "RANK_CANDIDATES", 2)

    ranked = _slugs(api_client.get(LIST_URL, {"q": "marimba"}))

    assert ranked[0] == "the-name"
    assert len(ranked) == 3  # the name match plus two of the bio-only matches
