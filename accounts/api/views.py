from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import (
    AuthSessionOutputSerializer,
    DeviceSessionOutputSerializer,
    EndedSessionOutputSerializer,
    MeOutputSerializer,
    MeUpdateInputSerializer,
    RoleInputSerializer,
    me_data,
)
from accounts.authentication import AccessToken
from umbrella.schema import raises


def _current_session_key(request: Request) -> str | None:
    if isinstance(request.auth, AccessToken):
        return request.auth.session_key
    return request.session.session_key if hasattr(request, "session") else None


class MeApi(APIView):
    onboarding_exempt = True  # people fix their own name and time zone at any time

    @extend_schema(
        operation_id="me_retrieve",
        summary="Your account",
        description="Who you are signed in as, your role and whether onboarding is complete.",
        responses=MeOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(me_data(selectors.request_user(request)))

    @extend_schema(
        operation_id="me_update",
        summary="Change your display name or time zone",
        request=MeUpdateInputSerializer,
        responses=MeOutputSerializer,
    )
    def patch(self, request: Request) -> Response:
        serializer = MeUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(
            user=selectors.request_user(request), data=serializer.validated_data
        )
        return Response(MeOutputSerializer(user).data)


class OnboardingRoleApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="onboarding_role",
        summary="Choose your role",
        request=RoleInputSerializer,
        responses=MeOutputSerializer,
        description="Choose a role and display name. Fans are onboarded by this step alone; "
        "artists and venues go on to their own wizard. Once onboarding is complete the role is "
        "fixed.",
        extensions=raises("role_locked"),
    )
    def post(self, request: Request) -> Response:
        serializer = RoleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.onboarding_choose_role(
            user=selectors.request_user(request), **serializer.validated_data
        )
        return Response(MeOutputSerializer(user).data)


class AuthSessionApi(APIView):
    @extend_schema(
        operation_id="auth_session",
        summary="How you are signed in",
        description="The method (access token or session cookie) and when it expires.",
        responses=AuthSessionOutputSerializer,
    )
    def get(self, request: Request) -> Response:
        expires_at: Any = None
        method = "session"
        if isinstance(request.auth, AccessToken):
            method = "access_token"
            expires_at = datetime.fromtimestamp(request.auth.payload["exp"], tz=UTC)
        elif hasattr(request, "session"):
            expires_at = request.session.get_expiry_date()
        data = {
            "authenticated": True,
            "method": method,
            "user": request.user,
            "expires_at": expires_at,
        }
        return Response(AuthSessionOutputSerializer(data).data)


class LogoutApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="auth_logout",
        summary="Sign out this device",
        request=None,
        responses={204: OpenApiResponse(description="Signed out; the access token is revoked.")},
    )
    def post(self, request: Request) -> Response:
        session_key = _current_session_key(request)
        if session_key:
            services.session_end(session_key=session_key)
        if not isinstance(request.auth, AccessToken):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceSessionListApi(APIView):
    @extend_schema(
        operation_id="auth_sessions_list",
        summary="Your signed-in devices",
        description="Every device session of yours, most recently active first; `current` "
        "marks this one. Not paginated: the whole list (one entry per signed-in device).",
        responses=DeviceSessionOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        sessions = selectors.device_sessions_for(user=selectors.request_user(request))
        context = {"current_session_key": _current_session_key(request)}
        return Response(DeviceSessionOutputSerializer(sessions, many=True, context=context).data)


class EndedSessionListApi(APIView):
    @extend_schema(
        operation_id="auth_sessions_ended",
        summary="Your recently ended device sessions",
        responses=EndedSessionOutputSerializer(many=True),
        description="Recently ended device sessions (30 days, newest 20) and why each ended: "
        "signed out, ended from the list, password changed or reset, account deactivated, "
        "role changed by staff, or a reused refresh token. Not paginated: at most 20.",
    )
    def get(self, request: Request) -> Response:
        ended = selectors.ended_sessions_for(user=selectors.request_user(request))
        return Response(EndedSessionOutputSerializer(ended, many=True).data)


class DeviceSessionEndApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="auth_sessions_end",
        summary="End one of your device sessions",
        description="Its access tokens are refused at once and its refresh token stops working.",
        parameters=[
            OpenApiParameter(
                "session_id",
                int,
                OpenApiParameter.PATH,
                description="The device session's `id` (from the list of your devices).",
            )
        ],
        request=None,
        responses={204: OpenApiResponse(description="The session has ended.")},
    )
    def delete(self, request: Request, session_id: int) -> Response:
        services.device_session_end(user=selectors.request_user(request), session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
