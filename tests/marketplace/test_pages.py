"""The marketplace's server-rendered pages (Django test client): the venue onboarding wizard."""

import pytest
from django.urls import reverse

from accounts.models import Role
from marketplace.models import Application, VenueProfile
from tests.accounts.factories import NewUserFactory, UserFactory

pytestmark = pytest.mark.django_db

STEP1 = {"name": "Blue Door", "city": "Austin", "country": "US", "timezone": "America/Chicago"}


def _signed_in(client, user):
    client.force_login(user)
    return client


# --- venue onboarding wizard ------------------------------------------------------------------


def test_choosing_venue_leads_into_the_venue_wizard(client):
    user = NewUserFactory()
    _signed_in(client, user)
    response = client.post(reverse("onboarding"), {"role": "venue", "display_name": "Sam"})
    assert response.status_code == 302
    assert response["Location"] == reverse("venue-onboarding")
    # and the role page itself sends an unfinished venue on to the wizard, then to step 1
    assert client.get(reverse("onboarding"))["Location"] == reverse("venue-onboarding")
    assert client.get(reverse("venue-onboarding"))["Location"] == reverse(
        "venue-onboarding-step", args=[1]
    )


def test_the_wizard_saves_both_steps_and_completes_onboarding(client):
    user = UserFactory(role=Role.VENUE, onboarding_complete=False)
    _signed_in(client, user)
    page = client.get(reverse("venue-onboarding-step", args=[1]))
    assert page.status_code == 200
    assert b"<h1>Your venue</h1>" in page.content
    assert b'<label for="id_name">Venue name</label>' in page.content

    response = client.post(reverse("venue-onboarding-step", args=[1]), STEP1)
    assert response["Location"] == reverse("venue-onboarding-step", args=[2])
    user.refresh_from_db()
    assert not user.onboarding_complete

    response = client.post(
        reverse("venue-onboarding-step", args=[2]),
        {"capacity": "120", "genres_booked": "jazz, soul"},
    )
    assert response["Location"] == reverse("dashboard")
    user.refresh_from_db()
    assert user.onboarding_complete
    venue = VenueProfile.objects.get(user=user)
    assert (venue.slug, venue.city, venue.capacity, venue.genres_booked) == (
        "blue-door",
        "Austin",
        120,
        ["jazz", "soul"],
    )
    # finished: the wizard now sends the venue to the dashboard
    assert client.get(reverse("venue-onboarding"))["Location"] == reverse("dashboard")


def test_the_service_errors_show_next_to_the_fields_and_nothing_is_saved(client):
    user = UserFactory(role=Role.VENUE, onboarding_complete=False)
    _signed_in(client, user)
    response = client.post(
        reverse("venue-onboarding-step", args=[1]),
        {**STEP1, "timezone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"timezone"}  # named by the service, not the form
    assert b'id="id_timezone_error"' in response.content
    assert b'data-testid="error-summary"' in response.content
    assert not VenueProfile.objects.filter(user=user).exists()


def test_a_required_field_left_empty_is_named(client):
    user = UserFactory(role=Role.VENUE, onboarding_complete=False)
    _signed_in(client, user)
    response = client.post(reverse("venue-onboarding-step", args=[1]), {**STEP1, "name": ""})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not VenueProfile.objects.filter(user=user).exists()


def test_a_later_step_cannot_be_opened_first(client):
    user = UserFactory(role=Role.VENUE, onboarding_complete=False)
    _signed_in(client, user)
    response = client.get(reverse("venue-onboarding-step", args=[2]))
    assert response["Location"] == reverse("venue-onboarding-step", args=[1])
    assert client.get(reverse("venue-onboarding-step", args=[9])).status_code == 404


def test_the_venue_wizard_is_for_venues_only(client):
    user = UserFactory(role=Role.ARTIST, onboarding_complete=False)
    _signed_in(client, user)
    response = client.get(reverse("venue-onboarding-step", args=[1]))
    assert response["Location"] == reverse("dashboard")
    response = client.post(reverse("venue-onboarding-step", args=[1]), STEP1)
    assert not VenueProfile.objects.exists()


# --- gig board and gig detail -----------------------------------------------------------------


def test_gig_board_lists_open_gigs_and_filters_them(client, django_assert_max_num_queries):
    from tests.marketplace.factories import GigFactory

    austin = GigFactory(location_city="Austin", title="Jazz night")
    GigFactory(location_city="Boston", title="Folk night")
    with django_assert_max_num_queries(3):
        page = client.get(reverse("gig-board"))
    assert page.status_code == 200
    assert len(page.context["gigs"]) == 2
    page = client.get(reverse("gig-board"), {"city": "austin"})
    assert [g["id"] for g in page.context["gigs"]] == [austin.pk]
    assert f'href="{reverse("gig-detail", args=[austin.pk])}"'.encode() in page.content
    assert b'<label for="id_city">City</label>' in page.content


def test_gig_board_empty_state_and_bad_filters(client):
    page = client.get(reverse("gig-board"), {"city": "Nowhere"})
    assert b'data-testid="empty-state"' in page.content
    bad = client.get(
        reverse("gig-board"),
        {"min_pay": "lots", "date_from": "2030-02-01", "date_to": "2030-01-01"},
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"min_pay", "date_to"}
    assert b'id="id_min_pay_error"' in bad.content


def test_an_artist_applies_sees_errors_and_withdraws(client, artist, gig):
    _signed_in(client, artist.user)
    url = reverse("gig-detail", args=[gig.pk])
    page = client.get(url)
    assert b'<label for="id_pitch">Your pitch</label>' in page.content
    bad = client.post(url, {"pitch": "Hi", "proposed_rate": "-5"})
    assert "proposed_rate" in bad.context["form"].errors
    assert not Application.objects.exists()

    response = client.post(url, {"pitch": "We play jazz.", "proposed_rate": "250"})
    assert response["Location"] == url
    application = Application.objects.get()
    assert (application.pitch, application.proposed_rate, application.status) == (
        "We play jazz.",
        25000,
        "pending",
    )
    page = client.get(url)
    assert page.context["can_apply"] is False
    assert b"Withdraw my application" in page.content

    client.post(reverse("application-withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_a_venue_cannot_apply_and_a_missing_gig_is_404(client, venue, gig):
    _signed_in(client, venue.user)
    url = reverse("gig-detail", args=[gig.pk])
    assert b"Send application" not in client.get(url).content
    client.post(url, {"pitch": "Let me in"})
    assert not Application.objects.exists()
    assert client.get(reverse("gig-detail", args=[999999])).status_code == 404


def test_someone_else_cannot_withdraw_an_application(client, artist, gig):
    from tests.artists.factories import ArtistProfileFactory

    application = Application.objects.create(
        gig=gig, gig_starts_at=gig.starts_at, artist=artist, pitch="x"
    )
    _signed_in(client, ArtistProfileFactory().user)
    response = client.post(reverse("application-withdraw", args=[application.pk]))
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "pending"


# --- the venue's own pages --------------------------------------------------------------------


def test_a_venue_posts_a_gig_and_sees_it_with_its_applicant_count(client, venue, artist):
    import datetime as dt

    from marketplace.models import Gig
    from tests.marketplace.factories import GigFactory

    _signed_in(client, venue.user)
    date = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    form = {
        "title": "Saturday soul",
        "date": date,
        "start_time": "21:00",
        "end_time": "01:00",
        "genre": "soul",
        "payment_amount": "300",
        "payment_type": "flat",
    }
    response = client.post(reverse("venue-dashboard"), form)
    assert response["Location"] == reverse("venue-dashboard")
    gig = Gig.objects.get(title="Saturday soul")
    assert (gig.payment_amount, gig.location_city, gig.venue_id) == (30000, venue.city, venue.pk)
    Application.objects.create(gig=gig, gig_starts_at=gig.starts_at, artist=artist, pitch="hi")
    GigFactory()  # another venue's gig is not listed
    page = client.get(reverse("venue-dashboard"))
    assert [(g["title"], g["pending_applications"]) for g in page.context["gigs"]] == [
        ("Saturday soul", 1)
    ]
    assert b"Saturday soul" in page.content


def test_the_post_a_gig_form_shows_errors_next_to_fields(client, venue):
    _signed_in(client, venue.user)
    past = "2001-01-01"
    response = client.post(
        reverse("venue-dashboard"),
        {
            "title": "Old",
            "date": past,
            "start_time": "21:00",
            "end_time": "22:00",
            "genre": "soul",
            "payment_amount": "100",
            "payment_type": "flat",
        },
    )
    assert response.status_code == 200
    assert "date" in response.context["form"].errors  # the service's rule, shown at the field
    assert b'id="id_date_error"' in response.content


def test_an_artist_cannot_post_a_gig(client, artist):
    from marketplace.models import Gig

    _signed_in(client, artist.user)
    response = client.post(reverse("venue-dashboard"), {"title": "Mine"})
    assert response["Location"] == reverse("dashboard")
    assert not Gig.objects.exists()


def test_a_venue_cancels_its_gig_with_a_reason(client, venue, gig):
    _signed_in(client, venue.user)
    client.post(reverse("venue-gig-cancel", args=[gig.pk]), {"reason": ""})
    gig.refresh_from_db()
    assert gig.status == "open"
    client.post(reverse("venue-gig-cancel", args=[gig.pk]), {"reason": "Roof leak."})
    gig.refresh_from_db()
    assert gig.status == "cancelled"


def test_applicant_review_accepts_and_rejects(client, venue, gig):
    from tests.artists.factories import ArtistProfileFactory

    first, second, third = (ArtistProfileFactory() for _ in range(3))
    a1 = Application.objects.create(gig=gig, gig_starts_at=gig.starts_at, artist=first, pitch="One")
    a2 = Application.objects.create(
        gig=gig, gig_starts_at=gig.starts_at, artist=second, pitch="Two"
    )
    a3 = Application.objects.create(
        gig=gig, gig_starts_at=gig.starts_at, artist=third, pitch="Three"
    )
    _signed_in(client, venue.user)
    url = reverse("venue-applicants", args=[gig.pk])
    page = client.get(url)
    assert len(page.context["applicants"]) == 3
    assert f"Accept {first.stage_name}".encode() in page.content

    response = client.post(reverse("venue-application-decide", args=[a1.pk, "reject"]))
    assert response["Location"] == url
    client.post(reverse("venue-application-decide", args=[a2.pk, "accept"]))
    statuses = {a.pk: a.status for a in Application.objects.all()}
    assert statuses == {a1.pk: "rejected", a2.pk: "accepted", a3.pk: "rejected"}
    gig.refresh_from_db()
    assert gig.status == "filled"
    assert (
        client.get(reverse("venue-application-decide", args=[a3.pk, "accept"])).status_code == 405
    )


def test_a_venue_cannot_see_or_decide_another_venues_applicants(client, other_venue, gig, artist):
    application = Application.objects.create(
        gig=gig, gig_starts_at=gig.starts_at, artist=artist, pitch="x"
    )
    _signed_in(client, other_venue.user)
    assert client.get(reverse("venue-applicants", args=[gig.pk])).status_code == 404
    response = client.post(reverse("venue-application-decide", args=[application.pk, "accept"]))
    assert response.status_code == 404
    assert (
        client.post(reverse("venue-gig-cancel", args=[gig.pk]), {"reason": "x"}).status_code == 404
    )
    application.refresh_from_db()
    gig.refresh_from_db()
    assert (application.status, gig.status) == ("pending", "open")


# --- the artist's applications ----------------------------------------------------------------


def test_my_applications_lists_own_applications_and_withdraws(client, artist, gig):
    from tests.artists.factories import ArtistProfileFactory
    from tests.marketplace.factories import GigFactory

    _signed_in(client, artist.user)
    page = client.get(reverse("my-applications"))
    assert b'data-testid="empty-state"' in page.content
    mine = Application.objects.create(
        gig=gig, gig_starts_at=gig.starts_at, artist=artist, pitch="mine"
    )
    theirs = GigFactory()
    Application.objects.create(
        gig=theirs,
        gig_starts_at=theirs.starts_at,
        artist=ArtistProfileFactory(),
        pitch="theirs",
    )
    page = client.get(reverse("my-applications"))
    assert list(page.context["page"].object_list) == [mine]
    assert f'href="{reverse("gig-detail", args=[gig.pk])}"'.encode() in page.content
    client.post(reverse("application-withdraw", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.status == "withdrawn"


def test_my_applications_is_for_artists(client, venue):
    _signed_in(client, venue.user)
    assert client.get(reverse("my-applications"))["Location"] == reverse("dashboard")


def test_notifications_link_to_the_pages(client, artist, gig):
    from accounts.models import Notification

    _signed_in(client, artist.user)
    client.post(reverse("gig-detail", args=[gig.pk]), {"pitch": "Hello"})
    note = Notification.objects.get(user=gig.venue.user, verb="application.received")
    assert note.target_url == reverse("venue-applicants", args=[gig.pk])
    client.force_login(gig.venue.user)
    assert client.get(note.target_url).status_code == 200


def test_anyone_can_read_a_gig_but_only_signed_in_artists_see_the_form(client, gig):
    page = client.get(reverse("gig-detail", args=[gig.pk]))
    assert page.status_code == 200
    assert f"<h1>{gig.title}".encode() in page.content
    assert b"Send application" not in page.content
    client.post(reverse("gig-detail", args=[gig.pk]), {"pitch": "anon"})
    assert not Application.objects.exists()
