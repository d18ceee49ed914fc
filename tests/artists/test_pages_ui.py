"""What a user reads on the artist pages: one "bio complete" rule for the wizard and the studio,
counts in the right number, no rating before there are reviews, and a search page that only
speaks of the filters it shows. The demo's pictures: test_demo_pictures.py."""

import pytest

from artists import services, steps
from artists.models import ArtistProfile, Track
from artists.selectors import completeness_of
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db

SHORT_BIO = "Synth-pop from Portland."
FULL_BIO = "x" * steps.BIO_MIN_LENGTH


def _artist_at_step_2():
    user = UserFactory(role="artist", onboarding_complete=False)
    services.onboarding_save_step(
        user=user,
        number=1,
        data={"stage_name": "Juniper", "location_city": "Portland", "location_country": "US"},
    )
    return user


def test_the_wizard_refuses_a_bio_the_studio_would_call_missing():
    user = _artist_at_step_2()

    with pytest.raises(ApplicationError) as refused:
        services.onboarding_save_step(
            user=user, number=2, data={"tagline": "Synth-pop.", "bio": SHORT_BIO}
        )

    assert refused.value.details == {"bio": [steps.COMPLETE_WHEN["bio"][1]]}
    assert ArtistProfile.objects.get(user=user).onboarding_step == 1
    assert not steps.bio_complete(SHORT_BIO)


def test_a_bio_the_wizard_accepts_counts_as_written_in_the_studio():
    user = _artist_at_step_2()
    # Padding spaces do not count towards the length.
    services.onboarding_save_step(
        user=user, number=2, data={"tagline": "Synth-pop.", "bio": f"  {FULL_BIO}   "}
    )

    profile = ArtistProfile.objects.get(user=user)
    assert "Bio" not in completeness_of(artist=profile)["missing"]
    profile.bio = FULL_BIO[:-1]
    assert "Bio" in completeness_of(artist=profile)["missing"]


def test_the_wizard_page_shows_the_rule_in_the_error_summary(client):
    user = _artist_at_step_2()
    client.force_login(user)

    response = client.post("/onboarding/artist/2/", {"tagline": "Synth-pop.", "bio": SHORT_BIO})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-summary"' in html
    assert 'href="#id_bio"' in html
    assert f"at least {steps.BIO_MIN_LENGTH} characters" in html


def test_studio_counts_in_the_right_number_and_has_no_rating_without_reviews(client):
    artist = ArtistProfileFactory(total_reviews=0, avg_rating="0.00", total_gigs=1)
    ArtistProfile.objects.filter(pk=artist.pk).update(profile_views=1)
    Track.objects.create(artist=artist, title="Only One", audio="a.wav", plays=1)
    client.force_login(artist.user)

    html = client.get("/studio/").content.decode()

    assert "1 profile view (" in html
    assert "1 play over 1 track<" in html
    assert "1 gig ·" in html
    assert "No reviews yet" in html
    assert "rating 0.0" not in html and "0 reviews" not in html

    stats = client.get(f"/artists/{artist.slug}/stats/").content.decode()
    assert "No reviews yet" in stats
    assert "0.0" not in stats


def test_studio_shows_the_rating_once_there_are_reviews(client):
    artist = ArtistProfileFactory(total_reviews=3, avg_rating="4.70")
    client.force_login(artist.user)

    html = client.get("/studio/").content.decode()

    assert "rated 4.7 out of 5 (3 reviews)" in html


def test_search_page_drops_filters_it_does_not_show(client):
    ArtistProfileFactory(stage_name="Juniper Wolfe", base_rate_flat=45000)

    response = client.get("/artists/", {"rate_min": "cheap", "min_rating": "x", "q": "Juniper"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "rate_min" not in html and "Enter a whole number" not in html
    assert 'role="alert"' not in html
    assert html.count('data-testid="artist-card"') == 1


def test_search_page_names_its_own_fields_in_errors(client):
    response = client.get("/artists/", {"weekends": "maybe", "page": "2"})

    html = response.content.decode()
    assert 'role="alert"' in html
    assert '<a href="#search-weekends">Weekends: Use true or false.</a>' in html
    assert 'id="search-weekends"' in html and 'aria-invalid="true"' in html
    assert "No artists match" not in html  # the problem is the filter, not the results
