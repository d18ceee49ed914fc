"""Venue profile writes: the onboarding steps, edits, and staff verification."""

import itertools
import secrets
from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts import services as account_services
from accounts.models import User
from artists.services import require_staff
from marketplace import notifications, selectors, steps
from marketplace.models import VenueProfile, VenueVerificationNote
from marketplace.services.common import apply, validation_error

RESERVED_SLUGS = {"me", "search", "onboarding", "new"}
SLUG_ATTEMPTS = 20


def _slug_candidates(base: str) -> Iterator[str]:
    taken = set(VenueProfile.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    numbered = (s for s in (f"{base}-{n}" for n in itertools.count(2)) if s not in taken)
    first = [base] if base not in taken else []
    yield from itertools.islice(itertools.chain(first, numbered), SLUG_ATTEMPTS)
    while True:
        yield f"{base}-{secrets.token_hex(3)}"


def _insert_venue(venue: VenueProfile) -> None:
    """Insert under a free slug; the unique constraint decides (as ``artists`` does)."""
    base = slugify(venue.name)[:70] or "venue"
    base = f"{base}-venue" if base in RESERVED_SLUGS else base
    for candidate in _slug_candidates(base):
        venue.slug = candidate
        try:
            with transaction.atomic():
                venue.save(force_insert=True)
        except IntegrityError:
            if not VenueProfile.objects.filter(slug=candidate).exists():
                raise
            continue
        return


@transaction.atomic
def venue_onboarding_save_step(*, user: User, number: int, data: dict[str, Any]) -> VenueProfile:
    """Save one venue onboarding step; saving the last completes the user's onboarding."""
    selectors.venue_require(user=User.objects.select_for_update().get(pk=user.pk))
    venue = selectors.venue_of(user=user, lock=True)
    done = venue.onboarding_step if venue else 0
    current = steps.open_step(number, done=done)
    if venue is None:
        venue = VenueProfile(user=user, timezone=user.timezone or "UTC")
    apply(venue, data, fields=current.fields, required=current.required)
    venue.onboarding_step = max(done, number)
    if venue.pk is None:
        _insert_venue(venue)
    else:
        venue.save()
    if number == steps.LAST_STEP and not user.onboarding_complete:
        account_services.onboarding_complete(user=user)
    return venue


@transaction.atomic
def venue_update(*, user: User, data: dict[str, Any]) -> VenueProfile:
    """Edit any venue field (after or during onboarding). The fields the saved wizard steps
    required stay required (``steps.required_after``). Existing gigs keep their times."""
    venue = selectors.venue_own(user=user, lock=True)
    required = steps.required_after(venue.onboarding_step)
    apply(venue, data, fields=steps.EDITABLE_FIELDS, required=required)
    venue.save()
    return venue


@transaction.atomic
def venue_set_verified(*, venue_id: int, by: User, verified: bool, note: str) -> VenueProfile:
    """Staff mark a venue verified (or not), with a note for the audit trail."""
    require_staff(by)
    if not note.strip():
        raise validation_error({"note": ["Say why (this note is kept in the audit trail)."]})
    venue = VenueProfile.objects.select_for_update().get(pk=venue_id)
    newly = verified and not venue.verified
    venue.verified = verified
    venue.save(update_fields=["verified", "updated_at"])
    VenueVerificationNote.objects.create(venue=venue, by=by, verified=verified, note=note.strip())
    if newly:
        notifications.venue_verified(venue.user, venue_name=venue.name, slug=venue.slug)
    return venue
