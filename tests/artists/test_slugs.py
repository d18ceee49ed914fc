"""Slugs come from stage names; the unique constraint, not a check before inserting, keeps them
apart (issue 6, item 6)."""

import threading

import pytest

from accounts.models import Role
from artists import services
from artists.models import ArtistProfile
from tests.accounts.factories import NewUserFactory
from tests.concurrency import run_together

STEP_1 = {"stage_name": "Echo", "location_city": "Leeds", "location_country": "GB"}


@pytest.mark.django_db
def test_taken_and_reserved_slugs_get_the_next_free_number():
    slugs = []
    for name in ("Echo", "Echo", "echo!", "Me", "Me", "???"):
        user = NewUserFactory(role=Role.ARTIST)
        profile = services.onboarding_save_step(
            user=user, number=1, data={**STEP_1, "stage_name": name}
        )
        slugs.append(profile.slug)

    assert slugs == ["echo", "echo-2", "echo-3", "me-artist", "me-artist-2", "artist"]


@pytest.mark.django_db
def test_a_gap_in_the_numbers_is_filled_and_a_saved_profile_keeps_its_slug():
    first = services.onboarding_save_step(
        user=NewUserFactory(role=Role.ARTIST), number=1, data=STEP_1
    )
    for _ in range(2):
        services.onboarding_save_step(user=NewUserFactory(role=Role.ARTIST), number=1, data=STEP_1)
    ArtistProfile.objects.filter(slug="echo-2").delete()

    again = services.onboarding_save_step(user=first.user, number=1, data=STEP_1)
    newcomer = services.onboarding_save_step(
        user=NewUserFactory(role=Role.ARTIST), number=1, data=STEP_1
    )

    assert again.slug == "echo"
    assert newcomer.slug == "echo-2"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_with_the_same_stage_name_all_get_their_own_slug():
    n = 8
    users = [NewUserFactory(role=Role.ARTIST) for _ in range(n)]
    queue, lock = iter(users), threading.Lock()

    def sign_up() -> str:
        with lock:
            user = next(queue)
        return services.onboarding_save_step(user=user, number=1, data=STEP_1).slug

    results = run_together(sign_up, n)

    failures = [r for r in results if isinstance(r, Exception)]
    assert failures == []
    assert sorted(results) == sorted(["echo", *(f"echo-{k}" for k in range(2, n + 1))])
    assert ArtistProfile.objects.count() == n


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_artist_saving_step_one_twice_at_once_gets_one_profile():
    user = NewUserFactory(role=Role.ARTIST)

    results = run_together(
        lambda: services.onboarding_save_step(user=user, number=1, data=STEP_1).slug, 4
    )

    assert results == ["echo"] * 4
    assert ArtistProfile.objects.filter(user=user).count() == 1
