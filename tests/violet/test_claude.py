"""The Claude provider against a local stand-in for Anthropic's API (the SDK's base URL points
at pytest-httpserver): the exact request (model, system prompt with the grounding facts and
its cache mark, max tokens, the stream flag), the tokens recorded, streaming, a stream cut off
halfway, errors and timeouts — and in every failure the allowance is unchanged."""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from tests.marketplace.factories import GigFactory
from tests.messaging.conftest import run_async
from tests.violet.claude_server import API_KEY, MODEL, FakeClaude
from tests.violet.factories import full_artist
from umbrella.errors import ApplicationError
from violet import prompts, selectors, services
from violet.models import DailyUsage, Generation, GenerationStatus
from violet.providers import Completion, Delta, ProviderFailure, get_provider
from violet.providers.claude import ClaudeProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def claude(settings, httpserver):
    settings.VIOLET_API_KEY = API_KEY
    settings.VIOLET_BASE_URL = httpserver.url_for("/").rstrip("/")
    settings.VIOLET_MODEL = MODEL
    settings.VIOLET_MAX_TOKENS = 700
    settings.VIOLET_TIMEOUT_SECONDS = 5
    settings.VIOLET_MAX_RETRIES = 0
    settings.VIOLET_PRICES_USD_PER_MTOK = {
        "input": 3.0,
        "output": 15.0,
        "cache_read": 0.3,
        "cache_write": 3.75,
    }
    fake = FakeClaude(httpserver)
    yield fake
    httpserver.clear()


@pytest.fixture
def pitch():
    artist = full_artist()
    gig = GigFactory(title="Friday Late Show", venue_name="The Blue Door", genre="indie")
    prepared = services.generation_prepare(
        user=artist.user, tool="gig_pitch", inputs={"gig": gig.pk, "notes": "We bring a PA"}
    )
    return artist, gig, prepared


def used_today(artist) -> int:
    return selectors.usage_of(artist_id=artist.pk)["used"]


def test_the_provider_is_claude_with_a_key_and_offline_without(settings):
    settings.VIOLET_API_KEY = ""
    assert get_provider().offline is True
    settings.VIOLET_API_KEY = API_KEY
    provider = get_provider()
    assert isinstance(provider, ClaudeProvider)
    assert (provider.name, provider.offline, provider.model) == (
        "claude",
        False,
        settings.VIOLET_MODEL,
    )


@pytest.mark.parametrize("variable", ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY"])
def test_either_environment_variable_sets_the_key(variable, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "umbrella.settings", variable: "k1"}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.VIOLET_API_KEY)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "k1"


def test_complete_sends_the_exact_request_and_reads_the_tokens(claude, pitch):
    artist, _gig, prepared = pitch
    claude.answer("We would love to play the Friday Late Show.", input_tokens=321)

    completion = get_provider().complete(prepared.job)

    assert claude.requests == [
        {
            "model": MODEL,
            "max_tokens": 700,
            "system": [
                {
                    "type": "text",
                    "text": prompts.SYSTEM_PROMPT,
                    "cache_control": {"type": "ephemeral"},
                },
                {"type": "text", "text": prompts.facts_block(prepared.grounding.facts)},
            ],
            "messages": [{"role": "user", "content": prepared.prompt.user}],
            "metadata": {"user_id": f"artist-{artist.pk}"},
        }
    ]
    facts = claude.requests[0]["system"][1]["text"]
    assert facts.startswith("Facts you may use (and nothing else):\n")
    for line in (
        "- Stage name (artist's profile): Nova Reyes",
        "- Gig (the gig): Friday Late Show",
        "- Venue (the gig): The Blue Door",
        "- Anything to add (typed by the artist): We bring a PA",
        "- Biggest gig (artist's profile): Opening for Khruangbin at Stubb's",
    ):
        assert line in facts
    assert "Never invent achievements" in prompts.SYSTEM_PROMPT
    assert API_KEY in (
        claude.headers[0].get("x-api-key", ""),
        claude.headers[0]["authorization"].removeprefix("Bearer "),
    )
    assert claude.headers[0]["anthropic-version"]
    assert completion == Completion(
        text="We would love to play the Friday Late Show.",
        model=MODEL,
        input_tokens=321,
        output_tokens=45,
        cache_read_tokens=1200,
        cache_write_tokens=0,
        stop_reason="end_turn",
    )


def test_generate_records_tokens_and_cost_on_the_draft_and_the_day(claude):
    artist = full_artist()
    claude.answer("Nova Reyes is an indie band from Austin.", input_tokens=1000)

    generation = services.generate(user=artist.user, tool="bio", inputs={})

    assert generation.status == GenerationStatus.COMPLETED
    assert (generation.provider, generation.model) == ("claude", MODEL)
    assert generation.output == "Nova Reyes is an indie band from Austin."
    assert (generation.input_tokens, generation.output_tokens) == (1000, 45)
    assert generation.cache_read_tokens == 1200
    # 1000 x $3 + 45 x $15 + 1200 x $0.30 per million tokens, in micro-dollars
    assert generation.cost_micro_usd == 3000 + 675 + 360
    day = DailyUsage.objects.get(artist=artist)
    assert (day.prompts, day.input_tokens, day.output_tokens, day.cache_read_tokens) == (
        1,
        1000,
        45,
        1200,
    )
    assert day.cost_micro_usd == generation.cost_micro_usd


def _collect(provider, job):
    async def scenario():
        return [item async for item in provider.stream(job)]

    return run_async(scenario)


def test_stream_sends_the_stream_flag_and_yields_the_text_as_it_comes(claude, pitch):
    _, _, prepared = pitch
    claude.stream(["We would ", "love to ", "play."])

    items = _collect(get_provider(), prepared.job)

    assert claude.requests[0]["stream"] is True
    assert {k: v for k, v in claude.requests[0].items() if k != "stream"} == {
        "model": MODEL,
        "max_tokens": 700,
        "system": [
            {"type": "text", "text": prompts.SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": prompts.facts_block(prepared.grounding.facts)},
        ],
        "messages": [{"role": "user", "content": prepared.prompt.user}],
        "metadata": {"user_id": f"artist-{prepared.grounding.artist.pk}"},
    }
    assert items[:-1] == [Delta("We would "), Delta("love to "), Delta("play.")]
    final = items[-1]
    assert isinstance(final, Completion)
    assert (final.text, final.input_tokens, final.output_tokens, final.cache_read_tokens) == (
        "We would love to play.",
        321,
        45,
        1200,
    )


def test_a_stream_cut_off_halfway_is_a_clear_error(claude, pitch):
    _, _, prepared = pitch
    claude.stream(["We would ", "love to ", "play."], cut_after=4)  # start, block, ping, 1 delta

    with pytest.raises(ProviderFailure) as caught:
        _collect(get_provider(), prepared.job)

    assert caught.value.code == "violet_stream_interrupted"
    assert caught.value.status_code == 502
    assert "cut off" in caught.value.message


def test_a_provider_error_gives_the_prompt_back(claude):
    artist = full_artist()
    claude.fail(500)

    with pytest.raises(ApplicationError) as caught:
        services.generate(user=artist.user, tool="tagline", inputs={})

    assert (caught.value.code, caught.value.status_code) == ("violet_provider_error", 502)
    generation = Generation.objects.get(artist=artist)
    assert generation.status == GenerationStatus.FAILED
    assert generation.error_code == "violet_provider_error"
    assert used_today(artist) == 0
    assert DailyUsage.objects.get(artist=artist).failures == 1


def test_a_timeout_gives_the_prompt_back(claude, settings):
    settings.VIOLET_TIMEOUT_SECONDS = 0.5
    artist = full_artist()
    claude.slow(2)

    with pytest.raises(ApplicationError) as caught:
        services.generate(user=artist.user, tool="tagline", inputs={})

    assert (caught.value.code, caught.value.status_code) == ("violet_provider_timeout", 504)
    assert used_today(artist) == 0
    assert Generation.objects.get(artist=artist).status == GenerationStatus.FAILED


def test_the_api_answers_502_in_the_error_shape_and_the_allowance_stays(claude, api_client):
    artist = full_artist()
    api_client.force_authenticate(artist.user)
    claude.fail(529)

    response = api_client.post(
        "/api/v1/violet/generate", {"tool": "bio", "inputs": {}}, format="json"
    )

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "violet_provider_error"
    usage = api_client.get("/api/v1/violet/usage").json()["today"]
    assert (usage["used"], usage["remaining"]) == (0, 50)
