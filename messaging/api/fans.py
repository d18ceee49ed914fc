"""The fan list API (``/api/v1/fan-lists/``, ``/api/v1/fan-imports/``) and Twilio's inbound SMS
webhook. Thin: input serializer, service or selector, output function."""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from twilio.request_validator import RequestValidator

from accounts.selectors import request_user
from artists.selectors import artist_own
from messaging.api.fan_serializers import (
    ContactListInputSerializer,
    ContactListSerializer,
    ContactListUpdateSerializer,
    ContactMemberInputSerializer,
    ContactMemberSerializer,
    ImportConfirmSerializer,
    ImportJobSerializer,
    ImportUploadSerializer,
    MemberListQuerySerializer,
)
from messaging.fans import imports, selectors, services
from messaging.models import ImportJob, ImportStatus
from umbrella.errors import NotFoundError
from umbrella.pagination import CursorPagination
from umbrella.schema import raises

LIST_ID = OpenApiParameter("list_id", int, OpenApiParameter.PATH, description="The list's `id`.")
MEMBER_ID = OpenApiParameter(
    "member_id", int, OpenApiParameter.PATH, description="The member's `id`."
)
JOB_ID = OpenApiParameter("job_id", int, OpenApiParameter.PATH, description="The import's `id`.")
OWN = ("not_an_artist",)


class ByNewestId(CursorPagination):
    ordering = "-id"


def _list_card(request: Request, list_id: int) -> dict[str, Any]:
    row = selectors.list_row(artist=artist_own(user=request_user(request)), list_id=list_id)
    if row is None:
        raise NotFoundError("not_found", "No such list.")
    return selectors.list_card(row)


def _job_data(job: ImportJob) -> dict[str, Any]:
    data = selectors.job_card(job)
    if job.status == ImportStatus.PREVIEW:
        rows = imports.preview_rows(job)
        verdicts: dict[str, int] = {}
        for row in rows:
            verdicts[row.verdict] = verdicts.get(row.verdict, 0) + 1
        data["verdicts"] = verdicts
        data["rejected"] = [row.report() for row in rows if row.verdict != imports.OK]
        data["rejected_count"] = len(data["rejected"])
    else:
        data["rejected"] = job.rejected
    return data


class FanListsApi(APIView):
    @extend_schema(
        operation_id="fan_lists_list",
        summary="Your fan lists",
        description="Newest first, with member counts. Artists only. Not paginated (at most "
        "`FANS_MAX_LISTS`).",
        responses=ContactListSerializer(many=True),
        extensions=raises(*OWN),
    )
    def get(self, request: Request) -> Response:
        artist = artist_own(user=request_user(request))
        return Response([selectors.list_card(row) for row in selectors.lists_of(artist=artist)])

    @extend_schema(
        operation_id="fan_lists_create",
        summary="Make a fan list",
        description="A name unique among your lists (any case). The list gets its own public "
        "sign-up page (`signup_url`).",
        request=ContactListInputSerializer,
        responses={201: ContactListSerializer},
        extensions=raises(*OWN, "too_many_lists"),
    )
    def post(self, request: Request) -> Response:
        serializer = ContactListInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.contact_list_create(
            user=request_user(request), **serializer.validated_data
        )
        return Response(_list_card(request, created.pk), status=status.HTTP_201_CREATED)


class FanListApi(APIView):
    @extend_schema(
        operation_id="fan_lists_retrieve",
        summary="One of your fan lists",
        parameters=[LIST_ID],
        responses=ContactListSerializer,
        extensions=raises(*OWN),
    )
    def get(self, request: Request, list_id: int) -> Response:
        return Response(_list_card(request, list_id))

    @extend_schema(
        operation_id="fan_lists_update",
        summary="Rename a list, change its description, open or close its sign-up page",
        parameters=[LIST_ID],
        request=ContactListUpdateSerializer,
        responses=ContactListSerializer,
        extensions=raises(*OWN),
    )
    def patch(self, request: Request, list_id: int) -> Response:
        serializer = ContactListUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.contact_list_update(
            user=request_user(request), list_id=list_id, **serializer.validated_data
        )
        return Response(_list_card(request, list_id))

    @extend_schema(
        operation_id="fan_lists_delete",
        summary="Delete a list and its members",
        description="Opt-outs are the artist's and stay: those addresses are never messaged by "
        "your other lists.",
        parameters=[LIST_ID],
        request=None,
        responses={204: OpenApiResponse(description="Deleted.")},
        extensions=raises(*OWN),
    )
    def delete(self, request: Request, list_id: int) -> Response:
        services.contact_list_delete(user=request_user(request), list_id=list_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FanMembersApi(APIView):
    pagination_class = ByNewestId

    @extend_schema(
        operation_id="fan_lists_members_list",
        summary="Members of a list",
        description="Newest first, paginated by cursor. `status` filters: `subscribed`, "
        "`pending` (sign-up not confirmed), `opted_out`.",
        parameters=[LIST_ID, MemberListQuerySerializer],
        responses=ContactMemberSerializer(many=True),
        extensions=raises(*OWN),
    )
    def get(self, request: Request, list_id: int) -> Response:
        query = MemberListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        services.own_list(user=request_user(request), list_id=list_id)
        rows = selectors.members_of(list_id=list_id, status=query.validated_data.get("status"))
        paginator = self.pagination_class()
        page: list[Any] = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response([selectors.member_card(row) for row in page])

    @extend_schema(
        operation_id="fan_lists_members_add",
        summary="Add a fan to a list",
        description="An email address and/or a phone number (E.164, or a number of your "
        "country). `consent: true` says the fan agreed; it is recorded as the consent time. "
        "An address already on the list is `409 already_member`; one that unsubscribed "
        "from you is `409 opted_out` (only its owner can sign up again).",
        parameters=[LIST_ID],
        request=ContactMemberInputSerializer,
        responses={201: ContactMemberSerializer},
        extensions=raises(*OWN, "already_member", "opted_out"),
    )
    def post(self, request: Request, list_id: int) -> Response:
        serializer = ContactMemberInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "consent"}
        member = services.member_add(user=request_user(request), list_id=list_id, **data)
        row = selectors.members_of(list_id=list_id).filter(pk=member.pk).first()
        return Response(selectors.member_card(row or {}), status=status.HTTP_201_CREATED)


class FanMemberApi(APIView):
    @extend_schema(
        operation_id="fan_lists_members_remove",
        summary="Take a fan off a list",
        description="An opt-out stays with the artist whatever list the fan was on.",
        parameters=[LIST_ID, MEMBER_ID],
        request=None,
        responses={204: OpenApiResponse(description="Removed.")},
        extensions=raises(*OWN),
    )
    def delete(self, request: Request, list_id: int, member_id: int) -> Response:
        services.member_remove(user=request_user(request), list_id=list_id, member_id=member_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FanImportsApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="fan_lists_imports_create",
        summary="Upload a CSV file: its preview",
        description="The file is checked whole first (UTF-8, a header row with an `email` or "
        "`phone` column, at most `FANS_IMPORT_MAX_ROWS` rows and `FANS_IMPORT_MAX_BYTES`): "
        "a bad file is a 4xx and nothing is written. The answer is an import in `preview` with "
        "the count of rows per verdict and every row that would be refused, and why. "
        "Nothing is imported until you confirm.",
        parameters=[LIST_ID],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer},
        extensions=raises(
            *OWN,
            "csv_empty",
            "csv_not_utf8",
            "csv_malformed",
            "csv_no_header",
            "csv_no_address_column",
            "csv_too_many_rows",
            "file_too_large",
        ),
    )
    def post(self, request: Request, list_id: int) -> Response:
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        job = imports.import_preview(
            user=request_user(request),
            list_id=list_id,
            data=upload.read(settings.FANS_IMPORT_MAX_BYTES + 1),
            filename=upload.name or "",
        )
        return Response(_job_data(job), status=status.HTTP_201_CREATED)


class FanImportApi(APIView):
    @extend_schema(
        operation_id="fan_imports_retrieve",
        summary="An import: its preview, progress or report",
        description="`preview`: verdicts as of now. `queued`/`running`: poll for "
        "`processed_rows` of `total_rows`. `done`: `imported_count`, and `rejected` lists "
        "every refused row and why.",
        parameters=[JOB_ID],
        responses=ImportJobSerializer,
        extensions=raises(*OWN),
    )
    def get(self, request: Request, job_id: int) -> Response:
        return Response(_job_data(imports.own_job(user=request_user(request), job_id=job_id)))


class FanImportConfirmApi(APIView):
    @extend_schema(
        operation_id="fan_imports_confirm",
        summary="Confirm an import",
        description="`consent: true` says everyone in the file agreed to get your messages "
        "(recorded as their consent time). Files of up to `FANS_IMPORT_ASYNC_ROWS` rows are "
        "imported at once (`200`, status `done`); larger ones in the background (`202`, "
        "status `queued`: poll the import). Rows are judged again as they are imported.",
        parameters=[JOB_ID],
        request=ImportConfirmSerializer,
        responses={200: ImportJobSerializer, 202: ImportJobSerializer},
        extensions=raises(*OWN, "import_confirmed"),
    )
    def post(self, request: Request, job_id: int) -> Response:
        serializer = ImportConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = imports.import_confirm(
            user=request_user(request),
            job_id=job_id,
            consent_confirmed=serializer.validated_data["consent"],
        )
        done = job.status in (ImportStatus.DONE, ImportStatus.FAILED)
        return Response(
            _job_data(job), status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED
        )


class TwilioSmsWebhook(APIView):
    """Twilio's inbound SMS webhook: STOP/START (docs/messaging.md). Signed by Twilio with the
    account's auth token over the public URL; anything unsigned or wrongly signed is
    ``403 permission_denied`` and changes nothing."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    parser_classes = [FormParser]

    @extend_schema(exclude=True)
    def post(self, request: Request) -> HttpResponse:
        token = settings.TWILIO_AUTH_TOKEN
        signature = request.headers.get("X-Twilio-Signature", "")
        url = settings.TWILIO_SMS_WEBHOOK_URL or settings.SITE_URL + request.get_full_path()
        params = request._request.POST  # the form exactly as Twilio signed it
        if (
            not token
            or not signature
            or not RequestValidator(token).validate(url, params, signature)
        ):
            raise PermissionDenied("The request is not signed by Twilio.")
        services.sms_inbound(from_number=params.get("From"), body=params.get("Body"))
        return HttpResponse(
            '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
            content_type="text/xml",
        )
