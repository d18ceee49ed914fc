"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis), with
real objects, real credentials per role, and a per-operation list of the statuses it may answer.

Every operation is fuzzed as each role of ``fuzz_world.ROLES`` (anonymous, a bad or expired
token, a newcomer without a role, a fan, an artist half-way through onboarding, an onboarded
artist with tracks, media and a picture). Path parameters mostly name real objects (the
artist's tracks, another artist's track, the caller's device sessions, steps 1-5); bodies are
mostly schemathesis' positive data, repaired where random data can never pass (a real WAV as
audio, a real PNG as a picture, a valid onboarding step), and partly negative data. Each answer:

* is never a server error,
* is one of the statuses listed for that operation *and role* (``fuzz_world._ALLOWED``),
* matches the documented content type, schema and headers, and errors use the error shape.

The key operations must succeed for a minimum share of their examples
(``fuzz_world.key_operations``); the hit counts per operation and role are printed at the end.

A state machine (``ArtistApiMachine``) then drives the artist's own API through random
sequences of create / read / update / move / delete / play / upload, and checks after every step
that what the API shows matches what was done. ``test_api_hostile_input.py`` sends the hostile
inputs. Seeds: ``FUZZ_SEED`` (printed in the header), examples: ``FUZZ_EXAMPLES``.
"""

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from analytics.services import last_complete_day
from artists.models import Track
from artists.steps import STEPS
from tests.artists.factories import PNG_1PX, ArtistProfileFactory
from tests.umbrella.fuzz_seed import EXAMPLES, derived_seed, replay_hint
from tests.umbrella.fuzz_world import (
    HITS,
    OPERATIONS,
    PNG,
    WAV,
    World,
    allowed,
    body_fields,
    build_world,
    key_operations,
    operation_id,
    roles_of,
    schema,
    sign_in,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

VALID_STEP = {
    1: {"stage_name": "Nova Reyes", "location_city": "Austin", "location_country": "US"},
    2: {
        "tagline": "Songs for late nights.",
        "bio": "A touring act with a tight live show, a loyal following and songs for late "
        "nights in small rooms.",
    },
    3: {"primary_genre": "indie", "performance_types": ["solo", "band"]},
    4: {"base_rate_flat": 500, "rates_negotiable": True},
    5: {"years_performing": 4},
}
# Profile fields whose random values are nearly always refused (links, handles, codes, choices).
STRICT_FIELDS = {
    "website_url",
    "instagram_handle",
    "tiktok_handle",
    "youtube_url",
    "spotify_url",
    "apple_music_url",
    "soundcloud_url",
    "location_country",
    "performance_types",
    "stage_name",
    "timezone",
}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def _world(module_rows, tmp_path_factory) -> tuple[World, Path]:
    """The world, made once for the module (~70 rows, 7 sign-ins; it took a second or more per
    operation): every example runs in a savepoint that is rolled back, so no test changes it.
    Its access tokens live an hour instead of 10 minutes, so a slow run of the module under load
    does not meet expired tokens (the expired one of ``bad_token`` has its own past expiry)."""
    files = tmp_path_factory.mktemp("fuzz-world-media")
    with override_settings(MEDIA_ROOT=files, HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN=3600):
        return build_world(), files


@pytest.fixture
def world(_world: tuple[World, Path], settings) -> World:
    """The module's world, its stored files (audio, pictures) copied to this test's media."""
    built, files = _world
    shutil.copytree(files, settings.MEDIA_ROOT, dirs_exist_ok=True)
    return built


# Mostly True. Hypothesis draws the ends of a range more often than the middle, so both ends
# are True.
MOSTLY = st.sampled_from([True, True, True, False, True, True, False, True, True])


def _real_path_parameters(case: Any, world: World, role: str, data: st.DataObject) -> None:
    options = {
        "slug": [world.artist.slug] * 3
        + [world.other.slug, world.onboarding.slug]
        + [world.venue_slug] * 2,
        "track_id": [*world.track_ids, *world.track_ids, world.other_track_id],
        "media_id": [world.media_id],
        "session_id": world.session_ids(role),
        "gig_id": world.gig_ids,
        "application_id": world.application_ids,
        "booking_id": world.booking_ids,
        "campaign_id": world.campaign_ids,
        "number": [1, 2, 3, 4, 5],
        "list_id": world.fan_list_ids,
        "member_id": world.fan_member_ids,
        "job_id": world.fan_import_ids,
        "app_id": world.app_ids,
        "delivery_id": world.delivery_ids,
        "dead_letter_id": world.dead_letter_ids,
        "room_id": world.room_ids,
        "participant_id": world.participant_ids,
        "prize_id": world.prize_ids,
        "winner_id": world.winner_ids,
        "capability": ["notifications", "winner_selection", "quiz_validation"],
        "generation_id": world.generation_ids,
    }
    for name in list(case.path_parameters or {}):
        choices = options.get(name)
        if data.draw(MOSTLY, label=f"real {name}") and choices:
            case.path_parameters[name] = data.draw(st.sampled_from(choices), label=name)


def _printable(value: Any, default: str) -> str:
    """``value`` without the characters names refuse, or ``default`` if nothing is left."""
    text = "".join(c for c in value if c.isprintable()) if isinstance(value, str) else ""
    return text if text.strip() else default


# The room a repaired room operation acts on (tests/umbrella/fuzz_world.py): the artist's draft
# room to activate; the artist's active room (of the world's app) for the others.
ROOM_OF = {
    "POST /rooms/{room_id}/activate": lambda world: world.draft_room_id,
    "POST /rooms/{room_id}/upgrade-manifest": lambda world: world.room_ids[0],
    "POST /rooms/{room_id}/winners/": lambda world: world.room_ids[0],
    "POST /rooms/{room_id}/events": lambda world: world.room_ids[0],
}


def _repair_room_call(op: str, case: Any, world: World) -> None:
    """The room operations' success paths need a room in the right state and bodies that
    name real things: the world's app, its newer version, a prize and a participant who may
    still win it, the app's own event prefix."""
    if op in ROOM_OF:
        case.path_parameters["room_id"] = ROOM_OF[op](world)
    # A generated X-App-Token is never a token (401): the caller acts as itself.
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "x-app-token"}
    body = case.body if isinstance(case.body, dict) else {}
    if op == "POST /rooms/":
        case.body = {
            "name": _printable(body.get("name"), "Fuzz room")[:255],
            "description": _printable(body.get("description"), "")[:2000],
            "app": world.app_ids[0],
            "app_settings": {},  # the app's schema is any object; its defaults fill it
            "is_public": body.get("is_public", True) is not False,
        }
    elif op == "POST /rooms/{room_id}/upgrade-manifest":
        case.body = {"target_version": world.next_version}
    elif op == "POST /rooms/{room_id}/winners/":
        case.body = {
            "prize_id": world.prize_ids[0],
            "participant_id": world.pickable_participant_id,
        }
    elif op == "POST /rooms/{room_id}/events":
        extra = body.get("data")
        extra = _storable(extra) if isinstance(extra, dict) else {}
        for reserved in ("room_id", "timestamp"):  # the platform's (400 if sent)
            extra.pop(reserved, None)
        case.body = {"event": f"app:{world.app_ids[0]}:fuzz.tick", "data": extra}


def _storable(value: Any) -> Any:
    """``value`` without NUL characters, which the API refuses in any JSON string (400
    ``invalid_unicode``, umbrella/parsers.py): removed so the repaired call can succeed."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    return value


def _repair_body(op: str, case: Any, world: World, data: st.DataObject) -> None:
    """Turn a generated body into one that can pass, keeping the generated values that may."""
    if op == "GET /analytics/daily/" and case.query:
        # Random dates nearly always break the range rule (up to yesterday, at most 366 days):
        # days drawn within the last year instead, in order.
        yesterday = last_complete_day()
        back = sorted(data.draw(st.lists(st.integers(0, 365), min_size=2, max_size=2)))
        for name, days in (("to", back[0]), ("from", back[1])):
            if name in case.query:
                case.query[name] = (yesterday - dt.timedelta(days=days)).isoformat()
    if op.startswith("POST /rooms/"):
        _repair_room_call(op, case, world)
    if op == "PUT /artists/me/onboarding/{number}" and not isinstance(case.body, dict):
        case.body = {}
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    method, path = op.split(" ", 1)
    documented = body_fields(method, f"/api/v1{path}")
    for name in set(body) - documented:  # undocumented fields are refused (400)
        body.pop(name)
    if op == "POST /violet/generate":
        # A tool with inputs that can pass (random inputs are refused: 400, checked too).
        tool, inputs = data.draw(
            st.sampled_from(
                [
                    ("bio", {"length": "long", "voice": "first"}),
                    ("tagline", {"tone": "bold"}),
                    ("gig_pitch", {"gig": world.gig_ids[0], "notes": "We bring a PA"}),
                    ("social_captions", {"topic": "New single", "count": 2}),
                    ("setlist_ideas", {"minutes": 30}),
                    ("press_release", {"booking": world.booking_ids[0]}),
                ]
            ),
            label="violet request",
        )
        body.clear()
        body.update({"tool": tool, "inputs": inputs})
    elif op == "POST /artists/me/tracks":
        body["audio"] = WAV
        body.pop("cover_art", None)
    elif op == "POST /artists/me/media":
        body["file"], body["category"] = PNG_1PX, "press_photo"
    elif op in ("PUT /artists/me/avatar", "PUT /artists/me/banner"):
        body["image"] = PNG
    elif op == "PUT /artists/me/onboarding/{number}":
        number = data.draw(st.integers(1, 3), label="step")  # the onboarding artist did 2
        case.path_parameters["number"] = number
        own = set(STEPS[number - 1].fields) - STRICT_FIELDS
        kept = {k: v for k, v in body.items() if k in own}
        body.clear()
        body.update({**kept, **VALID_STEP[number]})
    valid_step = VALID_STEP.get(case.path_parameters.get("number"), {})
    if op in (
        "PATCH /artists/me",
        "PATCH /me",
        "PATCH /artists/me/tracks/{track_id}",
        "POST /artists/me/tracks",
        "PUT /artists/me/onboarding/{number}",
    ):
        for name in STRICT_FIELDS & set(body):
            if op != "PUT /artists/me/onboarding/{number}" or name not in valid_step:
                body.pop(name)
        for name, value in list(body.items()):
            if isinstance(value, str):  # control characters are refused in names and titles
                body[name] = "".join(c for c in value if c.isprintable() or c in "\n\t")
        for name in ("title", "display_name"):
            if name in body and not str(body[name]).strip():
                body[name] = "A name"


def _call(case: Any, world: World, role: str, data: st.DataObject) -> Any:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.cookies = {}
    headers = {}
    if role in world.tokens:
        headers["Authorization"] = f"Bearer {world.tokens[role]}"
    elif role == "bad_token":
        token = data.draw(st.sampled_from(world.bad_tokens), label="bad token")
        headers["Authorization"] = f"Bearer {token}"
    return case.call(headers=headers), headers


# What Django's URL converters accept: anything else is a 404 before any view runs.
CONVERTERS = {
    "slug": r"[-a-zA-Z0-9_]+",
    "int": r"[0-9]+",
    # events.api.urls.AppIdConverter: any segment but three words taken by other routes.
    "app_id": r"(?!(?:token|me|manifest-schema)(?![^/]))[^/]+",
}
PARAM_CONVERTER = {"slug": "slug", "track_id": "int", "media_id": "int", "session_id": "int"}
PARAM_CONVERTER["number"] = "int"
PARAM_CONVERTER.update(dict.fromkeys(("conversation_id", "user_id", "campaign_id"), "int"))
PARAM_CONVERTER.update(dict.fromkeys(("list_id", "member_id", "job_id"), "int"))  # fan lists
PARAM_CONVERTER.update(app_id="app_id", delivery_id="int", dead_letter_id="int")  # events
PARAM_CONVERTER["generation_id"] = "int"  # violet
PARAM_CONVERTER.update(
    dict.fromkeys(("room_id", "participant_id", "prize_id", "winner_id"), "int"), capability="str"
)
CONVERTERS["str"] = r"[^/]+"
PARAM_CONVERTER.update(
    dict.fromkeys(
        ("gig_id", "application_id", "booking_id", "entry_id", "review_id", "saved_search_id"),
        "int",
    )
)


def _routable(case: Any) -> bool:
    return all(
        re.fullmatch(CONVERTERS[PARAM_CONVERTER[name]], str(value))
        for name, value in (case.path_parameters or {}).items()
    )


def _check(op: str, role: str, case: Any, response: Any, headers: dict[str, str]) -> None:
    status = response.status_code
    HITS[(op, role)][status] += 1
    if os.environ.get("FUZZ_DEBUG") and status >= 400:
        print(
            "FUZZ_DEBUG",
            op,
            role,
            case.path_parameters,
            repr(case.body)[:300],
            status,
            response.text[:300],
        )
    expected = allowed(op, role) if _routable(case) else {404}
    where = f"{op} as {role} with {case.path_parameters} {str(case.body)[:200]!r}"
    assert status < 500, f"{where}: {status} {response.text[:300]} ({replay_hint()})"
    assert status in expected, (
        f"{where}: answered {status}, expected one of {sorted(expected)}: "
        f"{response.text[:300]} ({replay_hint()})"
    )
    case.validate_response(response, checks=CHECKS, headers=headers)
    if status >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "details"}, error


def _strategies(operation: Any) -> list[Any]:
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    has_input = bool(operation.path_parameters or operation.query or operation.body)
    negative = operation.as_strategy(GenerationMode.NEGATIVE) if has_input else positive
    return [positive, negative, positive]  # two in three positive (the ends are drawn most)


def _examples(op: str, role: str) -> int:
    if (op, role) in key_operations():  # enough for the share of successes to mean something
        return 8 * EXAMPLES
    if allowed(op, role) <= {401, 403}:  # refused whatever the input: one example proves it
        return 1
    return EXAMPLES


@pytest.mark.parametrize("op", [operation_id(m, p) for m, p in OPERATIONS])
def test_operation_answers_as_documented(op: str, world: World) -> None:
    method, path = op.split(" ", 1)
    operation = schema[f"/api/v1{path}"][method]
    strategies = _strategies(operation)
    for role in roles_of(op):
        _fuzz(op, role, world, strategies)


def _fuzz(op: str, role: str, world: World, strategies: list[Any]) -> None:
    before = sum(HITS[(op, role)].values()), _ok(op, role)

    @hypothesis.seed(derived_seed(op, role))
    @hypothesis.settings(
        max_examples=_examples(op, role),
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],  # a failure names its seed; no slow shrinking
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(data=st.data())
    def example(data: st.DataObject) -> None:
        strategy = data.draw(st.sampled_from(strategies), label="mode")
        case = data.draw(strategy, label="case")
        with transaction.atomic():
            cache.clear()
            _real_path_parameters(case, world, role, data)
            if strategy is strategies[0] and data.draw(MOSTLY, label="repair"):
                _repair_body(op, case, world, data)
            response, headers = _call(case, world, role, data)
            _check(op, role, case, response, headers)
            transaction.set_rollback(True)

    example()

    minimum = key_operations().get((op, role))
    if minimum is not None:
        total = sum(HITS[(op, role)].values()) - before[0]
        ok = _ok(op, role) - before[1]
        assert total and ok / total >= minimum, (
            f"{op} as {role}: {ok} of {total} examples succeeded, less than {minimum:.0%} "
            f"({dict(HITS[(op, role)])}; {replay_hint()})"
        )


def _ok(op: str, role: str) -> int:
    return sum(n for status, n in HITS[(op, role)].items() if 200 <= status < 300)


# --- stateful: create -> read -> update -> move -> delete, checked after every step --------------

TITLES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789", min_size=1, max_size=40)
TITLES = TITLES.filter(lambda t: t.strip())


class ArtistApiMachine(RuleBasedStateMachine):
    """An artist's own API driven through random sequences of steps, against a model of what the
    artist should see. Every call goes through HTTP with the artist's real access token."""

    tracks = Bundle("tracks")
    media = Bundle("media")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cache.clear()
        self.artist = ArtistProfileFactory()
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign_in(self.artist.user)}")
        self.public = APIClient()
        self.model: list[dict[str, Any]] = []  # the tracks, in display order
        self.deleted: list[int] = []
        self.played: set[int] = set()
        self.files: dict[int, int] = {}  # media id -> size
        self.profile: dict[str, Any] = {}
        self.avatar = False

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _ok(self, response: Any, status: int) -> Any:
        assert response.status_code == status, (response.status_code, response.content[:300])
        return response.json() if response.content else None

    @rule(target=tracks, title=TITLES, year=st.one_of(st.none(), st.integers(1900, 2100)))
    def create_track(self, title: str, year: int | None) -> int:
        form = {"title": title, "audio": SimpleUploadedFile("s.wav", WAV)}
        if year is not None:
            form["release_year"] = year
        body = self._ok(
            self.client.post("/api/v1/artists/me/tracks", form, format="multipart"), 201
        )
        assert body["title"] == title.strip()
        self.model.append({"id": body["id"], "title": title.strip(), "plays": 0, "year": year})
        self._check_order()  # the new track comes last
        return body["id"]

    @rule(track=tracks, title=TITLES)
    def rename_track(self, track: int, title: str) -> None:
        url = f"/api/v1/artists/me/tracks/{track}"
        response = self.client.patch(url, {"title": title}, format="json")
        if track in self.deleted:
            self._ok(response, 404)
            return
        assert self._ok(response, 200)["title"] == title.strip()
        next(t for t in self.model if t["id"] == track)["title"] = title.strip()

    @rule(track=tracks, position=st.integers(0, 12))
    def move_track(self, track: int, position: int) -> None:
        url = f"/api/v1/artists/me/tracks/{track}/move"
        response = self.client.post(url, {"position": position}, format="json")
        if track in self.deleted:
            self._ok(response, 404)
            return
        moving = next(t for t in self.model if t["id"] == track)
        self.model.remove(moving)
        self.model.insert(min(position, len(self.model)), moving)
        assert [t["id"] for t in self._ok(response, 200)] == [t["id"] for t in self.model]

    @rule(track=consumes(tracks))
    def delete_track(self, track: int) -> None:
        response = self.client.delete(f"/api/v1/artists/me/tracks/{track}")
        if track in self.deleted:
            self._ok(response, 404)
            return
        self._ok(response, 204)
        self.model = [t for t in self.model if t["id"] != track]
        self.deleted.append(track)

    @rule(track=tracks)
    def play(self, track: int) -> None:
        url = f"/api/v1/artists/{self.artist.slug}/tracks/{track}/play"
        response = self.public.post(url)
        if track in self.deleted:
            self._ok(response, 404)
            return
        self._ok(response, 204)
        if track not in self.played:  # once per listener per track per window
            self.played.add(track)
            next(t for t in self.model if t["id"] == track)["plays"] += 1

    @rule(
        tagline=TITLES,
        city=st.sampled_from(["Austin", "Lagos", "Köln", "São Paulo"]),
        rate=st.integers(0, 100_000),
    )
    def edit_profile(self, tagline: str, city: str, rate: int) -> None:
        change = {"tagline": tagline, "location_city": city, "base_rate_flat": rate}
        body = self._ok(self.client.patch("/api/v1/artists/me", change, format="json"), 200)
        # one-line text: trimmed, inner runs of spaces collapsed (artists.normalize)
        self.profile = {**change, "tagline": " ".join(tagline.split())}
        assert {k: body[k] for k in self.profile} == self.profile

    @rule(target=media, size=st.integers(1, 2000))
    def upload_media(self, size: int) -> int:
        content = b"Rider line.\n" * size
        form = {"category": "document", "file": SimpleUploadedFile("rider.txt", content)}
        body = self._ok(self.client.post("/api/v1/artists/me/media", form, format="multipart"), 201)
        self.files[body["id"]] = len(content)
        return body["id"]

    @rule(media_id=consumes(media))
    def delete_media(self, media_id: int) -> None:
        self._ok(self.client.delete(f"/api/v1/artists/me/media/{media_id}"), 204)
        del self.files[media_id]
        self._ok(self.client.get(f"/api/v1/artists/me/media/{media_id}/download"), 404)

    @rule(present=st.booleans())
    def avatar_put_or_delete(self, present: bool) -> None:
        if present:
            image = SimpleUploadedFile("me.png", PNG)
            url = "/api/v1/artists/me/avatar"
            self._ok(self.client.put(url, {"image": image}, format="multipart"), 200)
        else:
            self._ok(self.client.delete("/api/v1/artists/me/avatar"), 204)
        self.avatar = present

    def _check_order(self) -> None:
        own = self._ok(self.client.get("/api/v1/artists/me/tracks"), 200)
        assert own[-1]["id"] == self.model[-1]["id"]

    @invariant()
    def what_the_api_shows_matches_what_was_done(self) -> None:
        own = self._ok(self.client.get("/api/v1/artists/me/tracks"), 200)
        expected = [(t["id"], t["title"], t["plays"]) for t in self.model]
        assert [(t["id"], t["title"], t["plays"]) for t in own] == expected
        orders = [t["display_order"] for t in own]
        assert orders == sorted(set(orders)), orders  # deleting leaves gaps; never ties
        public = self._ok(self.public.get(f"/api/v1/artists/{self.artist.slug}/tracks"), 200)
        assert [t["id"] for t in public] == [t["id"] for t in self.model]
        me = self._ok(self.client.get("/api/v1/artists/me"), 200)
        audio = sum(Track.objects.get(pk=t["id"]).audio_size_bytes for t in self.model)
        assert me["quota"]["used_bytes"] == audio + sum(self.files.values())
        assert (me["avatar_url"] is not None) == self.avatar
        if self.profile:
            shown = self._ok(self.public.get(f"/api/v1/artists/{self.artist.slug}"), 200)
            assert shown["tagline"] == self.profile["tagline"]
            assert shown["location_city"] == self.profile["location_city"]
        listed = self._ok(self.client.get("/api/v1/artists/me/media"), 200)
        assert sorted(m["id"] for m in listed["results"]) == sorted(self.files)


def test_artist_api_state_machine() -> None:
    machine = hypothesis.seed(derived_seed("ArtistApiMachine"))(ArtistApiMachine)
    run_state_machine_as_test(
        machine,
        settings=hypothesis.settings(
            max_examples=max(1, EXAMPLES - 1),
            stateful_step_count=10,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time, seed printed
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
