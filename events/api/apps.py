"""The apps API (SPEC-events §6): register with a manifest, read, publish versions, deprecate,
rotate secrets, and the published manifest schema. Thin: input serializer, service, output.

Who: any signed-in user who finished onboarding may register an app; an app is read and
changed by its owner and by staff; anyone else gets ``404 not_found``.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from events import selectors_apps as selectors
from events.api.app_serializers import (
    AppCardSerializer,
    AppDetailSerializer,
    AppListQuerySerializer,
    AppPublishInputSerializer,
    AppRegisteredSerializer,
    AppRegisterInputSerializer,
    AppVersionSerializer,
    ClientSecretInfoSerializer,
    DeprecateVersionInputSerializer,
    RotatedSecretSerializer,
    RotateSecretInputSerializer,
    WebhookSecretInfoSerializer,
)
from events.manifest import MANIFEST_SCHEMA
from events.models import App
from events.services import apps as services
from umbrella.pagination import PageNumberPagination
from umbrella.schema import raises

APP_ID = OpenApiParameter(
    "app_id", str, OpenApiParameter.PATH, description="The app's public id (`app_id`)."
)


def app_detail_data(app: App) -> dict[str, Any]:
    data: dict[str, Any] = dict(AppCardSerializer(app).data)
    data["manifest"] = app.manifest
    data["webhook_secrets"] = WebhookSecretInfoSerializer(
        selectors.live_webhook_secrets(app=app), many=True
    ).data
    data["client_secrets"] = ClientSecretInfoSerializer(
        selectors.live_credentials(app=app), many=True
    ).data
    return data


class ManifestSchemaApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="apps_manifest_schema",
        summary="The app manifest's JSON Schema",
        description="Draft 7. Public. What a manifest must look like; the rules a schema "
        "can't say are in its `description`. A refused manifest answers `400 "
        "invalid_manifest` with `details.fields`: `[{path, message}]`, every bad field by "
        "its JSON path (`$.webhooks.notifications.timeout_ms`).",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return Response(MANIFEST_SCHEMA)


class AppsApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="apps_list",
        summary="Your apps",
        description="The apps you own, by app id; staff see every app. Paginated by page.",
        parameters=[AppListQuerySerializer],
        responses=AppCardSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = AppListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.apps_visible(user=request_user(request))
        if query.validated_data.get("is_active") is not None:
            rows = rows.filter(is_active=query.validated_data["is_active"])
        if "owner_id" in query.validated_data:
            rows = rows.filter(owner_id=query.validated_data["owner_id"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response(AppCardSerializer(page, many=True).data)

    @extend_schema(
        operation_id="apps_register",
        summary="Register an app",
        description="With its manifest (checked against `GET /apps/manifest-schema` and the "
        "rules of SPEC-events §3). Answers the app with `client_secret` and `webhook_secret` "
        "in plain text: **the only time they are shown**. Any signed-in user who finished "
        "onboarding may register apps (at most 50).",
        request=AppRegisterInputSerializer,
        responses={201: AppRegisteredSerializer},
        extensions=raises("invalid_manifest", "app_id_taken", "too_many_apps"),
    )
    def post(self, request: Request) -> Response:
        serializer = AppRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.app_register(
            owner=request_user(request), **serializer.validated_data
        )
        data = app_detail_data(registration.app)
        data["client_secret"] = registration.client_secret
        data["webhook_secret"] = registration.webhook_secret
        return Response(data, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class AppApi(APIView):
    @extend_schema(
        operation_id="apps_retrieve",
        summary="One of your apps",
        description="With its current manifest and the first characters of its live secrets.",
        parameters=[APP_ID],
        responses=AppDetailSerializer,
    )
    def get(self, request: Request, app_id: str) -> Response:
        app = selectors.app_managed(app_id=app_id, user=request_user(request))
        return Response(app_detail_data(app))

    @extend_schema(
        operation_id="apps_publish_version",
        summary="Publish a new manifest version",
        description="The whole new manifest; its `meta.version` must be higher (semver) than "
        "the current one (`409 version_not_higher`). A capability that active rooms use "
        "can't be removed (`409 capability_in_use`, `details.rooms`). The previous version "
        "stays in the history unchanged.",
        parameters=[APP_ID],
        request=AppPublishInputSerializer,
        responses=AppDetailSerializer,
        extensions=raises("invalid_manifest", "version_not_higher", "capability_in_use"),
    )
    def patch(self, request: Request, app_id: str) -> Response:
        serializer = AppPublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        app = selectors.app_managed(app_id=app_id, user=user)
        services.app_version_publish(
            app=app, manifest=serializer.validated_data["manifest"], by=user
        )
        return Response(app_detail_data(selectors.app_managed(app_id=app_id, user=user)))


class AppVersionsApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="apps_versions_list",
        summary="An app's manifest versions",
        description="Every published version, newest first, each a full manifest. Paginated.",
        parameters=[APP_ID],
        responses=AppVersionSerializer(many=True),
    )
    def get(self, request: Request, app_id: str) -> Response:
        app = selectors.app_managed(app_id=app_id, user=request_user(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.versions_of(app=app), request, view=self)
        context = {"current_version": app.manifest_version}
        return paginator.get_paginated_response(
            AppVersionSerializer(page or [], many=True, context=context).data
        )


class AppRotateSecretApi(APIView):
    @extend_schema(
        operation_id="apps_rotate_secret",
        summary="Rotate a secret",
        description="`secret: webhook` (default): a new signing secret; the older live ones "
        "keep signing for `grace_hours` (default 24, 0-168; 0 ends them now), so every call "
        "carries one signature per live secret meanwhile; at most 3 live at once "
        "(`409 too_many_secrets`). `secret: client`: a new client secret; the older ones are "
        "revoked at once. The new secret is in the answer, shown this once.",
        parameters=[APP_ID],
        request=RotateSecretInputSerializer,
        responses=RotatedSecretSerializer,
        extensions=raises("too_many_secrets"),
    )
    def post(self, request: Request, app_id: str) -> Response:
        serializer = RotateSecretInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        app = selectors.app_managed(app_id=app_id, user=user)
        kind = serializer.validated_data["secret"]
        if kind == "client":
            _credential, value = services.app_credential_rotate(app=app, by=user)
            older_expire_at = None
        else:
            grace = serializer.validated_data["grace_hours"]
            secret = services.app_webhook_secret_rotate(app=app, by=user, grace_hours=grace)
            value = secret.secret
            older = [s for s in selectors.live_webhook_secrets(app=app) if s.pk != secret.pk]
            older_expire_at = max((s.expires_at for s in older if s.expires_at), default=None)
        data = {"secret": kind, "value": value, "older_expire_at": older_expire_at}
        return Response(RotatedSecretSerializer(data).data, headers={"Cache-Control": "no-store"})


class AppDeprecateVersionApi(APIView):
    @extend_schema(
        operation_id="apps_deprecate_version",
        summary="Deprecate a version",
        description="An older version (not the current one: `409 version_is_current`), with a "
        "reason. Organizers of draft and active rooms still on it are notified.",
        parameters=[APP_ID],
        request=DeprecateVersionInputSerializer,
        responses=AppVersionSerializer,
        extensions=raises("version_is_current", "already_deprecated"),
    )
    def post(self, request: Request, app_id: str) -> Response:
        serializer = DeprecateVersionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        app = selectors.app_managed(app_id=app_id, user=user)
        row = services.app_version_deprecate(app=app, by=user, **serializer.validated_data)
        context = {"current_version": app.manifest_version}
        return Response(AppVersionSerializer(row, context=context).data)


CAPABILITY = OpenApiParameter(
    "capability",
    str,
    OpenApiParameter.PATH,
    description="A capability with a webhook in the app's manifest (`notifications`, …).",
)


class AppWebhookEnableApi(APIView):
    @extend_schema(
        operation_id="apps_webhook_enable",
        summary="Call a webhook again",
        description="After the webhook answered `410 Gone` it is no longer called (the "
        "capability is in `disabled_webhooks`): this takes it off that list and closes its "
        "circuit breaker (counts forgotten), so the next call goes at once. Also the way to "
        "close an open breaker by hand. Harmless when the webhook was not disabled. "
        "`400 validation_error` when the manifest has no such webhook. The app's owner or staff.",
        parameters=[APP_ID, CAPABILITY],
        request=None,
        responses=AppDetailSerializer,
        extensions=raises("validation_error"),
    )
    def post(self, request: Request, app_id: str, capability: str) -> Response:
        user = request_user(request)
        app = selectors.app_managed(app_id=app_id, user=user)
        app = services.app_webhook_enable(app=app, capability=capability, by=user)
        return Response(app_detail_data(app))
