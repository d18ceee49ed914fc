from django import forms

from messaging.models import MESSAGE_MAX_LENGTH, REPORT_REASON_MAX_LENGTH


class MessageForm(forms.Form):
    content = forms.CharField(
        label="Message",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX_LENGTH}),
        help_text=f"Up to {MESSAGE_MAX_LENGTH} characters.",
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong?",
        max_length=REPORT_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Staff read every report. The person you report is not told who reported them.",
    )
