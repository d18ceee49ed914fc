"""The marketplace API: shapes, permissions, bad input in the error shape, pinned queries."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from marketplace import services
from marketplace.models import Application, Booking, Gig, StatusChange, VenueProfile
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together
from tests.marketplace.conftest import client_for
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days

pytestmark = pytest.mark.django_db

API = "/api/v1"


def new_gig(**changes):
    return {
        "title": "Late show",
        "date": in_days(12).isoformat(),
        "start_time": "21:00",
        "end_time": "23:00",
        "genre": "jazz",
        "payment_amount": 50_000,
        "payment_type": "flat",
        **changes,
    }


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


# --- venues -----------------------------------------------------------------------------------


def test_venue_onboarding_through_the_api():
    user = NewUserFactory(role=Role.VENUE)
    client = client_for(user)
    assert client.get(f"{API}/venues/me/onboarding").json()["next_step"] == 1
    error = error_of(
        client.put(
            f"{API}/venues/me/onboarding/1", {"name": "Blue Door", "capacity": 9}, format="json"
        ),
        400,
        "validation_error",
    )
    assert "capacity" in error["details"]  # another step's field is refused, not ignored
    step1 = {"name": "Blue Door", "city": "Austin", "country": "US", "timezone": "America/Chicago"}
    assert client.put(f"{API}/venues/me/onboarding/1", step1, format="json").status_code == 200
    response = client.put(
        f"{API}/venues/me/onboarding/2", {"capacity": 120, "genres_booked": ["jazz"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["onboarding_complete"] is True
    me = client.get(f"{API}/venues/me").json()
    assert (me["slug"], me["capacity"], me["genres_booked"]) == ("blue-door", 120, ["jazz"])
    patched = client.patch(f"{API}/venues/me", {"about": "Jazz since 1962."}, format="json")
    assert patched.json()["about"] == "Jazz since 1962."
    error_of(
        client.patch(f"{API}/venues/me", {"verified": True}, format="json"), 400, "validation_error"
    )
    assert VenueProfile.objects.get(user=user).verified is False


def test_venue_endpoints_refuse_other_roles(artist):
    client = client_for(artist.user)
    error_of(client.get(f"{API}/venues/me"), 403, "not_a_venue")
    error_of(
        client.put(f"{API}/venues/me/onboarding/1", {"name": "X"}, format="json"),
        403,
        "not_a_venue",
    )
    assert not VenueProfile.objects.exists()


def test_public_venue_page_with_upcoming_gigs(venue):
    soon = GigFactory(venue=venue, date=in_days(3))
    later = GigFactory(venue=venue, date=in_days(30))
    cancelled = GigFactory(venue=venue, status="cancelled")
    body = client_for(UserFactory()).get(f"{API}/venues/{venue.slug}").json()
    assert body["name"] == venue.name
    assert [g["id"] for g in body["upcoming_gigs"]] == [soon.pk, later.pk]
    assert body["upcoming_gigs"][0]["urgent"] is True
    assert cancelled.pk not in [g["id"] for g in body["upcoming_gigs"]]
    from rest_framework.test import APIClient

    assert APIClient().get(f"{API}/venues/{venue.slug}").status_code == 200
    error_of(APIClient().get(f"{API}/venues/nobody"), 404, "not_found")


# --- gigs -------------------------------------------------------------------------------------


def test_post_a_gig(venue):
    response = client_for(venue.user).post(f"{API}/gigs/", new_gig(end_time="01:30"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert (body["start_time"], body["end_time"], body["timezone"]) == (
        "21:00",
        "01:30",
        "America/Chicago",
    )
    assert body["venue_slug"] == venue.slug
    assert body["urgent"] is False
    starts = dt.datetime.fromisoformat(body["starts_at"])
    ends = dt.datetime.fromisoformat(body["ends_at"])
    assert ends - starts == dt.timedelta(hours=4, minutes=30)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"payment_amount": -100}, "payment_amount"),
        ({"end_time": "21:00"}, "end_time"),
        ({"date": (timezone.localdate() - dt.timedelta(days=2)).isoformat()}, "date"),
        ({"genre": "polka-core"}, "genre"),
        ({"payment_type": "beer"}, "payment_type"),
        ({"date": "next friday"}, "date"),
        ({"status": "filled"}, "status"),  # not an input
    ],
)
def test_bad_gig_input_is_400_in_the_error_shape_and_writes_nothing(venue, changes, field):
    response = client_for(venue.user).post(f"{API}/gigs/", new_gig(**changes), format="json")
    error = error_of(response, 400, "validation_error")
    assert field in error["details"]
    assert not Gig.objects.exists()


def test_artists_and_strangers_cannot_post_or_edit_gigs(gig, artist, other_venue):
    from rest_framework.test import APIClient

    error_of(
        client_for(artist.user).post(f"{API}/gigs/", new_gig(), format="json"), 403, "not_a_venue"
    )
    error_of(APIClient().post(f"{API}/gigs/", new_gig(), format="json"), 401, "not_authenticated")
    error_of(
        client_for(artist.user).patch(f"{API}/gigs/{gig.pk}", {"title": "Mine"}, format="json"),
        403,
        "not_a_venue",
    )
    error_of(
        client_for(other_venue.user).patch(
            f"{API}/gigs/{gig.pk}", {"title": "Mine"}, format="json"
        ),
        404,
        "not_found",
    )
    error_of(
        client_for(other_venue.user).post(
            f"{API}/gigs/{gig.pk}/cancel", {"reason": "x"}, format="json"
        ),
        404,
        "not_found",
    )
    gig.refresh_from_db()
    assert (gig.title, gig.status) == (gig.title, "open")
    assert Gig.objects.count() == 1
    assert not StatusChange.objects.filter(gig=gig, subject="gig", to_status="cancelled").exists()


def test_edit_and_cancel_own_gig(gig):
    client = client_for(gig.venue.user)
    body = client.patch(f"{API}/gigs/{gig.pk}", {"payment_amount": 70_000}, format="json").json()
    assert body["payment_amount"] == 70_000
    error_of(client.post(f"{API}/gigs/{gig.pk}/cancel", {}, format="json"), 400, "validation_error")
    body = client.post(
        f"{API}/gigs/{gig.pk}/cancel", {"reason": "Sold the place"}, format="json"
    ).json()
    assert body["status"] == "cancelled"
    error_of(
        client.patch(f"{API}/gigs/{gig.pk}", {"title": "Again"}, format="json"), 409, "gig_not_open"
    )


def test_gig_board_lists_open_future_gigs_soonest_first_with_filters(venue, other_venue):
    austin_late = GigFactory(venue=venue, date=in_days(20), payment_amount=90_000)
    austin_soon = GigFactory(venue=venue, date=in_days(2), genre="jazz")
    GigFactory(venue=venue, status="filled")
    GigFactory(venue=venue, status="cancelled")
    past = GigFactory(venue=venue)
    Gig.objects.filter(pk=past.pk).update(starts_at=timezone.now() - dt.timedelta(hours=2))
    other_venue.city, other_venue.state = "Leeds", "West Yorkshire"
    other_venue.save()
    leeds = GigFactory(venue=other_venue, date=in_days(5), location_city="Leeds")

    from rest_framework.test import APIClient

    client = APIClient()
    ids = lambda **params: [g["id"] for g in client.get(f"{API}/gigs/", params).json()["results"]]  # noqa: E731
    assert ids() == [austin_soon.pk, leeds.pk, austin_late.pk]
    assert ids(city="austin") == [austin_soon.pk, austin_late.pk]
    assert ids(genre="jazz") == [austin_soon.pk]
    assert ids(min_pay=80_000) == [austin_late.pk]
    assert ids(date_from=in_days(4).isoformat(), date_to=in_days(10).isoformat()) == [leeds.pk]
    assert len(ids(status="filled")) == 1
    first = client.get(f"{API}/gigs/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert [g["id"] for g in first["results"] + second["results"]] == ids()
    assert second["next"] is None
    card = client.get(f"{API}/gigs/").json()["results"][0]
    assert card["urgent"] is True and card["payment_amount"] == austin_soon.payment_amount
    for bad in (
        {"genre": "polka-core"},
        {"min_pay": "-1"},
        {"date_from": "soon"},
        {"date_from": in_days(5).isoformat(), "date_to": in_days(1).isoformat()},
    ):
        error_of(client.get(f"{API}/gigs/", bad), 400, "validation_error")
    error_of(client.get(f"{API}/gigs/", {"cursor": "garbage"}), 404, "not_found")


@pytest.mark.parametrize("rows", [3, 40])
def test_gig_board_and_venue_gigs_take_a_fixed_number_of_queries(
    venue, rows, django_assert_max_num_queries
):
    for i in range(rows):
        GigFactory(venue=venue, date=in_days(1 + i % 30))
    from rest_framework.test import APIClient

    client = APIClient()
    with django_assert_max_num_queries(2):  # the page; on PostgreSQL the cards not kept yet
        first = client.get(f"{API}/gigs/", {"page_size": 100})
    with django_assert_max_num_queries(1):  # the page: every card kept (marketplace.filters)
        again = client.get(f"{API}/gigs/", {"page_size": 100})
    assert first.status_code == again.status_code == 200
    assert len(first.json()["results"]) == rows and again.json() == first.json()
    owner = client_for(venue.user)
    with django_assert_max_num_queries(2):  # the venue, then its gigs with their counts
        body = owner.get(f"{API}/venues/me/gigs", {"page_size": 100}).json()
    assert len(body["results"]) == rows
    assert body["results"][0]["pending_applications"] == 0


# --- applications -----------------------------------------------------------------------------


def test_apply_and_the_venue_sees_the_applicant_card(gig, artist):
    response = client_for(artist.user).post(
        f"{API}/gigs/{gig.pk}/applications",
        {"pitch": "Trio, 3 sets.", "proposed_rate": 45_000},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["gig"]["id"] == gig.pk
    body = client_for(gig.venue.user).get(f"{API}/gigs/{gig.pk}/applications").json()
    [applicant] = body["results"]
    assert (applicant["status"], applicant["pitch"], applicant["proposed_rate"]) == (
        "pending",
        "Trio, 3 sets.",
        45_000,
    )
    assert applicant["artist"]["slug"] == artist.slug
    assert applicant["artist"]["stage_name"] == artist.stage_name
    error_of(
        client_for(artist.user).post(f"{API}/gigs/{gig.pk}/applications", {}, format="json"),
        409,
        "already_applied",
    )


def test_bad_application_input_is_400(gig, artist):
    client = client_for(artist.user)
    for body, field in (
        ({"pitch": "x" * 2001}, "pitch"),
        ({"proposed_rate": -5}, "proposed_rate"),
        ({"status": "accepted"}, "status"),
    ):
        error = error_of(
            client.post(f"{API}/gigs/{gig.pk}/applications", body, format="json"),
            400,
            "validation_error",
        )
        assert field in error["details"]
    assert not Application.objects.exists()


def test_nobody_reads_or_answers_someone_elses_applications(gig, artist, other_venue):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    stranger = ArtistProfileFactory()
    error_of(
        client_for(other_venue.user).get(f"{API}/gigs/{gig.pk}/applications"), 404, "not_found"
    )
    error_of(client_for(artist.user).get(f"{API}/gigs/{gig.pk}/applications"), 403, "not_a_venue")
    for verb in ("accept", "reject"):
        error_of(
            client_for(other_venue.user).post(f"{API}/applications/{application.pk}/{verb}"),
            404,
            "not_found",
        )
        error_of(
            client_for(artist.user).post(f"{API}/applications/{application.pk}/{verb}"),
            403,
            "not_a_venue",
        )
    error_of(
        client_for(stranger.user).post(f"{API}/applications/{application.pk}/withdraw"),
        404,
        "not_found",
    )
    error_of(
        client_for(gig.venue.user).post(f"{API}/applications/{application.pk}/withdraw"),
        403,
        "not_an_artist",
    )
    assert client_for(stranger.user).get(f"{API}/me/applications").json()["results"] == []
    application.refresh_from_db()
    assert application.status == "pending"
    assert not Booking.objects.exists()


@pytest.mark.parametrize("rows", [2, 30])
def test_applicant_list_takes_a_fixed_number_of_queries(gig, rows, django_assert_max_num_queries):
    for _ in range(rows):
        services.application_create(user=ArtistProfileFactory().user, gig_id=gig.pk, data={})
    client = client_for(gig.venue.user)
    with django_assert_max_num_queries(3):  # the venue, the gig, the page
        body = client.get(f"{API}/gigs/{gig.pk}/applications", {"page_size": 100}).json()
    assert len(body["results"]) == rows


def test_accept_reject_withdraw_and_the_booking_lists(gig, artist, other_venue):
    chosen = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    other = ArtistProfileFactory()
    passed_over = services.application_create(user=other.user, gig_id=gig.pk, data={})
    third = ArtistProfileFactory()
    leaving = services.application_create(user=third.user, gig_id=gig.pk, data={})
    assert (
        client_for(third.user).post(f"{API}/applications/{leaving.pk}/withdraw").json()["status"]
        == "withdrawn"
    )

    response = client_for(gig.venue.user).post(f"{API}/applications/{chosen.pk}/accept")
    assert response.status_code == 201, response.content
    booking = response.json()
    assert (booking["status"], booking["artist"]["slug"], booking["fee"]) == (
        "active",
        artist.slug,
        gig.payment_amount,
    )
    assert Application.objects.get(pk=passed_over.pk).status == "rejected"
    error_of(
        client_for(gig.venue.user).post(f"{API}/applications/{passed_over.pk}/accept"),
        409,
        "application_not_pending",
    )

    for user in (artist.user, gig.venue.user):
        assert [b["id"] for b in client_for(user).get(f"{API}/bookings/").json()["results"]] == [
            booking["id"]
        ]
    for user in (other.user, other_venue.user, UserFactory()):
        assert client_for(user).get(f"{API}/bookings/").json()["results"] == []
    mine = client_for(artist.user).get(f"{API}/me/applications").json()["results"]
    assert [(a["id"], a["status"]) for a in mine] == [(chosen.pk, "accepted")]

    error_of(
        client_for(other.user).post(
            f"{API}/bookings/{booking['id']}/cancel", {"reason": "x"}, format="json"
        ),
        404,
        "not_found",
    )
    cancelled = (
        client_for(artist.user)
        .post(f"{API}/bookings/{booking['id']}/cancel", {"reason": "Sick"}, format="json")
        .json()
    )
    assert (cancelled["status"], cancelled["cancelled_by"], cancelled["cancel_reason"]) == (
        "cancelled",
        "artist",
        "Sick",
    )


def test_reject_with_a_reason(gig, artist):
    application = services.application_create(user=artist.user, gig_id=gig.pk, data={})
    response = client_for(gig.venue.user).post(
        f"{API}/applications/{application.pk}/reject", {"reason": "Booked a band"}, format="json"
    )
    assert response.status_code == 204
    assert StatusChange.objects.filter(application=application).last().reason == "Booked a band"


# --- availability -----------------------------------------------------------------------------


def test_availability_through_the_api(artist, gig):
    client = client_for(artist.user)
    created = client.post(
        f"{API}/me/availability",
        {"start_date": gig.date.isoformat(), "note": "Wedding"},
        format="json",
    )
    assert created.status_code == 201
    entry = created.json()
    assert entry["end_date"] == gig.date.isoformat()
    assert [e["id"] for e in client.get(f"{API}/me/availability").json()] == [entry["id"]]
    error_of(
        client.post(f"{API}/gigs/{gig.pk}/applications", {}, format="json"),
        409,
        "artist_unavailable",
    )
    error_of(
        client.post(
            f"{API}/me/availability", {"start_date": in_days(-3).isoformat()}, format="json"
        ),
        400,
        "validation_error",
    )
    error_of(
        client_for(ArtistProfileFactory().user).delete(f"{API}/me/availability/{entry['id']}"),
        404,
        "not_found",
    )
    assert client.delete(f"{API}/me/availability/{entry['id']}").status_code == 204
    assert client.post(f"{API}/gigs/{gig.pk}/applications", {}, format="json").status_code == 201


# --- races through the API --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_api_applications_make_one_row_and_no_5xx():
    gig = GigFactory(venue=VenueProfileFactory())
    artist = ArtistProfileFactory()

    def apply():
        return (
            client_for(artist.user)
            .post(f"{API}/gigs/{gig.pk}/applications", {"pitch": "Us!"}, format="json")
            .status_code
        )

    statuses = run_together(apply, 50)

    assert sorted(statuses) == [201] + [409] * 49
    assert Application.objects.filter(gig=gig).count() == 1


def test_gig_board_words_and_urgency(venue):
    from rest_framework.test import APIClient

    jazz = GigFactory(
        venue=venue,
        title="Jazz brunch",
        date=in_days(3),
        genre="jazz",
        description="Standards and swing on the terrace.",
    )
    quartet = GigFactory(
        venue=venue,
        title="Late quartet",
        date=in_days(9),
        description="A jazz quartet for a birthday party.",
    )
    rock = GigFactory(venue=venue, title="Rock night", date=in_days(12), genre="rock")
    client = APIClient()
    ids = lambda **params: [g["id"] for g in client.get(f"{API}/gigs/", params).json()["results"]]  # noqa: E731
    assert ids(q="jazz") == [jazz.pk, quartet.pk]  # title or description; soonest first
    assert ids(q="quartet") == [quartet.pk]
    assert ids(q="   ") == [jazz.pk, quartet.pk, rock.pk]
    assert ids(urgent="true") == [jazz.pk]
    assert ids(urgent="false") == [quartet.pk, rock.pk]
    error_of(client.get(f"{API}/gigs/", {"urgent": "maybe"}), 400, "validation_error")


@pytest.mark.postgres
def test_gig_board_full_text_search_on_postgres(venue):
    from rest_framework.test import APIClient

    swing = GigFactory(venue=venue, title="Swinging evening", date=in_days(4))
    GigFactory(venue=venue, title="Metal matinee", date=in_days(5), genre="metal")
    other_city = GigFactory(
        venue=venue,
        title="Dinner set",
        date=in_days(6),
        venue_name="The Blue Door",
        location_city="Leeds",
    )
    client = APIClient()
    ids = lambda q: [g["id"] for g in client.get(f"{API}/gigs/", {"q": q}).json()["results"]]  # noqa: E731
    assert ids("swing") == [swing.pk]  # stemmed: "Swinging"
    assert ids("blue door leeds") == [other_city.pk]  # venue name and city
    assert ids('"metal matinee" -metal') == []  # web search syntax
    assert ids("metal") != []
