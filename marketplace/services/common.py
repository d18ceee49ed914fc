"""What every marketplace service shares: cleaning and validating input, the audit row."""

from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import User
from artists import normalize
from marketplace.models import FREE_TEXT, NAME, Gig, StatusChange
from umbrella import links, text
from umbrella.errors import ApplicationError
from umbrella.limits import WordListValidator, word_list_limits

COUNTRY_FIELDS = frozenset({"country", "location_country"})


def validation_error(details: dict[str, list[str]]) -> ApplicationError:
    message = next(iter(details.values()))[0]
    return ApplicationError("validation_error", message, details=details)


def clean_value(model: type[models.Model], name: str, value: Any) -> Any:
    """One field's clean value, normalised as the artists app does (``ValueError`` if none)."""
    field = cast(models.Field, model._meta.get_field(name))
    if isinstance(field, models.URLField):
        return links.normalise(value or "", hosts=())
    if any(isinstance(v, WordListValidator) for v in field.validators):
        limits = word_list_limits(field)
        return normalize.text_list(
            value, max_items=limits.max_items, max_length=limits.max_length, lower=True
        )
    if not isinstance(value, str):
        return value
    if name in COUNTRY_FIELDS:
        return normalize.country(value)
    if name == "genre":
        return normalize.genre(value)
    if any(v in field.validators for v in NAME):
        return text.single_line(value)
    if any(v in field.validators for v in FREE_TEXT):
        return text.free_text(value)
    return value.strip()


def apply(
    instance: models.Model,
    data: dict[str, Any],
    *,
    fields: tuple[str, ...],
    required: tuple[str, ...] = (),
    check: Callable[[], dict[str, list[str]]] | None = None,
) -> None:
    """Set ``fields`` from ``data`` (others ignored), normalised and validated by the model
    fields' own validators (``full_clean``); ``check`` adds rules across fields. Nothing is
    saved; ``validation_error`` (400, every field's messages) when anything is refused."""
    model = type(instance)
    errors: dict[str, list[str]] = {}
    for field in fields:
        if field not in data:
            continue
        try:
            setattr(instance, field, clean_value(model, field, data[field]))
        except ValueError as error:
            errors[field] = [str(error)]
    for field in required:
        if field not in errors and getattr(instance, field) in ("", None, []):
            errors[field] = ["This field is required."]
    if not errors:
        excluded = [f.name for f in model._meta.fields if f.name not in fields]
        try:
            instance.full_clean(exclude=excluded, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors.update(error.message_dict)
    if not errors and check is not None:
        errors.update(check())
    if errors:
        raise validation_error(errors)


def audit(
    *,
    gig: Gig,
    subject: str,
    by: User | None,
    from_status: str,
    to_status: str,
    reason: str = "",
    application_id: int | None = None,
    booking_id: int | None = None,
) -> StatusChange:
    """The audit row of one status change, in the caller's transaction."""
    return StatusChange.objects.create(
        gig=gig,
        subject=subject,
        by=by,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        application_id=application_id,
        booking_id=booking_id,
    )


def clean_reason(reason: str | None, *, required: bool, field: str = "reason") -> str:
    clean = text.free_text(reason or "")
    if required and not clean:
        raise validation_error({field: ["Say why (the other side sees this)."]})
    if len(clean) > 1000:
        raise validation_error({field: ["At most 1000 characters."]})
    return clean
