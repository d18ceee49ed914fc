from typing import Any

from allauth.usersessions.models import UserSession
from rest_framework import serializers

from accounts import notifications
from accounts.models import (
    DISPLAY_NAME_MAX_LENGTH,
    NOTIFICATION_TEXT_MAX_LENGTH,
    NOTIFICATION_VERB_MAX_LENGTH,
    EndedSession,
    Role,
    User,
)
from umbrella.api import InputSerializer, QuerySerializer, iso_timestamp


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


# --- notifications -----------------------------------------------------------------------------


class NotificationSerializer(serializers.Serializer):
    """One notification. The list is rendered by ``notification_data`` (same fields)."""

    id = serializers.IntegerField()
    verb = serializers.CharField(help_text="The kind, e.g. `gig.cancelled`.")
    label = serializers.CharField(help_text="The kind's label, for people.")  # type: ignore[assignment]
    text = serializers.CharField(max_length=NOTIFICATION_TEXT_MAX_LENGTH)
    target_url = serializers.CharField(help_text="A path on this site, e.g. `/gigs/12/`.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.BooleanField()


NOTIFICATION_FIELDS = ("id", "verb", "text", "target_url", "created_at", "read_at")


def notification_data(row: dict[str, Any]) -> dict[str, Any]:
    """A ``values(*NOTIFICATION_FIELDS)`` row as ``NotificationSerializer`` describes it."""
    read_at = row["read_at"]
    return {
        "id": row["id"],
        "verb": row["verb"],
        "label": notifications.label_of(row["verb"]),
        "text": row["text"],
        "target_url": row["target_url"],
        "created_at": iso_timestamp(row["created_at"]),
        "read_at": iso_timestamp(read_at) if read_at else None,
        "unread": read_at is None,
    }


class NotificationListQuerySerializer(QuerySerializer):
    """The list's query (also read by the notifications page)."""

    unread = serializers.BooleanField(required=False, default=False)


class NotificationReadInputSerializer(InputSerializer):
    """Which notifications to mark read: `ids`, or `all: true`."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=notifications.MARK_READ_MAX_IDS,
        help_text="Your notifications' ids (at most 100).",
    )
    all = serializers.BooleanField(required=False, help_text="`true`: all of your notifications.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        everything = attrs.get("all", False)
        if everything == ("ids" in attrs):
            raise serializers.ValidationError("Give either `ids` or `all: true`.")
        return attrs


class NotificationReadOutputSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many became read just now.")
    unread_count = serializers.IntegerField()


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


class NotificationPreferenceSerializer(serializers.Serializer):
    verb = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    email = serializers.BooleanField(read_only=True, help_text="Emailed, besides in-app.")
    email_default = serializers.BooleanField(read_only=True)


class NotificationPreferencesSerializer(serializers.Serializer):
    preferences = NotificationPreferenceSerializer(many=True, read_only=True)


class NotificationPreferenceInputSerializer(InputSerializer):
    """Email on or off for one kind."""

    verb = serializers.CharField(max_length=NOTIFICATION_VERB_MAX_LENGTH)
    email = serializers.BooleanField()


class NotificationPreferencesInputSerializer(InputSerializer):
    """Email choices for the kinds listed; the others keep theirs."""

    preferences = NotificationPreferenceInputSerializer(many=True)
