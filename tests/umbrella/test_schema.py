"""The OpenAPI schema says exactly what each operation accepts and can answer.

Client generators build from it (bin/check-clients type-checks the generated Python client and
TypeScript types); these tests hold the properties that made the generated clients usable.
"""

import ast
import io
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from PIL import Image
from rest_framework import exceptions, permissions
from rest_framework.test import APIClient

from accounts.models import Role
from artists.models import PerformanceType
from events.scopes import AppOnly
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory, png_upload
from umbrella.schema import ERROR_CODES

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "patch", "delete"}
ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def view_of(path: str, method: str = "get") -> Any:
    """The view behind a schema path (path parameters filled with plausible values), with a
    request of ``method``: a view may choose its permissions per method (public reads)."""
    concrete = re.sub(r"\{(\w*_id|number)\}", "1", path)
    concrete = re.sub(r"\{\w+\}", "someone", concrete)
    view = resolve(concrete).func.view_class()  # type: ignore[attr-defined]
    view.request = SimpleNamespace(method=method.upper())
    return view


def error_codes(operation: dict[str, Any]) -> dict[str, list[str]]:
    return {
        status: response.get("x-error-codes", [])
        for status, response in operation["responses"].items()
        if status[0] in "45"
    }


def test_every_operation_has_a_summary_and_a_unique_id(schema):
    ops = operations(schema)
    assert len(ops) >= 30
    assert [f"{m} {p}" for p, m, op in ops if not op.get("summary")] == []
    ids = [op["operationId"] for _, _, op in ops]
    assert len(ids) == len(set(ids))


def test_every_parameter_has_a_description(schema):
    missing = [
        f"{method} {path} {parameter['name']}"
        for path, method, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    assert missing == []


def test_uploads_are_multipart_only_with_binary_files(schema):
    uploads = {}
    for _, _, operation in operations(schema):
        content = operation.get("requestBody", {}).get("content", {})
        for body in content.values():
            ref = body["schema"]["$ref"].rsplit("/", 1)[1]
            properties = schema["components"]["schemas"][ref]["properties"]
            if any(p.get("format") == "binary" for p in properties.values()):
                uploads[operation["operationId"]] = list(content)
    assert uploads == {
        "artists_me_avatar_update": ["multipart/form-data"],
        "artists_me_banner_update": ["multipart/form-data"],
        "artists_me_tracks_create": ["multipart/form-data"],
        "artists_me_media_upload": ["multipart/form-data"],
        "fan_lists_imports_create": ["multipart/form-data"],
    }
    image = schema["components"]["schemas"]["ImageInputRequest"]
    assert image["properties"]["image"] == {"type": "string", "format": "binary"}
    assert image["required"] == ["image"]


# Operations that take a file: through the app (multipart), or straight to the bucket.
FILE_OPERATIONS = {
    "artists_me_avatar_update",
    "artists_me_banner_update",
    "artists_me_tracks_create",
    "artists_me_media_upload",
    "artists_me_media_direct_start",
    "artists_me_media_direct_confirm",
    "fan_lists_imports_create",  # a CSV file of fans
}


def test_only_file_operations_answer_413_and_415(schema):
    for path, method, operation in operations(schema):
        has_body = "requestBody" in operation
        codes = error_codes(operation)
        if set(codes.get("413", [])) - {"request_too_large"}:
            assert operation["operationId"] in FILE_OPERATIONS, f"{method} {path}"
        if "request_too_large" in codes.get("413", []):
            assert has_body, f"{method} {path}"
        if "415" in codes:
            # a body in the wrong format; or a file whose bytes are not accepted
            assert ("unsupported_media_type" in codes["415"]) == has_body, f"{method} {path}"
            if set(codes["415"]) - {"unsupported_media_type"}:
                assert operation["operationId"] in FILE_OPERATIONS, f"{method} {path}"
        if method == "get":
            assert not {"413", "415"} & set(codes), f"{method} {path}"
    avatar = error_codes(schema["paths"]["/api/v1/artists/me/avatar"]["put"])
    assert avatar["413"] == ["request_too_large", "image_too_large", "file_too_large"]
    assert avatar["415"] == ["unsupported_media_type", "unsupported_type"]
    me = error_codes(schema["paths"]["/api/v1/me"]["patch"])
    assert me["413"] == ["request_too_large"]  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    assert me["415"] == ["unsupported_media_type"]
    assert {"too_deep", "invalid_unicode"} <= set(me["400"])


def test_public_operations_need_no_credentials_and_the_others_do(schema):
    public = set()
    for path, method, operation in operations(schema):
        view = view_of(path, method)
        if all(isinstance(p, permissions.AllowAny) for p in view.get_permissions()):
            public.add(operation["operationId"])
            assert operation["security"] == [], f"{method} {path}"
        elif getattr(view, "app_endpoint", None):  # events: apps call it (docs/events.md)
            app_forms = [{"appToken": []}, {"accessToken": [], "actingAppToken": []}]
            if any(isinstance(p, AppOnly) for p in view.get_permissions()):
                assert operation["security"] == app_forms
            else:  # people too (the rooms' endpoints), with their usual credentials
                assert all(form in operation["security"] for form in app_forms)
                assert {"accessToken": []} in operation["security"]
        else:
            assert operation["security"] == [{"accessToken": []}, {"sessionCookie": []}]
    assert public == {
        "health",
        "health_live",
        "artists_list",
        "artists_retrieve",
        "artists_tracks_list",
        "artists_stats",
        "artists_tracks_play",
        "venues_retrieve",
        "gigs_list",
        "gigs_retrieve",
        "artists_reviews_list",
        "venues_reviews_list",
        "apps_token",  # the app's credentials are in the body (events)
        "apps_manifest_schema",
        "rooms_list",  # public rooms (events/api/rooms.py)
        "rooms_retrieve",
        # a public room's members, prizes and winners (events/api/members.py)
        "rooms_participants_list",
        "rooms_participants_retrieve",
        "rooms_prizes_list",
        "rooms_prizes_retrieve",
        "rooms_winners_list",
        "analytics_artist_public_stats",  # what an artist chose to show (analytics)
    }


def test_401_only_where_credentials_are_read_and_with_www_authenticate(schema):
    for path, method, operation in operations(schema):
        view = view_of(path, method)
        responses = operation["responses"]
        if not view.get_authenticators():  # health, counting a play
            # only the app token exchange, whose credentials are in the body, refuses them
            expected = (
                ["invalid_client", "credential_revoked"] if path == "/api/v1/apps/token" else None
            )
            assert error_codes(operation).get("401") == expected, f"{method} {path}"
            continue
        codes = error_codes(operation)["401"]
        public = operation["security"] == []
        # a public operation refuses only credentials that were sent and are not valid
        assert codes == (["invalid_token"] if public else ["not_authenticated", "invalid_token"])
        assert "WWW-Authenticate" in responses["401"]["headers"]


def test_429_with_retry_after_wherever_a_throttle_applies(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        if view_of(path, method).get_throttles():
            assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
        else:
            assert "429" not in responses
    assert "429" not in schema["paths"]["/api/v1/health"]["get"]["responses"]


def test_statuses_follow_what_each_operation_can_do(schema):
    paths = schema["paths"]
    # a read without parameters or domain errors: no 400, 403, 404, 409
    me = paths["/api/v1/me"]["get"]["responses"]
    assert sorted(me) == ["200", "401", "406", "429"]
    # a session-cookie write can miss its CSRF token; onboarding itself is not gated
    role = error_codes(paths["/api/v1/onboarding/role"]["post"])
    assert role["403"] == ["permission_denied"]
    assert role["409"] == ["role_locked"]
    # a gated write answers onboarding_required; the artist's own endpoints not_an_artist
    move = error_codes(paths["/api/v1/artists/me/tracks/{track_id}/move"]["post"])
    assert "onboarding_required" not in move["403"]  # the artist's own: usable while onboarding
    step = error_codes(paths["/api/v1/artists/me/onboarding/{number}"]["put"])
    assert step["409"] == ["step_out_of_order"]
    assert step["403"] == ["permission_denied", "not_an_artist"]
    for method in ("get", "patch"):
        assert "not_an_artist" in error_codes(paths["/api/v1/artists/me"][method])["403"]
    # health is the only operation that answers 503
    with_503 = [op["operationId"] for _, _, op in operations(schema) if "503" in op["responses"]]
    assert with_503 == ["health"]


def test_error_responses_share_the_error_shape_and_list_their_codes(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status[0] in "45":
                body = response["content"]["application/json"]["schema"]
                assert body == {"$ref": ERROR_REF}, f"{method} {path} {status}"
            if status[0] in "45":
                codes = response["x-error-codes"]
                assert codes, f"{method} {path} {status}"
                assert {ERROR_CODES[code][0] for code in codes} == {int(status)}
                assert all(f"`{code}`" in response["description"] for code in codes)
        assert error_codes(operation)["406"] == ["not_acceptable"]  # Accept without JSON


def test_error_code_is_the_enum_of_every_known_code(schema):
    schemas = schema["components"]["schemas"]
    assert schemas["ErrorCode"]["enum"] == list(ERROR_CODES)
    code = schemas["ApiError"]["properties"]["code"]
    assert {"$ref": "#/components/schemas/ErrorCode"} in code["anyOf"]
    assert schemas["ErrorResponse"]["properties"]["error"] == {
        "$ref": "#/components/schemas/ApiError"
    }


def test_profile_list_fields_are_typed(schema):
    schemas = schema["components"]["schemas"]
    kinds = {"type": "array", "items": {"$ref": "#/components/schemas/PerformanceType"}}
    for name in ("ArtistPublic", "ArtistOwn", "ArtistCard"):
        properties = schemas[name]["properties"]
        assert {k: v for k, v in properties["performance_types"].items() if k != "readOnly"} == (
            kinds
        )
        for field in ("secondary_genres", "influences"):
            if name != "ArtistCard":
                assert properties[field]["items"] == {"type": "string"}, (name, field)
    assert sorted(schemas["PerformanceType"]["enum"]) == sorted(PerformanceType.values)


def test_enums_have_meaningful_names(schema):
    schemas = schema["components"]["schemas"]
    assert not [name for name in schemas if name.endswith("Enum") or name == "BlankEnum"]
    role = schemas["MeOutput"]["properties"]["role"]
    assert role["allOf"] == [{"$ref": "#/components/schemas/RoleOrBlank"}]
    blank_role = schemas["RoleOrBlank"]
    assert dict(zip(blank_role["enum"], blank_role["x-enum-varnames"], strict=True)) == {
        "": "NOT_CHOSEN",
        "artist": "ARTIST",
        "venue": "VENUE",
        "fan": "FAN",
    }
    for name, component in schemas.items():
        values = component.get("enum", [])
        unnamed = [v for v in values if not (isinstance(v, str) and v[:1].isalpha())]
        assert not unnamed or "x-enum-varnames" in component, name


def test_one_envelope_for_paginated_lists_and_documented_plain_lists(schema):
    schemas = schema["components"]["schemas"]
    envelopes = {name: s for name, s in schemas.items() if name.startswith("Paginated")}
    assert envelopes
    for name, envelope in envelopes.items():
        assert {"next", "previous", "results"} <= set(envelope["required"]), name
    for path, method, operation in operations(schema):
        ok = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if ok.get("schema", {}).get("type") == "array":
            assert "Not paginated" in operation["description"], f"{method} {path}"


# --- every code the code base raises is in the enum, with its status ------------------------

ERROR_CLASSES = {"ApplicationError": 400, "NotFoundError": 404}
# DRF exceptions whose ``code=`` becomes ``error.code`` (a ValidationError is "validation_error").
DRF_ERRORS = {
    name
    for name, cls in vars(exceptions).items()
    if isinstance(cls, type)
    and issubclass(cls, exceptions.APIException)
    and cls is not exceptions.ValidationError
}


def _source_files() -> list[Path]:
    skip = {".venv", ".venv-clients", "tests", "bench", "migrations", "node_modules", "clients"}
    return [
        path for path in ROOT.rglob("*.py") if not skip & set(path.relative_to(ROOT).parts[:-1])
    ]


def _literal(node: ast.AST | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def raised_codes() -> tuple[set[tuple[str, int | None, str]], list[str]]:
    """(code, status, where) for every error code written in the source; and dynamic codes."""
    trees = {path: ast.parse(path.read_text()) for path in _source_files()}
    classes: dict[str, int | None] = dict(ERROR_CLASSES)
    for tree in trees.values():  # subclasses of the application error, with their status
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
                if bases & set(classes):
                    status = next(
                        (
                            _literal(s.value)
                            for s in node.body
                            if isinstance(s, ast.Assign)
                            and getattr(s.targets[0], "id", None) == "status_code"
                        ),
                        classes[next(iter(bases & set(classes)))],
                    )
                    classes[node.name] = status
    drf_errors = set(DRF_ERRORS)
    for tree in trees.values():  # the project's own DRF exceptions, and code-first errors
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
                if bases & drf_errors:
                    drf_errors.add(node.name)
                init = next(
                    (
                        f
                        for f in node.body
                        if isinstance(f, ast.FunctionDef) and f.name == "__init__"
                    ),
                    None,
                )
                if init and [a.arg for a in init.args.args[1:2]] == ["code"]:
                    classes.setdefault(node.name, None)
    found: set[tuple[str, int | None, str]] = set()
    dynamic: list[str] = []
    for path, tree in trees.items():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                keywords = {k.arg: k.value for k in node.keywords}
                if name in classes:
                    code = _literal(node.args[0]) if node.args else _literal(keywords.get("code"))
                    if not isinstance(code, str):
                        dynamic.append(f"{where}:{node.lineno}")
                        continue
                    status = _literal(keywords["status"]) if "status" in keywords else classes[name]
                    found.add((code, status, f"{where}:{node.lineno}"))
                elif name == "json_error_response" and len(node.args) == 3:
                    found.add((_literal(node.args[2]), _literal(node.args[1]), where))
                elif name == "error_body" and isinstance(_literal(node.args[0]), str):
                    found.add((_literal(node.args[0]), None, where))
                elif name in drf_errors and isinstance(_literal(keywords.get("code")), str):
                    found.add((_literal(keywords["code"]), None, f"{where}:{node.lineno}"))
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                target = getattr(node.targets[0], "id", None)
                if target == "default_code" and isinstance(node.value.value, str):
                    found.add((node.value.value, None, f"{where}:{node.lineno}"))
    return found, dynamic


def test_every_code_raised_in_the_source_is_documented_with_its_status():
    found, dynamic = raised_codes()
    assert dynamic == [], "error codes must be literals, so that they can be documented"
    codes = {code for code, _, _ in found}
    assert {"not_an_artist", "role_locked", "quota_exceeded", "onboarding_required"} <= codes
    unknown = sorted(f"{code} ({where})" for code, _, where in found if code not in ERROR_CODES)
    assert unknown == [], "add these to umbrella.schema.ERROR_CODES and docs/api.md"
    wrong_status = sorted(
        f"{code}: {status} at {where}, documented {ERROR_CODES[code][0]}"
        for code, status, where in found
        if status is not None and ERROR_CODES[code][0] != status
    )
    assert wrong_status == []


def test_drf_codes_the_handler_passes_through_are_documented():
    drf = {
        cls.default_code
        for cls in vars(exceptions).values()
        if isinstance(cls, type)
        and issubclass(cls, exceptions.APIException)
        and cls not in (exceptions.APIException, exceptions.ValidationError)
    }
    assert drf - set(ERROR_CODES) == set()


def test_every_documented_code_is_in_docs_api_md():
    text = (ROOT / "docs" / "api.md").read_text()
    assert [code for code in ERROR_CODES if f"`{code}`" not in text] == []


# --- the API answers what the schema says ----------------------------------------------------


def assert_documented(schema: dict[str, Any], path: str, method: str, response: Any) -> None:
    status = str(response.status_code)
    operation = schema["paths"][path][method]
    assert status in operation["responses"], f"{method} {path} answered an undocumented {status}"
    if status[0] in "45":
        assert response.json()["error"]["code"] in operation["responses"][status]["x-error-codes"]


@pytest.mark.django_db
def test_a_fan_gets_403_not_an_artist_from_read_and_write_of_the_artist_profile(schema):
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.FAN))

    read = client.get("/api/v1/artists/me")
    write = client.patch("/api/v1/artists/me", {"tagline": "hi"}, format="json")
    tracks = client.get("/api/v1/artists/me/tracks")

    for response in (read, write, tracks):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_an_artist"
    assert_documented(schema, "/api/v1/artists/me", "get", read)
    assert_documented(schema, "/api/v1/artists/me", "patch", write)


@pytest.mark.django_db
def test_an_artist_who_has_not_started_gets_404_from_read_and_write(schema):
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.ARTIST, onboarding_complete=False))

    read = client.get("/api/v1/artists/me")
    write = client.patch("/api/v1/artists/me", {"tagline": "hi"}, format="json")

    assert (read.status_code, write.status_code) == (404, 404)
    assert_documented(schema, "/api/v1/artists/me", "get", read)
    assert_documented(schema, "/api/v1/artists/me", "patch", write)


@pytest.mark.django_db
def test_avatar_upload_is_multipart_only_and_its_refusals_are_documented(
    schema, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    artist = ArtistProfileFactory()
    client = APIClient()
    client.force_authenticate(artist.user)
    path = "/api/v1/artists/me/avatar"

    form = client.put(path, "image=x", content_type="application/x-www-form-urlencoded")
    text = SimpleUploadedFile("notes.txt", b"plain words", content_type="text/plain")
    not_an_image = client.put(path, {"image": text}, format="multipart")
    bmp = client.put(path, {"image": _bmp_upload()}, format="multipart")
    uploaded = client.put(path, {"image": png_upload()}, format="multipart")

    assert form.status_code == 415
    assert form.json()["error"]["code"] == "unsupported_media_type"
    assert not_an_image.status_code == 400
    assert bmp.status_code == 415
    assert bmp.json()["error"]["code"] == "unsupported_type"
    assert uploaded.status_code == 200
    for response in (form, not_an_image, bmp, uploaded):
        assert_documented(schema, path, "put", response)
    artist.refresh_from_db()
    assert artist.avatar


def _bmp_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="BMP")
    return SimpleUploadedFile("red.bmp", out.getvalue(), content_type="image/bmp")


@pytest.mark.django_db
def test_public_operations_answer_without_credentials_and_refuse_a_bad_token(schema):
    ArtistProfileFactory(slug="nova", user__onboarding_complete=True)
    client = APIClient()

    anonymous = client.get("/api/v1/artists/nova")
    bad_token = client.get("/api/v1/artists/nova", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert anonymous.status_code == 200
    assert bad_token.status_code == 401
    assert bad_token["WWW-Authenticate"] == 'Bearer realm="api"'
    assert_documented(schema, "/api/v1/artists/{slug}", "get", bad_token)
