"""Track writes: create (audio checked and counted against the quota), edit, delete, reorder,
and the public play counter."""

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from accounts.models import User
from artists import filetypes, normalize, selectors
from artists.images import COVER_SPEC, process_image
from artists.models import MediaCategory, Track
from artists.services.profiles import require_staff, validation_error
from artists.services.quota import quota_release, quota_reserve
from umbrella.errors import NotFoundError, about_field


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
        try:
            value = normalize.track_value(field, data[field])
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
        raise validation_error(errors)


def track_create(
    *,
    user: User,
    audio: UploadedFile,
    data: dict[str, Any],
    cover_art: UploadedFile | None = None,
) -> Track:
    """Add a track at the end of the artist's list. The audio counts against the storage quota.

    The bytes are reserved first (a short transaction of their own), the files are written with
    no transaction open, then the row is inserted. If anything fails after the reservation, the
    reservation is released and the written files are deleted.
    """
    profile = selectors.artist_own(user=user)
    track = Track(artist=profile)
    _clean_track(track, data)
    with about_field("audio"):
        checked = filetypes.check_upload(audio, category=MediaCategory.MUSIC)
    cover = None
    if cover_art is not None:
        width, height, max_bytes = COVER_SPEC
        with about_field("cover_art"):
            cover = process_image(cover_art, width=width, height=height, max_bytes=max_bytes)
    with about_field("audio"):
        quota_reserve(artist_id=profile.pk, size=checked.size)
    try:
        track.duration_seconds = filetypes.audio_duration(audio)
        track.audio_size_bytes = checked.size
        audio.seek(0)
        track.audio.save(filetypes.safe_name(audio.name, checked.extension), audio, save=False)
        if cover is not None:
            track.cover_art.save(f"{profile.slug}-cover.jpg", cover, save=False)
        with transaction.atomic():
            last = Track.objects.filter(artist=profile).aggregate(m=Max("display_order"))["m"]
            track.display_order = 0 if last is None else last + 1
            track.save()
    except BaseException:
        quota_release(artist_id=profile.pk, size=checked.size)
        for written in (track.audio, track.cover_art):
            if written:
                written.storage.delete(str(written.name))
        raise
    return track


@transaction.atomic
def track_update(*, user: User, track_id: int, data: dict[str, Any]) -> Track:
    track = _own_track(user, track_id, lock=True)
    _clean_track(track, data)
    track.save()
    return track


def track_check(*, track: Track, data: dict[str, Any]) -> dict[str, Any]:
    """What :func:`track_update` would store for ``data``, without saving (``ApplicationError``
    when it would refuse): for forms that show errors before they save (admin)."""
    draft = copy.copy(track)
    _clean_track(draft, data)
    return {field: getattr(draft, field) for field in TRACK_FIELDS if field in data}


def _staff_track(by: User, track_id: int) -> Track:
    require_staff(by)
    track = Track.objects.select_for_update().filter(pk=track_id).first()
    if track is None:
        raise NotFoundError("not_found", "No such track.")
    return track


@transaction.atomic
def track_update_by_staff(*, track_id: int, by: User, data: dict[str, Any]) -> Track:
    """Staff edit a track's details (admin), validated like the artist's own edits."""
    track = _staff_track(by, track_id)
    _clean_track(track, data)
    track.save()
    return track


@transaction.atomic
def track_delete(*, user: User, track_id: int) -> None:
    """Delete a track and its files; its bytes go back to the quota."""
    _remove(_own_track(user, track_id, lock=True))


@transaction.atomic
def track_delete_by_staff(*, track_id: int, by: User) -> None:
    """Staff delete a track (admin): quota and files exactly as when its artist deletes it."""
    _remove(_staff_track(by, track_id))


def _remove(track: Track) -> None:
    names = [str(f.name) for f in (track.audio, track.cover_art) if f]
    file_storage = track.audio.storage
    quota_release(artist_id=track.artist_id, size=track.audio_size_bytes)
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
