"""The Violet API: tools with their input schemas, generate, history, usage, save; artists
only; another artist's history out of reach; the shapes agree with the schema's serializers;
queries do not grow with the rows."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import GigFactory
from tests.violet.factories import full_artist
from violet import services
from violet.api.serializers import GenerationSerializer, ToolSerializer
from violet.models import DailyUsage, Generation
from violet.tools import TOOLS

pytestmark = pytest.mark.django_db


@pytest.fixture
def artist():
    return full_artist()


@pytest.fixture
def client(artist) -> APIClient:
    client = APIClient()
    client.force_authenticate(artist.user)
    return client


def test_tools_list_every_tool_with_its_input_schema_and_what_the_profile_lacks(client, artist):
    artist.primary_genre = ""
    artist.save()

    response = client.get("/api/v1/violet/tools")

    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body["tools"]] == list(TOOLS)
    bio = body["tools"][0]
    assert set(bio) == set(ToolSerializer().fields)
    assert bio["input_schema"] == {
        "type": "object",
        "properties": {
            "length": {
                "title": "Length",
                "type": "string",
                "enum": ["one_line", "short", "long"],
                "default": "short",
            },
            "voice": {
                "title": "Voice",
                "type": "string",
                "enum": ["third", "first"],
                "default": "third",
            },
            "tone": {
                "title": "Tone",
                "type": "string",
                "enum": ["warm", "professional", "playful", "bold"],
                "default": "warm",
            },
        },
        "required": [],
        "additionalProperties": False,
    }
    assert bio["save_field"] == "bio"
    assert bio["missing_fields"] == [{"field": "primary_genre", "label": "Primary genre"}]
    pitch = next(t for t in body["tools"] if t["name"] == "gig_pitch")
    assert pitch["input_schema"]["properties"]["gig"]["x-refers-to"] == "gig"
    assert pitch["input_schema"]["required"] == ["gig"]
    assert body["provider"] == {
        "name": "offline",
        "model": "offline-templates-1",
        "offline": True,
        "label": "Offline draft",
    }
    assert body["usage"]["remaining"] == 50


def test_generate_answers_the_draft_its_facts_and_the_allowance_left(client, artist):
    gig = GigFactory(title="Friday Late Show")

    response = client.post(
        "/api/v1/violet/generate",
        {"tool": "gig_pitch", "inputs": {"gig": gig.pk}},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    generation = body["generation"]
    assert set(generation) == set(GenerationSerializer().fields)
    assert generation["status"] == "completed"
    assert generation["offline"] is True and generation["label"] == "Offline draft"
    assert "Friday Late Show" in generation["output"]
    assert {"source": "gig", "field": "title", "label": "Gig", "value": "Friday Late Show"} in (
        generation["facts"]
    )
    assert generation["gig_id"] == gig.pk
    assert body["usage"]["used"] == 1 and body["usage"]["remaining"] == 49


def test_generate_refuses_clearly_and_writes_nothing(client, artist):
    cases = [
        ({"tool": "bio", "inputs": {"length": "epic"}}, 400, "validation_error"),
        ({"tool": "nope"}, 400, "validation_error"),
        ({"tool": "bio", "surprise": 1}, 400, "validation_error"),
        ({"tool": "gig_pitch", "inputs": {"gig": 10**12}}, 404, "not_found"),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/violet/generate", body, format="json")
        assert response.status_code == status, (body, response.json())
        assert response.json()["error"]["code"] == code
    assert not Generation.objects.exists()
    assert not DailyUsage.objects.filter(prompts__gt=0).exists()


def test_the_limit_is_a_429_with_retry_after(client, artist, settings):
    settings.VIOLET_DAILY_LIMIT = 1
    client.post("/api/v1/violet/generate", {"tool": "tagline"}, format="json")

    response = client.post("/api/v1/violet/generate", {"tool": "tagline"}, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "violet_limit_reached"
    assert response.json()["error"]["details"]["remaining"] == 0


def test_other_roles_are_refused(api_client):
    api_client.force_authenticate(UserFactory(role=Role.VENUE))

    for method, path in [
        ("get", "/api/v1/violet/tools"),
        ("get", "/api/v1/violet/history"),
        ("get", "/api/v1/violet/usage"),
        ("post", "/api/v1/violet/generate"),
    ]:
        response = getattr(api_client, method)(path, {"tool": "bio"}, format="json")
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "not_an_artist"


def test_history_is_ones_own_newest_first_and_others_are_unreachable(client, artist):
    other = full_artist(stage_name="Other")
    mine = [services.generate(user=artist.user, tool=t, inputs={}) for t in ("bio", "tagline")]
    theirs = services.generate(user=other.user, tool="bio", inputs={})

    listed = client.get("/api/v1/violet/history").json()
    only_bios = client.get("/api/v1/violet/history", {"tool": "bio"}).json()

    assert [g["id"] for g in listed["results"]] == [mine[1].pk, mine[0].pk]
    assert [g["id"] for g in only_bios["results"]] == [mine[0].pk]
    assert client.get(f"/api/v1/violet/history/{mine[0].pk}").json()["id"] == mine[0].pk
    for path in (f"/api/v1/violet/history/{theirs.pk}",):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    response = client.post(f"/api/v1/violet/history/{theirs.pk}/save")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.bio == ""
    assert client.get("/api/v1/violet/history", {"tool": "poem"}).status_code == 400


def test_history_reads_a_fixed_number_of_queries(client, artist, django_assert_max_num_queries):
    for _ in range(3):
        services.generate(user=artist.user, tool="tagline", inputs={})
    with django_assert_max_num_queries(3) as few:
        assert len(client.get("/api/v1/violet/history").json()["results"]) == 3
    for _ in range(15):
        services.generate(user=artist.user, tool="tagline", inputs={})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/violet/history").json()["results"]) == 18


def test_save_puts_a_bio_draft_into_the_profile(client, artist):
    generation = services.generate(user=artist.user, tool="bio", inputs={})

    response = client.post(f"/api/v1/violet/history/{generation.pk}/save")

    assert response.status_code == 200
    assert response.json()["saved_field"] == "bio"
    artist.refresh_from_db()
    assert artist.bio == generation.output


def test_usage_reports_today_and_the_tokens_per_day(client, artist):
    services.generate(user=artist.user, tool="tagline", inputs={})

    body = client.get("/api/v1/violet/usage").json()

    assert body["today"]["used"] == 1 and body["today"]["remaining"] == 49
    assert body["days"] == [
        {
            "day": body["today"]["day"],
            "prompts": 1,
            "failures": 0,
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
        }
    ]
