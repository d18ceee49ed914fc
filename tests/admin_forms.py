"""Fill in a Django admin change form the way a browser would: every field with the value the
page shows (inline formsets included), so a test changes only what it means to."""

from typing import Any

from django import forms


def _value(bound: forms.BoundField) -> Any:
    field = bound.field
    value = bound.value()  # already prepared for the widget
    if isinstance(field.widget, forms.CheckboxInput):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return "" if value is None else str(value)


def _add_form(data: dict[str, Any], form: forms.BaseForm) -> None:
    for bound in form:
        if bound.field.disabled:
            continue
        value = _value(bound)
        if value is not None:
            data[bound.html_name] = value


def change_form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """POST data for the admin change page in ``response``, with ``changes`` applied (a value
    of ``None`` leaves a field out, as an unticked checkbox is)."""
    data: dict[str, Any] = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
