"""Messaging API shapes. Rows are turned into JSON by plain functions (``selectors.inbox_card``,
``live.message_data``); these serializers describe the same shapes for the schema, and the
tests check that both agree."""

from rest_framework import serializers

from accounts.models import Role
from messaging.models import MESSAGE_MAX_LENGTH, REPORT_REASON_MAX_LENGTH
from umbrella.api import InputSerializer, QuerySerializer


class OtherUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices, allow_blank=True)


class LastMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sender_id = serializers.IntegerField()
    preview = serializers.CharField(help_text="The first 140 characters, on one line.")


class ConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    other_user = OtherUserSerializer()
    last_message_at = serializers.DateTimeField(
        help_text="When the last message was sent (when the conversation began, if none)."
    )
    last_message = LastMessageSerializer(allow_null=True)
    unread_count = serializers.IntegerField(help_text="Messages to you not read yet.")


class ConversationDetailSerializer(ConversationSerializer):
    you_blocked = serializers.BooleanField(help_text="You blocked the other person.")
    blocked_you = serializers.BooleanField(help_text="The other person blocked you.")


class ConversationOpenInputSerializer(InputSerializer):
    user_id = serializers.IntegerField(
        min_value=1, help_text="The person to talk to: an artist or a venue (their user id)."
    )


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    sender_id = serializers.IntegerField()
    content = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(
        allow_null=True, help_text="When the recipient read it (null: not yet)."
    )


class MessageInputSerializer(InputSerializer):
    content = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH,
        help_text=f"1 to {MESSAGE_MAX_LENGTH} characters after trimming.",
    )


class MessageListQuerySerializer(QuerySerializer):
    """The list's own filter (the paginator reads ``cursor`` and ``page_size``)."""

    after = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Only messages with a greater id: what a reconnecting client missed.",
    )


class MarkReadInputSerializer(InputSerializer):
    up_to = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Mark read up to this message id (default: everything).",
    )


class MarkReadOutputSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many messages became read.")
    unread_count = serializers.IntegerField(help_text="Still unread in this conversation.")
    unread_total = serializers.IntegerField(help_text="Still unread in all your conversations.")


class UnreadTotalSerializer(serializers.Serializer):
    unread_total = serializers.IntegerField()


class BlockSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    display_name = serializers.CharField()
    created_at = serializers.DateTimeField()


class BlockInputSerializer(InputSerializer):
    user_id = serializers.IntegerField(min_value=1)


class ReportInputSerializer(InputSerializer):
    message_id = serializers.IntegerField(
        min_value=1, required=False, help_text="A message you received (or give `user_id`)."
    )
    user_id = serializers.IntegerField(
        min_value=1, required=False, help_text="A person (or give `message_id`)."
    )
    reason = serializers.CharField(max_length=REPORT_REASON_MAX_LENGTH)

    def validate(self, attrs: dict) -> dict:
        if ("message_id" in attrs) == ("user_id" in attrs):
            raise serializers.ValidationError("Report either a message or a person.")
        return attrs


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
