from django import forms

from accounts.models import DISPLAY_NAME_MAX_LENGTH, Role


class OnboardingRoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=Role.choices,
        widget=forms.RadioSelect,
        label="I am…",
        help_text="Artists build a profile and apply to gigs; venues post gigs; fans join events.",
    )
    display_name = forms.CharField(max_length=DISPLAY_NAME_MAX_LENGTH, label="Display name")


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=DISPLAY_NAME_MAX_LENGTH, label="Display name")
    timezone = forms.CharField(
        max_length=64, label="Time zone", help_text="For example Europe/London."
    )
