"""Analytics in admin: the records open read-only, and rolling days up again goes through the
same service as the nightly task (refusing a day that is not over)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from analytics.models import DailyMetric, PublicStats, RollupRun
from tests.analytics import activity as act
from tests.analytics.activity import D1, D2
from tests.analytics.conftest import artist_day, venue_day

pytestmark = pytest.mark.django_db

ADMIN = "/admin/analytics"


@pytest.fixture
def staff(client):
    boss = User.objects.create_superuser(email="boss@example.com", password="x" * 12)
    client.force_login(boss)
    return client


def test_every_list_and_record_opens_read_only(staff, artist, venue):
    rows = {
        "dailymetric": artist_day(artist, 0, profile_views=3, unique_viewers=3).pk,
        "venuedailymetric": venue_day(venue, 0, bookings=1).pk,
        "publicstats": PublicStats.objects.create(artist=artist, metrics=["reviews"]).pk,
        "rolluprun": RollupRun.objects.create(
            day=D1, artists=1, venues=1, queries=20, seconds=0.1, finished_at=timezone.now()
        ).pk,
    }
    for model, pk in rows.items():
        assert staff.get(f"{ADMIN}/{model}/").status_code == 200, model
        page = staff.get(f"{ADMIN}/{model}/{pk}/change/")
        assert page.status_code == 200, model
        assert 'name="_save"' not in page.content.decode(), model  # nothing to save
        assert staff.get(f"{ADMIN}/{model}/add/").status_code == 403, model
    assert "Nova Reyes" in staff.get(f"{ADMIN}/dailymetric/?q=Nova").content.decode()


def test_staff_roll_days_up_again(staff, artist):
    act.view(artist, D1)
    for day in (D1, D2):
        RollupRun.objects.create(
            day=day, artists=0, venues=0, queries=0, seconds=0, finished_at=timezone.now()
        )
    response = staff.post(
        f"{ADMIN}/rolluprun/",
        {"action": "rollup_again", "_selected_action": [str(D1), str(D2)]},
        follow=True,
    )
    assert "Rolled up 2 day(s) again: 1 rows." in response.content.decode()
    assert DailyMetric.objects.get(artist_id=artist.pk, day=D1).profile_views == 1
    assert RollupRun.objects.get(day=D1).artists == 1


def test_a_day_not_over_is_refused_in_admin_too(staff):
    today = dt.datetime.now(dt.UTC).date()
    RollupRun.objects.create(
        day=today, artists=0, venues=0, queries=0, seconds=0, finished_at=timezone.now()
    )
    response = staff.post(
        f"{ADMIN}/rolluprun/",
        {"action": "rollup_again", "_selected_action": [str(today)]},
        follow=True,
    )
    assert "is not over yet" in response.content.decode()
    assert RollupRun.objects.get(day=today).artists == 0
