"""The artist's matching pages: gigs for you, unavailable dates, saved searches (Django test
client)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace import services
from marketplace.models import SavedSearch, Unavailability
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, artist):
    client.force_login(artist.user)
    return client


# --- gigs for you -----------------------------------------------------------------------------


def test_gigs_for_you_shows_ranked_gigs_with_reasons_and_apply_links(client, venue):
    artist = ArtistProfileFactory(
        primary_genre="jazz", location_city="Austin", base_rate_flat=40_000
    )
    client.force_login(artist.user)
    best = GigFactory(venue=venue, genre="jazz", title="Jazz at the Door", payment_amount=50_000)
    GigFactory(venue=venue, genre="rock", title="Rock here")

    page = client.get(reverse("gigs-for-you"))

    assert page.status_code == 200
    titles = [g["title"] for g in page.context["gigs"]]
    assert titles == ["Jazz at the Door", "Rock here"]
    html = page.content.decode()
    assert "Jazz · your city · free that night" in html
    assert "pays at or above your minimum" in html
    assert f'href="{reverse("gig-detail", args=[best.pk])}#apply-heading"' in html
    assert 'aria-label="Apply to Jazz at the Door"' in html
    assert 'aria-current="page">Gigs for you</a>' in html


def test_gigs_for_you_empty_state_says_what_to_fill_in(client):
    artist = ArtistProfileFactory(
        primary_genre="", secondary_genres=[], location_city="", base_rate_flat=None
    )
    client.force_login(artist.user)
    GigFactory(genre="jazz")

    page = client.get(reverse("gigs-for-you"))

    assert page.context["gigs"] == []
    assert page.context["missing"] == ["your genres", "your city", "your rates"]
    html = page.content.decode()
    assert 'data-testid="empty-state"' in html
    assert "Add your genres, your city, your rates to your profile" in html
    assert reverse("artist-profile-edit") in html


def test_gigs_for_you_empty_with_a_full_profile_points_to_the_board(signed_in, artist):
    artist.base_rate_flat = 30_000
    artist.save()
    page = signed_in.get(reverse("gigs-for-you"))
    assert page.context["missing"] == []
    assert "Browse all gigs" in page.content.decode()


def test_gigs_for_you_takes_fixed_queries(signed_in, venue, django_assert_max_num_queries):
    GigFactory(venue=venue, genre="indie")
    signed_in.get(reverse("gigs-for-you"))  # the first request records the device
    with django_assert_max_num_queries(8) as few:
        signed_in.get(reverse("gigs-for-you"))
    for n in range(15):
        GigFactory(venue=venue, genre="indie", date=in_days(3 + n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(signed_in.get(reverse("gigs-for-you")).context["gigs"]) == 16


def test_gigs_for_you_shows_20_a_page_with_more_matches(signed_in, venue):
    made = [GigFactory(venue=venue, genre="indie", date=in_days(3 + n)) for n in range(23)]
    first = signed_in.get(reverse("gigs-for-you"))
    assert len(first.context["gigs"]) == 20
    html = first.content.decode()
    assert '<a href="?page=2">More matches</a>' in html
    assert "Better matches" not in html
    second = signed_in.get(reverse("gigs-for-you") + "?page=2")
    assert len(second.context["gigs"]) == 3
    shown = [g["id"] for g in first.context["gigs"] + second.context["gigs"]]
    assert sorted(shown) == sorted(g.pk for g in made)
    html = second.content.decode()
    assert '<a href="?page=1">Better matches</a>' in html
    assert "More matches" not in html
    past_the_end = signed_in.get(reverse("gigs-for-you") + "?page=7")
    assert "No more matches" in past_the_end.content.decode()
    assert signed_in.get(reverse("gigs-for-you") + "?page=abc").context["page_number"] == 1


@pytest.mark.parametrize("name", ["gigs-for-you", "availability", "saved-searches"])
def test_the_pages_are_for_artists(client, venue, name):
    assert client.get(reverse(name))["Location"].startswith(reverse("account_login"))
    client.force_login(venue.user)
    response = client.get(reverse(name))
    assert response["Location"] == reverse("dashboard")


def test_artists_have_the_pages_in_their_navigation(signed_in):
    html = signed_in.get(reverse("dashboard")).content.decode()
    assert f'<a href="{reverse("gigs-for-you")}">Gigs for you</a>' in html
    assert reverse("saved-searches") in html and reverse("availability") in html


# --- unavailable dates ------------------------------------------------------------------------


def test_an_artist_marks_a_day_and_a_range_and_removes_one(signed_in, artist):
    response = signed_in.post(reverse("availability"), {"start_date": in_days(5)})
    assert response["Location"] == reverse("availability")
    response = signed_in.post(
        reverse("availability"),
        {"start_date": in_days(10), "end_date": in_days(12), "note": "Tour"},
    )
    assert response["Location"] == reverse("availability")
    assert list(
        Unavailability.objects.filter(artist=artist).values_list("start_date", "end_date", "note")
    ) == [(in_days(5), in_days(5), ""), (in_days(10), in_days(12), "Tour")]

    page = signed_in.get(reverse("availability"))
    assert len(page.context["entries"]) == 2
    assert f"{in_days(10):%a} {in_days(10).day} {in_days(10):%b %Y} to" in page.content.decode()

    single = Unavailability.objects.get(artist=artist, start_date=in_days(5))
    response = signed_in.post(reverse("availability-remove", args=[single.pk]))
    assert response["Location"] == reverse("availability")
    assert not Unavailability.objects.filter(pk=single.pk).exists()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"start_date": in_days(-2)}, "start_date", "The date is in the past."),
        (
            {"start_date": in_days(5), "end_date": in_days(4)},
            "end_date",
            "The end date can't be before the start date.",
        ),
        ({"start_date": ""}, "start_date", "This field is required."),
        ({"start_date": "soon"}, "start_date", "Enter a valid date."),
    ],
)
def test_bad_dates_are_shown_next_to_their_field(signed_in, artist, data, field, message):
    page = signed_in.post(reverse("availability"), data)
    assert page.status_code == 200
    assert page.context["form"].errors == {field: [message]}
    assert f'id="id_{field}_error"' in page.content.decode()
    assert 'data-testid="error-summary"' in page.content.decode()
    assert not Unavailability.objects.exists()


def test_only_upcoming_dates_are_listed_and_the_empty_state(signed_in, artist):
    page = signed_in.get(reverse("availability"))
    assert 'data-testid="empty-state"' in page.content.decode()
    Unavailability.objects.create(artist=artist, start_date=in_days(-9), end_date=in_days(-8))
    ongoing = Unavailability.objects.create(
        artist=artist, start_date=in_days(-1), end_date=in_days(1)
    )
    page = signed_in.get(reverse("availability"))
    assert [e.pk for e in page.context["entries"]] == [ongoing.pk]


def test_nobody_removes_another_artists_dates(signed_in):
    other = ArtistProfileFactory()
    theirs = services.unavailability_add(user=other.user, start_date=in_days(3))
    assert signed_in.post(reverse("availability-remove", args=[theirs.pk])).status_code == 404
    assert Unavailability.objects.filter(pk=theirs.pk).exists()
    assert signed_in.get(reverse("availability-remove", args=[theirs.pk])).status_code == 405


def test_the_dates_page_takes_fixed_queries(signed_in, artist, django_assert_max_num_queries):
    services.unavailability_add(user=artist.user, start_date=in_days(1))
    signed_in.get(reverse("availability"))  # the first request records the device
    with django_assert_max_num_queries(8) as few:
        signed_in.get(reverse("availability"))
    for n in range(10):
        services.unavailability_add(user=artist.user, start_date=in_days(3 + n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(signed_in.get(reverse("availability")).context["entries"]) == 11


# --- saved searches ---------------------------------------------------------------------------


def test_the_board_offers_artists_to_save_the_search(client, artist, venue):
    query = {"genre": "jazz", "city": "Austin", "min_pay": "400"}
    assert (
        'data-testid="save-search"' not in client.get(reverse("gig-board"), query).content.decode()
    )
    client.force_login(venue.user)
    assert (
        'data-testid="save-search"' not in client.get(reverse("gig-board"), query).content.decode()
    )
    client.force_login(artist.user)
    html = client.get(reverse("gig-board"), query).content.decode()
    assert 'data-testid="save-search"' in html
    assert 'name="query" value="genre=jazz&amp;city=Austin&amp;min_pay=400"' in html
    # not for filters the board refuses
    bad = client.get(reverse("gig-board"), {"min_pay": "lots"}).content.decode()
    assert 'data-testid="save-search"' not in bad


def test_saving_from_the_board_keeps_its_filters_in_cents(signed_in, artist):
    response = signed_in.post(
        reverse("saved-searches"),
        {"name": "", "query": "genre=jazz&city=Austin&min_pay=400.50&urgent=on&page=3"},
    )
    assert response["Location"] == reverse("saved-searches")
    search = SavedSearch.objects.get(artist=artist)
    assert search.filters == {"city": "Austin", "genre": "jazz", "min_pay": 40_050, "urgent": True}
    assert search.name == "Jazz · Austin · $400.50 or more · urgent only"

    page = signed_in.get(reverse("saved-searches"))
    html = page.content.decode()
    assert search.name in html
    board = "/gigs/?city=Austin&amp;genre=jazz&amp;min_pay=400.5&amp;urgent=on"
    assert f'href="{board}"' in html
    # the board link shows the same filters it was saved from
    shown = signed_in.get("/gigs/?city=Austin&genre=jazz&min_pay=400.5&urgent=on")
    assert shown.context["form"].is_valid()


def test_saving_errors_are_shown_next_to_the_name(signed_in, artist, settings):
    services.saved_search_create(user=artist.user, name="Jazz", filters={})
    page = signed_in.post(reverse("saved-searches"), {"name": "JAZZ", "query": "genre=jazz"})
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "name": ["You already have a saved search with that name: choose another."]
    }
    html = page.content.decode()
    assert 'id="id_name_error"' in html and "Filters: Jazz" in html
    settings.SAVED_SEARCHES_MAX_PER_USER = 1
    page = signed_in.post(reverse("saved-searches"), {"name": "Other", "query": ""})
    assert "at most 1 saved searches" in page.content.decode()
    assert SavedSearch.objects.count() == 1


def test_saving_bad_board_filters_goes_back_to_the_board(signed_in):
    response = signed_in.post(reverse("saved-searches"), {"query": "min_pay=lots"})
    assert response["Location"] == "/gigs/?min_pay=lots"
    assert not SavedSearch.objects.exists()


def test_deleting_a_saved_search_and_nobody_elses(signed_in, artist):
    mine = services.saved_search_create(user=artist.user, name="Mine", filters={})
    other = ArtistProfileFactory()
    theirs = services.saved_search_create(user=other.user, name="Theirs", filters={})

    assert signed_in.post(reverse("saved-search-delete", args=[theirs.pk])).status_code == 404
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()
    page = signed_in.get(reverse("saved-searches"))
    assert [s["name"] for s in page.context["searches"]] == ["Mine"]  # not theirs

    response = signed_in.post(reverse("saved-search-delete", args=[mine.pk]))
    assert response["Location"] == reverse("saved-searches")
    assert not SavedSearch.objects.filter(pk=mine.pk).exists()
    assert 'data-testid="empty-state"' in signed_in.get(reverse("saved-searches")).content.decode()


def test_the_saved_searches_page_takes_fixed_queries(
    signed_in, artist, django_assert_max_num_queries
):
    services.saved_search_create(user=artist.user, name="First", filters={})
    signed_in.get(reverse("saved-searches"))  # the first request records the device
    with django_assert_max_num_queries(8) as few:
        signed_in.get(reverse("saved-searches"))
    for n in range(6):
        services.saved_search_create(user=artist.user, name=f"S{n}", filters={"genre": "jazz"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(signed_in.get(reverse("saved-searches")).context["searches"]) == 7


def test_the_digest_link_opens_the_page_with_the_searches(signed_in, artist, venue):
    services.saved_search_create(user=artist.user, name="Jazz", filters={"genre": "jazz"})
    services.saved_search_create(user=artist.user, name="Austin", filters={"city": "Austin"})
    GigFactory(venue=venue, genre="jazz")
    services.saved_search_digests_send(now=timezone.now() + dt.timedelta(days=1))
    from accounts.models import Notification

    (note,) = Notification.objects.filter(verb="saved_search.digest")
    page = signed_in.get(note.target_url)
    assert page.status_code == 200
    assert {s["name"] for s in page.context["searches"]} == {"Jazz", "Austin"}
