"""Writes of the artists app: profiles, onboarding steps, verification, tracks, profile views.

Files and the storage quota live in :mod:`artists.storage`.
"""

import hashlib
import io
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts import services as account_services
from accounts.models import Role, User
from artists import normalize, steps, storage
from artists.models import (
    ArtistProfile,
    MediaCategory,
    MediaQuota,
    PerformanceType,
    ProfileView,
    Track,
    VerificationNote,
)
from umbrella.errors import ApplicationError, NotFoundError

LIST_FIELDS = {"secondary_genres": True, "influences": False}  # field -> lower-case items
HANDLE_FIELDS = {
    "instagram_handle": normalize.instagram_handle,
    "tiktok_handle": normalize.tiktok_handle,
}
RESERVED_SLUGS = {"me", "search", "onboarding", "new"}
URL_FIELDS = ("website_url", "youtube_url", "spotify_url", "apple_music_url", "soundcloud_url")


# --- profile and onboarding -----------------------------------------------------------------


def _require_artist(user: User) -> None:
    if user.role != Role.ARTIST:
        raise ApplicationError(
            "not_an_artist", "Only artist accounts have an artist profile.", status=403
        )


def _validation(details: dict[str, list[str]]) -> ApplicationError:
    message = next(iter(details.values()))[0]
    return ApplicationError("validation_error", message, details=details)


def _clean_value(field: str, value: Any) -> Any:
    if field in LIST_FIELDS:
        return normalize.text_list(value, lower=LIST_FIELDS[field])
    if field == "performance_types":
        items = normalize.text_list(value, lower=True)
        unknown = [item for item in items if item not in PerformanceType.values]
        if unknown:
            raise ValueError(f"Unknown performance type: {', '.join(unknown)}.")
        return items
    if field in HANDLE_FIELDS:
        return HANDLE_FIELDS[field](value or "")
    if field in URL_FIELDS:
        return normalize.url(value or "", field=field)
    if field == "location_country":
        return (value or "").strip().upper()
    if field == "primary_genre":
        return " ".join((value or "").split()).lower()
    if isinstance(value, str):
        return value.strip()
    return value


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
            setattr(profile, field, _clean_value(field, data[field]))
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
        raise _validation(errors)


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
    _require_artist(user)
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
    _require_artist(user)
    profile = ArtistProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        raise NotFoundError("not_found", "Start your artist onboarding first.")
    _apply(profile, data, fields=steps.EDITABLE_FIELDS, required=("stage_name",))
    profile.save()
    return profile


IMAGE_SPECS = {
    # kind: (width, height, max upload bytes)
    "avatar": (512, 512, 10 * 1024 * 1024),
    "banner": (1600, 480, 15 * 1024 * 1024),
}
MAX_IMAGE_PIXELS = 50_000_000


def process_image(upload: UploadedFile, *, width: int, height: int, max_bytes: int) -> ContentFile:
    """Check a picture from its bytes, then crop and resize it to a width x height JPEG."""
    if upload.size and upload.size > max_bytes:
        raise ApplicationError(
            "file_too_large", f"Images may be at most {max_bytes // (1024 * 1024)} MB.", status=413
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP", "GIF"):
                raise ApplicationError("unsupported_type", "Use a JPEG, PNG, WebP or GIF image.")
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ApplicationError("image_too_large", "That image has too many pixels.")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            upright = ImageOps.exif_transpose(opened).convert("RGB")
            fitted = ImageOps.fit(upright, (width, height), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ApplicationError("invalid_image", "That file is not a readable image.") from error
    out = io.BytesIO()
    fitted.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue())


@transaction.atomic
def profile_set_image(*, user: User, kind: str, upload: UploadedFile | None) -> ArtistProfile:
    """Replace (or with ``upload=None`` remove) the avatar or banner."""
    _require_artist(user)
    if kind not in IMAGE_SPECS:
        raise NotFoundError("not_found", "Unknown image kind.")
    profile = ArtistProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        raise NotFoundError("not_found", "Start your artist onboarding first.")
    field = getattr(profile, kind)
    old_name = field.name
    if upload is None:
        setattr(profile, kind, "")
    else:
        width, height, max_bytes = IMAGE_SPECS[kind]
        content = process_image(upload, width=width, height=height, max_bytes=max_bytes)
        field.save(f"{profile.slug}-{kind}.jpg", content, save=False)
    profile.save(update_fields=[kind, "updated_at"])
    if old_name:
        storage_name = old_name
        transaction.on_commit(lambda: field.storage.delete(storage_name))
    return profile


@transaction.atomic
def artist_set_verified(*, artist_id: int, by: User, verified: bool, note: str) -> ArtistProfile:
    """Staff mark an artist verified (or not), with a note for the audit trail."""
    if not by.is_staff:
        raise ApplicationError("permission_denied", "Only staff can verify artists.", status=403)
    if not note.strip():
        raise _validation({"note": ["Say why (this note is kept in the audit trail)."]})
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


# --- tracks ---------------------------------------------------------------------------------


def _own_profile(user: User) -> ArtistProfile:
    profile = ArtistProfile.objects.filter(user=user).first()
    if profile is None or user.role != Role.ARTIST:
        raise NotFoundError("not_found", "You have no artist profile yet.")
    return profile


def _own_track(user: User, track_id: int, *, lock: bool = False) -> Track:
    tracks = Track.objects.select_related("artist")
    if lock:
        tracks = tracks.select_for_update()
    track = tracks.filter(pk=track_id, artist__user=user).first()
    if track is None:
        raise NotFoundError("not_found", "No such track.")
    return track


TRACK_FIELDS = ("title", "genre", "release_year", "spotify_url", "apple_music_url")


def _clean_track(track: Track, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for field in TRACK_FIELDS:
        if field not in data:
            continue
        value = data[field]
        try:
            if field in ("spotify_url", "apple_music_url"):
                value = normalize.url(value or "", field=field)
            elif isinstance(value, str):
                value = value.strip()
        except ValueError as error:
            errors[field] = [str(error)]
            continue
        setattr(track, field, value)
    if not errors and not track.title:
        errors["title"] = ["This field is required."]
    if not errors:
        try:
            track.full_clean(exclude=["artist", "audio", "cover_art"], validate_unique=False)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise _validation(errors)


def track_create(
    *,
    user: User,
    audio: UploadedFile,
    data: dict[str, Any],
    cover_art: UploadedFile | None = None,
) -> Track:
    """Add a track at the end of the artist's list. The audio counts against the storage quota."""
    profile = _own_profile(user)
    track = Track(artist=profile)
    _clean_track(track, data)
    checked = storage.check_upload(audio, category=MediaCategory.MUSIC)
    cover = (
        process_image(cover_art, width=800, height=800, max_bytes=10 * 1024 * 1024)
        if cover_art
        else None
    )
    storage.quota_reserve(artist_id=profile.pk, size=checked.size)
    try:
        with transaction.atomic():
            track.duration_seconds = storage.audio_duration(audio)
            track.audio_size_bytes = checked.size
            last = Track.objects.filter(artist=profile).aggregate(m=Max("display_order"))["m"]
            track.display_order = 0 if last is None else last + 1
            audio.seek(0)
            track.audio.save(storage.safe_name(audio.name, checked.extension), audio, save=False)
            if cover is not None:
                track.cover_art.save(f"{profile.slug}-cover.jpg", cover, save=False)
            track.save()
    except BaseException:
        storage.quota_release(artist_id=profile.pk, size=checked.size)
        raise
    return track


@transaction.atomic
def track_update(*, user: User, track_id: int, data: dict[str, Any]) -> Track:
    track = _own_track(user, track_id, lock=True)
    _clean_track(track, data)
    track.save()
    return track


@transaction.atomic
def track_delete(*, user: User, track_id: int) -> None:
    """Delete a track and its files; its bytes go back to the quota."""
    track = _own_track(user, track_id, lock=True)
    names = [str(f.name) for f in (track.audio, track.cover_art) if f]
    file_storage = track.audio.storage
    storage.quota_release(artist_id=track.artist_id, size=track.audio_size_bytes)
    track.delete()

    def delete_files() -> None:
        for name in names:
            file_storage.delete(name)

    transaction.on_commit(delete_files)


@transaction.atomic
def track_move(*, user: User, track_id: int, position: int) -> list[Track]:
    """Move a track to ``position`` (0-based) and renumber the artist's tracks 0…n-1."""
    track = _own_track(user, track_id)
    tracks = list(
        Track.objects.select_for_update()
        .filter(artist_id=track.artist_id)
        .order_by("display_order", "id")
    )
    moving = next(t for t in tracks if t.pk == track.pk)
    tracks.remove(moving)
    tracks.insert(max(0, min(position, len(tracks))), moving)
    changed = []
    for index, item in enumerate(tracks):
        if item.display_order != index:
            item.display_order = index
            changed.append(item)
    Track.objects.bulk_update(changed, ["display_order"])
    return tracks


def track_play(*, track_id: int, artist_slug: str) -> None:
    """Count one play of a public track, atomically (no lost updates under concurrent plays)."""
    updated = Track.objects.filter(
        pk=track_id,
        artist__slug=artist_slug,
        artist__user__onboarding_complete=True,
        artist__user__is_active=True,
    ).update(plays=F("plays") + 1)
    if not updated:
        raise NotFoundError("not_found", "No such track.")
