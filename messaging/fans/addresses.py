"""Email addresses and phone numbers of fans, in the one form they are stored and compared in.

- Email: trimmed and lower-cased as a whole (``Sam@Example.COM`` and ``sam@example.com`` are one
  fan), then checked with Django's ``EmailValidator`` and the 254-character limit.
- Phone: parsed with ``phonenumbers`` (a number without ``+`` is read in the artist's country,
  else ``FANS_DEFAULT_PHONE_REGION``), must be a valid number, stored in E.164 (``+15125550100``).
"""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from messaging.models import EMAIL_MAX_LENGTH

_email_validator = EmailValidator()


class AddressError(ValueError):
    """An address that cannot be stored; ``str()`` is a sentence for the person."""


def normalize_email(value: object) -> str | None:
    """The stored form of an email address, ``None`` for an empty value; ``AddressError`` when
    it is not an address."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise AddressError("Enter an email address.")
    clean = value.strip().lower()
    if not clean:
        return None
    if len(clean) > EMAIL_MAX_LENGTH:
        raise AddressError(f"An email address has at most {EMAIL_MAX_LENGTH} characters.")
    try:
        _email_validator(clean)
    except ValidationError as error:
        raise AddressError(f"“{clean[:80]}” is not an email address.") from error
    return clean


def default_region(country: str | None) -> str:
    """The region a number without ``+`` is read in: the artist's country, else the setting."""
    country = (country or "").strip().upper()
    if country and country in phonenumbers.SUPPORTED_REGIONS:
        return country
    return str(settings.FANS_DEFAULT_PHONE_REGION)


def normalize_phone(value: object, *, region: str) -> str | None:
    """The E.164 form of a phone number, ``None`` for an empty value; ``AddressError`` when it
    is not a valid number."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise AddressError("Enter a phone number.")
    clean = value.strip()
    if not clean:
        return None
    if len(clean) > 40:
        raise AddressError("That is too long for a phone number.")
    try:
        number = phonenumbers.parse(clean, region)
    except phonenumbers.NumberParseException as error:
        raise AddressError(f"“{clean}” is not a phone number.") from error
    if not phonenumbers.is_valid_number(number):
        raise AddressError(f"“{clean}” is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
