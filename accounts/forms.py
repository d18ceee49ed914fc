from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password

from accounts.models import DISPLAY_NAME_MAX_LENGTH, Role


class SameWorkSignupMixin:
    """A sign-up with a registered address costs what a new sign-up costs.

    allauth (``ACCOUNT_PREVENT_ENUMERATION``) answers both alike but creates no account for a
    known address, so nothing hashed its password and the answer came back ~20x sooner. The
    password is hashed here instead; a new account hashes it once in ``save_user``.
    """

    account_already_exists: bool

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        password = cleaned.get("password1") or cleaned.get("password")
        if getattr(self, "account_already_exists", False) and password:
            make_password(password)
        return cleaned


class SignupForm(SameWorkSignupMixin, AllauthSignupForm):
    """The sign-up page's form (``ACCOUNT_FORMS["signup"]``)."""


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


class NotificationReadForm(forms.Form):
    """The list page's "Mark read" (one ``id``) and "Mark all read" (``all``) buttons."""

    id = forms.IntegerField(required=False, min_value=1)
    all = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("all")) == (cleaned.get("id") is not None):
            raise forms.ValidationError("Choose one notification, or all of them.")
        return cleaned


class NotificationPreferencesForm(forms.Form):
    """One checkbox per registered kind: email on or off."""

    def __init__(self, *args: Any, preferences: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for preference in preferences:
            self.fields[preference.verb] = forms.BooleanField(
                required=False, label=preference.label, initial=preference.email
            )
