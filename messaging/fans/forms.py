"""Page forms of fan lists. Limits come from the model fields; the services check again."""

from django import forms

from messaging.models import (
    EMAIL_MAX_LENGTH,
    LIST_DESCRIPTION_MAX_LENGTH,
    LIST_NAME_MAX_LENGTH,
    MEMBER_NAME_MAX_LENGTH,
    PLACE_MAX_LENGTH,
)


class ContactListForm(forms.Form):
    name = forms.CharField(label="Name", max_length=LIST_NAME_MAX_LENGTH)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=LIST_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown on the list's sign-up page.",
    )


class ContactListEditForm(ContactListForm):
    signup_open = forms.BooleanField(
        label="Sign-up page open",
        required=False,
        help_text="Closed: the link and QR code stop working.",
    )


class MemberForm(forms.Form):
    email = forms.CharField(label="Email", required=False, max_length=EMAIL_MAX_LENGTH)
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=40,
        help_text="With + and the country code, or a local number.",
    )
    name = forms.CharField(label="Name", required=False, max_length=MEMBER_NAME_MAX_LENGTH)
    city = forms.CharField(label="City", required=False, max_length=PLACE_MAX_LENGTH)
    region = forms.CharField(label="Region or state", required=False, max_length=PLACE_MAX_LENGTH)
    consent = forms.BooleanField(label="This fan agreed to get my messages", required=True)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, a header row with an “email” and/or “phone” column; name, city and "
        "region are read too.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ImportConfirmForm(forms.Form):
    consent = forms.BooleanField(
        label="Everyone in this file agreed to get my messages", required=True
    )


class SignupForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=EMAIL_MAX_LENGTH)
    name = forms.CharField(label="Name", required=False, max_length=MEMBER_NAME_MAX_LENGTH)
    city = forms.CharField(label="City", required=False, max_length=PLACE_MAX_LENGTH)
    phone = forms.CharField(label="Phone (optional, for texts)", required=False, max_length=40)
