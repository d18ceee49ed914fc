"""Violet's demo history: offline drafts for the demo artist, made through the services;
running it again adds nothing."""

import pytest

from tests.violet.factories import full_artist
from violet import demo
from violet.models import DailyUsage, Generation

pytestmark = pytest.mark.django_db


def test_the_demo_artist_gets_offline_drafts_once():
    artist = full_artist(user__email=demo.DEMO_ARTIST)
    said: list[str] = []

    demo.seed(said.append)
    demo.seed(said.append)

    drafts = Generation.objects.filter(artist=artist)
    assert drafts.count() == 4  # no open gig or conversation in this database
    assert set(drafts.values_list("provider", "status").distinct()) == {("offline", "completed")}
    assert DailyUsage.objects.get(artist=artist).prompts == 4
    assert said[0].startswith("created") and said[1].startswith("exists")


def test_without_the_demo_artist_it_says_so():
    said: list[str] = []
    demo.seed(said.append)
    assert said == [f"skipped   Violet history of {demo.DEMO_ARTIST} (artist missing)"]
