"""Hostile input for every operation that reads a body or query parameters, as generators over
the OpenAPI schema (so a new operation or field is attacked without new test code):

* ``deep``: JSON nested 5,000 levels (arrays and objects);
* ``huge``: a JSON body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
* ``strings``: lone UTF-16 surrogates, NUL and other control characters, bidi overrides and
  line separators in every string field (and as non-ASCII / punctuation-only file names);
* ``types``: every field with every JSON type it does not accept (a string for a file, a file
  for a string in multipart forms);
* ``fields``: multipart forms with over a thousand fields or over a hundred files;
* ``query``: the same strings and type confusions (plus invalid UTF-8) in query parameters.

Each answer must not be a server error; a 4xx must use the error shape (allauth's own shape
under ``/_allauth/``) and must have written nothing. Every request runs in a savepoint that is
rolled back, so each one starts from the same state.
"""

import json
import random
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from artists.models import ArtistProfile, MediaFile, MediaQuota, ProfileView, Track
from tests.accounts.factories import NewUserFactory
from tests.artists.factories import PNG_1PX, ArtistProfileFactory, wav_upload
from tests.umbrella.fuzz_seed import EXAMPLES, derived_seed, replay_hint
from tests.umbrella.fuzz_world import (
    JSON_TYPE_VALUES,
    NASTY_STRINGS,
    OPERATIONS,
    deep_json,
    schema,
    schema_types,
    sign_in,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


# --- what the schema says each operation reads ------------------------------------------------


def _resolve(node: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _spec() -> dict[str, Any]:
    return schema.raw_schema


def _inputs(method: str, path: str) -> tuple[str | None, dict[str, Any], list[dict[str, Any]]]:
    """(body media type, body properties, query parameters) of one operation."""
    spec = _spec()
    operation = spec["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    media_type = next(
        (t for t in ("application/json", "multipart/form-data") if t in content), None
    )
    properties: dict[str, Any] = {}
    if media_type:
        body = _resolve(content[media_type]["schema"], spec)
        properties = {
            name: _resolve(prop, spec) for name, prop in body.get("properties", {}).items()
        }
    query = [_resolve(p, spec) for p in operation.get("parameters", []) if p.get("in") == "query"]
    return media_type, properties, query


JSON_OPS = []
MULTIPART_OPS = []
QUERY_OPS = []
for _method, _path in OPERATIONS:
    _media, _props, _query = _inputs(_method, _path)
    _id = f"{_method} {_path.removeprefix(BASE)}"
    if _media == "application/json":
        JSON_OPS.append(_id)
    elif _media == "multipart/form-data":
        MULTIPART_OPS.append(_id)
    if _query:
        QUERY_OPS.append(_id)


# --- the world: an onboarded artist with a track, and a newcomer --------------------------------


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class Caller:
    def __init__(self) -> None:
        self.artist = ArtistProfileFactory()
        self.track_id = Track.objects.create(
            artist=self.artist, title="Song", audio="artists/tracks/x.wav", audio_size_bytes=10
        ).pk
        self.newcomer = NewUserFactory()
        self.tokens = {"artist": sign_in(self.artist.user), "newcomer": sign_in(self.newcomer)}
        self.client = APIClient(raise_request_exception=False)

    def url(self, op: str) -> tuple[str, str]:
        method, path = op.split(" ", 1)
        path = path.replace("{track_id}", str(self.track_id)).replace("{number}", "1")
        path = path.replace("{slug}", self.artist.slug).replace("{media_id}", "1")
        return method, BASE + path

    def token(self, op: str) -> str:
        return self.tokens["newcomer" if op == "POST /onboarding/role" else "artist"]

    def send(self, op: str, **kwargs: Any) -> Any:
        method, url = self.url(op)
        kwargs.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token(op)}")
        return self.client.generic(method, url, **kwargs)

    def send_form(self, op: str, data: dict[str, Any]) -> Any:
        method, url = self.url(op)
        handler = getattr(self.client, method.lower())
        return handler(url, data, format="multipart", HTTP_AUTHORIZATION=f"Bearer {self.token(op)}")


@pytest.fixture(scope="module")
def _caller(module_rows) -> Caller:
    """Made once for the module (every request is rolled back, see ``attack``); its access
    tokens live an hour, so a slow run of the module under load does not meet expired ones."""
    with override_settings(HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN=3600):
        return Caller()


@pytest.fixture
def caller(_caller: Caller) -> Caller:
    _caller.client = APIClient(raise_request_exception=False)  # no cookies from another test
    return _caller


def snapshot() -> list[Any]:
    """Every row a request to these operations could write (sign-in bookkeeping left out)."""
    return [
        [
            {k: v for k, v in row.items() if k != "last_login"}
            for row in User.objects.order_by("pk").values()
        ],
        list(ArtistProfile.objects.order_by("pk").values()),
        list(Track.objects.order_by("pk").values()),
        list(MediaFile.objects.order_by("pk").values()),
        list(MediaQuota.objects.order_by("pk").values()),
        list(ProfileView.objects.order_by("pk").values()),
        list(EmailAddress.objects.order_by("pk").values()),
    ]


def sample(items: list[Any], *parts: str) -> list[Any]:
    """At most ``5 * FUZZ_EXAMPLES`` of a generator's requests, chosen by the run's seed (all of
    them with a large ``FUZZ_EXAMPLES``): bounded time, and another subset every run."""
    limit = 5 * EXAMPLES
    if len(items) <= limit:
        return items
    # the lone surrogates always go: the strict xfails above depend on them
    always = [item for item in items if "surrogate" in item[0]]
    rest = [item for item in items if "surrogate" not in item[0]]
    chosen = random.Random(derived_seed("hostile", *parts)).sample(
        rest, max(0, limit - len(always))
    )
    return always + chosen


def attack(send: Any, what: str) -> int:
    """Send one hostile request in a savepoint; check the answer; return its status."""
    with transaction.atomic():
        cache.clear()
        before = snapshot()
        response = send()
        status = response.status_code
        where = f"{what}: {status} {response.content[:300]!r} ({replay_hint()})"
        assert status < 500, where
        body = response.json() if 400 <= status < 500 else {}
        # allauth answers 401 with the next "flows" when it did not sign anybody in (or signed
        # somebody up, pending e-mail verification): not a refusal of the input.
        accepted = status == 401 and "flows" in body.get("data", {})
        if 400 <= status < 500 and not accepted:
            if "error" in body:
                assert set(body["error"]) == {"code", "message", "details"}, where
            else:  # allauth's own shape under /_allauth/
                assert body.get("status") == status and body.get("errors"), where
            assert snapshot() == before, f"a refused request wrote something: {where}"
        transaction.set_rollback(True)
    return status


# --- generators ---------------------------------------------------------------------------------


def wrong_values(prop: dict[str, Any]) -> dict[str, Any]:
    accepted = schema_types(prop)
    if prop.get("type") == "array":
        item_types = schema_types(_resolve(prop.get("items", {}), _spec()))
        wrong_items = {f"array of {k}": [v] for k, v in JSON_TYPE_VALUES.items()}
        wrong = {k: v for k, v in wrong_items.items() if k.split()[-1] not in item_types}
    else:
        wrong = {}
    for kind, value in JSON_TYPE_VALUES.items():
        if kind not in accepted:
            wrong[kind] = value
    return wrong


def string_fields(properties: dict[str, Any]) -> list[str]:
    return [
        name
        for name, prop in properties.items()
        if "string" in schema_types(prop) and prop.get("format") != "binary"
    ]


# 500s found by these generators that the "hardening" helper (issue 8 item 4) is fixing at the
# root. Each is a strict xfail: the suite fails the moment one is fixed, so the mark is removed.
DEEP = (
    "issue 8: JSON nested thousands of levels deep raises RecursionError in the JSON parser (500)"
)
HUGE = "issue 8: a JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE raises RequestDataTooBig (500)"
SURROGATE = "issue 8: a lone UTF-16 surrogate cannot be encoded when echoed or stored (500)"
FIELDS = "issue 8: over 1,000 multipart fields / 100 files raise TooManyFields/FilesSent (500)"
KNOWN_500: dict[tuple[str, str], str] = {
    # Found by these generators on 2 December 2026 and fixed by issue 8 the same evening:
    # JSON nesting (every JSON operation, allauth login and sign-up), bodies over the size limit
    # (every JSON operation), lone surrogates (media direct upload, role choice, allauth login),
    # over 1,000 multipart fields / 100 files (every upload). None is open now; add new ones as
    # (operation, kind): reason, with DEEP, HUGE, SURROGATE or FIELDS as the reason.
}


def cases(ops: list[str], kinds: list[str]) -> list[Any]:
    return [
        pytest.param(
            op,
            kind,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_500[(op, kind)])]
            if (op, kind) in KNOWN_500
            else [],
            id=f"{op}-{kind}",
        )
        for op in ops
        for kind in kinds
    ]


@pytest.mark.parametrize(("op", "kind"), cases(JSON_OPS, ["deep", "huge", "strings", "types"]))
def test_json_body_operations_survive_hostile_bodies(caller: Caller, op: str, kind: str) -> None:
    method, path = op.split(" ", 1)
    _, properties, _ = _inputs(method, BASE + path)
    sent: list[tuple[str, bytes]] = []
    if kind == "deep":
        sent = [("deep array", deep_json("array")), ("deep object", deep_json("object"))]
    elif kind == "huge":
        size = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
        field = next(iter(string_fields(properties)), "x")
        sent = [("huge body", json.dumps({field: "x" * size}).encode())]
    elif kind == "strings":
        for field in string_fields(properties) or list(properties):
            for name, value in NASTY_STRINGS.items():
                sent.append((f"{field}={name}", json.dumps({field: value}).encode()))
    else:
        for field, prop in properties.items():
            for name, value in wrong_values(prop).items():
                sent.append((f"{field} as {name}", json.dumps({field: value}).encode()))
    assert sent, f"{op} reads no {kind} input"
    failures = []
    for what, body in sample(sent, op, kind):
        try:
            attack(lambda b=body: caller.send(op, data=b, content_type="application/json"), what)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert not failures, f"{op}:\n" + "\n".join(failures)


def _valid_form(op: str) -> dict[str, Any]:
    if op == "POST /artists/me/tracks":
        return {"title": "Song", "audio": wav_upload()}
    if op == "POST /artists/me/media":
        return {"category": "press_photo", "file": SimpleUploadedFile("a.png", PNG_1PX)}
    return {"image": SimpleUploadedFile("a.png", PNG_1PX)}


@pytest.mark.parametrize(("op", "kind"), cases(MULTIPART_OPS, ["strings", "types", "fields"]))
def test_multipart_operations_survive_hostile_forms(caller: Caller, op: str, kind: str) -> None:
    method, path = op.split(" ", 1)
    _, properties, _ = _inputs(method, BASE + path)
    forms: list[tuple[str, Any]] = []
    file_fields = [n for n, p in properties.items() if p.get("format") == "binary"]
    if kind == "strings":
        for field in string_fields(properties):
            for name, value in NASTY_STRINGS.items():
                if "surrogate" in name:
                    continue  # a UTF-8 form cannot carry one (the JSON bodies do)
                forms.append(
                    (f"{field}={name}", lambda f=field, v=value: {**_valid_form(op), f: v})
                )
        for field in file_fields:
            for filename in ("日本語.png", "???.png", "....png", "\u202egnp.png", "a\x00b.png"):
                forms.append(
                    (
                        f"{field} named {filename!r}",
                        lambda f=field, n=filename: {
                            **_valid_form(op),
                            f: SimpleUploadedFile(
                                n,
                                (
                                    _valid_form(op).get(f) or SimpleUploadedFile("a.png", PNG_1PX)
                                ).read(),
                            ),
                        },
                    )
                )
    elif kind == "types":
        for field in string_fields(properties):
            forms.append(
                (f"{field} as a file", lambda f=field: {**_valid_form(op), f: wav_upload()})
            )
        for field in file_fields:
            forms.append((f"{field} as text", lambda f=field: {**_valid_form(op), f: "text"}))
    else:
        limit = django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 1000
        forms.append(
            (
                "too many fields",
                lambda: {**_valid_form(op), **{f"f{i}": "x" for i in range(limit + 1)}},
            )
        )
        files = django_settings.DATA_UPLOAD_MAX_NUMBER_FILES or 100
        forms.append(
            (
                "too many files",
                lambda: {
                    **_valid_form(op),
                    **{f"f{i}": SimpleUploadedFile(f"{i}.png", PNG_1PX) for i in range(files + 1)},
                },
            )
        )
    assert forms, f"{op} reads no {kind} input"
    failures = []
    for what, make in sample(forms, op, kind):
        try:
            attack(lambda m=make: caller.send_form(op, m()), what)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert not failures, f"{op}:\n" + "\n".join(failures)


QUERY_VALUES = {
    **{name: value.encode("utf-8", "surrogatepass") for name, value in NASTY_STRINGS.items()},
    "invalid_utf8": b"\xff\xfe",
    "encoded_surrogate": b"\xed\xa0\x80",
    "huge_number": b"9" * 400,
    "negative": b"-1",
    "float": b"1.5e308",
    "array_syntax": b"[]",
    "object_syntax": b"{}",
    "empty": b"",
}


@pytest.mark.parametrize("op", QUERY_OPS)
def test_query_parameters_survive_hostile_values(caller: Caller, op: str) -> None:
    from urllib.parse import quote_from_bytes

    method, path = op.split(" ", 1)
    _, _, query = _inputs(method, BASE + path)
    failures = []
    queries = [
        (f"?{parameter['name']}={name}", f"{parameter['name']}={quote_from_bytes(raw)}")
        for parameter in query
        for name, raw in QUERY_VALUES.items()
    ]
    for what, qs in sample(queries, op, "query"):
        try:
            attack(lambda q=qs: caller.send(op, QUERY_STRING=q), what)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert not failures, f"{op}:\n" + "\n".join(failures)


ALLAUTH = {
    "login": ("/_allauth/app/v1/auth/login", ["email", "password"]),
    "signup": ("/_allauth/app/v1/auth/signup", ["email", "password"]),
    "browser login": ("/_allauth/browser/v1/auth/login", ["email", "password"]),
}


@pytest.mark.parametrize(
    ("op", "kind"), cases([f"allauth {e}" for e in ALLAUTH], ["deep", "huge", "strings", "types"])
)
def test_allauth_endpoints_survive_hostile_bodies(op: str, kind: str) -> None:
    endpoint = op.removeprefix("allauth ")
    url, fields = ALLAUTH[endpoint]
    client = APIClient(raise_request_exception=False)
    bodies: list[tuple[str, bytes]] = []
    if kind == "deep":
        bodies = [("deep array", deep_json("array")), ("deep object", deep_json("object"))]
    elif kind == "huge":
        size = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
        bodies = [("huge body", json.dumps({"email": "x" * size, "password": "x"}).encode())]
    elif kind == "strings":
        for field in fields:
            for name, value in NASTY_STRINGS.items():
                body = {"email": "a@example.com", "password": "pw-123456789", field: value}
                bodies.append((f"{field}={name}", json.dumps(body).encode()))
    else:
        for field in fields:
            for name, value in JSON_TYPE_VALUES.items():
                if name != "string":
                    body = {"email": "a@example.com", "password": "pw-123456789", field: value}
                    bodies.append((f"{field} as {name}", json.dumps(body).encode()))
    failures = []
    for what, body in sample(bodies, op, kind):
        try:
            attack(lambda b=body: client.post(url, b, content_type="application/json"), what)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert not failures, f"{endpoint}:\n" + "\n".join(failures)
