"""Violet's tools, grounding and services, pinned where the mutation run of violet.services,
violet.grounding and violet.tools found them loose (docs/mutation/analytics-violet.md): each
input's schema and refusals word for word, the edges of a range, the facts a draft is given and
how they read, and what a completed, failed or cancelled generation records."""

import datetime as dt

import pytest
import time_machine

from artists.models import Track
from tests.artists.factories import ArtistProfileFactory
from tests.marketplace.bookings import book
from tests.marketplace.factories import GigFactory
from tests.violet.factories import full_artist, started
from umbrella.errors import ApplicationError
from violet import grounding, selectors, services
from violet.models import DailyUsage, Generation, GenerationStatus
from violet.providers import Completion, ProviderFailure
from violet.providers.offline import MODEL, OfflineProvider
from violet.tools import MAX_ID, TOOLS, Input, tool_named

pytestmark = pytest.mark.django_db


def refusal(call, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(*args, **kwargs)
    return caught.value


def error_shape(error: ApplicationError) -> tuple:
    return error.code, error.message, error.details, error.status_code


def value_error(spec: Input, value) -> str:
    with pytest.raises(ValueError) as caught:
        spec.clean(value)
    return str(caught.value)


# --- tools: the inputs' schemas ------------------------------------------------------------------


def test_each_kind_of_input_has_its_json_schema():
    choice = TOOLS["social_captions"].input("platform")
    assert choice.json_schema() == {
        "title": "Platform",
        "type": "string",
        "enum": ["instagram", "tiktok", "facebook", "x"],
        "default": "instagram",
    }
    text = TOOLS["social_captions"].input("topic")
    assert text.json_schema() == {
        "title": "What the post is about",
        "type": "string",
        "maxLength": 300,
        "description": "In your words, e.g. “new single out Friday” or “thanks Austin!”.",
    }
    number = TOOLS["setlist_ideas"].input("minutes")
    assert number.json_schema() == {
        "title": "Set length (minutes)",
        "type": "integer",
        "minimum": 10,
        "maximum": 240,
        "default": 45,
    }
    gig = TOOLS["gig_pitch"].input("gig")
    assert gig.json_schema() == {
        "title": "Gig",
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_ID,
        "x-refers-to": "gig",
        "description": "The id of an open gig (`GET /api/v1/gigs/`).",
    }
    plain = Input("n", "N", "integer")
    assert plain.json_schema() == {
        "title": "N",
        "type": "integer",
        "minimum": None,
        "maximum": None,
    }


def test_a_tools_schema_lists_its_inputs_and_the_required_ones():
    schema = TOOLS["press_release"].json_schema()
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert list(schema["properties"]) == ["booking", "angle"]
    assert schema["required"] == ["booking"]
    assert TOOLS["bio"].json_schema()["required"] == []
    assert TOOLS["social_captions"].ref_kinds == ("booking",)
    assert TOOLS["bio"].ref_kinds == ()


# --- tools: cleaning inputs ----------------------------------------------------------------------


def test_a_missing_value_is_the_default_or_required():
    required = Input("topic", "Topic", "text", required=True, max_length=10)
    assert value_error(required, None) == "This field is required."
    assert value_error(required, "   ") == "This field is required."
    optional = Input("tone", "Tone", "choice", choices=(("warm", "Warm"),), default="warm")
    assert optional.clean(None) == "warm" and optional.clean(" ") == "warm"


def test_a_choice_must_be_one_of_the_choices():
    spec = TOOLS["bio"].input("length")
    assert spec.clean("long") == "long"
    assert value_error(spec, "epic") == "Choose one of: one_line, short, long."
    assert value_error(spec, 3) == "Choose one of: one_line, short, long."


def test_text_is_cleaned_and_at_most_its_length():
    spec = Input("mood", "Mood", "text", max_length=5, default="calm")
    assert spec.clean(" loud\u202e ") == "loud"
    assert spec.clean("12345") == "12345"  # exactly the length
    assert value_error(spec, "123456") == "At most 5 characters."
    assert value_error(spec, 12) == "Give text."
    assert spec.clean("\u202e") == "calm"  # nothing left once cleaned: the default


@pytest.mark.parametrize("value", ["3", 3.0, True, [3]])
def test_a_number_must_be_a_json_integer(value):
    assert value_error(TOOLS["setlist_ideas"].input("minutes"), value) == "Give a whole number."


def test_a_number_must_be_in_its_range_edges_included():
    spec = TOOLS["setlist_ideas"].input("minutes")
    assert (spec.clean(10), spec.clean(240)) == (10, 240)
    assert value_error(spec, 9) == "At least 10."
    assert value_error(spec, 241) == "At most 240."
    ref = TOOLS["gig_pitch"].input("gig")
    assert (ref.clean(1), ref.clean(MAX_ID)) == (1, MAX_ID)
    assert value_error(ref, 0) == "At least 1."
    assert value_error(ref, MAX_ID + 1) == f"At most {MAX_ID}."
    unbounded = Input("n", "N", "integer")
    assert unbounded.clean(-(10**30)) == -(10**30) and unbounded.clean(10**30) == 10**30


def test_a_tools_inputs_are_cleaned_with_defaults_and_refused_by_name():
    captions = TOOLS["social_captions"]
    assert captions.clean({"topic": " New single "}) == {
        "topic": "New single",
        "platform": "instagram",
        "count": 3,
    }
    assert TOOLS["tagline"].clean(None) == {"tone": "warm"}
    error = refusal(captions.clean, {"colour": "red", "count": 9})
    assert error_shape(error) == (
        "validation_error",
        "colour: “colour” is not an input of the social_captions tool.",
        {
            "inputs": {
                "colour": ["“colour” is not an input of the social_captions tool."],
                "topic": ["This field is required."],
                "count": ["At most 5."],
            }
        },
        400,
    )
    error = refusal(captions.clean, ["topic"])
    assert error_shape(error) == (
        "validation_error",
        "Inputs must be an object.",
        {"inputs": ["Inputs must be an object."]},
        400,
    )


def test_an_unknown_tool_is_refused_naming_the_tools():
    message = (
        "Choose one of: bio, tagline, press_release, gig_pitch, social_captions, setlist_ideas, "
        "message_reply."
    )
    for name in ("poem", None, ["bio"]):
        error = refusal(tool_named, name)
        assert error_shape(error) == ("validation_error", message, {"tool": [message]}, 400)
    assert tool_named("bio") is TOOLS["bio"]


# --- grounding -----------------------------------------------------------------------------------


def facts_of(generation_or_grounding, source: str) -> dict[str, tuple[str, str]]:
    facts = getattr(generation_or_grounding, "facts", generation_or_grounding)
    return {
        (f["field"] if isinstance(f, dict) else f.field): (
            (f["label"], f["value"]) if isinstance(f, dict) else (f.label, f.value)
        )
        for f in facts
        if (f["source"] if isinstance(f, dict) else f.source) == source
    }


def test_the_profile_facts_of_a_bio_read_as_the_profile_says():
    artist = full_artist(
        performance_types=["band", "dj"],
        pronouns="",
        website_url="https://nova.example",
        verified=True,
    )
    found = grounding.ground(user=artist.user, tool=TOOLS["bio"], inputs={})
    assert facts_of(found, "profile") == {
        "stage_name": ("Stage name", "Nova Reyes"),
        "location": ("Based in", "Austin, TX, US"),
        "primary_genre": ("Primary genre", "indie"),
        "secondary_genres": ("Other genres", "folk, soul"),
        "performance_types": ("Performs as", "Band, DJ"),
        "influences": ("Influences", "Big Thief, Nina Simone"),
        "years_performing": ("Years performing", "6"),
        "biggest_gig": ("Biggest gig", "Opening for Khruangbin at Stubb's"),
        "story": ("Story", artist.story),
    }
    assert found.missing == []
    assert found.value("location") == "Austin, TX, US" and found.value("nothing") == ""


def test_a_social_post_gets_the_handles_with_an_at_and_only_those_filled_in():
    artist = full_artist(instagram_handle="novareyes", tiktok_handle="")
    found = grounding.ground(
        user=artist.user, tool=TOOLS["social_captions"], inputs={"topic": "New single"}
    )
    profile = facts_of(found, "profile")
    assert profile["instagram_handle"] == ("Instagram handle", "@novareyes")
    assert "tiktok_handle" not in profile
    assert facts_of(found, "you") == {"topic": ("What the post is about", "New single")}


def test_a_pitch_says_rates_are_negotiable_only_when_they_are():
    gig = GigFactory()
    open_artist = full_artist(rates_negotiable=True)
    fixed = full_artist(stage_name="Fixed", rates_negotiable=False)
    tool = TOOLS["gig_pitch"]
    found = grounding.ground(user=open_artist.user, tool=tool, inputs={"gig": gig.pk})
    assert facts_of(found, "profile")["rates_negotiable"] == ("Rates", "Negotiable")
    found = grounding.ground(user=fixed.user, tool=tool, inputs={"gig": gig.pk})
    assert "rates_negotiable" not in facts_of(found, "profile")


def test_long_profile_text_is_clipped_with_an_ellipsis():
    assert grounding._clip("  short  ") == "short"
    assert grounding._clip("abcdef", 6) == "abcdef"
    assert grounding._clip("abc  defg", 6) == "abc…"
    assert len(grounding._clip("x" * 2000)) == grounding.LONG_TEXT


def test_a_setlist_is_grounded_in_the_artists_tracks():
    artist = full_artist()
    for order, (title, year, genre) in enumerate(
        [("Tuesday", 2023, "folk"), ("Blue", None, ""), ("Late", None, "soul")]
    ):
        Track.objects.create(
            artist=artist,
            title=title,
            release_year=year,
            genre=genre,
            audio="t.mp3",
            display_order=order,
        )
    found = grounding.ground(user=artist.user, tool=TOOLS["setlist_ideas"], inputs={})
    assert facts_of(found, "profile")["tracks"] == (
        "Tracks",
        "Tuesday (2023, folk); Blue; Late (soul)",
    )
    assert found.suggested == []
    empty = full_artist(stage_name="No Tracks")
    found = grounding.ground(user=empty.user, tool=TOOLS["setlist_ideas"], inputs={})
    assert "tracks" not in facts_of(found, "profile") and found.suggested == ["tracks"]


def test_platform_facts_are_what_umbrella_knows_of_the_artist():
    artist = full_artist(verified=True, total_gigs=12, total_reviews=3, avg_rating=4.666)
    found = grounding.ground(user=artist.user, tool=TOOLS["bio"], inputs={})
    assert facts_of(found, "platform") == {
        "verified": ("Verified on Umbrella", "Yes"),
        "total_gigs": ("Gigs played through Umbrella", "12"),
        "avg_rating": ("Average rating from venues", "4.7 of 5 (3 reviews)"),
    }
    newcomer = full_artist(stage_name="New", verified=False, total_gigs=0, total_reviews=0)
    assert (
        facts_of(grounding.ground(user=newcomer.user, tool=TOOLS["bio"], inputs={}), "platform")
        == {}
    )
    tagline = grounding.ground(user=artist.user, tool=TOOLS["tagline"], inputs={})
    assert facts_of(tagline, "platform") == {}  # not a tool that uses them


def test_a_gigs_facts_read_as_the_gig_says():
    artist = full_artist()
    gig = GigFactory(
        title="Late Show",
        venue_name="The Blue Door",
        date=dt.date(2031, 5, 9),
        start_time=dt.time(20, 0),
        end_time=dt.time(23, 30),
        timezone="America/Chicago",
        location_city="Austin",
        location_state="TX",
        location_address="1 Main St",
        genre="indie",
        payment_type="hourly",
        payment_amount=12_550,
        description="A room for 80.",
    )
    found = grounding.ground(user=artist.user, tool=TOOLS["gig_pitch"], inputs={"gig": gig.pk})
    assert facts_of(found, "gig") == {
        "title": ("Gig", "Late Show"),
        "venue_name": ("Venue", "The Blue Door"),
        "when": ("When", "Friday 9 May 2031, 20:00 to 23:30 (America/Chicago)"),
        "where": ("Where", "Austin, TX"),
        "address": ("Address", "1 Main St"),
        "genre": ("Genre wanted", "indie"),
        "pay": ("Pay", "$125.50 an hour"),
        "description": ("Description", "A room for 80."),
    }
    assert found.gig_id == gig.pk and (found.booking_id, found.conversation_id) == (None, None)


@pytest.mark.parametrize(
    ("payment_type", "amount", "pay"),
    [
        ("flat", 50_000, "$500 (flat fee)"),
        ("flat", 1_234_500, "$12,345 (flat fee)"),
        ("negotiable", 50_000, "Negotiable"),
        ("flat", 0, "Negotiable"),
    ],
)
def test_a_gigs_pay_reads_as_people_say_it(payment_type, amount, pay):
    artist = full_artist()
    gig = GigFactory(payment_type=payment_type, payment_amount=amount, location_address="")
    found = grounding.ground(user=artist.user, tool=TOOLS["gig_pitch"], inputs={"gig": gig.pk})
    gig_facts = facts_of(found, "gig")
    assert gig_facts["pay"] == ("Pay", pay)
    assert "address" not in gig_facts


def test_a_booking_is_played_or_confirmed_and_a_cancelled_one_is_refused():
    artist = full_artist()
    booking = book(GigFactory(title="Late Show"), artist)
    tool = TOOLS["press_release"]
    found = grounding.ground(user=artist.user, tool=tool, inputs={"booking": booking.pk})
    assert facts_of(found, "booking")["status"] == ("Booking", "Confirmed")
    assert (found.booking_id, found.gig_id) == (booking.pk, booking.gig_id)
    with time_machine.travel(booking.ends_at + dt.timedelta(minutes=1), tick=False):
        found = grounding.ground(user=artist.user, tool=tool, inputs={"booking": booking.pk})
    assert facts_of(found, "booking")["status"] == ("Booking", "Played")
    booking.status = "cancelled"
    booking.cancelled_at = dt.datetime.now(dt.UTC)
    booking.save()
    error = refusal(grounding.ground, user=artist.user, tool=tool, inputs={"booking": booking.pk})
    assert error_shape(error) == ("booking_not_active", "That booking was cancelled.", {}, 409)
    assert error.field == "booking"
    error = refusal(grounding.ground, user=artist.user, tool=tool, inputs={"booking": 999_999})
    assert error_shape(error) == ("not_found", "No such booking of yours.", {}, 404)
    assert error.field == "booking"


def test_a_gig_not_open_or_not_there_is_refused_on_the_gig():
    artist = full_artist()
    gig = GigFactory()
    gig.status = "cancelled"
    gig.save()
    tool = TOOLS["gig_pitch"]
    error = refusal(grounding.ground, user=artist.user, tool=tool, inputs={"gig": gig.pk})
    assert error_shape(error) == (
        "gig_not_open",
        "That gig is not open for applications any more.",
        {},
        409,
    )
    assert error.field == "gig"
    error = refusal(grounding.ground, user=artist.user, tool=tool, inputs={"gig": 999_999})
    assert (error.code, error.field) == ("not_found", "gig")


# --- services: the allowance and the generation's record ---------------------------------------


def test_the_next_reset_is_the_next_utc_midnight_whatever_the_zone():
    tokyo = dt.timezone(dt.timedelta(hours=9))
    now = dt.datetime(2030, 3, 2, 8, 0, tzinfo=tokyo)  # 23:00 UTC on 1 March
    assert services.utc_today(now) == dt.date(2030, 3, 1)
    assert services.next_reset(now) == dt.datetime(2030, 3, 2, tzinfo=dt.UTC)


def test_a_pending_generation_is_stale_after_the_longest_call_and_a_minute(settings):
    settings.VIOLET_TIMEOUT_SECONDS = 60
    settings.VIOLET_MAX_RETRIES = 2
    settings.VIOLET_STREAM_MAX_SECONDS = 100
    assert services.stale_after() == dt.timedelta(seconds=60 * 3 + 60)
    settings.VIOLET_STREAM_MAX_SECONDS = 500
    assert services.stale_after() == dt.timedelta(seconds=500 + 60)


def test_an_answers_cost_is_each_kind_of_token_at_its_price(settings):
    settings.VIOLET_PRICES_USD_PER_MTOK = {
        "input": 3.0,
        "output": 15.0,
        "cache_read": 0.3,
        "cache_write": 3.75,
    }
    completion = Completion("x", "m", input_tokens=1000, output_tokens=200)
    assert services.cost_micro_usd(completion) == 3000 + 3000
    cached = Completion("x", "m", cache_read_tokens=1000, cache_write_tokens=100)
    assert services.cost_micro_usd(cached) == 300 + 375


def test_the_limit_refusal_says_what_was_used_and_when_it_resets(settings):
    settings.VIOLET_DAILY_LIMIT = 3
    artist = full_artist()
    with time_machine.travel(dt.datetime(2030, 3, 1, 23, 59, 30, tzinfo=dt.UTC), tick=False):
        DailyUsage.objects.create(artist=artist, day=dt.date(2030, 3, 1), prompts=3)
        error = refusal(services.generate, user=artist.user, tool="tagline", inputs={})
    assert error_shape(error) == (
        "violet_limit_reached",
        "You have used your 3 Violet prompts for today. More at midnight UTC.",
        {"limit": 3, "used": 3, "remaining": 0, "resets_at": "2030-03-02T00:00:00Z"},
        429,
    )
    assert error.retry_after == 30


def test_a_completed_generation_records_the_answer_and_adds_its_tokens_to_the_day(settings):
    settings.VIOLET_PRICES_USD_PER_MTOK = {
        "input": 1.0,
        "output": 2.0,
        "cache_read": 3.0,
        "cache_write": 4.0,
    }
    artist = full_artist()
    DailyUsage.objects.create(
        artist=artist,
        day=services.utc_today(),
        input_tokens=1,
        output_tokens=1,
        cache_read_tokens=1,
        cache_write_tokens=1,
        cost_micro_usd=1,
    )
    generation = started(artist.user)
    completion = Completion("Draft", "", 10, 20, 30, 40)
    done = services.generation_complete(generation_id=generation.pk, completion=completion)
    done.refresh_from_db()
    assert (done.status, done.output, done.model, done.error_code, done.error_message) == (
        GenerationStatus.COMPLETED,
        "Draft",
        generation.model,  # no model named in the answer: the one asked
        "",
        "",
    )
    assert (
        done.input_tokens,
        done.output_tokens,
        done.cache_read_tokens,
        done.cache_write_tokens,
        done.cost_micro_usd,
    ) == (10, 20, 30, 40, 10 + 40 + 90 + 160)
    assert done.completed_at is not None
    day = DailyUsage.objects.get(artist=artist)
    assert (
        day.prompts,
        day.input_tokens,
        day.output_tokens,
        day.cache_read_tokens,
        day.cache_write_tokens,
        day.cost_micro_usd,
    ) == (1, 11, 21, 31, 41, 301)
    again = services.generation_complete(
        generation_id=generation.pk, completion=Completion("Other", "m2", 5)
    )
    assert again.output == "Draft"  # completed once: a second answer changes nothing
    assert DailyUsage.objects.get(artist=artist).input_tokens == 11


def test_a_completion_names_the_model_that_answered():
    artist = full_artist()
    generation = started(artist.user)
    done = services.generation_complete(
        generation_id=generation.pk, completion=Completion("Draft", "claude-x")
    )
    assert Generation.objects.get(pk=done.pk).model == "claude-x"


def test_a_failure_records_the_error_cut_to_its_columns():
    artist = full_artist()
    generation = started(artist.user)
    error = ProviderFailure("e" * 50, "m" * 400)
    services.generation_fail(generation_id=generation.pk, error=error)
    failed = Generation.objects.get(pk=generation.pk)
    assert (failed.error_code, failed.error_message) == ("e" * 40, "m" * 300)
    assert failed.completed_at is not None


def test_a_cancelled_generation_says_why_and_when_and_a_finished_one_is_not_cancelled():
    artist = full_artist()
    generation = started(artist.user)
    services.generation_cancel(generation_id=generation.pk, partial="Nova")
    cancelled = Generation.objects.get(pk=generation.pk)
    assert (cancelled.error_code, cancelled.error_message) == (
        "cancelled",
        "The page was closed before the draft was finished.",
    )
    assert cancelled.completed_at is not None
    done = services.generate(user=artist.user, tool="tagline", inputs={})
    services.generation_cancel(generation_id=done.pk, partial="x")
    assert Generation.objects.get(pk=done.pk).status == GenerationStatus.COMPLETED


def test_a_stale_generation_is_failed_as_a_timeout_with_its_message():
    artist = full_artist()
    dead = started(artist.user)
    Generation.objects.filter(pk=dead.pk).update(
        created_at=dt.datetime.now(dt.UTC) - services.stale_after() - dt.timedelta(seconds=1)
    )
    recent = started(artist.user)
    dead.refresh_from_db()
    assert (dead.status, dead.error_code, dead.error_message) == (
        GenerationStatus.FAILED,
        "violet_provider_timeout",
        "No answer came: the draft was abandoned.",
    )
    assert Generation.objects.get(pk=recent.pk).status == GenerationStatus.PENDING


def test_a_generation_records_what_it_was_given():
    artist = full_artist()
    gig = GigFactory()
    generation = started(artist.user, "gig_pitch", {"gig": gig.pk, "notes": "We bring a PA"})
    stored = Generation.objects.get(pk=generation.pk)
    assert (stored.tool, stored.inputs, stored.gig_id, stored.status) == (
        "gig_pitch",
        {"gig": gig.pk, "notes": "We bring a PA"},
        gig.pk,
        GenerationStatus.PENDING,
    )
    assert (stored.provider, stored.usage_day) == ("offline", services.utc_today())
    assert {
        "source": "you",
        "field": "notes",
        "label": "Anything to add",
        "value": "We bring a PA",
    } in stored.facts


def test_a_profile_incomplete_refusal_names_each_field():
    artist = full_artist(primary_genre="", stage_name="")
    error = refusal(services.generation_prepare, user=artist.user, tool="bio", inputs={})
    assert error_shape(error) == (
        "profile_incomplete",
        "Fill in your profile first: Stage name, Primary genre.",
        {
            "missing_fields": [
                {"field": "stage_name", "label": "Stage name"},
                {"field": "primary_genre", "label": "Primary genre"},
            ]
        },
        409,
    )


def test_saving_refusals_say_why():
    artist = full_artist()
    captions = services.generate(user=artist.user, tool="social_captions", inputs={"topic": "x"})
    pending = started(artist.user)
    save = services.generation_save_to_profile
    assert error_shape(refusal(save, user=artist.user, generation_id=captions.pk)) == (
        "violet_not_savable",
        "This kind of draft has no profile field to go into: copy it instead.",
        {},
        409,
    )
    assert error_shape(refusal(save, user=artist.user, generation_id=pending.pk)) == (
        "violet_not_completed",
        "Only a finished draft can be saved.",
        {},
        409,
    )
    assert error_shape(refusal(save, user=artist.user, generation_id=999_999)) == (
        "not_found",
        "No such draft of yours.",
        {},
        404,
    )


def test_a_reply_is_grounded_in_who_said_what_oldest_first():
    from messaging import services as messaging_services
    from tests.marketplace.factories import VenueProfileFactory

    artist = full_artist()
    venue = VenueProfileFactory()
    venue.user.display_name = "Sam at The Blue Door"
    venue.user.save()
    conversation, _ = messaging_services.conversation_open(user=venue.user, other_id=artist.user.pk)
    tool = TOOLS["message_reply"]
    error = refusal(
        grounding.ground, user=artist.user, tool=tool, inputs={"conversation": conversation.pk}
    )
    assert error_shape(error) == (
        "validation_error",
        "That conversation has no messages to reply to yet.",
        {"inputs": {"conversation": ["That conversation has no messages yet."]}},
        400,
    )
    assert error.field == "conversation"
    ids = [
        messaging_services.message_send(
            user=sender, conversation_id=conversation.pk, content=text
        ).pk
        for sender, text in [
            (venue.user, "Free on Friday?"),
            (artist.user, "Maybe!"),
            (venue.user, "Great"),
        ]
    ]
    found = grounding.ground(
        user=artist.user, tool=tool, inputs={"conversation": conversation.pk, "intent": "yes"}
    )
    assert found.conversation_id == conversation.pk
    assert found.other_name == "Sam at The Blue Door"
    assert found.messages == [
        ("Sam at The Blue Door", "Free on Friday?"),
        ("You", "Maybe!"),
        ("Sam at The Blue Door", "Great"),
    ]
    assert facts_of(found, "conversation") == {
        "other": ("Talking with", "Sam at The Blue Door"),
        f"message:{ids[0]}": ("Message from Sam at The Blue Door", "Free on Friday?"),
        f"message:{ids[1]}": ("Message from You", "Maybe!"),
        f"message:{ids[2]}": ("Message from Sam at The Blue Door", "Great"),
    }
    assert facts_of(found, "you") == {"intent": ("What you want to say", "yes")}
    error = refusal(grounding.ground, user=artist.user, tool=tool, inputs={"conversation": 999_999})
    assert (error.code, error.field) == ("not_found", "conversation")


def test_a_message_is_given_whole_up_to_the_longest_message():
    from messaging import services as messaging_services
    from tests.marketplace.factories import VenueProfileFactory

    artist, venue = full_artist(), VenueProfileFactory()
    conversation, _ = messaging_services.conversation_open(user=venue.user, other_id=artist.user.pk)
    long = "word " * 399 + "end"  # 1,998 characters: longer than a bio is given (1,500)
    messaging_services.message_send(user=venue.user, conversation_id=conversation.pk, content=long)
    found = grounding.ground(
        user=artist.user, tool=TOOLS["message_reply"], inputs={"conversation": conversation.pk}
    )
    assert found.messages[0][1] == long


# --- the second mutation run (docs/mutation/analytics-violet.md, 4 December, afternoon) --------


def test_a_booking_is_played_only_once_its_end_has_passed():
    artist = full_artist()
    booking = book(GigFactory(), artist)
    tool = TOOLS["press_release"]
    with time_machine.travel(booking.ends_at, tick=False):
        found = grounding.ground(user=artist.user, tool=tool, inputs={"booking": booking.pk})
    assert facts_of(found, "booking")["status"] == ("Booking", "Confirmed")


def test_a_tiktok_handle_is_given_with_an_at_and_an_unlisted_performance_type_as_stored():
    artist = full_artist(
        instagram_handle="", tiktok_handle="nova.reyes", performance_types=["band", "choir"]
    )
    found = grounding.ground(
        user=artist.user, tool=TOOLS["social_captions"], inputs={"topic": "New single"}
    )
    profile = facts_of(found, "profile")
    assert profile["tiktok_handle"] == ("TikTok handle", "@nova.reyes")
    assert profile["stage_name"] == ("Stage name", "Nova Reyes")
    assert "instagram_handle" not in profile
    # a type no longer in the list (an older profile) reads as stored, not as "None"
    assert profile["performance_types"] == ("Performs as", "Band, choir")


def test_the_limit_refusal_counts_the_artists_own_prompts_of_today_only(settings):
    settings.VIOLET_DAILY_LIMIT = 3
    artist, other = full_artist(), full_artist(stage_name="Other")
    today = services.utc_today()
    DailyUsage.objects.create(artist=artist, day=today - dt.timedelta(days=1), prompts=2)
    DailyUsage.objects.create(artist=artist, day=today, prompts=3)
    DailyUsage.objects.create(artist=other, day=today, prompts=1)  # newer: listed first
    error = refusal(services.generate, user=artist.user, tool="tagline", inputs={})
    assert (error.details["used"], error.details["remaining"]) == (3, 0)


def test_with_no_allowance_at_all_the_refusal_says_none_was_used(settings):
    settings.VIOLET_DAILY_LIMIT = 0  # Violet switched off
    artist = full_artist()
    error = refusal(services.generate, user=artist.user, tool="tagline", inputs={})
    assert error.code == "violet_limit_reached"
    assert (error.details["limit"], error.details["used"], error.details["remaining"]) == (0, 0, 0)
    assert not Generation.objects.filter(artist=artist).exists()


def test_half_a_second_before_midnight_the_refusal_says_retry_after_one_second(settings):
    settings.VIOLET_DAILY_LIMIT = 0
    artist = full_artist()
    with time_machine.travel(
        dt.datetime(2030, 3, 1, 23, 59, 59, 500_000, tzinfo=dt.UTC), tick=False
    ):
        error = refusal(services.generate, user=artist.user, tool="tagline", inputs={})
    assert error.retry_after == 1 and error.details["resets_at"] == "2030-03-02T00:00:00Z"


def test_a_failure_gives_back_the_unit_of_its_own_artist_and_day_only():
    artist, other = full_artist(), full_artist(stage_name="Other")
    today = services.utc_today()
    DailyUsage.objects.create(artist=other, day=today, prompts=4)
    DailyUsage.objects.create(artist=artist, day=today - dt.timedelta(days=1), prompts=2)
    generation = started(artist.user)
    row = DailyUsage.objects.get(artist=artist, day=today)
    DailyUsage.objects.filter(pk=row.pk).update(updated_at=row.updated_at - dt.timedelta(hours=1))
    services.generation_fail(generation_id=generation.pk, error=ProviderFailure("x", "y"))
    mine = DailyUsage.objects.get(pk=row.pk)
    assert (mine.prompts, mine.failures) == (0, 1) and mine.updated_at > row.updated_at
    assert DailyUsage.objects.get(artist=other).prompts == 4
    assert DailyUsage.objects.get(artist=artist, day=today - dt.timedelta(days=1)).prompts == 2


def test_a_failure_never_takes_the_days_count_below_zero():
    artist = full_artist()
    generation = started(artist.user)
    DailyUsage.objects.filter(artist=artist).update(prompts=0)  # staff reset the day meanwhile
    services.generation_fail(generation_id=generation.pk, error=ProviderFailure("x", "y"))
    assert DailyUsage.objects.get(artist=artist).prompts == 0


class CrashingProvider(OfflineProvider):
    name = "crashing"

    def complete(self, job):
        raise RuntimeError("boom")


def test_a_provider_that_crashes_is_logged_by_name_and_its_unit_given_back(caplog):
    artist = full_artist()
    with pytest.raises(RuntimeError):
        services.generate(user=artist.user, tool="tagline", inputs={}, provider=CrashingProvider())
    assert "Violet provider crashing crashed" in caplog.messages
    generation = Generation.objects.get(artist=artist)
    assert (generation.status, generation.error_code, generation.error_message) == (
        GenerationStatus.FAILED,
        "violet_provider_error",
        "The AI provider failed.",
    )
    assert DailyUsage.objects.get(artist=artist).prompts == 0


def test_completing_after_an_expiry_takes_a_unit_when_one_is_left(settings):
    settings.VIOLET_DAILY_LIMIT = 2
    artist = full_artist()
    late = started(artist.user)
    services.generation_fail(
        generation_id=late.pk, error=ProviderFailure("violet_provider_timeout", "x", status=504)
    )
    assert DailyUsage.objects.get(artist=artist).prompts == 0
    done = services.generation_complete(generation_id=late.pk, completion=Completion("Late", "m"))
    assert Generation.objects.get(pk=done.pk).status == GenerationStatus.COMPLETED
    assert DailyUsage.objects.get(artist=artist).prompts == 1


def test_a_completions_tokens_go_to_its_own_artists_day_only():
    artist, other = full_artist(), full_artist(stage_name="Other")
    today = services.utc_today()
    DailyUsage.objects.create(artist=other, day=today)
    DailyUsage.objects.create(artist=artist, day=today - dt.timedelta(days=1))
    generation = started(artist.user)
    row = DailyUsage.objects.get(artist=artist, day=today)
    DailyUsage.objects.filter(pk=row.pk).update(updated_at=row.updated_at - dt.timedelta(hours=1))
    services.generation_complete(
        generation_id=generation.pk, completion=Completion("Draft", "m", input_tokens=7)
    )
    mine = DailyUsage.objects.get(pk=row.pk)
    assert mine.input_tokens == 7 and mine.updated_at > row.updated_at
    assert DailyUsage.objects.get(artist=other).input_tokens == 0
    assert DailyUsage.objects.get(artist=artist, day=today - dt.timedelta(days=1)).input_tokens == 0


def test_a_draft_of_a_tool_since_removed_is_shown_and_not_savable():
    artist = full_artist()
    generation = services.generate(user=artist.user, tool="bio", inputs={})
    Generation.objects.filter(pk=generation.pk).update(tool="old_tool")
    generation.refresh_from_db()
    assert services.save_field_of(generation) == ""
    assert selectors.generation_card(generation)["save_field"] is None
    error = refusal(
        services.generation_save_to_profile, user=artist.user, generation_id=generation.pk
    )
    assert error.code == "violet_not_savable"


def test_a_prompt_takes_a_unit_of_its_own_artists_day_only_and_stamps_it():
    artist, other = full_artist(), full_artist(stage_name="Other")
    today = services.utc_today()
    DailyUsage.objects.create(artist=other, day=today, prompts=1)
    DailyUsage.objects.create(artist=artist, day=today - dt.timedelta(days=1), prompts=1)
    row = DailyUsage.objects.create(artist=artist, day=today, prompts=1)
    DailyUsage.objects.filter(pk=row.pk).update(updated_at=row.updated_at - dt.timedelta(hours=1))
    started(artist.user)
    mine = DailyUsage.objects.get(pk=row.pk)
    assert mine.prompts == 2 and mine.updated_at > row.updated_at
    assert DailyUsage.objects.get(artist=other).prompts == 1
    assert DailyUsage.objects.get(artist=artist, day=today - dt.timedelta(days=1)).prompts == 1


def test_a_pending_generation_younger_than_the_stale_age_is_left_alone():
    artist = full_artist()
    first = started(artist.user)
    started(artist.user)  # the second request expires only what is stale
    assert Generation.objects.get(pk=first.pk).status == GenerationStatus.PENDING
    assert DailyUsage.objects.get(artist=artist).prompts == 2


def test_a_generation_records_its_booking_prompt_and_model():
    artist = full_artist()
    booking = book(GigFactory(), artist)
    generation = started(artist.user, "press_release", {"booking": booking.pk})
    stored = Generation.objects.get(pk=generation.pk)
    assert (stored.booking_id, stored.gig_id, stored.model) == (booking.pk, booking.gig_id, MODEL)
    assert stored.prompt.startswith("Write a press release announcing Nova Reyes's show")


def test_a_start_expires_only_its_own_artists_stale_generations():
    artist, other = full_artist(), full_artist(stage_name="Other")
    theirs = started(other.user)
    Generation.objects.filter(pk=theirs.pk).update(
        created_at=dt.datetime.now(dt.UTC) - services.stale_after() - dt.timedelta(seconds=1)
    )
    started(artist.user)
    assert Generation.objects.get(pk=theirs.pk).status == GenerationStatus.PENDING


def test_an_artist_still_onboarding_is_told_to_finish_first():
    newcomer = ArtistProfileFactory(onboarding_step=2, user__onboarding_complete=False)
    error = refusal(services.generate, user=newcomer.user, tool="bio", inputs={})
    assert error_shape(error) == (
        "onboarding_required",
        "Finish onboarding before doing this.",
        {},
        403,
    )
