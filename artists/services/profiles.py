"""Profile writes: onboarding steps, edits, avatar and banner, verification, profile views."""

import hashlib
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts import services as account_services
from accounts.models import User
from artists import normalize, selectors, steps
from artists.images import IMAGE_SPECS, process_image
from artists.models import (
    ArtistProfile,
    MediaQuota,
    ProfileView,
    VerificationNote,
)
from umbrella.errors import ApplicationError, NotFoundError

RESERVED_SLUGS = {"me", "search", "onboarding", "new"}


# --- profile and onboarding -----------------------------------------------------------------


def validation_error(details: dict[str, list[str]]) -> ApplicationError:
    message = next(iter(details.values()))[0]
    return ApplicationError("validation_error", message, details=details)


def _apply(
    profile: ArtistProfile,
    data: dict[str, Any],
    *,
    fields: tuple[str, ...],
    required: tuple[str, ...],
) -> None:
    """Set ``fields`` from ``data`` (others ignored), normalised and validated; nothing is saved."""
    errors: dict[str, list[str]] = {}
    for field in fields:
        if field not in data:
            continue
        try:
            setattr(profile, field, normalize.profile_value(field, data[field]))
        except ValueError as error:
            errors[field] = [str(error)]
    for field in required:
        if field not in errors and getattr(profile, field) in ("", None, []):
            errors[field] = ["This field is required."]
    if not errors:
        excluded = [f.name for f in ArtistProfile._meta.fields if f.name not in fields]
        try:
            profile.full_clean(exclude=excluded, validate_unique=False)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise validation_error(errors)


def _unique_slug(stage_name: str) -> str:
    base = slugify(stage_name)[:70] or "artist"
    if base in RESERVED_SLUGS:
        base = f"{base}-artist"
    slug, n = base, 1
    while ArtistProfile.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def onboarding_save_step(*, user: User, number: int, data: dict[str, Any]) -> ArtistProfile:
    """Save one onboarding step: only its fields are validated and stored.

    Steps are taken in order (earlier ones may be revisited). Saving the last step completes
    the user's onboarding, which lifts the onboarding gate.
    """
    selectors.artist_require(user=user)
    try:
        current = steps.step(number)
    except KeyError as error:
        raise NotFoundError("not_found", f"There is no step {number}.") from error
    profile = ArtistProfile.objects.select_for_update().filter(user=user).first()
    done = profile.onboarding_step if profile else 0
    if number > done + 1:
        raise ApplicationError(
            "step_out_of_order",
            f"Finish step {done + 1} first.",
            details={"next_step": done + 1},
            status=409,
        )
    if profile is None:
        profile = ArtistProfile(user=user)
    _apply(profile, data, fields=current.fields, required=current.required)
    if not profile.slug:
        profile.slug = _unique_slug(profile.stage_name)
    profile.onboarding_step = max(done, number)
    profile.save()
    MediaQuota.objects.get_or_create(artist=profile)
    if number == steps.LAST_STEP and not user.onboarding_complete:
        account_services.onboarding_complete(user=user)
    return profile


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any]) -> ArtistProfile:
    """Edit any editable profile field after (or during) onboarding."""
    selectors.artist_require(user=user)
    profile = ArtistProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        raise NotFoundError("not_found", "Start your artist onboarding first.")
    _apply(profile, data, fields=steps.EDITABLE_FIELDS, required=("stage_name",))
    profile.save()
    return profile


def profile_set_image(*, user: User, kind: str, upload: UploadedFile | None) -> ArtistProfile:
    """Replace (or with ``upload=None`` remove) the avatar or banner.

    The new picture is resized and written to storage first, with no lock held; one short
    transaction then swaps the name on the row. The old file is deleted after commit, the new
    one if the swap fails.
    """
    selectors.artist_require(user=user)
    if kind not in IMAGE_SPECS:
        raise NotFoundError("not_found", "Unknown image kind.")
    profile = ArtistProfile.objects.filter(user=user).first()
    if profile is None:
        raise NotFoundError("not_found", "Start your artist onboarding first.")
    field = getattr(profile, kind)
    new_name = ""
    if upload is not None:
        width, height, max_bytes = IMAGE_SPECS[kind]
        content = process_image(upload, width=width, height=height, max_bytes=max_bytes)
        new_name = field.storage.save(
            field.field.generate_filename(profile, f"{profile.slug}-{kind}.jpg"),
            content,
            max_length=field.field.max_length,
        )
    try:
        with transaction.atomic():
            profile = ArtistProfile.objects.select_for_update().get(pk=profile.pk)
            old_name = getattr(profile, kind).name
            setattr(profile, kind, new_name)
            profile.save(update_fields=[kind, "updated_at"])
            if old_name and old_name != new_name:
                transaction.on_commit(lambda: field.storage.delete(old_name))
    except BaseException:
        if new_name:
            field.storage.delete(new_name)
        raise
    return profile


@transaction.atomic
def artist_set_verified(*, artist_id: int, by: User, verified: bool, note: str) -> ArtistProfile:
    """Staff mark an artist verified (or not), with a note for the audit trail."""
    if not by.is_staff:
        raise ApplicationError("permission_denied", "Only staff can verify artists.", status=403)
    if not note.strip():
        raise validation_error({"note": ["Say why (this note is kept in the audit trail)."]})
    profile = ArtistProfile.objects.select_for_update().get(pk=artist_id)
    profile.verified = verified
    profile.save(update_fields=["verified", "updated_at"])
    VerificationNote.objects.create(artist=profile, by=by, verified=verified, note=note.strip())
    return profile


def profile_view_record(
    *, artist: ArtistProfile, viewer: Any, ip: str | None, user_agent: str
) -> bool:
    """Count a view once per viewer per artist per UTC day; the owner's own views don't count.

    Anonymous viewers are told apart by a salted hash of IP address and user agent. The unique
    (artist, viewer, day) row is the rule; a cache marker only spares repeat views the insert.
    """
    if getattr(viewer, "is_authenticated", False):
        if viewer.pk == artist.user_id:
            return False
        key = f"u:{viewer.pk}"
    else:
        raw = f"{settings.SECRET_KEY}|{ip or ''}|{user_agent[:300]}".encode()
        key = f"a:{hashlib.sha256(raw).hexdigest()[:40]}"
    now = timezone.now()
    day = now.date()
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    marker = f"artists:viewed:{artist.pk}:{key}:{day.isoformat()}"
    if not cache.add(marker, 1, timeout=int((midnight - now).total_seconds()) + 60):
        return False  # seen today (the database would refuse it too)
    try:
        with transaction.atomic():
            ProfileView.objects.create(artist=artist, viewer_key=key, day=day)
            ArtistProfile.objects.filter(pk=artist.pk).update(profile_views=F("profile_views") + 1)
    except IntegrityError:
        return False  # already counted today
    return True
