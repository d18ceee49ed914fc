"""Profile writes: onboarding steps, edits, avatar and banner, verification, profile views."""

import copy
import itertools
import secrets
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts import services as account_services
from accounts.models import User
from artists import normalize, selectors, steps
from artists.images import IMAGE_SPECS, process_image
from artists.models import (
    ArtistProfile,
    MediaQuota,
    VerificationNote,
    owner_is_public,
)
from umbrella.errors import ApplicationError, NotFoundError

RESERVED_SLUGS = {"me", "search", "onboarding", "new"}


# --- profile and onboarding -----------------------------------------------------------------


def require_staff(by: User) -> None:
    """Writes that only staff make (admin): the permission check lives in the service."""
    if not by.is_staff:
        raise ApplicationError("permission_denied", "Only staff can do this.", status=403)


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
        problem = (
            None if field in errors else steps.required_problem(field, getattr(profile, field))
        )
        if problem:
            errors[field] = [problem]
    if not errors:
        excluded = [f.name for f in ArtistProfile._meta.fields if f.name not in fields]
        try:
            profile.full_clean(exclude=excluded, validate_unique=False)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise validation_error(errors)


SLUG_ATTEMPTS = 20  # numbered tries before a random suffix (only under heavy contention)


def _slug_base(stage_name: str) -> str:
    base = slugify(stage_name)[:70] or "artist"
    return f"{base}-artist" if base in RESERVED_SLUGS else base


def _slug_candidates(base: str) -> Iterator[str]:
    """``base``, then ``base-2``, ``base-3`` … from the lowest number not seen taken, then
    random suffixes. Only a guess: the unique constraint decides (see :func:`_insert_profile`)."""
    taken = set(ArtistProfile.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    numbers = itertools.count(2)
    yield from itertools.islice(
        itertools.chain(
            [base] if base not in taken else [],
            (s for s in (f"{base}-{n}" for n in numbers) if s not in taken),
        ),
        SLUG_ATTEMPTS,
    )
    while True:
        yield f"{base}-{secrets.token_hex(3)}"


def _insert_profile(profile: ArtistProfile) -> None:
    """Insert a new profile under a free slug derived from its stage name.

    No check-then-insert: each candidate is inserted in a savepoint and the unique constraint
    on ``slug`` refuses a taken one, so concurrent sign-ups with the same stage name each end
    up with their own slug and none of them fails.
    """
    for candidate in _slug_candidates(_slug_base(profile.stage_name)):
        profile.slug = candidate
        try:
            with transaction.atomic():  # a savepoint: a refused insert keeps the outer work
                profile.save(force_insert=True)
        except IntegrityError:
            if not ArtistProfile.objects.filter(slug=candidate).exists():
                raise  # another constraint refused the row: not ours to retry
            continue
        return


@transaction.atomic
def onboarding_save_step(*, user: User, number: int, data: dict[str, Any]) -> ArtistProfile:
    """Save one onboarding step: only its fields are validated and stored.

    Steps are taken in order (earlier ones may be revisited). Saving the last step completes
    the user's onboarding, which lifts the onboarding gate.
    """
    # The user row is locked as ``onboarding_choose_role`` locks it: a role switch and the first
    # step cannot interleave (the role is re-read here, and the switch sees this profile), and
    # one step of one artist runs at a time, even before the profile row exists to be locked.
    selectors.artist_require(user=User.objects.select_for_update().get(pk=user.pk))
    profile = selectors.artist_of(user=user, lock=True)
    done = profile.onboarding_step if profile else 0
    current = steps.open_step(number, done=done)
    if profile is None:
        profile = ArtistProfile(user=user, listed=owner_is_public(user))
    _apply(profile, data, fields=current.fields, required=current.required)
    profile.onboarding_step = max(done, number)
    if profile.pk is None:
        _insert_profile(profile)
    else:
        profile.save()
    MediaQuota.objects.get_or_create(artist=profile)
    if number == steps.LAST_STEP and not user.onboarding_complete:
        account_services.onboarding_complete(user=user)
    _discovery_changed()
    return profile


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any]) -> ArtistProfile:
    """Edit any editable profile field after (or during) onboarding."""
    profile = selectors.artist_own(user=user, lock=True)
    _apply(profile, data, fields=steps.EDITABLE_FIELDS, required=("stage_name",))
    profile.save()
    _discovery_changed()
    return profile


def profile_set_image(*, user: User, kind: str, upload: UploadedFile | None) -> ArtistProfile:
    """Replace (or with ``upload=None`` remove) the avatar or banner.

    The new picture is resized and written to storage first, with no lock held; one short
    transaction then swaps the name on the row. The old file is deleted after commit, the new
    one if the swap fails.
    """
    if kind not in IMAGE_SPECS:
        raise NotFoundError("not_found", "Unknown image kind.")
    profile = selectors.artist_own(user=user)
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
            _discovery_changed()
            if old_name and old_name != new_name:
                transaction.on_commit(lambda: field.storage.delete(old_name))
    except BaseException:
        if new_name:
            field.storage.delete(new_name)
        raise
    return profile


def _check_slug(slug: str, *, artist_id: int) -> str:
    slug = (slug or "").strip().lower()
    problem = None
    if not slug or slugify(slug) != slug:
        problem = "Use lower-case letters, digits and hyphens."
    elif slug in RESERVED_SLUGS:
        problem = f"“{slug}” is reserved for the site's own pages."
    elif ArtistProfile.objects.filter(slug=slug).exclude(pk=artist_id).exists():
        problem = "Another artist has this address."
    if problem:
        raise validation_error({"slug": [problem]})
    return slug


def profile_check(*, profile: ArtistProfile, data: dict[str, Any]) -> dict[str, Any]:
    """What :func:`profile_update_by_staff` would store for ``data``, normalised, without
    saving anything (``ApplicationError`` when it would refuse): for forms that show errors
    before they save, such as the admin's."""
    draft = copy.copy(profile)
    _apply(draft, data, fields=steps.EDITABLE_FIELDS, required=("stage_name",))
    clean = {field: getattr(draft, field) for field in steps.EDITABLE_FIELDS if field in data}
    if "slug" in data:
        clean["slug"] = _check_slug(data["slug"], artist_id=profile.pk)
    return clean


@transaction.atomic
def profile_update_by_staff(*, artist_id: int, by: User, data: dict[str, Any]) -> ArtistProfile:
    """Staff edit an artist's profile (admin): the same normalisation and validation as the
    artist's own edits, plus the address (``slug``), which must not be reserved or taken."""
    require_staff(by)
    profile = ArtistProfile.objects.select_for_update().get(pk=artist_id)
    _apply(profile, data, fields=steps.EDITABLE_FIELDS, required=("stage_name",))
    if "slug" in data:
        profile.slug = _check_slug(data["slug"], artist_id=profile.pk)
    profile.save()
    _discovery_changed()
    return profile


def artist_listed_sync(user: User) -> None:
    """Bring the profile's ``listed`` copy in step with its owner's role, onboarding and
    activity. Registered with ``accounts.state_hooks``: the accounts services call it after
    each change of those fields, in their transaction. One UPDATE; none without a profile."""
    listed = owner_is_public(user)
    if ArtistProfile.objects.filter(user_id=user.pk).exclude(listed=listed).update(listed=listed):
        _discovery_changed()


def _discovery_changed() -> None:
    """Cached discovery pages (``selectors.ListedRows``) go stale once this transaction commits."""
    transaction.on_commit(selectors.discovery_changed)


def artist_files_delete_on_commit(user: User) -> None:
    """Before an account is deleted for good (``accounts.services.user_hard_delete``, whose
    cascade removes the profile, its tracks, files and quota): delete every file the artist
    stored, once the deletion commits."""
    profile = ArtistProfile.objects.filter(user=user).first()
    if profile is None:
        return
    names = [str(f.name) for f in (profile.avatar, profile.banner) if f]
    for audio, cover in profile.tracks.values_list("audio", "cover_art"):
        names += [name for name in (audio, cover) if name]
    names += [name for name in profile.media_files.values_list("file", flat=True) if name]
    file_storage = profile.avatar.storage
    _discovery_changed()

    def delete_files() -> None:
        for name in names:
            file_storage.delete(name)

    transaction.on_commit(delete_files)


@transaction.atomic
def artist_set_verified(*, artist_id: int, by: User, verified: bool, note: str) -> ArtistProfile:
    """Staff mark an artist verified (or not), with a note for the audit trail."""
    require_staff(by)
    if not note.strip():
        raise validation_error({"note": ["Say why (this note is kept in the audit trail)."]})
    profile = ArtistProfile.objects.select_for_update().get(pk=artist_id)
    profile.verified = verified
    profile.save(update_fields=["verified", "updated_at"])
    _discovery_changed()
    VerificationNote.objects.create(artist=profile, by=by, verified=verified, note=note.strip())
    return profile
