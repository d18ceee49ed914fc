"""Violet's services against the database: the allowance (per UTC day, given back on failure,
kept on cancel, self-healing after a crash), what a request may use, grounding, and saving a
draft into the profile through the artists' service."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from artists.models import ArtistProfile
from messaging import services as messaging_services
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.bookings import book
from tests.marketplace.factories import GigFactory, VenueProfileFactory
from tests.violet.factories import full_artist, started
from umbrella.errors import ApplicationError
from violet import selectors, services
from violet.models import DailyUsage, Generation, GenerationStatus
from violet.providers import Completion, ProviderFailure
from violet.providers.offline import OfflineProvider

pytestmark = pytest.mark.django_db


def used(artist) -> int:
    return selectors.usage_of(artist_id=artist.pk)["used"]


def refusal(call, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- the allowance ------------------------------------------------------------------------------


def test_the_fifty_first_prompt_of_a_day_is_refused_and_nothing_is_written(settings):
    artist = full_artist()
    DailyUsage.objects.create(artist=artist, day=services.utc_today(), prompts=49)

    services.generate(user=artist.user, tool="tagline", inputs={})
    error = refusal(services.generate, user=artist.user, tool="tagline", inputs={})

    assert isinstance(error, services.DailyLimitReached)
    assert (error.code, error.status_code) == ("violet_limit_reached", 429)
    assert error.details["limit"] == 50 and error.details["used"] == 50
    assert error.details["remaining"] == 0
    assert error.details["resets_at"].endswith("T00:00:00Z")
    assert 0 < error.retry_after <= 86400
    assert Generation.objects.filter(artist=artist).count() == 1
    assert used(artist) == 50


def test_the_allowance_is_per_utc_day():
    artist = full_artist()
    with time_machine.travel(dt.datetime(2030, 3, 1, 23, 59, tzinfo=dt.UTC), tick=False):
        DailyUsage.objects.create(artist=artist, day=dt.date(2030, 3, 1), prompts=50)
        assert refusal(services.generate, user=artist.user, tool="tagline", inputs={}).code == (
            "violet_limit_reached"
        )
    # Midnight UTC, whatever the artist's time zone: a new allowance.
    with time_machine.travel(dt.datetime(2030, 3, 2, 0, 0, 1, tzinfo=dt.UTC), tick=False):
        generation = services.generate(user=artist.user, tool="tagline", inputs={})
        assert generation.usage_day == dt.date(2030, 3, 2)
        assert selectors.usage_of(artist_id=artist.pk) == {
            "day": "2030-03-02",
            "limit": 50,
            "used": 1,
            "remaining": 49,
            "resets_at": "2030-03-03T00:00:00Z",
        }


def test_a_failure_gives_the_unit_back_once():
    artist = full_artist()
    generation = started(artist.user)
    assert used(artist) == 1
    error = ProviderFailure("violet_provider_error", "down")

    services.generation_fail(generation_id=generation.pk, error=error)
    services.generation_fail(generation_id=generation.pk, error=error)  # again: no effect

    generation.refresh_from_db()
    assert generation.status == GenerationStatus.FAILED
    assert (generation.error_code, generation.error_message) == ("violet_provider_error", "down")
    day = DailyUsage.objects.get(artist=artist)
    assert (day.prompts, day.failures) == (0, 1)


def test_a_cancelled_stream_keeps_its_text_and_its_unit():
    artist = full_artist()
    generation = started(artist.user)

    services.generation_cancel(generation_id=generation.pk, partial="Nova Reyes is")

    generation.refresh_from_db()
    assert (generation.status, generation.output) == (GenerationStatus.CANCELLED, "Nova Reyes is")
    assert used(artist) == 1


def test_a_generation_left_pending_by_a_crash_gives_its_unit_back_later():
    artist = full_artist()
    dead = started(artist.user)
    Generation.objects.filter(pk=dead.pk).update(
        created_at=timezone.now() - services.stale_after() - dt.timedelta(seconds=1)
    )

    services.generate(user=artist.user, tool="tagline", inputs={})

    dead.refresh_from_db()
    assert dead.status == GenerationStatus.FAILED
    assert dead.error_code == "violet_provider_timeout"
    assert used(artist) == 1  # the dead one's unit came back, the new one took one


def test_completing_after_an_expiry_takes_a_unit_only_if_one_is_left(settings):
    settings.VIOLET_DAILY_LIMIT = 1
    artist = full_artist()
    late = started(artist.user)
    services.generation_fail(
        generation_id=late.pk, error=ProviderFailure("violet_provider_timeout", "x", status=504)
    )
    other = services.generate(user=artist.user, tool="tagline", inputs={})  # takes the unit

    services.generation_complete(generation_id=late.pk, completion=Completion("text", "m"))

    late.refresh_from_db()
    assert late.status == GenerationStatus.FAILED  # no unit left: the limit holds
    assert used(artist) == 1
    assert other.status == GenerationStatus.COMPLETED


# --- what a request may use ---------------------------------------------------------------------


def test_only_onboarded_artists_may_write():
    fan = UserFactory(role=Role.FAN)
    newcomer = ArtistProfileFactory(onboarding_step=2, user__onboarding_complete=False)

    assert refusal(services.generate, user=fan, tool="bio", inputs={}).code == "not_an_artist"
    assert (
        refusal(services.generate, user=newcomer.user, tool="bio", inputs={}).code
        == "onboarding_required"
    )


@pytest.mark.parametrize(
    ("tool", "inputs", "where"),
    [
        ("poem", {}, "tool"),
        ("bio", {"length": "epic"}, "length"),
        ("bio", {"colour": "red"}, "colour"),
        ("bio", "not an object", "inputs"),
        ("social_captions", {}, "topic"),
        ("social_captions", {"topic": "x" * 301}, "topic"),
        ("social_captions", {"topic": "Hi", "count": 9}, "count"),
        ("social_captions", {"topic": "Hi", "count": True}, "count"),
        ("gig_pitch", {}, "gig"),
        ("gig_pitch", {"gig": "12"}, "gig"),
    ],
)
def test_bad_inputs_are_400_naming_the_input(tool, inputs, where):
    artist = full_artist()

    error = refusal(services.generate, user=artist.user, tool=tool, inputs=inputs)

    assert (error.code, error.status_code) == ("validation_error", 400)
    named = error.details.get("inputs", {})
    assert where in error.details or (isinstance(named, dict) and where in named), error.details
    assert not Generation.objects.exists() and used(artist) == 0


def test_a_tool_that_needs_empty_profile_fields_says_which():
    artist = full_artist(primary_genre="")

    error = refusal(services.generate, user=artist.user, tool="bio", inputs={})

    assert (error.code, error.status_code) == ("profile_incomplete", 409)
    assert error.details == {
        "missing_fields": [{"field": "primary_genre", "label": "Primary genre"}]
    }
    assert not Generation.objects.exists() and used(artist) == 0


def test_gigs_bookings_and_conversations_must_be_usable_by_the_artist():
    artist, other = full_artist(), full_artist(stage_name="Someone Else")
    cancelled = GigFactory()
    cancelled.status = "cancelled"
    cancelled.save()
    theirs = book(GigFactory(), other)
    venue = VenueProfileFactory()
    conversation, _ = messaging_services.conversation_open(user=venue.user, other_id=other.user.pk)

    cases = [
        ("gig_pitch", {"gig": cancelled.pk}, "gig_not_open", 409),
        ("gig_pitch", {"gig": 999_999}, "not_found", 404),
        ("press_release", {"booking": theirs.pk}, "not_found", 404),
        ("message_reply", {"conversation": conversation.pk}, "not_found", 404),
    ]
    for tool, inputs, code, status in cases:
        error = refusal(services.generate, user=artist.user, tool=tool, inputs=inputs)
        assert (error.code, error.status_code) == (code, status), (tool, error.message)
    assert used(artist) == 0


# --- grounding ----------------------------------------------------------------------------------


def test_the_facts_are_only_what_the_tool_uses_from_the_profile():
    artist = full_artist(legal_name="Private Person", website_url="https://nova.example")

    generation = services.generate(user=artist.user, tool="tagline", inputs={})

    fields = {fact["field"] for fact in generation.facts}
    assert fields <= {"stage_name", "location", "primary_genre", "secondary_genres"} | {
        "performance_types",
        "influences",
        "tagline",
        "bio",
    }
    text = " ".join(fact["value"] for fact in generation.facts)
    assert "Private Person" not in text and "nova.example" not in text


def test_a_reply_is_grounded_in_the_latest_messages():
    artist = full_artist()
    venue = VenueProfileFactory(name="The Blue Door")
    conversation, _ = messaging_services.conversation_open(user=venue.user, other_id=artist.user.pk)
    for i in range(12):
        messaging_services.message_send(
            user=venue.user, conversation_id=conversation.pk, content=f"Message {i}?"
        )

    generation = services.generate(
        user=artist.user,
        tool="message_reply",
        inputs={"conversation": conversation.pk, "intent": "say yes"},
    )

    messages = [f["value"] for f in generation.facts if f["source"] == "conversation"][1:]
    assert messages == [f"Message {i}?" for i in range(2, 12)]  # the last 10, oldest first
    assert generation.conversation_id == conversation.pk
    assert "Say yes." in generation.output
    assert "Let me check the details" in generation.output


def test_a_press_release_is_grounded_in_the_booking_without_the_fee():
    artist = full_artist()
    booking = book(GigFactory(title="Late Show", venue_name="The Blue Door"), artist, rate=50000)

    generation = services.generate(
        user=artist.user, tool="press_release", inputs={"booking": booking.pk}
    )

    facts = {f["field"]: f["value"] for f in generation.facts if f["source"] == "booking"}
    assert facts["title"] == "Late Show" and facts["venue_name"] == "The Blue Door"
    assert "pay" not in facts
    assert "500" not in generation.output
    assert generation.output.startswith("Nova Reyes plays The Blue Door on ")


# --- the offline provider -----------------------------------------------------------------------


def test_offline_drafts_are_stable_and_say_only_what_the_facts_say():
    artist = full_artist()
    first = services.generate(user=artist.user, tool="bio", inputs={"length": "short"})
    second = services.generate(user=artist.user, tool="bio", inputs={"length": "short"})

    assert first.output == second.output
    assert first.output == (
        "Meet Nova Reyes. Nova Reyes is an indie band from Austin, TX, US. Nova Reyes has "
        "been performing for 6 years. The sound also draws on folk and soul. Influences "
        "include Big Thief and Nina Simone. The biggest gig so far: Opening for Khruangbin "
        "at Stubb's."
    )
    assert (first.provider, first.model) == ("offline", OfflineProvider.model)
    assert first.input_tokens == first.output_tokens == first.cost_micro_usd == 0


def test_an_offline_draft_leaves_out_what_the_profile_lacks():
    artist = ArtistProfileFactory(
        stage_name="Solo Act",
        location_city="",
        location_country="",
        years_performing=None,
        influences=[],
        performance_types=["solo"],
        primary_genre="jazz",
    )

    generation = services.generate(user=artist.user, tool="bio", inputs={"length": "long"})

    assert generation.output.startswith("Meet Solo Act. Solo Act is a jazz solo artist.")
    for absent in ("from ", "years", "Influences", "biggest gig"):
        assert absent not in generation.output


# --- saving into the profile --------------------------------------------------------------------


def test_a_bio_draft_is_saved_through_the_profile_service():
    artist = full_artist()
    generation = services.generate(user=artist.user, tool="bio", inputs={})

    saved = services.generation_save_to_profile(user=artist.user, generation_id=generation.pk)

    artist.refresh_from_db()
    assert artist.bio == generation.output
    assert (saved.saved_field, saved.saved_at is not None) == ("bio", True)


def test_a_tagline_the_profile_refuses_is_not_saved(settings):
    artist = full_artist(tagline="Old line")
    generation = services.generate(user=artist.user, tool="tagline", inputs={})
    Generation.objects.filter(pk=generation.pk).update(output="x" * 161)

    error = refusal(
        services.generation_save_to_profile, user=artist.user, generation_id=generation.pk
    )

    assert (error.code, error.status_code) == ("validation_error", 400)
    assert "tagline" in error.details
    assert ArtistProfile.objects.get(pk=artist.pk).tagline == "Old line"
    assert Generation.objects.get(pk=generation.pk).saved_at is None


def test_only_finished_bio_and_tagline_drafts_of_ones_own_are_saved():
    artist, other = full_artist(), full_artist(stage_name="Other")
    captions = services.generate(
        user=artist.user, tool="social_captions", inputs={"topic": "New single"}
    )
    pending = started(artist.user)
    theirs = services.generate(user=other.user, tool="bio", inputs={})

    assert refusal(
        services.generation_save_to_profile, user=artist.user, generation_id=captions.pk
    ).code == ("violet_not_savable")
    assert refusal(
        services.generation_save_to_profile, user=artist.user, generation_id=pending.pk
    ).code == ("violet_not_completed")
    error = refusal(services.generation_save_to_profile, user=artist.user, generation_id=theirs.pk)
    assert (error.code, error.status_code) == ("not_found", 404)
    assert ArtistProfile.objects.get(pk=artist.pk).bio == ""
