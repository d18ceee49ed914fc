"""The app manifest (SPEC-events §3): our published JSON Schema and the validator.

:data:`MANIFEST_SCHEMA` is what ``GET /api/v1/apps/manifest-schema`` serves (Draft 7): the
structure, the known capabilities and scopes, and a bound on every string, list and object.
:func:`manifest_validate` runs it with ``jsonschema`` and collects *every* error, then adds the
rules a schema can't say (https, semver, a webhook for each capability that needs one, no
webhook or fallback for an undeclared capability, the sync/async mode of each capability, a
``settings`` that is itself a Draft-7 schema of bounded depth and size with local ``$ref`` only).

Errors come back as one ``ApplicationError("invalid_manifest", …, details={"fields": [...]})``,
each field ``{"path": ..., "message": ...}``. A **path** is a JSON path from the manifest's root
``$``: ``.name`` for a key made of letters, digits and ``_``, ``["odd key"]`` for any other key
(JSON-quoted), ``[3]`` for a list index: ``$.webhooks.notifications.timeout_ms``,
``$.permissions[2]``, ``$.settings.properties["first name"].type``. A missing field is named by the
path it should have (``$.meta.version``); an unexpected key by its own path. The list is sorted
by path, one entry per problem.
"""

import importlib
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import semver
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from events.models import WEBHOOK_CAPABILITIES, Capability, Scope
from umbrella.errors import ApplicationError

# Bounds (also written into the schema, so apps can read them there).
MANIFEST_MAX_BYTES = 64 * 1024  # the whole manifest, as compact JSON
SETTINGS_MAX_BYTES = 16 * 1024  # the settings schema, as compact JSON
SETTINGS_MAX_DEPTH = 8  # nested objects/lists inside ``settings`` (``{}`` is depth 1)
TIMEOUT_MIN_MS = 1000
TIMEOUT_MAX_MS = 30000
URL_MAX_LENGTH = 2000
PATH_MAX_LENGTH = 500
MAX_ERRORS = 100  # a pasted manifest that is wrong everywhere gets the first 100, by path
MAX_DEPTH = 64  # as the API's JSON parser (umbrella/parsers.py): pasted text gets the same bound
# ReDoS: the regexes of ``settings`` (``pattern``, ``patternProperties``) will run with Python's
# backtracking ``re`` on what organizers type. See _regex_problem and docs/apps.md.
PATTERN_MAX_LENGTH = 200
PATTERN_MAX_QUANTIFIERS = 3  # quantifiers matching a variable number of times: ?, *, +, {m,n}
# The largest maxLength a string (or key) with a pattern may declare, by how many variable
# quantifiers the pattern has: about n^(k+1) backtracking steps at worst stay near 10^6-10^7.
PATTERN_INPUT_MAX_LENGTH = {0: 1000, 1: 1000, 2: 200, 3: 50}

# Capabilities whose answer the platform waits for (a draw, a join, a quiz answer), so their
# webhook is synchronous; notifications are always delivered asynchronously (SPEC-events §4).
SYNC_CAPABILITIES = frozenset(
    {Capability.WINNER_SELECTION, Capability.PARTICIPANT_REGISTRATION, Capability.QUIZ_VALIDATION}
)
ASYNC_CAPABILITIES = frozenset({Capability.NOTIFICATIONS})
# What the platform does when a capability's webhook fails (SPEC-events §4).
FALLBACKS = {
    Capability.WINNER_SELECTION.value: ["platform_random"],
    Capability.PARTICIPANT_REGISTRATION.value: ["pending_approval"],
}
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

_https_url = {
    "type": "string",
    "minLength": 1,
    "maxLength": URL_MAX_LENGTH,
    "pattern": r"^https?://[^\s]+$",
}
_webhook_path = {
    "type": "string",
    "minLength": 1,
    "maxLength": PATH_MAX_LENGTH,
    "pattern": r"^/[^\s#]*$",
    "description": "Appended to base_url; starts with '/'.",
}
_webhook = {
    "oneOf": [
        _webhook_path,
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["path"],
            "properties": {
                "path": _webhook_path,
                "timeout_ms": {
                    "type": "integer",
                    "minimum": TIMEOUT_MIN_MS,
                    "maximum": TIMEOUT_MAX_MS,
                    "description": "The whole call (connect, send, answer); defaults per "
                    "capability: winner_selection 5000, participant_registration 3000, "
                    "quiz_validation 2000, notifications 30000.",
                },
                "async": {
                    "type": "boolean",
                    "description": "notifications: always true; the other capabilities are "
                    "answered synchronously (false).",
                },
                "retry": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "enabled": {"type": "boolean"},
                        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 3},
                        "backoff": {"enum": ["exponential"]},
                    },
                },
            },
        },
    ]
}

MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Umbrella app manifest",
    "description": "SPEC-events §3. Rules beyond this schema (checked on registration): "
    "base_url is https (http only for localhost, 127.0.0.1, [::1]) with no trailing '/', query, "
    "fragment or credentials; meta.version is semver 2.0; every capability among "
    "winner_selection, participant_registration, notifications, quiz_validation has a webhook; "
    "webhooks and fallbacks only for declared capabilities; notifications webhooks are async, "
    "the others sync; settings is a Draft-7 JSON Schema of type object, at most "
    f"{SETTINGS_MAX_DEPTH} levels deep and {SETTINGS_MAX_BYTES} bytes, with local $ref only; "
    f"a settings pattern (or patternProperties key) is at most {PATTERN_MAX_LENGTH} characters, "
    "with no backreference, no quantifier or alternation inside a repeated group and at most "
    f"{PATTERN_MAX_QUANTIFIERS} variable quantifiers (?, *, +, {{m,n}}), and its schema "
    "declares a maxLength (propertyNames.maxLength for patternProperties) of at most "
    f"{PATTERN_INPUT_MAX_LENGTH[1]} (with 2 variable quantifiers {PATTERN_INPUT_MAX_LENGTH[2]}, "
    f"with 3 {PATTERN_INPUT_MAX_LENGTH[3]}); "
    f"the whole manifest is at most {MANIFEST_MAX_BYTES} bytes.",
    "type": "object",
    "additionalProperties": False,
    "required": ["meta", "base_url", "capabilities", "permissions"],
    "properties": {
        "meta": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "version"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 100},
                "version": {
                    "type": "string",
                    "maxLength": 64,
                    "description": "Semantic version (semver.org 2.0), e.g. 1.2.0.",
                },
                "description": {"type": "string", "maxLength": 2000},
                "author": {"type": "string", "maxLength": 200},
                "homepage": _https_url,
                "icon": _https_url,
            },
        },
        "base_url": {
            **_https_url,
            "description": "Where the app is served; webhook paths and /health are appended to it.",
        },
        "capabilities": {
            "type": "array",
            "maxItems": len(Capability.values),
            "uniqueItems": True,
            "items": {"enum": list(Capability.values)},
        },
        "permissions": {
            "type": "array",
            "maxItems": len(Scope.values),
            "uniqueItems": True,
            "items": {"enum": list(Scope.values)},
        },
        "webhooks": {
            "type": "object",
            "propertyNames": {"enum": list(Capability.values)},
            "additionalProperties": _webhook,
        },
        "fallbacks": {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: {"enum": values} for name, values in FALLBACKS.items()},
        },
        "settings": {
            "type": "object",
            "description": "The JSON Schema (Draft 7) of a room's settings for this app.",
        },
    },
}

_VALIDATOR = Draft7Validator(MANIFEST_SCHEMA)
# What ``Draft7Validator.check_schema`` checks (formats too: a ``pattern`` must compile), with
# every error rather than the first.
_META_VALIDATOR = Draft7Validator(
    Draft7Validator.META_SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Path = tuple[str | int, ...]


def version_above(version: str, than: str) -> bool:
    """Whether ``version`` comes after ``than`` in semver 2.0 order (a pre-release comes before
    its release: ``1.0.0-rc.1`` < ``1.0.0``; build metadata does not count). The one ordering of
    manifest versions: publishing a new one, the upgrade targets a room is offered, the upgrade
    itself. A string that is no semver (none passes the manifest's checks) is above nothing."""
    try:
        return semver.Version.parse(version).compare(than) > 0
    except (TypeError, ValueError):
        return False


def json_path(parts: Iterable[str | int]) -> str:
    """``("webhooks", "notifications", "timeout_ms")`` → ``$.webhooks.notifications.timeout_ms``."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}"
        else:
            text += f"[{json.dumps(part)}]"
    return text


class _Errors:
    def __init__(self) -> None:
        self.found: dict[tuple[str, str], None] = {}  # ordered, without repeats

    def add(self, path: Iterable[str | int], message: str) -> None:
        self.found[(json_path(path), message)] = None

    def fields(self) -> list[dict[str, str]]:
        ordered = sorted(self.found, key=lambda pair: pair[0])
        return [{"path": path, "message": message} for path, message in ordered][:MAX_ERRORS]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _schema_errors(errors: _Errors, error: ValidationError, base: Path = ()) -> None:
    """One jsonschema error as field errors, each at the path of the offending field."""
    path: Path = (*base, *error.absolute_path)
    kind = error.validator
    if "propertyNames" in error.schema_path:
        # jsonschema reports a bad key at its object; name the key itself.
        errors.add((*path, error.instance), f"unknown key {_short(error.instance)}")
    elif kind == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        for name in missing:
            errors.add((*path, name), "required")
    elif kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        for name in error.instance:
            if name not in allowed:
                errors.add((*path, name), "unknown field")
    elif kind == "uniqueItems" and isinstance(error.instance, list):
        seen: dict[str, int] = {}
        for index, item in enumerate(error.instance):
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                errors.add((*path, index), f"duplicate of {json_path((*path, seen[key]))}")
            else:
                seen[key] = index
    elif kind == "enum":
        choices = ", ".join(str(choice) for choice in error.validator_value)
        errors.add(path, f"unknown value {_short(error.instance)}: expected one of {choices}")
    elif kind == "oneOf" and error.context:
        # A webhook is a path or an object: report against the form the app chose.
        branch = 1 if isinstance(error.instance, dict) else 0  # _webhook's two forms
        if isinstance(error.instance, dict | str):
            for sub in error.context:
                if sub.relative_schema_path[0] == branch:
                    _schema_errors(errors, sub, base)
        else:
            errors.add(path, "must be a path string or an object with a path")
    elif kind == "type":
        errors.add(path, f"must be of type {error.validator_value}")
    elif kind == "pattern":
        errors.add(path, _pattern_message(error.validator_value))
    elif kind in {"maxLength", "minLength", "maxItems", "minimum", "maximum"}:
        bound = error.validator_value
        errors.add(
            path,
            {
                "maxLength": f"at most {bound} characters",
                "minLength": f"at least {bound} characters",
                "maxItems": f"at most {bound} items",
                "minimum": f"at least {bound}",
                "maximum": f"at most {bound}",
            }[str(kind)],
        )
    else:
        errors.add(path, error.message)


def _pattern_message(pattern: str) -> str:
    if pattern == _webhook_path["pattern"]:
        return "must be a path starting with '/' (no spaces or '#')"
    if pattern == _https_url["pattern"]:
        return "must be an https:// URL"
    return f"does not match {pattern}"


# --- the rules a schema can't say -------------------------------------------------------------


def _url_problem(url: str, *, base: bool) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError:
        return "not a valid URL"
    host = (parts.hostname or "").lower()
    if not host:
        return "the URL has no host"
    if parts.username is not None or parts.password is not None:
        return "no credentials in the URL"
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        return "must use https (http only for localhost, 127.0.0.1 and [::1])"
    if parts.scheme not in {"http", "https"}:
        return "must be an https:// URL"
    if port == 0:
        return "not a valid port"
    if base:
        if parts.query or parts.fragment or url.endswith(("?", "#")):
            return "no query or fragment: webhook paths are appended to it"
        if parts.path.endswith("/"):
            return "no trailing '/': webhook paths start with '/'"
        if ":" in host:
            try:
                ipaddress.IPv6Address(host)
            except ValueError:
                return "not a valid host"
    return None


def json_depth(value: Any) -> int:
    """Nesting depth of objects and lists (``{}`` is 1, a scalar 0), iteratively."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
    return deepest


def _refs(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    stack: list[tuple[Any, Path]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if key == "$ref":
                    yield (*where, key), child
                stack.append((child, (*where, key)))
        elif isinstance(node, list):
            stack.extend((child, (*where, index)) for index, child in enumerate(node))


# --- regexes in settings (ReDoS) ---------------------------------------------------------------
#
# Room settings are checked against the app's ``settings`` schema with jsonschema, which runs
# every ``pattern`` and ``patternProperties`` key with Python's backtracking ``re``. A pattern
# such as ``(a+)+$`` takes exponential time on ``aaaa…!``, and ``\d*\d*\d*x`` polynomial time
# of a high degree: one room's settings could hold a worker for hours. ``re`` has no timeout, and
# a linear-time engine would be a new native dependency, so the patterns are refused up front,
# at registration, by their structure (from Python's own parser, the one ``re`` compiles with):
#
# * no backreference or conditional (``\1``, ``(?(1)…)``): matching them is NP-hard;
# * inside a group repeated more than once (``*``, ``+``, ``{2,}``, ``{3}``), no variable
#   quantifier and no alternation: ``(a+)+``, ``(a|ab)*``, ``(a?){20}`` are where exponential
#   backtracking comes from (an unambiguous ``(\d{3}-)*`` stays allowed);
# * at most PATTERN_MAX_QUANTIFIERS variable quantifiers in all, and a bounded input: the string
#   schema declares ``maxLength`` (keys: ``propertyNames.maxLength``) of at most
#   PATTERN_INPUT_MAX_LENGTH[k]. With k variable quantifiers ``re.search`` takes at worst about
#   n^(k+1) steps; measured over combinations of the worst atoms (``\d*``, lazy, lookahead,
#   ``.*``, a fixed tail), the slowest allowed pattern and input took about 0.5 s on a loaded
#   2-core machine. That is per string: the rooms' door must also bound how many strings one
#   settings payload holds.
#
# Conservative: some safe patterns are refused (``^[a-z]+(\.[a-z]+)*$``: write
# ``^[a-z.]+$``). Python's parser (``re._parser``) is private, hence imported by name; it has
# been the same shape since 3.11 and ``tests/events/test_manifest_redos.py`` pins it.

_sre = importlib.import_module("re._parser")
_sre_c = importlib.import_module("re._constants")
_REPEATS = {_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, _sre_c.POSSESSIVE_REPEAT}
_REFERENCES = {_sre_c.GROUPREF, _sre_c.GROUPREF_EXISTS}


def _regex_shape(pattern: str) -> tuple[str | None, int] | None:
    """(what makes ``pattern`` unsafe or None, how many variable quantifiers it has); ``None``
    when it is not a regex at all (the meta-schema's format check reports that)."""
    if len(pattern) > PATTERN_MAX_LENGTH:
        return f"a pattern is at most {PATTERN_MAX_LENGTH} characters", 0
    try:
        tree = _sre.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    variable = 0
    stack: list[tuple[Any, bool]] = [(tree, False)]  # (items, inside a repeated group)
    while stack:
        items, looped = stack.pop()
        for op, av in items:
            if op in _REPEATS:
                low, high, body = av
                if low != high:
                    if looped:
                        return (
                            "a quantifier inside a repeated group, such as (a+)+, can take "
                            "exponential time: not allowed",
                            variable,
                        )
                    variable += 1
                stack.append((body, looped or high > 1))
            elif op == _sre_c.BRANCH:
                if looped:
                    return (
                        "an alternation inside a repeated group, such as (a|ab)*, can take "
                        "exponential time: use a character class such as [ab]",
                        variable,
                    )
                stack.extend((branch, looped) for branch in av[1])
            elif op in _REFERENCES:
                return "no backreferences or conditionals: they can take exponential time", 0
            elif op == _sre_c.SUBPATTERN:
                stack.append((av[3], looped))
            elif op in (_sre_c.ASSERT, _sre_c.ASSERT_NOT):
                stack.append((av[1], looped))
            elif op == _sre_c.ATOMIC_GROUP:
                stack.append((av, looped))
    if variable > PATTERN_MAX_QUANTIFIERS:
        return (
            f"at most {PATTERN_MAX_QUANTIFIERS} quantifiers that match a variable number of "
            f"times (?, *, +, {{m,n}}); this one has {variable}",
            variable,
        )
    return None, variable


def _input_bound(quantifiers: int) -> int:
    return PATTERN_INPUT_MAX_LENGTH[min(quantifiers, PATTERN_MAX_QUANTIFIERS)]


def _require_bound(errors: _Errors, where: Path, declared: Any, bound: int, what: str) -> None:
    if isinstance(declared, bool) or not isinstance(declared, int):
        errors.add(where, f"required with {what}: at most {bound}")
    elif declared > bound:
        errors.add(where, f"at most {bound} with {what}")


# Keywords whose value is data (never a schema), and those whose value maps names to schemas.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "definitions", "dependencies"})


def _schema_objects(settings: dict[str, Any], where: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """Every object of ``settings`` that can act as a schema (an unknown keyword's too: a
    ``$ref`` may point there), with its path; data (``enum``, ``default``…) left out."""
    stack: list[tuple[Any, Path]] = [(settings, where)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(node))
        elif isinstance(node, dict):
            yield node, path
            for key, child in node.items():
                if key in _DATA_KEYWORDS:
                    continue
                if key in _NAMED_SCHEMAS and isinstance(child, dict):
                    stack.extend((sub, (*path, key, name)) for name, sub in child.items())
                else:
                    stack.append((child, (*path, key)))


def _check_regexes(errors: _Errors, settings: dict[str, Any], where: Path) -> None:
    for schema, path in _schema_objects(settings, where):
        pattern = schema.get("pattern")
        shape = _regex_shape(pattern) if isinstance(pattern, str) else None
        if shape is not None:
            problem, quantifiers = shape
            if problem:
                errors.add((*path, "pattern"), problem)
            else:
                bound = _input_bound(quantifiers)
                declared = schema.get("maxLength")
                _require_bound(errors, (*path, "maxLength"), declared, bound, "a pattern")
        keyed = schema.get("patternProperties")
        if isinstance(keyed, dict) and keyed:
            most = 0
            for key in keyed:
                problem, quantifiers = _regex_shape(key) or (None, 0)
                if problem:
                    errors.add((*path, "patternProperties", key), problem)
                most = max(most, quantifiers)
            names = schema.get("propertyNames")
            declared = names.get("maxLength") if isinstance(names, dict) else None
            bound = _input_bound(most)
            _require_bound(
                errors, (*path, "propertyNames", "maxLength"), declared, bound, "patternProperties"
            )


def _check_settings(errors: _Errors, settings: Any) -> None:
    where: Path = ("settings",)
    if not isinstance(settings, dict):
        return  # the schema said so
    size = len(json.dumps(settings, separators=(",", ":")))
    if size > SETTINGS_MAX_BYTES:
        errors.add(where, f"at most {SETTINGS_MAX_BYTES} bytes as JSON ({size} given)")
        return
    if json_depth(settings) > SETTINGS_MAX_DEPTH:
        errors.add(where, f"nested at most {SETTINGS_MAX_DEPTH} levels deep")
        return
    invalid = False
    for error in _META_VALIDATOR.iter_errors(settings):
        path = (*where, *error.absolute_path)
        errors.add(path, f"not a valid JSON Schema (Draft 7): {error.message}")
        invalid = invalid or path == (*where, "type")
    if settings.get("type") != "object" and not invalid:
        errors.add((*where, "type"), 'must be "object": room settings are an object')
    for path, ref in _refs(settings, where):
        if not (isinstance(ref, str) and ref.startswith("#")):
            errors.add(path, "only local references (starting with '#') are allowed")
    _check_regexes(errors, settings, where)


def _check_rules(errors: _Errors, manifest: dict[str, Any]) -> None:
    meta = manifest.get("meta")
    version = meta.get("version") if isinstance(meta, dict) else None
    if isinstance(version, str) and not semver.Version.is_valid(version):
        errors.add(("meta", "version"), "must be a semantic version such as 1.2.0")
    for key in ("homepage", "icon"):
        url = meta.get(key) if isinstance(meta, dict) else None
        checked = isinstance(url, str) and url.startswith(("http://", "https://"))
        if checked and (problem := _url_problem(str(url), base=False)):
            errors.add(("meta", key), problem)

    base_url = manifest.get("base_url")
    # Not starting with http(s)://: the schema's pattern said so already.
    checked = isinstance(base_url, str) and base_url.startswith(("http://", "https://"))
    if checked and (problem := _url_problem(str(base_url), base=True)):
        errors.add(("base_url",), problem)

    capabilities = manifest.get("capabilities")
    declared = (
        {c for c in capabilities if isinstance(c, str)} if isinstance(capabilities, list) else None
    )
    webhooks = manifest.get("webhooks")
    webhooks = webhooks if isinstance(webhooks, dict) else {}
    if declared is not None:
        for capability in sorted(declared & WEBHOOK_CAPABILITIES):
            if capability not in webhooks:
                errors.add(("webhooks", capability), f"required: {capability} needs a webhook")
        for name, hook in webhooks.items():
            if name in Capability.values and name not in declared:
                errors.add(("webhooks", name), f"{name} is not among the capabilities")
            if isinstance(hook, dict) and isinstance(hook.get("async"), bool):
                if name in SYNC_CAPABILITIES and hook["async"]:
                    errors.add(
                        ("webhooks", name, "async"),
                        f"{name} is answered synchronously: async must be false",
                    )
                if name in ASYNC_CAPABILITIES and not hook["async"]:
                    errors.add(
                        ("webhooks", name, "async"),
                        f"{name} is always delivered asynchronously: async must be true",
                    )
        fallbacks = manifest.get("fallbacks")
        if isinstance(fallbacks, dict):
            for name in fallbacks:
                if name in FALLBACKS and name not in declared:
                    errors.add(("fallbacks", name), f"{name} is not among the capabilities")

    if "settings" in manifest:
        _check_settings(errors, manifest["settings"])


def manifest_errors(manifest: Any) -> list[dict[str, str]]:
    """Every problem of ``manifest``, as ``[{"path", "message"}]`` sorted by path ([] = valid)."""
    errors = _Errors()
    try:
        size = len(json.dumps(manifest, separators=(",", ":")))
    except (TypeError, ValueError, RecursionError):
        errors.add((), "must be JSON")
        return errors.fields()
    if size > MANIFEST_MAX_BYTES:
        # Too big to examine: the one error says so.
        errors.add((), f"at most {MANIFEST_MAX_BYTES} bytes as JSON ({size} given)")
        return errors.fields()
    for error in _VALIDATOR.iter_errors(manifest):
        _schema_errors(errors, error)
    if isinstance(manifest, dict):
        _check_rules(errors, manifest)
    return errors.fields()


def manifest_validate(manifest: Any) -> dict[str, Any]:
    """``manifest`` if it is valid, else ``ApplicationError("invalid_manifest")`` listing every
    bad field (``details.fields``: ``[{"path", "message"}]``)."""
    fields = manifest_errors(manifest)
    if fields:
        count = len(fields)
        raise ApplicationError(
            "invalid_manifest",
            f"The manifest has {count} problem{'s' if count > 1 else ''}: "
            f"{fields[0]['path']} {fields[0]['message']}"
            + (f" (and {count - 1} more)" if count > 1 else "")
            + ".",
            details={"fields": fields},
        )
    return manifest
