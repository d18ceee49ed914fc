"""The manifest schema and validator (SPEC-events §3): every kind of bad manifest is refused
with ``invalid_manifest`` naming the field by its JSON path, through the service and the API."""

import copy
import json
from collections.abc import Callable

import pytest
from jsonschema import Draft7Validator

from events.manifest import MANIFEST_SCHEMA, manifest_errors, manifest_validate
from events.models import App
from tests.accounts.factories import UserFactory
from tests.events.factories import manifest
from umbrella.errors import ApplicationError

Mutation = Callable[[dict], object]


def _set(path: str, value: object) -> Mutation:
    """Set a dotted path (``meta.version``) of the manifest."""

    def mutate(data: dict) -> dict:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
        return data

    return mutate


def _drop(path: str) -> Mutation:
    def mutate(data: dict) -> dict:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]
        return data

    return mutate


def _nested(depth: int) -> dict:
    schema: dict = {"type": "object"}
    node = schema
    for _ in range(depth):
        node["properties"] = {"x": {"type": "object"}}
        node = node["properties"]["x"]
    return schema


# (case id, mutation, the path that must be named, a word of the message)
BAD: list[tuple[str, Mutation, str, str]] = [
    ("not-an-object", lambda m: ["a", "list"], "$", "object"),
    ("meta-missing", _drop("meta"), "$.meta", "required"),
    ("name-missing", _drop("meta.name"), "$.meta.name", "required"),
    ("name-empty", _set("meta.name", ""), "$.meta.name", "at least 1"),
    ("name-too-long", _set("meta.name", "x" * 101), "$.meta.name", "at most 100"),
    ("version-not-semver", _set("meta.version", "1.0"), "$.meta.version", "semantic"),
    ("version-not-string", _set("meta.version", 1), "$.meta.version", "string"),
    ("description-too-long", _set("meta.description", "d" * 2001), "$.meta.description", "2000"),
    ("meta-unknown-field", _set("meta.colour", "red"), "$.meta.colour", "unknown field"),
    ("homepage-plain-http", _set("meta.homepage", "http://a.example"), "$.meta.homepage", "https"),
    ("unknown-top-level-field", _set("colour", "red"), "$.colour", "unknown field"),
    ("base-url-missing", _drop("base_url"), "$.base_url", "required"),
    ("base-url-plain-http", _set("base_url", "http://a.example"), "$.base_url", "https"),
    ("base-url-not-a-url", _set("base_url", "lottery.example.com"), "$.base_url", "https://"),
    ("base-url-ftp", _set("base_url", "ftp://a.example"), "$.base_url", "https://"),
    ("base-url-trailing-slash", _set("base_url", "https://a.example/"), "$.base_url", "trailing"),
    ("base-url-query", _set("base_url", "https://a.example/x?y=1"), "$.base_url", "query"),
    ("base-url-credentials", _set("base_url", "https://u:p@a.example"), "$.base_url", "credent"),
    ("base-url-bad-port", _set("base_url", "https://a.example:99999"), "$.base_url", "valid"),
    (
        "capability-unknown",
        _set("capabilities", ["winner_selection", "notifications", "teleport"]),
        "$.capabilities[2]",
        "unknown value",
    ),
    (
        "capability-twice",
        _set("capabilities", ["winner_selection", "notifications", "winner_selection"]),
        "$.capabilities[2]",
        "duplicate",
    ),
    (
        "capabilities-not-a-list",
        _set("capabilities", "winner_selection"),
        "$.capabilities",
        "array",
    ),
    (
        "capability-without-webhook",
        _set("capabilities", ["winner_selection", "notifications", "quiz_validation"]),
        "$.webhooks.quiz_validation",
        "needs a webhook",
    ),
    (
        "webhook-for-undeclared-capability",
        _set("webhooks.participant_registration", "/hooks/join"),
        "$.webhooks.participant_registration",
        "not among the capabilities",
    ),
    (
        "webhook-unknown-key",
        _set("webhooks.teleport", "/hooks/t"),
        "$.webhooks.teleport",
        "unknown",
    ),
    (
        "webhook-path-without-slash",
        _set("webhooks.winner_selection", "hooks/winners"),
        "$.webhooks.winner_selection",
        "'/'",
    ),
    (
        "webhook-path-missing",
        _drop("webhooks.notifications.path"),
        "$.webhooks.notifications.path",
        "required",
    ),
    (
        "webhook-not-path-nor-object",
        _set("webhooks.winner_selection", 42),
        "$.webhooks.winner_selection",
        "path",
    ),
    (
        "timeout-too-short",
        _set("webhooks.notifications.timeout_ms", 999),
        "$.webhooks.notifications.timeout_ms",
        "at least 1000",
    ),
    (
        "timeout-too-long",
        _set("webhooks.notifications.timeout_ms", 30001),
        "$.webhooks.notifications.timeout_ms",
        "at most 30000",
    ),
    (
        "timeout-not-integer",
        _set("webhooks.notifications.timeout_ms", "5s"),
        "$.webhooks.notifications.timeout_ms",
        "integer",
    ),
    (
        "sync-capability-made-async",
        _set("webhooks.winner_selection", {"path": "/w", "async": True}),
        "$.webhooks.winner_selection.async",
        "synchronously",
    ),
    (
        "notifications-made-sync",
        _set("webhooks.notifications.async", False),
        "$.webhooks.notifications.async",
        "asynchronously",
    ),
    (
        "retry-too-many-attempts",
        _set("webhooks.notifications.retry", {"max_attempts": 5}),
        "$.webhooks.notifications.retry.max_attempts",
        "at most 3",
    ),
    (
        "webhook-object-unknown-field",
        _set("webhooks.notifications.secret", "x"),
        "$.webhooks.notifications.secret",
        "unknown field",
    ),
    ("permissions-missing", _drop("permissions"), "$.permissions", "required"),
    (
        "permission-unknown",
        _set("permissions", ["rooms:read", "rooms:delete"]),
        "$.permissions[1]",
        "unknown value",
    ),
    (
        "permission-twice",
        _set("permissions", ["rooms:read", "prizes:read", "rooms:read"]),
        "$.permissions[2]",
        "duplicate",
    ),
    (
        "fallback-unknown",
        _set("fallbacks.winner_selection", "coin_toss"),
        "$.fallbacks.winner_selection",
        "unknown value",
    ),
    (
        "fallback-for-undeclared-capability",
        _set("fallbacks.participant_registration", "pending_approval"),
        "$.fallbacks.participant_registration",
        "not among the capabilities",
    ),
    ("settings-not-an-object", _set("settings", ["x"]), "$.settings", "object"),
    (
        "settings-not-a-schema",
        _set("settings", {"type": "object", "properties": {"n": {"type": 3}}}),
        "$.settings.properties.n.type",
        "JSON Schema",
    ),
    (
        "settings-not-for-an-object",
        _set("settings", {"type": "string"}),
        "$.settings.type",
        "object",
    ),
    (
        "settings-bad-regex",
        _set("settings", {"type": "object", "properties": {"x": {"pattern": "([a-"}}}),
        "$.settings.properties.x.pattern",
        "regex",
    ),
    ("settings-too-deep", _set("settings", _nested(8)), "$.settings", "levels deep"),
    (
        "settings-too-big",
        _set("settings", {"type": "object", "description": "x" * 17000}),
        "$.settings",
        "bytes",
    ),
    (
        "settings-remote-ref",
        _set(
            "settings",
            {"type": "object", "properties": {"x": {"$ref": "https://evil.example/s.json"}}},
        ),
        '$.settings.properties.x["$ref"]',
        "local",
    ),
    ("manifest-too-big", _set("meta.junk", "x" * 70000), "$", "bytes"),
]


BAD_CASES = pytest.mark.parametrize(
    ("mutation", "path", "word"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)


def _bad(mutation: Mutation) -> object:
    return mutation(copy.deepcopy(manifest()))


def test_the_good_manifest_passes():
    assert manifest_errors(manifest()) == []
    assert manifest_validate(manifest()) == manifest()


@pytest.mark.parametrize(
    "base_url",
    [
        "https://lottery.example.com",
        "https://lottery.example.com/apps/lottery",
        "http://localhost:8000",
        "http://127.0.0.1",
        "http://[::1]:9000",
    ],
)
def test_https_anywhere_and_http_only_on_this_machine(base_url):
    assert manifest_errors(manifest(base_url=base_url)) == []


def test_there_are_more_than_twenty_kinds_of_bad_manifest():
    assert len({path for _, _, path, _ in BAD}) > 20
    assert len(BAD) > 40


@pytest.mark.parametrize(
    ("mutation", "path", "word"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_a_bad_manifest_is_refused_naming_the_field(mutation, path, word):
    with pytest.raises(ApplicationError) as caught:
        manifest_validate(_bad(mutation))
    error = caught.value
    assert error.code == "invalid_manifest"
    assert error.status_code == 400
    named = {f["path"]: f["message"] for f in error.details["fields"]}
    assert path in named, error.details["fields"]
    assert word in named[path]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutation", "path", "word"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_the_api_answers_400_invalid_manifest_naming_the_field(api_client, mutation, path, word):
    api_client.force_authenticate(UserFactory())
    response = api_client.post("/api/v1/apps", {"manifest": _bad(mutation)}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_manifest"
    assert path in [f["path"] for f in error["details"]["fields"]]
    assert App.objects.count() == 0


def test_every_problem_is_listed_at_once_sorted_by_path():
    data = manifest()
    data["meta"]["version"] = "one"
    data["base_url"] = "http://a.example"
    data["permissions"] = ["rooms:read", "nope"]
    data["webhooks"]["notifications"]["timeout_ms"] = 10
    del data["webhooks"]["winner_selection"]
    paths = [f["path"] for f in manifest_errors(data)]
    assert paths == [
        "$.base_url",
        "$.meta.version",
        "$.permissions[1]",
        "$.webhooks.notifications.timeout_ms",
        "$.webhooks.winner_selection",
    ]
    with pytest.raises(ApplicationError) as caught:
        manifest_validate(data)
    assert "5 problems" in caught.value.message


def test_odd_keys_are_quoted_in_the_path():
    data = manifest(settings={"type": "object", "properties": {"first name": {"type": "nope"}}})
    paths = [f["path"] for f in manifest_errors(data)]
    assert paths == ['$.settings.properties["first name"].type']


def test_the_published_schema_is_draft_7_and_accepts_the_example():
    Draft7Validator.check_schema(MANIFEST_SCHEMA)
    assert list(Draft7Validator(MANIFEST_SCHEMA).iter_errors(manifest())) == []
    # what it says in words, it says in the schema too
    properties = MANIFEST_SCHEMA["properties"]
    assert properties["capabilities"]["uniqueItems"] is True
    assert properties["permissions"]["uniqueItems"] is True
    assert json.dumps(MANIFEST_SCHEMA)  # plain JSON


def test_the_validator_does_not_change_the_manifest():
    data = manifest()
    before = copy.deepcopy(data)
    manifest_validate(data)
    assert data == before
