"""Endpoints only apps call (SPEC-events §5): who the calling app is, and users' public
profiles. Each names its row of ``events.scopes.APP_ENDPOINTS`` (``app_endpoint``)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from events.scopes import AppOnly, AppScopes, app_principal
from umbrella.api import iso_timestamp

# An app-only operation: an app token alone (system call), or a user's token with X-App-Token.
APP_AUTH = [{"appToken": []}, {"accessToken": [], "actingAppToken": []}]


class PublicUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


def public_user(user: User) -> dict[str, Any]:
    """What an app may know of any user: no email, no role, nothing private."""
    return {"id": user.pk, "display_name": user.display_name}


class AppMeOutputSerializer(serializers.Serializer):
    app_id = serializers.CharField()
    name = serializers.CharField()
    manifest_version = serializers.CharField()
    scopes = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the app may do now (e.g. `users:read`): its current manifest's "
        "`permissions`.",
    )
    token_expires_at = serializers.DateTimeField()
    acting_for = PublicUserSerializer(
        allow_null=True, help_text="The user the app acts for (`X-App-Token`), or null."
    )


class AppMeApi(APIView):
    app_endpoint = "apps.me"
    permission_classes = [AppOnly, AppScopes]

    @extend_schema(
        operation_id="apps_me",
        summary="The calling app",
        description="The app the token belongs to, its scopes now, when the token expires and "
        "the user it acts for (if any). Needs no scope.",
        auth=APP_AUTH,  # type: ignore[arg-type]
        responses=AppMeOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        principal = app_principal(request)
        assert principal is not None  # noqa: S101 (AppOnly)
        app = principal.app
        return Response(
            {
                "app_id": app.app_id,
                "name": app.name,
                "manifest_version": app.manifest_version,
                "scopes": sorted(principal.scopes),
                "token_expires_at": iso_timestamp(principal.expires_at),
                "acting_for": public_user(principal.acting_for) if principal.acting_for else None,
            }
        )


class AppUserProfileApi(APIView):
    app_endpoint = "users.profile"
    permission_classes = [AppOnly, AppScopes]

    @extend_schema(
        operation_id="users_retrieve",
        summary="A user's public profile (apps)",
        description="A user's id and display name, for apps with the `users:read` scope (e.g. "
        "to show a winner's name). Never their email address.",
        auth=APP_AUTH,  # type: ignore[arg-type]
        parameters=[
            OpenApiParameter("user_id", int, OpenApiParameter.PATH, description="The user's `id`.")
        ],
        responses=PublicUserSerializer,
    )
    def get(self, request: Request, user_id: int) -> Response:
        user = get_object_or_404(User.objects.live().filter(is_active=True), pk=user_id)
        return Response(public_user(user))
