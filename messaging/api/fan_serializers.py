"""Fan list API shapes. Rows become JSON through ``messaging.fans.selectors`` (``list_card``,
``member_card``, ``job_card``); these serializers describe the same shapes for the schema."""

from rest_framework import serializers

from messaging.fans.imports import VERDICTS
from messaging.fans.selectors import MEMBER_STATUSES
from messaging.models import (
    EMAIL_MAX_LENGTH,
    LIST_DESCRIPTION_MAX_LENGTH,
    LIST_NAME_MAX_LENGTH,
    MEMBER_NAME_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    ImportStatus,
    MemberSource,
)
from umbrella.api import InputSerializer, QuerySerializer


class ContactListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    signup_open = serializers.BooleanField()
    signup_url = serializers.URLField(
        help_text="The public sign-up page (double opt-in by email); its QR code is in the studio."
    )
    member_count = serializers.IntegerField()
    subscribed_count = serializers.IntegerField(help_text="Opted in and not opted out.")
    created_at = serializers.DateTimeField()


class ContactListInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=LIST_NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=LIST_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )


class ContactListUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=LIST_NAME_MAX_LENGTH, required=False)
    description = serializers.CharField(
        max_length=LIST_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    signup_open = serializers.BooleanField(required=False)


class ContactMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True, help_text="E.164, e.g. +15125550100.")
    name = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    region = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=MemberSource.choices)  # type: ignore[assignment]
    status = serializers.ChoiceField(
        choices=MEMBER_STATUSES,
        help_text="`subscribed`; `pending`: a sign-up not confirmed yet; `opted_out`.",
    )
    consent_at = serializers.DateTimeField(allow_null=True)
    opted_out_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ContactMemberInputSerializer(InputSerializer):
    email = serializers.CharField(
        max_length=EMAIL_MAX_LENGTH, required=False, allow_blank=True, allow_null=True
    )
    phone = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="E.164 (+15125550100), or a number of the artist's country.",
    )
    name = serializers.CharField(
        max_length=MEMBER_NAME_MAX_LENGTH, required=False, allow_blank=True
    )
    city = serializers.CharField(max_length=PLACE_MAX_LENGTH, required=False, allow_blank=True)
    region = serializers.CharField(max_length=PLACE_MAX_LENGTH, required=False, allow_blank=True)
    consent = serializers.BooleanField(
        help_text="Must be true: you confirm that this fan agreed to get your messages."
    )

    def validate_consent(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError("Confirm that this fan agreed to get your messages.")
        return value


class MemberListQuerySerializer(QuerySerializer):
    """The list's own filter (the paginator reads ``cursor`` and ``page_size``)."""

    status = serializers.ChoiceField(
        choices=MEMBER_STATUSES,
        required=False,
        help_text="`subscribed`, `pending` (a sign-up not confirmed yet) or `opted_out`.",
    )


class ImportUploadSerializer(InputSerializer):
    file = serializers.FileField(help_text="A CSV file, UTF-8, with a header row.")


class ImportRejectedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The line in the file (the header is 1).")
    verdict = serializers.ChoiceField(choices=[v for v in VERDICTS if v != "ok"])
    message = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    list_id = serializers.IntegerField()
    filename = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    imported_count = serializers.IntegerField()
    rejected_count = serializers.IntegerField(
        help_text="In `preview`: rows that would be refused now; after: rows refused."
    )
    percent = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    verdicts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Rows per verdict (`ok` and each reason).",
        required=False,
    )
    rejected = ImportRejectedRowSerializer(many=True)


class ImportConfirmSerializer(InputSerializer):
    consent = serializers.BooleanField(
        help_text="Must be true: everyone in the file agreed to get your messages."
    )
