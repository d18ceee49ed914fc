"""Venues, availability, calendar feeds, saved searches and the shared service helpers: the
edges that mutation testing found untested (docs/mutation/marketplace-rest.md)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import Notification, Role, User
from marketplace import services
from marketplace.models import SAVED_SEARCH_NAME_MAX_LENGTH, SavedSearch, VenueProfile
from marketplace.services import saved_searches
from marketplace.services.availability import MAX_RANGE_DAYS
from tests.accounts.factories import NewUserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days
from tests.marketplace.test_services import gig_data
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

DIGEST = "saved_search.digest"


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def new_venue(name: str, **step_1) -> VenueProfile:
    user = NewUserFactory(role=Role.VENUE)
    data = {"name": name, "city": "Austin", "country": "US", "timezone": "UTC", **step_1}
    return services.venue_onboarding_save_step(user=user, number=1, data=data)


# --- venues -----------------------------------------------------------------------------------


def test_venues_of_the_same_name_get_the_next_free_number():
    assert [new_venue("The Blue Door").slug for _ in range(3)] == [
        "the-blue-door",
        "the-blue-door-2",
        "the-blue-door-3",
    ]


def test_a_name_whose_first_twenty_slugs_are_taken_gets_the_next_number_not_a_random_one():
    VenueProfileFactory(slug="red-room")
    for n in range(2, 21):
        VenueProfileFactory(slug=f"red-room-{n}")
    assert new_venue("Red Room").slug == "red-room-21"


def test_slugs_are_cut_at_70_characters_never_empty_and_never_a_reserved_word():
    assert new_venue("a" * 100).slug == "a" * 70
    assert new_venue("☕ ☕").slug == "venue"
    assert new_venue("Search").slug == "search-venue"


def test_the_first_step_takes_the_users_time_zone_when_none_is_given():
    user = NewUserFactory(role=Role.VENUE, timezone="Europe/Lisbon")
    data = {"name": "Fado House", "city": "Lisbon", "country": "PT"}
    venue = services.venue_onboarding_save_step(user=user, number=1, data=data)
    assert VenueProfile.objects.get(pk=venue.pk).timezone == "Europe/Lisbon"

    blank = NewUserFactory(role=Role.VENUE)
    User.objects.filter(pk=blank.pk).update(timezone="")
    blank.refresh_from_db()
    venue = services.venue_onboarding_save_step(user=blank, number=1, data=data)
    assert VenueProfile.objects.get(pk=venue.pk).timezone == "UTC"


def test_a_step_requires_its_fields_by_name():
    user = NewUserFactory(role=Role.VENUE)
    error = refused(
        lambda: services.venue_onboarding_save_step(
            user=user, number=1, data={"name": "Nowhere", "country": "US", "timezone": "UTC"}
        )
    )
    assert error.details == {"city": ["This field is required."]}
    assert error.message == "This field is required."  # the first problem, named
    assert not VenueProfile.objects.filter(user=user).exists()


def test_a_venue_half_through_onboarding_edits_without_the_later_steps_fields():
    venue = VenueProfileFactory(onboarding_step=1, capacity=None, genres_booked=[])
    services.venue_update(user=venue.user, data={"name": "Renamed"})
    venue.refresh_from_db()
    assert (venue.name, venue.capacity) == ("Renamed", None)


def test_staff_verify_a_venue_only_with_a_note_and_the_venue_is_told_by_name(boss):
    venue = VenueProfileFactory(name="The Blue Door")
    error = refused(
        lambda: services.venue_set_verified(venue_id=venue.pk, by=boss, verified=True, note="  ")
    )
    assert (error.code, error.details) == (
        "validation_error",
        {"note": ["Say why (this note is kept in the audit trail)."]},
    )
    venue.refresh_from_db()
    assert not venue.verified and not Notification.objects.exists()

    services.venue_set_verified(venue_id=venue.pk, by=boss, verified=True, note="Checked.")
    (note,) = Notification.objects.filter(user=venue.user)
    assert note.text.startswith("The Blue Door is verified")


# --- availability -----------------------------------------------------------------------------


def test_today_and_a_year_ahead_can_be_marked_but_not_a_longer_range(artist):
    today = services.unavailability_add(user=artist.user, start_date=in_days(0))
    assert (today.start_date, today.note) == (timezone.localdate(), "")
    longest = in_days(MAX_RANGE_DAYS - 1)
    services.unavailability_add(user=artist.user, start_date=in_days(0), end_date=longest)
    error = refused(
        lambda: services.unavailability_add(
            user=artist.user, start_date=in_days(0), end_date=in_days(MAX_RANGE_DAYS)
        )
    )
    assert error.details == {"end_date": [f"At most {MAX_RANGE_DAYS} days at a time."]}


def test_removing_a_date_that_is_not_ones_own_is_not_found_by_name(artist):
    entry = services.unavailability_add(user=artist.user, start_date=in_days(2))
    error = refused(
        lambda: services.unavailability_remove(
            user=ArtistProfileFactory().user, unavailability_id=entry.pk
        )
    )
    assert (error.code, error.status_code, error.message) == ("not_found", 404, "No such date.")


# --- calendar feeds ---------------------------------------------------------------------------


def test_revoking_says_whether_there_was_a_feed(artist):
    _, path = services.calendar_feed_rotate(user=artist.user)
    # 32 random bytes, URL-safe: 43 characters
    assert re.fullmatch(r"/calendar/[A-Za-z0-9_-]{43}\.ics", path)
    assert services.calendar_feed_revoke(user=artist.user) is True
    assert services.calendar_feed_revoke(user=artist.user) is False


# --- saved searches ---------------------------------------------------------------------------


def save(artist, filters=None, name=""):
    return services.saved_search_create(user=artist.user, name=name, filters=filters or {})


def make_due(*searches: SavedSearch) -> None:
    ago = timezone.now() - dt.timedelta(days=2)
    SavedSearch.objects.filter(pk__in=[s.pk for s in searches]).update(last_digest_at=ago)


def digests() -> list[Notification]:
    return list(Notification.objects.filter(verb=DIGEST).order_by("id"))


def test_a_long_description_is_cut_to_the_longest_name_with_an_ellipsis(artist):
    longest = "“" + "q" * (SAVED_SEARCH_NAME_MAX_LENGTH - 2) + "”"
    assert save(artist, {"q": "q" * (SAVED_SEARCH_NAME_MAX_LENGTH - 2)}).name == longest
    cut = save(artist, {"q": "w" * 100}).name
    assert cut == "“" + "w" * (SAVED_SEARCH_NAME_MAX_LENGTH - 2) + "…"
    # a cut that falls after a word leaves no space before the ellipsis
    spaced = save(artist, {"q": "e" * (SAVED_SEARCH_NAME_MAX_LENGTH - 3) + " tail"}).name
    assert spaced == "“" + "e" * (SAVED_SEARCH_NAME_MAX_LENGTH - 3) + "…"


def test_a_search_saved_without_a_name_is_named_after_its_filters(artist):
    search = services.saved_search_create(user=artist.user, filters={"genre": "jazz"})
    assert search.name == "Jazz"


def test_deleting_a_search_that_is_not_there_is_not_found_by_name(artist, boss):
    search = save(artist, name="Mine")
    error = refused(
        lambda: services.saved_search_delete(
            user=ArtistProfileFactory().user, saved_search_id=search.pk
        )
    )
    assert (error.code, error.status_code, error.message) == (
        "not_found",
        404,
        "No such saved search.",
    )
    search.delete()
    error = refused(
        lambda: services.saved_search_delete_by_staff(saved_search_id=search.pk, by=boss)
    )
    assert (error.code, error.status_code, error.message) == (
        "not_found",
        404,
        "No such saved search.",
    )


def test_a_digest_run_with_a_time_budget_sends_what_fits_in_it(venue):
    for artist in [ArtistProfileFactory() for _ in range(2)]:
        make_due(save(artist, {"genre": "indie"}, name="Indie"))
    GigFactory(venue=venue, genre="indie")
    assert services.saved_search_digests_send(budget_seconds=60) == 2


def test_a_digest_run_goes_through_every_batch(venue, monkeypatch):
    monkeypatch.setattr(saved_searches, "DIGEST_BATCH", 2)
    artists = [ArtistProfileFactory() for _ in range(5)]
    for artist in artists:
        make_due(save(artist, {"genre": "indie"}, name="Indie"))
    GigFactory(venue=venue, genre="indie")
    assert services.saved_search_digests_send() == 5
    assert {n.user_id for n in digests()} == {a.user_id for a in artists}


def test_a_digest_for_an_artist_with_nothing_due_or_no_longer_there_is_not_sent(artist):
    save(artist, {"genre": "jazz"}, name="Jazz")  # just saved: not due
    assert saved_searches.saved_search_digest_send(artist_id=artist.pk) is False
    assert saved_searches.saved_search_digest_send(artist_id=artist.pk + 1000) is False


def test_a_search_no_longer_valid_does_not_stop_the_others(artist, venue):
    broken, jazz = save(artist, name="Polka"), save(artist, {"genre": "jazz"}, name="Jazz")
    SavedSearch.objects.filter(pk=broken.pk).update(filters={"genre": "polka-metal"})
    make_due(broken, jazz)
    GigFactory(venue=venue, genre="jazz", title="Late jazz")
    assert services.saved_search_digests_send() == 1
    (note,) = digests()
    assert "“Jazz”: Late jazz" in note.text and "Polka" not in note.text


def test_a_digest_tells_only_of_gigs_posted_up_to_its_time_and_moves_each_search_on(artist, venue):
    search = save(artist, {"genre": "jazz"}, name="Jazz")
    make_due(search)
    GigFactory(venue=venue, genre="jazz", title="Late jazz")
    earlier = timezone.now() - dt.timedelta(hours=1)  # a run as of before the gig was posted
    assert services.saved_search_digests_send(now=earlier) == 0
    search.refresh_from_db()
    assert search.last_digest_at == search.updated_at == earlier
    # the next day the gig is told
    assert services.saved_search_digests_send(now=earlier + dt.timedelta(days=1)) == 1
    assert "Late jazz" in digests()[0].text


def test_a_search_of_every_open_gig_links_to_the_plain_board(artist, venue):
    make_due(save(artist, {}, name="Everything"))
    GigFactory(venue=venue)
    services.saved_search_digests_send()
    (note,) = digests()
    assert note.target_url == "/gigs/"


# --- the shared helpers -----------------------------------------------------------------------


def test_a_reason_may_be_1000_characters_and_no_more(gig):
    error = refused(
        lambda: services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="r" * 1001)
    )
    assert (error.code, error.details) == (
        "validation_error",
        {"reason": ["At most 1000 characters."]},
    )
    assert error.message == "At most 1000 characters."
    services.gig_cancel(user=gig.venue.user, gig_id=gig.pk, reason="r" * 1000)
    gig.refresh_from_db()
    assert gig.status == "cancelled"


def test_a_gigs_genre_is_taken_in_any_case_and_spacing(venue):
    gig = services.gig_create(user=venue.user, data=gig_data(genre="  Hip   HOP "))
    assert gig.genre == "hip hop"


def test_free_text_keeps_its_lines_and_names_lose_hidden_characters(venue):
    services.venue_update(
        user=venue.user,
        data={"about": " First line\r\nSecond\x07 line ", "name": "Blue\u200b  Door"},
    )
    venue.refresh_from_db()
    assert (venue.about, venue.name) == ("First line\nSecond line", "Blue Door")


def test_a_value_the_cleaning_refuses_is_named_with_its_reason(venue):
    error = refused(
        lambda: services.venue_update(
            user=venue.user, data={"website": "https://exa\u200bmple.com"}
        )
    )
    assert error.details == {"website": ["Links cannot contain control or invisible characters."]}
    assert error.message == "Links cannot contain control or invisible characters."
