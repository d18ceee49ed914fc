from typing import Any

from allauth.usersessions.models import UserSession
from rest_framework import serializers

from accounts.models import DISPLAY_NAME_MAX_LENGTH, EndedSession, Role, User
from umbrella.api import InputSerializer, iso_timestamp


class MeOutputSerializer(serializers.ModelSerializer):
    # Declared, not generated: a generated read-only field drops ``allow_blank``, and the schema
    # would then deny the empty role of a user who has not picked one yet.
    role = serializers.ChoiceField(choices=Role.choices, allow_blank=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "role",
            "onboarding_complete",
            "timezone",
            "is_staff",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def me_data(user: User) -> dict[str, Any]:
    """``MeOutputSerializer``'s output, built directly: ``GET /me`` is the hottest endpoint."""
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "onboarding_complete": user.onboarding_complete,
        "timezone": user.timezone,
        "is_staff": user.is_staff,
        "created_at": iso_timestamp(user.created_at),
        "updated_at": iso_timestamp(user.updated_at),
    }


class MeUpdateInputSerializer(InputSerializer):
    display_name = serializers.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH, required=False, allow_blank=False
    )
    timezone = serializers.CharField(max_length=64, required=False)


class RoleInputSerializer(InputSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    display_name = serializers.CharField(max_length=DISPLAY_NAME_MAX_LENGTH)


class DeviceSessionOutputSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = ["id", "ip", "user_agent", "created_at", "last_seen_at", "current"]
        read_only_fields = fields

    def get_current(self, obj: UserSession) -> bool:
        return obj.session_key == self.context.get("current_session_key")


class AuthSessionOutputSerializer(serializers.Serializer):
    authenticated = serializers.BooleanField()
    method = serializers.ChoiceField(choices=["access_token", "session"])
    user = MeOutputSerializer()
    expires_at = serializers.DateTimeField(allow_null=True)


class EndedSessionOutputSerializer(serializers.ModelSerializer):
    ended_at = serializers.DateTimeField(source="created_at", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = EndedSession
        fields = ["id", "ip", "user_agent", "started_at", "ended_at", "reason", "reason_display"]
        read_only_fields = fields
