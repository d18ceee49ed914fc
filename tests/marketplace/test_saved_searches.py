"""Saved gig searches: the service, the API, admin, and the daily digest (idempotent, one per
artist, only gigs posted since the last one)."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import resolve
from django.utils import timezone

from accounts.models import Notification, NotificationPreference, User
from marketplace import saved_filters, services
from marketplace.models import SavedSearch
from marketplace.services.saved_searches import DIGEST_INTERVAL
from marketplace.tasks import send_saved_search_digests_task
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.conftest import client_for
from tests.marketplace.factories import GigFactory, in_days
from umbrella.errors import ApplicationError, NotFoundError

pytestmark = pytest.mark.django_db

API = "/api/v1/me/saved-searches"
DIGEST = "saved_search.digest"


def save(artist, filters=None, name=""):
    return services.saved_search_create(user=artist.user, name=name, filters=filters or {})


def tomorrow() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=1)


def digests() -> list[Notification]:
    return list(Notification.objects.filter(verb=DIGEST).order_by("id"))


# --- saving -----------------------------------------------------------------------------------


def test_a_search_keeps_clean_filters_and_is_named_after_them(artist):
    search = save(
        artist,
        {"genre": "jazz", "city": "  Austin ", "min_pay": 40_000, "date_from": in_days(3)},
    )
    search.refresh_from_db()
    assert search.filters == {
        "genre": "jazz",
        "city": "Austin",
        "min_pay": 40_000,
        "date_from": in_days(3).isoformat(),
    }
    assert search.name.startswith("Jazz · Austin · from ")
    assert search.name.endswith("· $400 or more")
    assert timezone.now() - search.last_digest_at < dt.timedelta(seconds=5)


@pytest.mark.parametrize(
    "filters, field",
    [
        ({"genre": "polka-metal"}, "genre"),
        ({"status": "cancelled"}, "status"),  # saved searches are of open gigs
        ({"colour": "blue"}, "colour"),
        ({"min_pay": -1}, "min_pay"),
        ({"date_from": "2030-02-02", "date_to": "2030-02-01"}, "date_to"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filters_are_refused_and_nothing_is_saved(artist, filters, field):
    with pytest.raises(ApplicationError) as refused:
        save(artist, filters, name="Mine")
    assert refused.value.code == "validation_error"
    assert refused.value.details["filters"][0].startswith(f"{field}: ")
    assert not SavedSearch.objects.exists()


def test_a_name_is_used_once_per_artist_in_any_case(artist):
    save(artist, {"genre": "jazz"}, name="Jazz nights")
    with pytest.raises(ApplicationError) as refused:
        save(artist, {"genre": "soul"}, name="  JAZZ   nights ")
    assert (refused.value.code, refused.value.status_code) == ("saved_search_name_taken", 409)
    assert SavedSearch.objects.count() == 1
    save(ArtistProfileFactory(), name="Jazz nights")  # another artist may use it


def test_the_limit_per_artist_is_a_setting(artist, settings):
    settings.SAVED_SEARCHES_MAX_PER_USER = 2
    save(artist, name="One")
    save(artist, name="Two")
    with pytest.raises(ApplicationError) as refused:
        save(artist, name="Three")
    assert (refused.value.code, refused.value.status_code) == ("saved_search_limit", 409)
    assert SavedSearch.objects.filter(artist=artist).count() == 2
    save(ArtistProfileFactory(), name="Three")  # per artist


def test_only_artists_save_searches(venue):
    with pytest.raises(ApplicationError) as refused:
        services.saved_search_create(user=venue.user, filters={})
    assert refused.value.code == "not_an_artist"


def test_deleting_is_for_the_owner_only(artist):
    mine = save(artist, name="Mine")
    other = ArtistProfileFactory()
    with pytest.raises(NotFoundError):
        services.saved_search_delete(user=other.user, saved_search_id=mine.pk)
    assert SavedSearch.objects.filter(pk=mine.pk).exists()
    services.saved_search_delete(user=artist.user, saved_search_id=mine.pk)
    assert not SavedSearch.objects.exists()
    with pytest.raises(NotFoundError):
        services.saved_search_delete(user=artist.user, saved_search_id=mine.pk)


def test_staff_delete_through_the_service(artist):
    search = save(artist, name="Mine")
    with pytest.raises(ApplicationError) as refused:
        services.saved_search_delete_by_staff(saved_search_id=search.pk, by=artist.user)
    assert refused.value.status_code == 403
    assert SavedSearch.objects.exists()
    boss = User.objects.create_superuser(email="boss@example.com", password="x" * 12)
    services.saved_search_delete_by_staff(saved_search_id=search.pk, by=boss)
    assert not SavedSearch.objects.exists()


def test_links_and_words_of_the_filters():
    stored = {"genre": "jazz", "min_pay": 40_050, "urgent": True, "payment_type": "hourly"}
    board = "genre=jazz&min_pay=400.5&payment_type=hourly&urgent=on"
    assert saved_filters.board_query(stored) == board
    api = "genre=jazz&min_pay=40050&payment_type=hourly&urgent=true"
    assert saved_filters.api_query(stored) == api
    words = "Jazz · $400.50 or more · paid by the hour · urgent only"
    assert saved_filters.describe(stored) == words
    assert saved_filters.describe({}) == "All open gigs"


# --- the API ----------------------------------------------------------------------------------


def test_api_saves_lists_and_deletes(artist):
    client = client_for(artist.user)
    response = client.post(
        API,
        {"name": "Austin jazz", "filters": {"genre": "jazz", "city": "Austin", "min_pay": 40_000}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Austin jazz"
    assert body["filters"] == {"city": "Austin", "genre": "jazz", "min_pay": 40_000}
    assert body["description"] == "Jazz · Austin · $400 or more"
    assert body["board_url"] == "/gigs/?city=Austin&genre=jazz&min_pay=400"
    assert body["gigs_url"] == "/api/v1/gigs/?city=Austin&genre=jazz&min_pay=40000"
    # the links run the same filters
    assert resolve(body["board_url"].split("?")[0]).url_name == "gig-board"
    assert client.get(body["gigs_url"]).status_code == 200

    listed = client.get(API).json()
    assert [s["id"] for s in listed] == [body["id"]]
    assert client.delete(f"{API}/{body['id']}").status_code == 204
    assert client.get(API).json() == []


def test_api_refuses_bad_input_and_writes_nothing(artist):
    client = client_for(artist.user)
    for payload, where in [
        ({"filters": {"genre": "polka-metal"}}, "genre"),
        ({"filters": {"status": "open"}}, "status"),
        ({"filters": {"colour": "blue"}}, "colour"),
        ({"filters": "jazz"}, None),
        ({"name": "x" * 81}, None),
        ({"nom": "typo"}, None),
    ]:
        response = client.post(API, payload, format="json")
        assert response.status_code == 400, payload
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        if where:
            assert where in error["details"]["filters"]
    assert not SavedSearch.objects.exists()


def test_api_conflicts(artist, settings):
    settings.SAVED_SEARCHES_MAX_PER_USER = 1
    client = client_for(artist.user)
    assert client.post(API, {"name": "Mine"}, format="json").status_code == 201
    settings.SAVED_SEARCHES_MAX_PER_USER = 5
    taken = client.post(API, {"name": "MINE"}, format="json")
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "saved_search_name_taken")
    settings.SAVED_SEARCHES_MAX_PER_USER = 1
    full = client.post(API, {"name": "Another"}, format="json")
    assert (full.status_code, full.json()["error"]["code"]) == (409, "saved_search_limit")
    assert SavedSearch.objects.count() == 1


def test_nobody_reads_or_deletes_another_artists_searches(artist, venue):
    theirs = save(artist, name="Theirs")
    other = ArtistProfileFactory()
    client = client_for(other.user)
    assert client.get(API).json() == []
    response = client.delete(f"{API}/{theirs.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert SavedSearch.objects.filter(pk=theirs.pk, name="Theirs").exists()

    venue_client = client_for(venue.user)
    for response in (venue_client.get(API), venue_client.delete(f"{API}/{theirs.pk}")):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_an_artist"
    from rest_framework.test import APIClient

    assert APIClient().get(API).status_code == 401
    assert APIClient().delete(f"{API}/{theirs.pk}").status_code == 401
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()


def test_api_list_takes_fixed_queries(artist, django_assert_max_num_queries):
    client = client_for(artist.user)
    save(artist, name="First")
    with django_assert_max_num_queries(2) as one:
        assert len(client.get(API).json()) == 1
    for n in range(8):
        save(artist, {"genre": "jazz", "min_pay": n * 100}, name=f"Search {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(API).json()) == 9


# --- the digest -------------------------------------------------------------------------------


def test_the_digest_tells_of_new_matching_gigs_once(artist, venue):
    GigFactory(venue=venue, genre="jazz", title="Posted before")  # before the search: not new
    save(artist, {"genre": "jazz"}, name="Jazz")
    new = GigFactory(venue=venue, genre="jazz", title="Late jazz", date=in_days(12))
    GigFactory(venue=venue, genre="rock", title="Loud rock")  # does not match
    cancelled = GigFactory(venue=venue, genre="jazz", title="Called off")
    cancelled.status = "cancelled"
    cancelled.save()

    assert services.saved_search_digests_send(now=tomorrow()) == 1

    (note,) = digests()
    assert note.user_id == artist.user_id
    assert note.text.startswith("1 new gig for your saved searches. “Jazz”: Late jazz (")
    assert f"{new.date:%a} {new.date.day} {new.date:%b}" in note.text
    assert "Posted before" not in note.text and "Called off" not in note.text
    assert note.target_url == "/gigs/?genre=jazz"  # one search: its board
    # the same day again: nothing twice
    assert services.saved_search_digests_send(now=tomorrow() + dt.timedelta(hours=3)) == 0
    assert len(digests()) == 1


def test_no_digest_when_nothing_is_new_and_later_only_what_is_new(artist, venue):
    save(artist, {"genre": "jazz"}, name="Jazz")
    assert services.saved_search_digests_send(now=tomorrow()) == 0
    assert digests() == []
    # the first run moved the search on: a gig posted after it is new the next day
    search = SavedSearch.objects.get()
    assert search.last_digest_at > timezone.now()
    GigFactory(venue=venue, genre="jazz", title="Fresh")
    SavedSearch.objects.update(last_digest_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.saved_search_digests_send(now=tomorrow()) == 1
    assert "Fresh" in digests()[0].text


def test_a_search_is_not_due_again_within_the_day(artist, venue):
    save(artist, {"genre": "jazz"}, name="Jazz")
    GigFactory(venue=venue, genre="jazz")
    # saved moments ago: not due until DIGEST_INTERVAL has passed
    assert services.saved_search_digests_send() == 0
    assert services.saved_search_digests_send(now=timezone.now() + DIGEST_INTERVAL) == 1


def test_one_digest_per_artist_for_all_their_searches(artist, venue):
    save(artist, {"genre": "jazz"}, name="Jazz")
    save(artist, {"city": "Austin"}, name="Austin")
    save(artist, {"genre": "folk"}, name="Folk")
    other = ArtistProfileFactory()
    save(other, {"genre": "indie"}, name="Indie")
    GigFactory(venue=venue, genre="jazz", title="Jazz in Austin")
    GigFactory(venue=venue, genre="indie", title="Indie in Austin")

    assert services.saved_search_digests_send(now=tomorrow()) == 2

    mine = Notification.objects.get(user=artist.user, verb=DIGEST)
    assert mine.text.startswith("2 new gigs for your saved searches. ")  # counted once
    assert "“Jazz”: Jazz in Austin" in mine.text
    assert "“Austin”: Jazz in Austin (" in mine.text and "Indie in Austin" in mine.text
    assert "Folk" not in mine.text
    assert mine.target_url == "/saved-searches/"
    assert resolve(mine.target_url).url_name == "saved-searches"
    assert Notification.objects.filter(user=other.user, verb=DIGEST).count() == 1


def test_the_digest_is_emailed_after_commit_unless_switched_off(
    artist, venue, django_capture_on_commit_callbacks
):
    save(artist, {"genre": "jazz"}, name="Jazz")
    GigFactory(venue=venue, genre="jazz", title="Late jazz")
    with django_capture_on_commit_callbacks(execute=True):
        services.saved_search_digests_send(now=tomorrow())
    (email,) = mail.outbox
    assert email.to == [artist.user.email] and "Late jazz" in email.body

    mail.outbox.clear()
    NotificationPreference.objects.create(user=artist.user, verb=DIGEST, email=False)
    GigFactory(venue=venue, genre="jazz", title="Later jazz")
    SavedSearch.objects.update(last_digest_at=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.saved_search_digests_send(now=tomorrow()) == 1
    assert mail.outbox == []
    assert "Later jazz" in digests()[-1].text  # in-app still


def test_inactive_accounts_get_no_digest(artist, venue):
    save(artist, {"genre": "jazz"}, name="Jazz")
    GigFactory(venue=venue, genre="jazz")
    User.objects.filter(pk=artist.user_id).update(is_active=False)
    assert services.saved_search_digests_send(now=tomorrow()) == 0
    assert digests() == []


def test_the_beat_task_runs_the_digest_and_is_idempotent(artist, venue):
    save(artist, {"genre": "jazz"}, name="Jazz")
    GigFactory(venue=venue, genre="jazz")
    SavedSearch.objects.update(last_digest_at=timezone.now() - dt.timedelta(days=1))
    assert send_saved_search_digests_task.apply().get() == 1
    assert send_saved_search_digests_task.apply().get() == 0
    assert len(digests()) == 1


def test_a_run_out_of_time_leaves_the_rest_to_the_next_run(venue, monkeypatch):
    from marketplace import tasks

    artists = [ArtistProfileFactory() for _ in range(3)]
    for artist in artists:
        save(artist, {"genre": "indie"}, name="Indie")
    GigFactory(venue=venue, genre="indie")
    SavedSearch.objects.update(last_digest_at=timezone.now() - dt.timedelta(days=1))

    assert services.saved_search_digests_send(budget_seconds=0) == 0  # out of time at once
    assert services.saved_search_digests_pending()
    queued = []
    monkeypatch.setattr(tasks.send_saved_search_digests_task, "delay", lambda: queued.append(1))
    monkeypatch.setattr(tasks, "DIGEST_BUDGET_SECONDS", 0)
    assert send_saved_search_digests_task.apply().get() == 0
    assert queued == [1]  # the task queued the next run
    monkeypatch.setattr(tasks, "DIGEST_BUDGET_SECONDS", 60)
    assert send_saved_search_digests_task.apply().get() == 3
    assert queued == [1] and not services.saved_search_digests_pending()
    assert len(digests()) == 3


@pytest.mark.parametrize("searches", [1, 3])
def test_digest_queries_grow_only_by_one_per_search(
    artist, venue, django_assert_num_queries, searches
):
    for n in range(searches):
        save(artist, {"genre": "jazz", "min_pay": n}, name=f"Jazz {n}")
    for _ in range(10):
        GigFactory(venue=venue, genre="jazz")
    # the due artists; per artist: the savepoint pair, its lock, its due searches, one query
    # per search (not per gig), moving them on, the notification's row and preference
    with django_assert_num_queries(8 + searches):
        assert services.saved_search_digests_send(now=tomorrow()) == 1


def test_the_board_the_api_and_the_digest_agree_on_what_a_search_finds(artist, client):
    """One home for what a filter means: the saved filters' board link, their API link and the
    digest find the same gigs."""
    austin = GigFactory(genre="jazz", location_city="Austin", payment_amount=60_000)
    GigFactory(genre="jazz", location_city="Austin", payment_amount=10_000)  # pays too little
    GigFactory(genre="jazz", location_city="Boston", payment_amount=90_000)  # elsewhere
    hourly = GigFactory(
        genre="jazz", location_city="austin", payment_amount=45_000, payment_type="hourly"
    )
    search = save(artist, {"genre": "jazz", "city": "AUSTIN", "min_pay": 40_000}, name="J")
    card = client_for(artist.user).get(API).json()[0]

    board = client.get(card["board_url"]).context["gigs"]
    api = client_for(artist.user).get(card["gigs_url"]).json()["results"]
    SavedSearch.objects.filter(pk=search.pk).update(
        last_digest_at=timezone.now() - dt.timedelta(days=1)
    )
    services.saved_search_digests_send()
    (note,) = digests()

    expected = [austin.pk, hourly.pk]
    assert [g["id"] for g in board] == expected
    assert [g["id"] for g in api] == expected
    assert note.text.startswith("2 new gigs") and austin.title in note.text
