"""Campaign API shapes. Rows become JSON through ``messaging.campaigns.selectors``; these
serializers describe the same shapes for the schema."""

from rest_framework import serializers

from messaging.models import (
    CAMPAIGN_EMAIL_BODY_MAX_LENGTH,
    CAMPAIGN_NAME_MAX_LENGTH,
    CAMPAIGN_SUBJECT_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    CampaignChannel,
    CampaignKind,
    CampaignStatus,
    DeliveryStatus,
)
from umbrella.api import InputSerializer


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=CampaignKind.choices,
        help_text="`announcement`: the draft offered when a booking is accepted.",
    )
    channel = serializers.ChoiceField(choices=CampaignChannel.choices)
    status = serializers.ChoiceField(choices=CampaignStatus.choices)
    contact_list_id = serializers.IntegerField(
        allow_null=True, help_text="`null`: every list of yours (each address once)."
    )
    contact_list_name = serializers.CharField(allow_null=True)
    all_lists = serializers.BooleanField(
        help_text="To every list of yours. Neither a list nor all lists: the list was "
        "deleted, and the campaign reaches nobody until you choose one."
    )
    audience_city = serializers.CharField(allow_blank=True)
    audience_region = serializers.CharField(allow_blank=True)
    subject = serializers.CharField(allow_blank=True)
    body = serializers.CharField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    recipient_count = serializers.IntegerField(help_text="Deliveries made when sending started.")
    booking_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_count = serializers.IntegerField(allow_null=True)
    failed_count = serializers.IntegerField(allow_null=True)
    bounced_count = serializers.IntegerField(allow_null=True)


class CampaignInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=CAMPAIGN_NAME_MAX_LENGTH)
    channel = serializers.ChoiceField(choices=CampaignChannel.choices)
    contact_list_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    audience_city = serializers.CharField(
        max_length=PLACE_MAX_LENGTH, required=False, allow_blank=True
    )
    audience_region = serializers.CharField(
        max_length=PLACE_MAX_LENGTH, required=False, allow_blank=True
    )
    subject = serializers.CharField(
        max_length=CAMPAIGN_SUBJECT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Email only (required there).",
    )
    body = serializers.CharField(
        max_length=CAMPAIGN_EMAIL_BODY_MAX_LENGTH,
        help_text="Merge fields: {first_name}, {name}, {city}, {region}, {artist}, {list}, "
        "{unsubscribe_url} (email). `{{` and `}}` are literal braces.",
    )


class CampaignUpdateSerializer(CampaignInputSerializer):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class SegmentsSerializer(serializers.Serializer):
    encoding = serializers.ChoiceField(choices=["GSM-7", "UCS-2"])
    units = serializers.IntegerField(help_text="Septets (GSM-7) or UTF-16 units (UCS-2).")
    count = serializers.IntegerField()
    per_segment = serializers.IntegerField(help_text="160/153 (GSM-7), 70/67 (UCS-2).")


class CampaignPreviewSerializer(serializers.Serializer):
    recipient_count = serializers.IntegerField(
        help_text="Addresses that would get it now: opted in, not opted out."
    )
    subject = serializers.CharField(allow_blank=True)
    text = serializers.CharField(help_text="As sent, with a sample fan's details.")
    segments = SegmentsSerializer(allow_null=True, help_text="SMS only.")


class CampaignScheduleSerializer(InputSerializer):
    scheduled_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="With its offset. Absent or null: now."
    )


class CampaignReportSerializer(serializers.Serializer):
    by_status = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Deliveries per status: " + ", ".join(s.value for s in DeliveryStatus) + ".",
    )
    total = serializers.IntegerField()
    delivered = serializers.IntegerField(help_text="Email: confirmed by the provider.")
    bounced = serializers.IntegerField()
    complained = serializers.IntegerField(help_text="Email: marked as spam.")
    opt_outs_since = serializers.IntegerField(
        help_text="Addresses that opted out of you since sending started."
    )
