from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiResponse, extend_schema
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


def _current_session_key(request: Request) -> str | None:
    if isinstance(request.auth, AccessToken):
        return request.auth.session_key
    return request.session.session_key if hasattr(request, "session") else None


class MeApi(APIView):
    onboarding_exempt = True  # people fix their own name and time zone at any time

    @extend_schema(operation_id="me_retrieve", responses=MeOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(me_data(selectors.request_user(request)))

    @extend_schema(
        operation_id="me_update", request=MeUpdateInputSerializer, responses=MeOutputSerializer
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
        request=RoleInputSerializer,
        responses={
            200: MeOutputSerializer,
            409: OpenApiResponse(description="role_locked: onboarding is complete with a role."),
        },
        description="Choose a role and display name. Fans are onboarded by this step alone.",
    )
    def post(self, request: Request) -> Response:
        serializer = RoleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.onboarding_choose_role(
            user=selectors.request_user(request), **serializer.validated_data
        )
        return Response(MeOutputSerializer(user).data)


class AuthSessionApi(APIView):
    @extend_schema(operation_id="auth_session", responses=AuthSessionOutputSerializer)
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
        operation_id="auth_sessions_list", responses=DeviceSessionOutputSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        sessions = selectors.device_sessions_for(user=selectors.request_user(request))
        context = {"current_session_key": _current_session_key(request)}
        return Response(DeviceSessionOutputSerializer(sessions, many=True, context=context).data)


class EndedSessionListApi(APIView):
    @extend_schema(
        operation_id="auth_sessions_ended",
        responses=EndedSessionOutputSerializer(many=True),
        description="Recently ended device sessions (30 days, newest 20) and why each ended: "
        "signed out, ended from the list, password changed or reset, account deactivated, "
        "role changed by staff, or a reused refresh token.",
    )
    def get(self, request: Request) -> Response:
        ended = selectors.ended_sessions_for(user=selectors.request_user(request))
        return Response(EndedSessionOutputSerializer(ended, many=True).data)


class DeviceSessionEndApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="auth_sessions_end",
        request=None,
        responses={204: OpenApiResponse(description="The session has ended.")},
    )
    def delete(self, request: Request, session_id: int) -> Response:
        services.device_session_end(user=selectors.request_user(request), session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
