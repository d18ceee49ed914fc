"""``POST /api/v1/apps/token``: an app's id and client secret for a 1-hour app token
(SPEC-events §5). Public: the credentials are in the body. Throttled per client IP."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from events.services.tokens import app_token_issue
from umbrella.api import InputSerializer
from umbrella.schema import raises
from umbrella.throttling import FixedWindowThrottle


class AppTokenRateThrottle(FixedWindowThrottle):
    """Every exchange, per client IP (rate ``app_token``, ``THROTTLE_APP_TOKEN``): an app needs
    one token an hour per process, so a low rate costs it nothing and bounds guessing."""

    scope = "app_token"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AppTokenInputSerializer(InputSerializer):
    app_id = serializers.CharField(max_length=64, help_text="The app's id, e.g. `app_lottery`.")
    app_secret = serializers.CharField(
        max_length=200,
        trim_whitespace=False,
        help_text="The client secret (`ucs_…`) shown once at registration or rotation.",
    )


class AppTokenOutputSerializer(serializers.Serializer):
    access_token = serializers.CharField(
        help_text="The app token (`uat_…`). Send it as `Authorization: Bearer <token>` for "
        "system calls, or as `X-App-Token` next to a user's access token to act for the user."
    )
    token_type = serializers.CharField(help_text="Always `Bearer`.")
    expires_in = serializers.IntegerField(help_text="Seconds the token lives: 3600.")


class AppTokenApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [AppTokenRateThrottle]

    @extend_schema(
        operation_id="apps_token",
        summary="Exchange an app's id and secret for an app token",
        description="Returns a token that lives one hour and may do what the app's current "
        "manifest `permissions` allow (read live at every call: a scope removed by a new "
        "manifest version is gone at once). It dies early when its secret is revoked or the "
        "app is disabled or deleted. A wrong app id and a wrong secret answer the same "
        "`401 invalid_client`.",
        request=AppTokenInputSerializer,
        responses=AppTokenOutputSerializer,
        extensions=raises("invalid_client", "credential_revoked", "app_disabled"),
    )
    def post(self, request: Request) -> Response:
        serializer = AppTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = app_token_issue(
            app_id=serializer.validated_data["app_id"],
            app_secret=serializer.validated_data["app_secret"],
        )
        response = Response(
            {
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
            }
        )
        response["Cache-Control"] = "no-store"  # a credential: never cached on the way
        return response

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if response.status_code == 401:  # a 401 names a scheme; the token is then a Bearer
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
