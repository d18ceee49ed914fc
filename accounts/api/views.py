from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import notifications, selectors, services
from accounts.api.serializers import (
    NOTIFICATION_FIELDS,
    AuthSessionOutputSerializer,
    DeviceSessionOutputSerializer,
    EndedSessionOutputSerializer,
    MeOutputSerializer,
    MeUpdateInputSerializer,
    NotificationListQuerySerializer,
    NotificationPreferencesInputSerializer,
    NotificationPreferencesSerializer,
    NotificationReadInputSerializer,
    NotificationReadOutputSerializer,
    NotificationSerializer,
    RoleInputSerializer,
    UnreadCountSerializer,
    me_data,
    notification_data,
)
from accounts.authentication import AccessToken
from umbrella.pagination import CursorPagination
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


# --- notifications -----------------------------------------------------------------------------


class NotificationPagination(CursorPagination):
    ordering = ("-created_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple too


class NotificationListApi(APIView):
    onboarding_exempt = True  # your own notifications, whatever your onboarding
    pagination_class = NotificationPagination

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications",
        description="Newest first, paginated by cursor: follow `next` until it is null. "
        "Only your own notifications.",
        parameters=[
            OpenApiParameter("unread", bool, description="`true` (or `1`): only the unread ones.")
        ],
        responses=NotificationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = NotificationListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = notifications.notifications_for(
            user=selectors.request_user(request), unread_only=query.validated_data["unread"]
        ).values(*NOTIFICATION_FIELDS)
        paginator = self.pagination_class()
        page: list[Any] | None = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([notification_data(row) for row in page or []])


class NotificationUnreadCountApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="notifications_unread_count",
        summary="How many of your notifications are unread",
        description="For a bell: one cheap count.",
        responses=UnreadCountSerializer,
    )
    def get(self, request: Request) -> Response:
        count = notifications.unread_count(user=selectors.request_user(request))
        return Response({"unread_count": count})


class NotificationReadApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark notifications read",
        description="Either `ids` (at most 100 of yours) or `all: true`. Marking a read one "
        "again changes nothing. If any id is not one of your notifications the answer is "
        "`404 not_found` and nothing is marked.",
        request=NotificationReadInputSerializer,
        responses=NotificationReadOutputSerializer,
        extensions=raises("not_found"),
    )
    def post(self, request: Request) -> Response:
        serializer = NotificationReadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = selectors.request_user(request)
        marked = notifications.notifications_mark_read(
            user=user,
            ids=serializer.validated_data.get("ids"),
            everything=serializer.validated_data.get("all", False),
        )
        return Response({"marked": marked, "unread_count": notifications.unread_count(user=user)})


def _preferences_data(user: Any) -> dict[str, Any]:
    return {
        "preferences": [
            {
                "verb": p.verb,
                "label": p.label,
                "email": p.email,
                "email_default": p.email_default,
            }
            for p in notifications.notification_preferences(user=user)
        ]
    }


class NotificationPreferencesApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="notifications_preferences_retrieve",
        summary="Your notification preferences",
        description="Every kind of notification, and whether it is emailed to you. In-app "
        "notifications are always on.",
        responses=NotificationPreferencesSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(_preferences_data(selectors.request_user(request)))

    @extend_schema(
        operation_id="notifications_preferences_update",
        summary="Turn notification emails on or off",
        description="Sets `email` for each kind listed (kinds not listed keep their setting) "
        "and answers every kind. An unknown `verb` is `400 validation_error` and nothing is "
        "saved.",
        request=NotificationPreferencesInputSerializer,
        responses=NotificationPreferencesSerializer,
    )
    def put(self, request: Request) -> Response:
        serializer = NotificationPreferencesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = selectors.request_user(request)
        notifications.notification_preferences_set(
            user=user,
            email={p["verb"]: p["email"] for p in serializer.validated_data["preferences"]},
        )
        return Response(_preferences_data(user))
