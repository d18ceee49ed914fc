"""The OpenAPI document: what each operation accepts and what it can answer.

Client generators (openapi-python-client, openapi-typescript) build from ``/api/v1/schema/``,
so the schema must be exact, not merely valid:

- :data:`ERROR_CODES` is every ``error.code`` the API answers with, its status and when. It is
  the schema's ``ErrorCode`` enum; ``tests/umbrella/test_schema.py`` scans the code base and fails
  when a code is raised that is not listed here (or with another status).
- :class:`AutoSchema` works out, per operation, the error statuses it can really answer: from
  the view's authenticators, permissions and throttles, its request body and its parameters,
  plus the domain codes the view declares with :func:`raises`. 401 carries ``WWW-Authenticate``,
  429 carries ``Retry-After``. Operations anyone may call get ``security: []``.
- Deprecation comes from one place, ``umbrella.deprecation.DEPRECATED`` (the registry whose
  headers ``DeprecationMiddleware`` sends): an operation whose path it covers is
  ``deprecated: true``, says since when and until when in its description, and documents the
  ``Deprecation``, ``Sunset`` and ``Link`` headers on each of its responses.
  ``extend_schema(deprecated=True)`` is refused (a deprecation the responses would not announce).
- :func:`postprocess` adds the ``ErrorResponse``, ``ApiError`` and ``ErrorCode`` components and
  gives a choice that may be blank (``""``: a role not chosen yet) one named enum instead of
  ``BlankEnum``; it refuses a registry entry that covers no operation.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular import openapi
from drf_spectacular.settings import spectacular_settings
from rest_framework import authentication, pagination, permissions

from umbrella import deprecation

# code: (status, when). Kept in status order; docs/api.md has the same table for people.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "validation_error": (
        400,
        "The input failed validation; `details` maps each field to its messages "
        "(`non_field_errors` for the whole body).",
    ),
    "parse_error": (400, "The body could not be parsed (malformed JSON or multipart)."),
    "too_deep": (400, "The JSON body nests deeper than 64 levels."),
    "invalid_unicode": (400, "A JSON string holds an unpaired UTF-16 surrogate or a NUL."),
    "too_many_fields": (400, "A form body with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS."),
    "too_many_files": (400, "A form body with more files than DATA_UPLOAD_MAX_NUMBER_FILES."),
    "bad_request": (400, "Django refused the request before any view ran (e.g. a bad Host)."),
    "invalid_role": (400, "A role other than artist, venue or fan (service guard)."),
    "role_required": (400, "The step needs a role: choose one first."),
    "invalid_category": (400, "An unknown media category."),
    "empty_file": (400, "The uploaded file is empty."),
    "csv_empty": (400, "The CSV file has no rows (or only a header)."),
    "csv_not_utf8": (400, "The CSV file is not UTF-8 text."),
    "csv_malformed": (400, "The file is not valid CSV (binary data, broken quoting)."),
    "csv_no_header": (400, "The CSV file starts with data: the first row must name the columns."),
    "csv_no_address_column": (400, "The CSV header names no email or phone column."),
    "csv_too_many_rows": (400, "The CSV file has more rows than FANS_IMPORT_MAX_ROWS."),
    "size_mismatch": (400, "The uploaded file is larger than announced."),
    "invalid_image": (400, "The file is not a readable image."),
    "invalid_manifest": (
        400,
        "An app manifest breaks the manifest schema or its rules; `details.fields` lists every "
        "bad field: `[{path, message}]`, by JSON path.",
    ),
    "not_eligible": (400, "Rooms: only active participants (role `participant`) can win."),
    "day_not_over": (400, "(admin, rollup_metrics) A UTC day not over yet can't be rolled up."),
    "not_authenticated": (401, "No credentials on an operation that needs them."),
    "invalid_token": (
        401,
        "The Bearer token is malformed, expired or revoked, or its user is inactive: "
        "refresh, or sign in again.",
    ),
    "authentication_failed": (401, "DRF's generic 401 code; not raised by our authenticators."),
    "invalid_client": (401, "`POST /apps/token`: the app id or the secret is wrong (not which)."),
    "credential_revoked": (401, "`POST /apps/token`: that app secret was revoked."),
    "permission_denied": (
        403,
        "Not allowed; also a session-cookie write without a CSRF token.",
    ),
    "onboarding_required": (403, "A write before the user finished onboarding."),
    "not_an_artist": (403, "Only artist accounts have an artist profile."),
    "not_a_venue": (403, "Only venue accounts can do this (venue profile, gigs, applicants)."),
    "blocked": (403, "One of you blocked the other: no new conversation or message between you."),
    "not_artist_or_venue": (403, "Analytics: only artist and venue accounts have figures."),
    "not_messageable": (
        403,
        "A new conversation needs an onboarded artist or venue on the other side.",
    ),
    "forbidden": (403, "Your role does not allow it; `details.required_roles`, `details.role`."),
    "app_not_allowed": (403, "An app token on an endpoint or method that apps may not call."),
    "app_permission_denied": (
        403,
        "The app lacks the scope; `details.required` and `details.granted` list scopes.",
    ),
    "app_required": (403, "Only an app calls this endpoint: send an app token."),
    "app_disabled": (403, "`POST /apps/token`: the app is disabled."),
    "registration_refused": (
        403,
        "Rooms: the room's app refused the join; `details.reason` is its reason.",
    ),
    "role_not_grantable": (403, "Rooms: nobody is made organizer or admin through the API."),
    "not_found": (404, "No such object (or not yours), or no such page."),
    "method_not_allowed": (405, "The method is not supported on this path."),
    "not_acceptable": (406, "The Accept header does not allow JSON."),
    "role_locked": (409, "Onboarding is complete: the role can no longer change."),
    "step_out_of_order": (409, "An earlier onboarding step comes first; `details.next_step`."),
    "direct_upload_unavailable": (409, "This server stores files itself: upload through the app."),
    "upload_missing": (409, "The file has not arrived in the bucket yet."),
    "not_ready": (409, "The upload has not been confirmed yet."),
    "gig_not_open": (409, "The gig is not open (filled, cancelled, completed) or has started."),
    "gig_not_cancellable": (409, "The gig is already cancelled or completed."),
    "already_applied": (409, "You have already applied to this gig (once per gig)."),
    "application_not_pending": (
        409,
        "The application was already withdrawn, accepted or rejected.",
    ),
    "artist_unavailable": (409, "The artist marked the gig's date as unavailable."),
    "artist_double_booked": (409, "The artist has an active booking overlapping the gig's times."),
    "booking_not_active": (409, "The booking is already cancelled or completed."),
    "review_not_open": (409, "The booking is not completed, or its review window has closed."),
    "already_reviewed": (409, "You have already reviewed this booking."),
    "already_replied": (409, "You have already replied to this review."),
    "booking_started": (409, "The gig has started: the booking can no longer be cancelled."),
    "saved_search_limit": (409, "You keep the most saved searches allowed: delete one first."),
    "saved_search_name_taken": (409, "You already have a saved search with that name."),
    "recipient_unavailable": (409, "The other person's account is no longer active."),
    "report_closed": (409, "The report was already closed by staff (admin only)."),
    "already_member": (409, "The email address or phone number is already on the list."),
    "opted_out": (409, "The address unsubscribed from the artist: only its owner can sign up."),
    "too_many_lists": (409, "The artist has FANS_MAX_LISTS fan lists: delete one first."),
    "unknown_merge_field": (
        400,
        "The subject or body names a merge field that does not exist (the message names it "
        "and lists the fields).",
    ),
    "campaign_not_draft": (409, "Only a draft campaign can be changed, deleted or scheduled."),
    "campaign_not_scheduled": (409, "Only a scheduled campaign can go back to draft."),
    "campaign_not_sent": (409, "Only a sent or failed campaign can be sent again to its failed."),
    "no_recipients": (409, "Nobody the campaign is for can get it (no reachable fan)."),
    "nothing_failed": (409, "No delivery of the campaign failed."),
    "already_requeued": (409, "The dead letter is being sent again already (a replay under way)."),
    "webhook_disabled": (409, "The app's webhook answered 410 Gone and is disabled: re-enable it."),
    "app_inactive": (409, "The app is disabled: nothing is sent to it."),
    "no_webhook": (409, "The app's manifest has no webhook for that capability."),
    "import_confirmed": (409, "The import was confirmed already."),
    "app_id_taken": (409, "The app id is taken (or reserved): choose another."),
    "too_many_apps": (409, "You have the most apps allowed (50)."),
    "version_not_higher": (409, "A new manifest version must be higher (semver) than the current."),
    "capability_in_use": (
        409,
        "Active rooms use a capability the new manifest removes; `details.rooms` counts them.",
    ),
    "version_is_current": (409, "The current manifest version can't be deprecated."),
    "already_deprecated": (409, "The manifest version is already deprecated."),
    "room_not_active": (
        409,
        "Rooms: only an active room can be joined or drawn in (`details.status`).",
    ),
    "draws_exhausted": (409, "The room's hash chain is used up: no draw left (`details`)."),
    "prize_exhausted": (409, "Not enough units of the prize left (`details.quantity_remaining`)."),
    "not_enough_entrants": (409, "Fewer eligible entrants than winners asked for (`details`)."),
    "too_many_secrets": (409, "3 signing secrets are live: wait, or rotate with grace_hours 0."),
    "invalid_transition": (
        409,
        "Rooms: that status change is not allowed from the room's status; `details.from`, "
        "`details.to`, `details.allowed`.",
    ),
    "migration_required": (
        409,
        "Rooms: the settings don't validate against the target manifest version; "
        "`details.missing` and `details.fields` (by settings path): send `migration_data`.",
    ),
    "already_active": (409, "Rooms: already an active participant of the room."),
    "already_pending": (409, "Rooms: already asked to join; waiting for an organizer's approval."),
    "not_pending": (409, "Rooms: the participant is not awaiting approval."),
    "last_organizer": (409, "Rooms: the room's last organizer can't be demoted or removed."),
    "duplicate": (409, "Rooms: that participant already holds a unit of that prize."),
    "already_revoked": (409, "Rooms: the win was already revoked."),
    "no_fan_list": (
        409,
        "Rooms: `fan_list_opt_in` on a room with no artist's fan list to join "
        "(`details.reason`: `no_artist` or `no_open_list`); nobody joined.",
    ),
    "quiz_invalid_settings": (400, "Quiz: the room's questions are not a valid quiz."),
    "invalid_answer": (400, "Quiz: answer_index must be one of the question's options."),
    "quiz_not_started": (409, "Quiz: the room's quiz has not started."),
    "quiz_already_started": (409, "Quiz: a room runs its quiz once; it has started already."),
    "quiz_finished": (409, "Quiz: the room's quiz is over."),
    "quiz_not_finished": (409, "Quiz: prizes go to the top places once the quiz is over."),
    "quiz_unsupported": (409, "Quiz: the room's app has no `quiz_validation` capability."),
    "quiz_no_more_questions": (409, "Quiz: every question was shown; end the quiz."),
    "question_not_open": (409, "Quiz: that question is not the open one."),
    "question_closed": (409, "Quiz: the question closed before the answer was judged."),
    "already_answered": (409, "Quiz: one answer per question and participant."),
    "no_quiz_winners": (409, "Quiz: nobody answered correctly, so no place can be awarded."),
    "profile_incomplete": (
        409,
        "Violet: the tool needs profile fields that are empty; `details.missing_fields` lists "
        "them (`[{field, label}]`).",
    ),
    "violet_not_savable": (409, "Violet: that tool's drafts have no profile field: copy them."),
    "violet_not_completed": (409, "Violet: only a completed draft can be saved."),
    "link_expired": (410, "(pages) A fan's confirmation link is too old: sign up again."),
    "request_too_large": (
        413,
        "The JSON body, or a form's non-file fields, exceed DATA_UPLOAD_MAX_MEMORY_SIZE.",
    ),
    "image_too_large": (413, "The image has too many pixels (or too many on a side)."),
    "file_too_large": (413, "The file is over its category's limit; `details.max_bytes`."),
    "quota_exceeded": (
        413,
        "Not enough storage left; `details` has `used_bytes`, `limit_bytes`, `needed_bytes`.",
    ),
    "unsupported_media_type": (415, "The request's Content-Type is not the one documented."),
    "unsupported_type": (415, "This kind of file (judged by its bytes) is not accepted here."),
    "type_mismatch": (415, "The file's bytes and its name's extension disagree."),
    "throttled": (429, "Over a rate limit; see `Retry-After` and `details.retry_after_seconds`."),
    "violet_limit_reached": (
        429,
        "Violet: today's prompts are used (50 per artist per UTC day); `details` has `limit`, "
        "`used`, `remaining`, `resets_at`; `Retry-After` is the wait until midnight UTC.",
    ),
    "server_error": (500, "A bug on our side; it is logged."),
    "violet_provider_error": (
        502,
        "Violet: the AI provider failed or answered nothing; the prompt was not counted.",
    ),
    "violet_stream_interrupted": (
        502,
        "Violet (streams): the AI's answer was cut off mid-stream; the prompt was not counted.",
    ),
    "service_unavailable": (503, "A dependency is down (health check)."),
    "streaming_unavailable": (
        503,
        "`/stream/` reached a WSGI worker instead of the ASGI process: use the JSON endpoint.",
    ),
    "quiz_validation_unavailable": (
        503,
        "Quiz: the app could not judge the answer and no verdict is cached: answer again.",
    ),
    "violet_provider_timeout": (
        504,
        "Violet: the AI provider did not answer in time; the prompt was not counted.",
    ),
}

STATUS_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    406: "Not acceptable",
    409: "Conflict with the current state",
    413: "Too large",
    415: "Unsupported media type",
    429: "Too many requests",
    502: "Bad gateway (an outside service failed)",
    503: "Service unavailable",
    504: "Gateway timeout (an outside service was too slow)",
}

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}

HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": 'The scheme to authenticate with: `Bearer realm="api"`.',
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


def raises(*codes: str) -> dict[str, list[str]]:
    """Domain error codes an operation answers, for ``extend_schema(extensions=raises(...))``.

    Only what the view itself cannot show: codes of the services it calls. Authentication,
    permissions, throttling, validation and "no such object" are worked out by
    :class:`AutoSchema`.
    """
    unknown = [code for code in codes if code not in ERROR_CODES]
    if unknown:
        raise ValueError(f"Unknown error codes {unknown}: add them to umbrella.schema.ERROR_CODES.")
    return {"x-raises": list(codes)}


def error_response(status: int, codes: Iterable[str]) -> dict[str, Any]:
    listed = sorted(set(codes), key=list(ERROR_CODES).index)
    lines = [f"- `{code}`: {ERROR_CODES[code][1]}" for code in listed]
    response: dict[str, Any] = {
        "description": f"{STATUS_TITLES.get(status, 'Error')}. `error.code` is one of:\n\n"
        + "\n".join(lines),
        "content": {"application/json": {"schema": ERROR_REF}},
        "x-error-codes": listed,
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def deprecation_headers(entry: deprecation.Deprecated) -> dict[str, Any]:
    """The response headers of an operation ``entry`` deprecates (their values are the ones
    :class:`~umbrella.deprecation.DeprecationMiddleware` sends)."""
    values = entry.headers()
    return {
        "Deprecation": {
            "description": "When this operation was deprecated (RFC 9745): `@` and a Unix time.",
            "schema": {"type": "string"},
            "example": values["Deprecation"],
        },
        "Sunset": {
            "description": "When this operation will be switched off (RFC 8594), an HTTP date.",
            "schema": {"type": "string"},
            "example": values["Sunset"],
        },
        "Link": {
            "description": 'The migration notes, `rel="deprecation"` (RFC 9745), after any link '
            "of the operation's own.",
            "schema": {"type": "string"},
            "example": values["Link"],
        },
    }


def deprecation_note(entry: deprecation.Deprecated) -> str:
    return (
        f"**Deprecated** since {entry.since.date().isoformat()}; switched off on "
        f"{entry.sunset.date().isoformat()} (`Sunset`). Migration notes: {entry.notes}"
    )


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus each operation's error statuses and its security.

    A permission class that refuses with its own code says so with a method
    ``error_codes_for(*, view, method) -> Iterable[str]`` (see
    ``accounts.permissions.OnboardingComplete``), so that umbrella needs no import of it.
    """

    def is_deprecated(self) -> bool:
        # The registry the middleware reads, by the same rule (umbrella.deprecation).
        return deprecation.deprecation_for(self.path) is not None

    def _is_public(self) -> bool:
        return all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def get_auth(self) -> list[dict[str, Any]]:
        requirements = super().get_auth()  # also registers the security schemes
        if self._is_public():
            return []  # anyone may call it; credentials, when sent, are still checked
        return [r for r in requirements if r]  # no "{}": a token or a session is required

    def error_codes(self, operation: dict[str, Any], declared: Iterable[str]) -> set[str]:
        """Every error code this operation can answer (a 500 is a bug: not documented)."""
        codes = set(declared) | {"not_acceptable"}  # an Accept header that rules out JSON
        view, unsafe = self.view, self.method not in permissions.SAFE_METHODS
        authenticators = view.get_authenticators()
        if authenticators:
            codes.add("invalid_token")  # credentials that are sent are checked, even if optional
        if not self._is_public():
            codes.add("not_authenticated")
        if unsafe and any(
            isinstance(a, authentication.SessionAuthentication) for a in authenticators
        ):
            codes.add("permission_denied")  # a session-cookie write without a CSRF token
        for permission in view.get_permissions():
            codes_for = getattr(permission, "error_codes_for", None)
            if codes_for is not None:
                codes.update(codes_for(view=view, method=self.method))
        if view.get_throttles():
            codes.add("throttled")
        parameters = operation.get("parameters", [])
        if any(p["in"] == "path" for p in parameters):
            codes.add("not_found")
        if any(p["in"] == "query" for p in parameters):
            codes.add("validation_error")
        paginator = getattr(view, "pagination_class", None)
        if paginator and issubclass(
            paginator, pagination.PageNumberPagination | pagination.CursorPagination
        ):
            codes.add("not_found")  # a page past the end, or a cursor that is not ours
        body = operation.get("requestBody", {}).get("content", {})
        if body:
            codes.update(
                {"validation_error", "parse_error", "unsupported_media_type", "request_too_large"}
            )
        if any("json" in media_type for media_type in body):
            codes.update({"too_deep", "invalid_unicode"})  # umbrella.parsers.JSONParser
        if any("form" in media_type for media_type in body):
            codes.update({"too_many_fields", "too_many_files"})  # Django's form limits
        return codes

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        declared = operation.pop("x-raises", [])
        by_status: dict[int, set[str]] = defaultdict(set)
        for code in self.error_codes(operation, declared):
            by_status[ERROR_CODES[code][0]].add(code)
        responses = operation["responses"]
        for status, codes in sorted(by_status.items()):
            responses[str(status)] = error_response(status, codes)
        if self._is_public():
            operation["security"] = []
        entry = deprecation.deprecation_for(path)
        if bool(operation.get("deprecated")) != (entry is not None):
            raise ImproperlyConfigured(
                f"{method} {path}: deprecate in umbrella.deprecation.DEPRECATED (its responses "
                "then carry the Deprecation and Sunset headers), not with extend_schema"
            )
        if entry is not None:
            headers = deprecation_headers(entry)
            for response in responses.values():
                response["headers"] = {**response.get("headers", {}), **headers}
            note = deprecation_note(entry)
            description = operation.get("description")
            operation["description"] = f"{description}\n\n{note}" if description else note
        return operation


def _error_components() -> dict[str, Any]:
    return {
        "ErrorCode": {
            "type": "string",
            "enum": list(ERROR_CODES),
            "description": "Every error code this version of the API answers with:\n\n"
            + "\n".join(
                f"* `{code}` ({status}) - {when}" for code, (status, when) in ERROR_CODES.items()
            ),
        },
        "ApiError": {
            "type": "object",
            "description": "What went wrong.",
            "properties": {
                "code": {
                    # A known code, or one a later v1 adds (additive changes): a client
                    # generated today must still read it.
                    "anyOf": [{"$ref": "#/components/schemas/ErrorCode"}, {"type": "string"}],
                    "description": "Stable and meant for programs; see `ErrorCode`.",
                },
                "message": {"type": "string", "description": "English, for people."},
                "details": {
                    "type": "object",
                    "additionalProperties": {},
                    "description": "Errors per field for `validation_error`; "
                    "`retry_after_seconds` for `throttled`; otherwise per code, or `{}`.",
                },
            },
            "required": ["code", "message", "details"],
        },
        # Not "Error": openapi-python-client 0.29 names a model's local variable after it, and
        # a model "Error" with a field "error" generates code that does not type-check.
        "ErrorResponse": {
            "type": "object",
            "description": "The one shape of every 4xx and 5xx answer.",
            "properties": {"error": {"$ref": "#/components/schemas/ApiError"}},
            "required": ["error"],
        },
    }


# The name of the blank value of a choice that may be empty, per enum ("BLANK" otherwise).
BLANK_VALUE_NAMES = {"Role": "NOT_CHOSEN"}


def _merge_blank_choices(schemas: dict[str, Any]) -> None:
    """``oneOf: [Role, BlankEnum]`` becomes one enum ``RoleOrBlank`` whose ``""`` has a name."""
    blank_ref = "#/components/schemas/BlankEnum"

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            options = node.get("oneOf")
            refs = [o.get("$ref") for o in options] if isinstance(options, list) else []
            if blank_ref in refs and len(refs) == 2 and all(refs):
                name = next(r for r in refs if r != blank_ref).rsplit("/", 1)[1]
                merged = f"{name}OrBlank"
                if merged not in schemas:
                    values = ["", *schemas[name]["enum"]]
                    schemas[merged] = {
                        "type": "string",
                        "enum": values,
                        "x-enum-varnames": [
                            BLANK_VALUE_NAMES.get(name, "BLANK"),
                            *(str(v).upper() for v in values[1:]),
                        ],
                        "description": "\n".join(
                            [schemas[name].get("description", ""), '* `""` - not set yet']
                        ).strip(),
                    }
                del node["oneOf"]
                if node:  # other keywords (readOnly, description) sit beside a $ref in allOf
                    node["allOf"] = [{"$ref": f"#/components/schemas/{merged}"}]
                else:
                    node["$ref"] = f"#/components/schemas/{merged}"
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit({k: v for k, v in schemas.items() if k != "BlankEnum"})
    schemas.pop("BlankEnum", None)


def _replace_refs(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        if node.get("$ref") == old:
            node["$ref"] = new
        for value in node.values():
            _replace_refs(value, old, new)
    elif isinstance(node, list):
        for value in node:
            _replace_refs(value, old, new)


def _merge_same_enums(result: dict[str, Any], named: Iterable[str]) -> None:
    """One component per set of values: an enum that only differs from a named one (one of
    ``ENUM_NAME_OVERRIDES``) by its labels, e.g. choices built from the values alone, uses it."""
    schemas = result["components"]["schemas"]
    by_values = {
        frozenset(schemas[name]["enum"]): name for name in named if "enum" in schemas.get(name, {})
    }
    for name, component in list(schemas.items()):
        target = by_values.get(frozenset(component.get("enum", ())))
        if target and target != name:
            del schemas[name]
            _replace_refs(result, f"#/components/schemas/{name}", f"#/components/schemas/{target}")


def postprocess(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook (after drf-spectacular's enum hook)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_error_components())
    _merge_same_enums(result, spectacular_settings.ENUM_NAME_OVERRIDES)
    _merge_blank_choices(schemas)
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    _check_deprecations(result)
    return result


def _check_deprecations(result: dict[str, Any]) -> None:
    """Every entry of the deprecation registry covers some operation: a path mistyped there
    would deprecate nothing, in the schema or in the headers."""
    paths = list(result.get("paths", {}))
    for entry in deprecation.DEPRECATED:
        if not any(entry.covers(path) for path in paths):
            raise ImproperlyConfigured(
                f"umbrella.deprecation.DEPRECATED: {entry.path} covers no operation of the API"
            )
