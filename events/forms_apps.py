"""Forms of the developer console's app pages. They parse what is pasted; the manifest's rules
are the service's (events.manifest), shown next to the manifest field by JSON path."""

import json
from typing import Any

from django import forms

from events.manifest import MANIFEST_MAX_BYTES, MAX_DEPTH, json_depth
from events.models import APP_ID_PATTERN
from events.services.apps import GRACE_HOURS_DEFAULT, REASON_MAX_LENGTH

# Room for pretty-printed JSON (indentation) around a manifest of the largest size.
MANIFEST_TEXT_MAX_LENGTH = 4 * MANIFEST_MAX_BYTES


def _no_constant(name: str) -> Any:
    raise forms.ValidationError(f"Not valid JSON: {name} is not a JSON value.")


class ManifestField(forms.CharField):
    """A pasted manifest: JSON text, parsed to a value (any JSON value: the service judges it)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}))
        super().__init__(max_length=MANIFEST_TEXT_MAX_LENGTH, strip=True, **kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"Not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
            ) from error
        except RecursionError as error:
            raise forms.ValidationError(f"Nested deeper than {MAX_DEPTH} levels.") from error
        if json_depth(value) > MAX_DEPTH:
            raise forms.ValidationError(f"Nested deeper than {MAX_DEPTH} levels.")
        return value

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        pass  # max_length is checked on the text, before parsing

    def clean(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > MANIFEST_TEXT_MAX_LENGTH:
            raise forms.ValidationError(
                f"At most {MANIFEST_TEXT_MAX_LENGTH} characters ({len(value)} pasted)."
            )
        return super().clean(value)


def manifest_text(manifest: Any) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False)


class AppRegisterForm(forms.Form):
    manifest = ManifestField(
        label="Manifest (JSON)",
        help_text='Its JSON Schema: <a href="/api/v1/apps/manifest-schema">'
        "/api/v1/apps/manifest-schema</a>.",
    )
    app_id = forms.RegexField(
        label="App id (optional)",
        regex=APP_ID_PATTERN,
        required=False,
        max_length=64,
        help_text="3-64 of a-z, 0-9 and _, starting with a letter. Default: app_ + the name.",
        error_messages={"invalid": "3-64 of a-z, 0-9 and _, starting with a letter."},
    )


class AppPublishForm(forms.Form):
    manifest = ManifestField(
        label="New version's manifest (JSON)",
        help_text="The whole manifest, with a higher meta.version.",
    )


class DeprecateForm(forms.Form):
    version = forms.ChoiceField(label="Version")
    reason = forms.CharField(
        label="Why", max_length=REASON_MAX_LENGTH, help_text="Organizers of rooms on it read it."
    )

    def __init__(self, *args: Any, versions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [(v, v) for v in versions]


GRACE_CHOICES = [
    (0, "End the old secret now"),
    (1, "1 hour"),
    (GRACE_HOURS_DEFAULT, "24 hours"),
    (72, "3 days"),
    (168, "7 days"),
]


class RotateForm(forms.Form):
    secret = forms.ChoiceField(choices=[("webhook", "Signing secret"), ("client", "Client secret")])
    grace_hours = forms.TypedChoiceField(
        label="Old signing secrets keep signing for",
        choices=GRACE_CHOICES,
        coerce=int,
        initial=GRACE_HOURS_DEFAULT,
        required=False,
        empty_value=GRACE_HOURS_DEFAULT,
    )


class WebhookEnableForm(forms.Form):
    capability = forms.CharField(max_length=40)
