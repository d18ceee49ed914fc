"""Page forms of campaigns. Limits come from the models; the services check again."""

from django import forms

from messaging.campaigns import merge
from messaging.models import (
    CAMPAIGN_EMAIL_BODY_MAX_LENGTH,
    CAMPAIGN_NAME_MAX_LENGTH,
    CAMPAIGN_SUBJECT_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    CampaignChannel,
)

FIELDS_HELP = "Merge fields: " + ", ".join(f"{{{name}}}" for name in merge.FIELDS) + "."


class CampaignForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=CAMPAIGN_NAME_MAX_LENGTH, help_text="Only you see it."
    )
    channel = forms.ChoiceField(
        label="Send by", choices=CampaignChannel.choices, widget=forms.RadioSelect
    )
    contact_list_id = forms.ChoiceField(label="To", required=False)
    audience_city = forms.CharField(
        label="Only fans in this city", required=False, max_length=PLACE_MAX_LENGTH
    )
    audience_region = forms.CharField(
        label="…or in this region or state", required=False, max_length=PLACE_MAX_LENGTH
    )
    subject = forms.CharField(
        label="Subject (email)", required=False, max_length=CAMPAIGN_SUBJECT_MAX_LENGTH
    )
    body = forms.CharField(
        label="Message",
        max_length=CAMPAIGN_EMAIL_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=FIELDS_HELP,
    )

    def __init__(self, *args, lists: list[tuple[str, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["contact_list_id"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = lists

    def service_data(self) -> dict:  # type: ignore[type-arg]
        data = dict(self.cleaned_data)
        raw = data.pop("contact_list_id") or ""
        data["contact_list_id"] = int(raw) if raw.isdigit() else None
        return data


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label="Send at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In your time zone.",
    )
