"""ReDoS: the regexes of a manifest's ``settings`` (``pattern``, ``patternProperties``) will run
with Python's backtracking ``re`` on what organizers type, so the ones that can backtrack
catastrophically are refused at registration (``invalid_manifest``, at their JSON path), and
every patterned string must declare a bounded ``maxLength`` (docs/apps.md, "Settings")."""

import re
import time

import pytest

from events.manifest import (
    PATTERN_INPUT_MAX_LENGTH,
    PATTERN_MAX_LENGTH,
    manifest_errors,
    manifest_validate,
)
from tests.accounts.factories import UserFactory
from tests.events.factories import manifest
from umbrella.errors import ApplicationError


def _with(settings_properties: dict, **schema: object) -> dict:
    return manifest(settings={"type": "object", "properties": settings_properties, **schema})


def _string(pattern: str, max_length: int | None = 100) -> dict:
    field: dict = {"type": "string", "pattern": pattern}
    if max_length is not None:
        field["maxLength"] = max_length
    return field


@pytest.mark.parametrize(
    ("pattern", "word"),
    [
        (r"^(a+)+$", "inside a repeated group"),  # the classic
        (r"^(\w+\s?)*$", "inside a repeated group"),
        (r"^(a?){25}a{25}$", "inside a repeated group"),  # a fixed count repeats too
        (r"^(?:[a-z]+\.)+com$", "inside a repeated group"),
        (r"(?=(a+)+b)", "inside a repeated group"),  # in a lookahead as well
        (r"^(a|ab)*c$", "alternation"),
        (r"^(?:\w|\d\d)+$", "alternation"),
        (r"^(a)\1$", "backreferences"),
        (r"^(a)?(?(1)b|c)$", "backreferences"),
        (r"\d*\d*\d*\d*x", "at most 3"),
        (r"a?" * 20 + "a" * 20, "at most 3"),
        ("a" * (PATTERN_MAX_LENGTH + 1), f"at most {PATTERN_MAX_LENGTH} characters"),
    ],
)
def test_a_pattern_that_can_backtrack_catastrophically_is_refused_at_its_path(pattern, word):
    fields = manifest_errors(_with({"code": _string(pattern)}))

    assert fields == [
        {"path": "$.settings.properties.code.pattern", "message": fields[0]["message"]}
    ]
    assert word in fields[0]["message"]


@pytest.mark.parametrize(
    ("pattern", "max_length"),
    [
        (r"^#[0-9a-fA-F]{6}$", 7),
        (r"^[a-z0-9-]+$", PATTERN_INPUT_MAX_LENGTH[1]),
        (r"^https?://\S+$", PATTERN_INPUT_MAX_LENGTH[2]),
        (r"^(\d{3}-)*\d{3}$", 1000),  # a fixed-length group, repeated: unambiguous
        (r"^(?:ab){2}(?:c|d)$", 5),  # an alternation that is not repeated
        (r"^(?:a|b)*$", 1000),  # single characters: Python reads it as [ab]*
        (r"^\+?[0-9 ]+-?\d$", PATTERN_INPUT_MAX_LENGTH[3]),
        ("x" * PATTERN_MAX_LENGTH, PATTERN_MAX_LENGTH),
    ],
)
def test_safe_patterns_with_a_bounded_length_are_accepted(pattern, max_length):
    assert manifest_errors(_with({"code": _string(pattern, max_length)})) == []


@pytest.mark.parametrize(
    ("pattern", "max_length", "message"),
    [
        (r"^[a-z]+$", None, "required with a pattern: at most 1000"),
        (r"^[a-z]+$", 1001, "at most 1000 with a pattern"),
        (r"^[a-z]+-[a-z]+$", 201, "at most 200 with a pattern"),
        (r"^[a-z]+-[a-z]+-[a-z]+$", 51, "at most 50 with a pattern"),
        (r"^[a-z]+$", "9", "required with a pattern: at most 1000"),
    ],
)
def test_a_patterned_string_must_bound_its_length(pattern, max_length, message):
    fields = manifest_errors(_with({"code": _string(pattern, max_length)}))
    assert {"path": "$.settings.properties.code.maxLength", "message": message} in fields


def test_pattern_properties_keys_are_checked_and_keys_must_be_bounded():
    data = _with({}, patternProperties={"^(a+)+$": {"type": "string"}, "^x_[a-z]+$": {}})

    fields = manifest_errors(data)

    assert [f["path"] for f in fields] == [
        '$.settings.patternProperties["^(a+)+$"]',
        "$.settings.propertyNames.maxLength",
    ]
    assert "inside a repeated group" in fields[0]["message"]
    assert fields[1]["message"] == "required with patternProperties: at most 1000"
    ok = _with({}, patternProperties={"^x_[a-z]+$": {}}, propertyNames={"maxLength": 64})
    assert manifest_errors(ok) == []


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        (
            {
                "type": "object",
                "properties": {"tags": {"type": "array", "items": _string("(a+)+")}},
            },
            "$.settings.properties.tags.items.pattern",
        ),
        (
            {"type": "object", "definitions": {"code": _string("(a+)+")}},
            "$.settings.definitions.code.pattern",
        ),
        (
            {"type": "object", "additionalProperties": _string("(a+)+")},
            "$.settings.additionalProperties.pattern",
        ),
        (
            {"type": "object", "anyOf": [{}, {"properties": {"x": _string("(a+)+")}}]},
            "$.settings.anyOf[1].properties.x.pattern",
        ),
        (  # an unknown keyword can still be the target of a $ref
            {"type": "object", "x-shared": _string("(a+)+")},
            '$.settings["x-shared"].pattern',
        ),
    ],
)
def test_patterns_are_found_wherever_a_schema_can_be(schema, path):
    fields = manifest_errors(manifest(settings=schema))
    assert [f["path"] for f in fields] == [path]


def test_a_property_named_pattern_and_data_are_not_read_as_regexes():
    data = _with(
        {
            "pattern": {"type": "string", "maxLength": 10},
            "shape": {
                "type": "object",
                "default": {"pattern": "(a+)+"},
                "enum": [{"pattern": "(a+)+"}],
            },
        }
    )
    assert manifest_errors(data) == []


def test_a_pattern_that_does_not_compile_is_reported_once():
    fields = manifest_errors(_with({"x": _string("([a-", None)}))
    assert [f["path"] for f in fields] == ["$.settings.properties.x.pattern"]
    assert "regex" in fields[0]["message"]


@pytest.mark.django_db
def test_registration_is_refused_through_the_service_and_the_api(api_client):
    data = _with({"code": _string(r"^(\d+)*$")})
    with pytest.raises(ApplicationError) as caught:
        manifest_validate(data)
    assert caught.value.code == "invalid_manifest"

    api_client.force_authenticate(UserFactory())
    response = api_client.post("/api/v1/apps", {"manifest": data}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_manifest"
    assert error["details"]["fields"][0]["path"] == "$.settings.properties.code.pattern"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("pattern", "longest"),
    [
        (r"[0-9a]*?\d{5}x", 1000),
        (r"\d*\d+\d{5}x", 200),
        (r"[0-9a]*?\d*$", 200),
        (r"\d+\d*.*\d{5}x", 50),
    ],
)
def test_the_worst_allowed_patterns_stay_fast_on_their_longest_input(pattern, longest):
    """The bounds hold what they promise: the slowest allowed combinations measured when the
    bounds were chosen, on their longest input, with an end that fails (full backtracking)."""
    assert manifest_errors(_with({"x": _string(pattern, longest)})) == []
    assert manifest_errors(_with({"x": _string(pattern, longest + 1)}))[0]["path"] == (
        "$.settings.properties.x.maxLength"
    )
    for text in ("1" * longest, "1" * (longest - 1) + "!"):
        started = time.perf_counter()
        re.search(pattern, text)
        assert time.perf_counter() - started < 5, len(text)  # about 0.1-0.5 s when chosen
