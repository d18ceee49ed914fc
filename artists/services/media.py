"""The media locker: uploads through the app or straight to the bucket (S3/R2), deletes and
downloads. Types and limits come from :mod:`artists.filetypes`, bytes from
:mod:`artists.services.quota`, the bucket from :mod:`artists.integrations.s3`.

Every upload is three steps, so that no network call happens under a row lock:

1. **reserve** (short transaction): take the bytes from the quota and create the row as
   ``pending`` with the storage name it will have;
2. **store** (no transaction): write the file, or let the client upload it to the bucket;
3. **confirm** (short transaction): mark the row ``ready`` — or **abandon** it: release the
   reservation and delete the row (short transaction), then delete whatever was stored.

A crash between 1 and 3 leaves a pending row holding its reservation; the nightly reconcile
(:func:`artists.services.quota.quota_expire_pending`) abandons it after a day.
"""

import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from artists import filetypes, selectors
from artists.integrations import s3
from artists.models import ArtistProfile, MediaFile, MediaStatus
from artists.services.profiles import require_staff
from artists.services.quota import quota_release, quota_reserve
from umbrella.errors import ApplicationError, NotFoundError, about_field

MEDIA_DIR = "artists/media"


def _storage_name(artist: ArtistProfile, last_part: str) -> str:
    return f"{MEDIA_DIR}/{artist.pk}/{uuid.uuid4().hex}/{last_part}"


@transaction.atomic
def _reserve(
    *, artist: ArtistProfile, category: str, filename: str, size: int, mime: str, name: str
) -> MediaFile:
    quota_reserve(artist_id=artist.pk, size=size)
    return MediaFile.objects.create(
        artist=artist,
        category=category,
        filename=(filename or "file")[:255],
        size_bytes=size,
        mime_type=mime,
        status=MediaStatus.PENDING,
        file=name,
    )


def _abandon(media_id: int) -> None:
    """Give up a pending upload: its reservation and its row in one short transaction, then
    (no lock held) whatever was stored of it."""
    with transaction.atomic():
        media = MediaFile.objects.select_for_update().filter(pk=media_id).first()
        if media is None or media.status != MediaStatus.PENDING:
            return  # deleted, expired or confirmed meanwhile: nothing of ours to undo
        name, file_storage = str(media.file.name), media.file.storage
        quota_release(artist_id=media.artist_id, size=media.size_bytes)
        media.delete()
    if name:
        file_storage.delete(name)


def media_upload(*, user: User, category: str, upload: UploadedFile) -> MediaFile:
    """Store a file that came through the app (local storage, or small files on S3)."""
    artist = selectors.artist_own(user=user)
    with about_field("file"):
        checked = filetypes.check_upload(upload, category=category)
        media = _reserve(
            artist=artist,
            category=category,
            filename=filetypes.display_name(upload.name or "file"),
            size=checked.size,
            mime=checked.mime_type,
            name=_storage_name(artist, filetypes.safe_name(upload.name, checked.extension)),
        )
    try:
        upload.seek(0)
        stored = media.file.storage.save(str(media.file.name), upload, max_length=500)
    except BaseException:
        _abandon(media.pk)
        raise
    media.file.name = stored
    media.status = MediaStatus.READY
    media.save(update_fields=["file", "status", "updated_at"])
    return media


def _own_media(user: User, media_id: int, *, lock: bool = False) -> MediaFile:
    files = MediaFile.objects.select_for_update() if lock else MediaFile.objects.all()
    media = files.filter(pk=media_id, artist__user=user).first()
    if media is None:
        raise NotFoundError("not_found", "No such file.")
    return media


@transaction.atomic
def media_delete(*, user: User, media_id: int) -> None:
    """Delete a file: its bytes go back to the quota, the stored object goes after commit."""
    _remove(_own_media(user, media_id, lock=True))


def _staff_media(by: User, media_id: int) -> MediaFile:
    require_staff(by)
    media = MediaFile.objects.select_for_update().filter(pk=media_id).first()
    if media is None:
        raise NotFoundError("not_found", "No such file.")
    return media


@transaction.atomic
def media_delete_by_staff(*, media_id: int, by: User) -> None:
    """Staff delete a file (admin): quota and storage exactly as when its artist deletes it."""
    _remove(_staff_media(by, media_id))


def media_check_category(*, media: MediaFile, category: str) -> None:
    """Whether ``media`` may be filed under ``category``: its type and size must be allowed
    there, as if it had been uploaded to it (a private document never becomes a press photo)."""
    allowed, limit = filetypes.CATEGORY_RULES.get(category, (set(), 0))
    if media.mime_type not in allowed or media.size_bytes > limit:
        raise ApplicationError(
            "validation_error",
            "This file could not have been uploaded to that category.",
            details={"category": [f"A {media.mime_type} file of this size cannot go there."]},
        )


@transaction.atomic
def media_set_category(*, media_id: int, by: User, category: str) -> MediaFile:
    """Staff move a file to another category (admin), only where it could have been uploaded."""
    media = _staff_media(by, media_id)
    media_check_category(media=media, category=category)
    media.category = category
    media.save(update_fields=["category", "updated_at"])
    return media


def _remove(media: MediaFile) -> None:
    name, file_storage = str(media.file.name), media.file.storage
    quota_release(artist_id=media.artist_id, size=media.size_bytes)
    media.delete()
    transaction.on_commit(lambda: file_storage.delete(name))


def media_get_for_download(*, user: User, media_id: int) -> MediaFile:
    media = _own_media(user, media_id)
    if media.status != MediaStatus.READY:
        raise ApplicationError("not_ready", "This upload has not been confirmed yet.", status=409)
    return media


# --- direct uploads to S3/R2 ----------------------------------------------------------------


def _require_bucket() -> None:
    if not s3.direct_uploads_enabled():
        raise ApplicationError(
            "direct_upload_unavailable",
            "This server stores files itself: upload them with POST …/media/.",
            status=409,
        )


def media_upload_start(
    *, user: User, category: str, filename: str, size_bytes: int, mime_type: str
) -> tuple[MediaFile, dict[str, Any]]:
    """Reserve the quota for a file the client will send straight to the bucket.

    Returns the pending file and how to upload it (:func:`artists.integrations.s3.presign_upload`).
    :func:`media_upload_confirm` finishes it.
    """
    _require_bucket()
    artist = selectors.artist_own(user=user)
    mime = filetypes.check_announced(
        category=category, filename=filename, size=size_bytes, mime_type=mime_type
    )
    media = _reserve(
        artist=artist,
        category=category,
        filename=filetypes.display_name(filename),
        size=size_bytes,
        mime=mime,
        name=_storage_name(artist, filetypes.key_name(filename)),
    )
    try:
        upload = s3.presign_upload(name=str(media.file.name), mime=mime, size=size_bytes)
    except BaseException:
        _abandon(media.pk)
        raise
    return media, upload


def media_upload_confirm(*, user: User, media_id: int) -> MediaFile:
    """Check what really arrived in the bucket: its size and, from its first bytes, its type.

    The bucket is asked with no lock held; then one short transaction confirms the row (if it is
    still pending). A refused file is abandoned (reservation, row, object) before the error is
    raised.
    """
    _require_bucket()
    media = _own_media(user, media_id)
    if media.status == MediaStatus.READY:
        return media  # confirming twice is harmless
    stored = s3.object_head(name=str(media.file.name), head_bytes=filetypes.HEAD_BYTES)
    if stored is None:
        raise ApplicationError(
            "upload_missing", "The file has not arrived in storage yet.", status=409
        )
    try:
        if stored.size > media.size_bytes:
            raise ApplicationError("size_mismatch", "The file is larger than announced.")
        checked = filetypes.check_type(
            head=stored.head, filename=media.filename, category=media.category, size=stored.size
        )
    except ApplicationError:
        _abandon(media.pk)
        raise
    with transaction.atomic():
        locked = _own_media(user, media_id, lock=True)  # 404 if deleted or expired meanwhile
        if locked.status == MediaStatus.READY:
            return locked  # a concurrent confirmation won
        if stored.size < locked.size_bytes:
            quota_release(artist_id=locked.artist_id, size=locked.size_bytes - stored.size)
        locked.size_bytes = stored.size
        locked.mime_type = checked.mime_type
        locked.status = MediaStatus.READY
        locked.save(update_fields=["size_bytes", "mime_type", "status", "updated_at"])
    return locked
