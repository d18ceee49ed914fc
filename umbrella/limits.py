"""Limits that live on model fields, read back by the doors that need them up front.

The rule is the model field's validator (``MaxValueValidator``, :class:`WordListValidator`,
``max_length``): the service's ``full_clean`` enforces it for every door. API serializers and page
forms read the same numbers from here, so they refuse the same values early, with the limit in
their schema or HTML, instead of keeping a copy of it.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.deconstruct import deconstructible

from umbrella.text import validate_single_line


def value_bounds(field: models.Field) -> tuple[int | None, int | None]:
    """The tightest (min, max) the field's validators allow (None when open)."""
    lows = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    return (max(lows) if lows else None, min(highs) if highs else None)


@deconstructible
class WordListValidator:
    """A JSON list of short single-line words: at most ``max_items`` of at most ``max_length``
    characters each, no repeats, and (with ``choices``) only those values."""

    def __init__(
        self, *, max_items: int, max_length: int, choices: tuple[str, ...] | None = None
    ) -> None:
        self.max_items = max_items
        self.max_length = max_length
        self.choices = tuple(choices) if choices is not None else None

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError("Give a list of words.", code="not_a_word_list")
        if len(value) > self.max_items:
            raise ValidationError(
                "At most %(max)d entries.", code="too_many_items", params={"max": self.max_items}
            )
        for item in value:
            if len(item) > self.max_length:
                raise ValidationError(
                    "“%(item)s…” is longer than %(max)d characters.",
                    code="item_too_long",
                    params={"item": item[:20], "max": self.max_length},
                )
            validate_single_line(item)
        if self.choices is not None and (unknown := [i for i in value if i not in self.choices]):
            raise ValidationError(
                "Unknown value: %(unknown)s.",
                code="unknown_value",
                params={"unknown": ", ".join(unknown)},
            )
        if len({item.lower() for item in value}) != len(value):
            raise ValidationError("Each entry once, please.", code="repeated_value")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordListValidator) and (
            (other.max_items, other.max_length, other.choices)
            == (self.max_items, self.max_length, self.choices)
        )

    def __hash__(self) -> int:
        return hash((self.max_items, self.max_length, self.choices))


def word_list_limits(field: models.Field) -> WordListValidator:
    """The list validator on a JSON list field (every such field has exactly one)."""
    return next(v for v in field.validators if isinstance(v, WordListValidator))
