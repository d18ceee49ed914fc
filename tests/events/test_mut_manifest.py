"""The manifest validator, pinned where mutation testing (docs/testing.md, "Events") found the
suite silent: exact paths and messages, the bounds at their edges, the error summary's wording.

Every assertion compares the whole answer of ``manifest_errors`` (paths *and* messages), so a
changed word, bound or path fails here."""

import pytest

from events.manifest import (
    MANIFEST_MAX_BYTES,
    MAX_ERRORS,
    SETTINGS_MAX_BYTES,
    json_depth,
    json_path,
    manifest_errors,
    manifest_validate,
)
from tests.events.factories import manifest
from umbrella.errors import ApplicationError

HTTPS_ONLY = "must use https (http only for localhost, 127.0.0.1 and [::1])"
NO_QUERY = "no query or fragment: webhook paths are appended to it"


def _errors(**overrides: object) -> list[dict[str, str]]:
    return manifest_errors(manifest(**overrides))


def _meta(**fields: object) -> dict:
    return {"name": "A", "version": "1.0.0", **fields}


def _nested_settings(levels: int) -> dict:
    """A settings schema exactly ``levels`` deep (``{}`` is 1)."""
    schema: dict = {"type": "object"}
    node = schema
    for _ in range((levels - 1) // 2):
        node["properties"] = {"x": {"type": "object"}}
        node = node["properties"]["x"]
    if (levels - 1) % 2:
        node["required"] = ["x"]  # one more level: a list
    return schema


# --- paths ------------------------------------------------------------------------------------


def test_a_json_path_writes_names_indexes_and_quoted_keys():
    assert json_path([]) == "$"
    assert json_path(["webhooks", "notifications", "timeout_ms"]) == (
        "$.webhooks.notifications.timeout_ms"
    )
    assert json_path(["permissions", 2]) == "$.permissions[2]"
    assert json_path(["_a1", "first name", "9x", "$ref"]) == ('$._a1["first name"]["9x"]["$ref"]')


# --- messages of the schema's errors --------------------------------------------------------


def test_schema_errors_say_what_is_wrong_in_words():
    assert _errors(meta={"name": "", "version": "1.0.0"}) == [
        {"path": "$.meta.name", "message": "at least 1 characters"}
    ]
    assert _errors(meta=_meta(name="x" * 101)) == [
        {"path": "$.meta.name", "message": "at most 100 characters"}
    ]
    assert _errors(meta=_meta(version=1)) == [
        {"path": "$.meta.version", "message": "must be of type string"}
    ]
    assert _errors(meta="x") == [{"path": "$.meta", "message": "must be of type object"}]
    assert _errors(meta=_meta(version="1.0")) == [
        {"path": "$.meta.version", "message": "must be a semantic version such as 1.2.0"}
    ]
    assert _errors(meta={"version": "1.0.0", "colour": "red"}) == [
        {"path": "$.meta.colour", "message": "unknown field"},
        {"path": "$.meta.name", "message": "required"},
    ]
    assert _errors(capabilities=["winner_selection", "notifications"] * 4) == [
        {"path": "$.capabilities", "message": "at most 6 items"},
        {"path": "$.capabilities[2]", "message": "duplicate of $.capabilities[0]"},
        {"path": "$.capabilities[3]", "message": "duplicate of $.capabilities[1]"},
        {"path": "$.capabilities[4]", "message": "duplicate of $.capabilities[0]"},
        {"path": "$.capabilities[5]", "message": "duplicate of $.capabilities[1]"},
        {"path": "$.capabilities[6]", "message": "duplicate of $.capabilities[0]"},
        {"path": "$.capabilities[7]", "message": "duplicate of $.capabilities[1]"},
    ]
    hooks = {"winner_selection": "/w", "notifications": {"path": "/n", "timeout_ms": 999}}
    assert _errors(webhooks=hooks) == [
        {"path": "$.webhooks.notifications.timeout_ms", "message": "at least 1000"}
    ]
    hooks["notifications"] = {"path": "/n", "timeout_ms": 30001}
    assert _errors(webhooks=hooks) == [
        {"path": "$.webhooks.notifications.timeout_ms", "message": "at most 30000"}
    ]


def test_an_unknown_value_is_quoted_short_and_the_choices_are_listed():
    long_value = "x" * 80
    [error] = _errors(fallbacks={"winner_selection": long_value})
    assert error == {
        "path": "$.fallbacks.winner_selection",
        "message": f'unknown value "{"x" * 56}…: expected one of platform_random',
    }
    # exactly 60 characters (with the quotes) is shown whole
    [error] = _errors(fallbacks={"winner_selection": "y" * 58})
    assert error["message"] == f'unknown value "{"y" * 58}": expected one of platform_random'
    # 61 characters is cut
    [error] = _errors(fallbacks={"winner_selection": "z" * 59})
    assert error["message"] == f'unknown value "{"z" * 56}…: expected one of platform_random'
    # shown as written, not as \u escapes
    [error] = _errors(fallbacks={"winner_selection": "tirage_équitable"})
    assert error["message"] == 'unknown value "tirage_équitable": expected one of platform_random'
    [error] = _errors(webhooks={"winner_selection": "/w", "notifications": "/n", "teleport": "/t"})
    assert error == {"path": "$.webhooks.teleport", "message": 'unknown key "teleport"'}


def test_a_webhook_is_judged_by_the_form_the_app_chose():
    assert _errors(webhooks={"winner_selection": {"path": "x"}, "notifications": "/n"}) == [
        {
            "path": "$.webhooks.winner_selection.path",
            "message": "must be a path starting with '/' (no spaces or '#')",
        }
    ]
    assert _errors(webhooks={"winner_selection": "x", "notifications": "/n"}) == [
        {
            "path": "$.webhooks.winner_selection",
            "message": "must be a path starting with '/' (no spaces or '#')",
        }
    ]
    assert _errors(webhooks={"winner_selection": [1], "notifications": "/n"}) == [
        {
            "path": "$.webhooks.winner_selection",
            "message": "must be a path string or an object with a path",
        }
    ]
    assert _errors(webhooks={"winner_selection": {}, "notifications": "/n"}) == [
        {"path": "$.webhooks.winner_selection.path", "message": "required"}
    ]


def test_a_url_not_starting_with_http_is_named_by_the_pattern_only():
    assert _errors(base_url="https://a b") == [
        {"path": "$.base_url", "message": "must be an https:// URL"}
    ]
    assert _errors(base_url="ftp://a.example") == [
        {"path": "$.base_url", "message": "must be an https:// URL"}
    ]
    assert _errors(meta=_meta(icon="ftp://a.example/i.png")) == [
        {"path": "$.meta.icon", "message": "must be an https:// URL"}
    ]


# --- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("https://a.example:0", "not a valid port"),
        ("https://a.example:x", "not a valid URL"),
        ("https://:80", "the URL has no host"),
        ("https://u@a.example", "no credentials in the URL"),
        ("https://:p@a.example", "no credentials in the URL"),
        ("http://a.example", HTTPS_ONLY),
        ("http://localhost.example", HTTPS_ONLY),
        ("https://a.example#x", NO_QUERY),
        ("https://a.example?", NO_QUERY),
        ("https://a.example#", NO_QUERY),
        ("https://a.example/x?y=1", NO_QUERY),
        ("https://a.example/x/", "no trailing '/': webhook paths start with '/'"),
        ("https://[::g]", "not a valid URL"),
        ("https://[v1.a:b]", "not a valid host"),  # an "IPvFuture" host: urlsplit lets it by
    ],
)
def test_each_bad_base_url_is_named_with_its_own_reason(base_url, message):
    assert _errors(base_url=base_url) == [{"path": "$.base_url", "message": message}]


@pytest.mark.parametrize(
    "base_url",
    ["http://LOCALHOST:8000", "http://127.0.0.1", "http://[::1]", "https://[2001:db8::1]:8443"],
)
def test_local_hosts_in_any_case_may_use_http_and_ipv6_hosts_are_allowed(base_url):
    assert _errors(base_url=base_url) == []


def test_homepage_and_icon_are_urls_but_not_bases():
    # a page may end in '/', have a query or a fragment
    good = _meta(homepage="https://a.example/", icon="https://a.example/i.png?v=2#x")
    assert _errors(meta=good) == []
    assert _errors(meta=_meta(homepage="http://a.example", icon="https://u:p@a.example")) == [
        {"path": "$.meta.homepage", "message": HTTPS_ONLY},
        {"path": "$.meta.icon", "message": "no credentials in the URL"},
    ]


# --- capabilities, webhooks, fallbacks --------------------------------------------------------


def test_sync_and_async_webhooks_in_their_own_mode_pass():
    hooks = {
        "winner_selection": {"path": "/w", "async": False},
        "notifications": {"path": "/n", "async": True},
    }
    assert _errors(webhooks=hooks) == []


def test_every_webhook_and_fallback_rule_is_named():
    data = manifest(
        capabilities=["participant_registration", "notifications", "quiz_validation"],
        webhooks={
            "participant_registration": {"path": "/p", "async": True},
            "notifications": {"path": "/n", "async": False},
            "winner_selection": "/w",
        },
        fallbacks={"winner_selection": "platform_random"},
    )
    assert manifest_errors(data) == [
        {
            "path": "$.fallbacks.winner_selection",
            "message": "winner_selection is not among the capabilities",
        },
        {
            "path": "$.webhooks.notifications.async",
            "message": "notifications is always delivered asynchronously: async must be true",
        },
        {
            "path": "$.webhooks.participant_registration.async",
            "message": "participant_registration is answered synchronously: async must be false",
        },
        {
            "path": "$.webhooks.quiz_validation",
            "message": "required: quiz_validation needs a webhook",
        },
        {
            "path": "$.webhooks.winner_selection",
            "message": "winner_selection is not among the capabilities",
        },
    ]


def test_without_a_list_of_capabilities_only_the_type_is_named():
    assert _errors(capabilities="winner_selection", fallbacks={"winner_selection": "x"}) == [
        {"path": "$.capabilities", "message": "must be of type array"},
        {
            "path": "$.fallbacks.winner_selection",
            "message": 'unknown value "x": expected one of platform_random',
        },
    ]


# --- settings ---------------------------------------------------------------------------------


def test_settings_may_be_exactly_8_levels_deep_and_no_deeper():
    assert json_depth({}) == 1
    assert json_depth(3) == 0
    assert json_depth({"a": [{"b": []}]}) == 4
    assert json_depth(_nested_settings(8)) == 8
    assert _errors(settings=_nested_settings(8)) == []
    assert json_depth(_nested_settings(9)) == 9
    assert _errors(settings=_nested_settings(9)) == [
        {"path": "$.settings", "message": "nested at most 8 levels deep"}
    ]


def _settings_of_size(size: int) -> dict:
    settings = {"type": "object", "description": ""}
    base = len('{"type":"object","description":""}')
    settings["description"] = "x" * (size - base)
    return settings


def test_settings_may_be_exactly_16_kib_and_no_more():
    assert _errors(settings=_settings_of_size(SETTINGS_MAX_BYTES)) == []
    assert _errors(settings=_settings_of_size(SETTINGS_MAX_BYTES + 1)) == [
        {
            "path": "$.settings",
            "message": f"at most 16384 bytes as JSON ({SETTINGS_MAX_BYTES + 1} given)",
        }
    ]


def test_settings_need_type_object_said_once_and_local_refs_anywhere():
    assert _errors(settings={}) == [
        {"path": "$.settings.type", "message": 'must be "object": room settings are an object'}
    ]
    # an invalid type is named by the meta-schema; "must be object" is not added to it
    [error] = _errors(settings={"type": 3})
    assert error["path"] == "$.settings.type"
    assert error["message"].startswith("not a valid JSON Schema (Draft 7): ")
    refs = {
        "type": "object",
        "definitions": {"a": {"type": "string"}},
        "allOf": [{"$ref": "#/definitions/a"}, {"$ref": "other.json"}],
        "properties": {"x": {"items": [{"$ref": "https://evil.example/s"}]}},
    }
    assert _errors(settings=refs) == [
        {
            "path": '$.settings.allOf[1]["$ref"]',
            "message": "only local references (starting with '#') are allowed",
        },
        {
            "path": '$.settings.properties.x.items[0]["$ref"]',
            "message": "only local references (starting with '#') are allowed",
        },
    ]


def test_a_settings_error_deeper_than_the_type_does_not_hide_the_missing_type():
    assert _errors(settings={"properties": {"n": {"type": 3}}}) == [
        {
            "path": "$.settings.properties.n.type",
            "message": "not a valid JSON Schema (Draft 7): 3 is not valid under any of the given "
            "schemas",
        },
        {"path": "$.settings.type", "message": 'must be "object": room settings are an object'},
    ]


# --- the whole manifest -----------------------------------------------------------------------


def test_a_manifest_that_is_not_json_says_so():
    assert manifest_errors({"meta": {1, 2}}) == [{"path": "$", "message": "must be JSON"}]
    assert manifest_errors(float("nan")) != []  # NaN is JSON to json.dumps; the type refuses it


def test_the_manifest_may_be_exactly_64_kib_and_no_more():
    data = manifest()
    data["meta"]["description"] = ""
    base = len(__import__("json").dumps(data, separators=(",", ":")))
    # the schema allows 2000 characters; the size check comes first and alone when over
    data["meta"]["description"] = "d" * (MANIFEST_MAX_BYTES - base)
    fields = manifest_errors(data)
    assert fields == [{"path": "$.meta.description", "message": "at most 2000 characters"}]
    data["meta"]["description"] += "d"
    assert manifest_errors(data) == [
        {"path": "$", "message": f"at most 65536 bytes as JSON ({MANIFEST_MAX_BYTES + 1} given)"}
    ]


def test_at_most_100_errors_are_listed_the_first_by_path():
    data = {f"k{i:03d}": 1 for i in range(150)}
    fields = manifest_errors(data)
    assert len(fields) == MAX_ERRORS == 100
    assert fields[0] == {"path": "$.base_url", "message": "required"}
    assert [f["path"] for f in fields] == sorted(f["path"] for f in fields)


def test_the_refusal_sums_up_one_or_many_problems():
    with pytest.raises(ApplicationError) as one:
        manifest_validate(manifest(base_url="http://a.example"))
    assert one.value.code == "invalid_manifest"
    assert one.value.message == f"The manifest has 1 problem: $.base_url {HTTPS_ONLY}."
    with pytest.raises(ApplicationError) as two:
        manifest_validate(manifest(base_url="http://a.example", permissions=["nope"]))
    assert two.value.message == (
        f"The manifest has 2 problems: $.base_url {HTTPS_ONLY} (and 1 more)."
    )
    assert [f["path"] for f in two.value.details["fields"]] == ["$.base_url", "$.permissions[0]"]


def test_problems_of_one_path_keep_the_order_found_schema_first():
    fields = _errors(fallbacks={"participant_registration": "coin_toss"})
    assert fields == [
        {
            "path": "$.fallbacks.participant_registration",
            "message": 'unknown value "coin_toss": expected one of pending_approval',
        },
        {
            "path": "$.fallbacks.participant_registration",
            "message": "participant_registration is not among the capabilities",
        },
    ]


def test_an_unknown_permission_lists_every_scope_comma_separated():
    from events.models import Scope

    assert _errors(permissions=["rooms:read", "rooms:delete"]) == [
        {
            "path": "$.permissions[1]",
            "message": 'unknown value "rooms:delete": expected one of ' + ", ".join(Scope.values),
        }
    ]
    assert ", ".join(Scope.values).startswith("users:read, rooms:read, rooms:write")


def test_webhooks_that_are_not_an_object_are_named_not_a_crash():
    assert _errors(webhooks=["/hooks/winners"]) == [
        {"path": "$.webhooks", "message": "must be of type object"},
        {"path": "$.webhooks.notifications", "message": "required: notifications needs a webhook"},
        {
            "path": "$.webhooks.winner_selection",
            "message": "required: winner_selection needs a webhook",
        },
    ]
