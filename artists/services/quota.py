"""The storage quota: 50 GB per artist shared by locker files and track audio.

Bytes are *reserved* with one conditional UPDATE before a file is stored, so concurrent uploads
can never push ``used_bytes`` past ``limit_bytes``; a failed upload gives its reservation back;
deleting a file frees its bytes. Reserving is its own short transaction: the file is written to
storage afterwards, with no row lock held (see docs/conventions.md).

:func:`quota_reconcile` (nightly, ``artists.reconcile_all_quotas``) repairs what a crash between
"reserve" and "confirm" leaves behind: it drops pending uploads older than
:data:`PENDING_UPLOAD_TTL` (row, reservation and stored object) and recomputes ``used_bytes``
from the files that exist.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from artists.integrations import s3
from artists.models import MediaFile, MediaQuota, MediaStatus, Track
from artists.services.profiles import require_staff
from umbrella.errors import ApplicationError

# A pending upload older than this is abandoned: a presigned upload expires after an hour, an
# upload through the app takes seconds; a day leaves room for a slow client to confirm.
PENDING_UPLOAD_TTL = timedelta(seconds=s3.PRESIGN_SECONDS) + timedelta(hours=23)


def quota_for(*, artist_id: int) -> MediaQuota:
    quota, _ = MediaQuota.objects.get_or_create(artist_id=artist_id)
    return quota


@transaction.atomic
def quota_reserve(*, artist_id: int, size: int) -> None:
    """Take ``size`` bytes of the quota, or refuse. One conditional UPDATE: race-free."""
    quota_for(artist_id=artist_id)
    taken = MediaQuota.objects.filter(
        artist_id=artist_id, used_bytes__lte=F("limit_bytes") - size
    ).update(used_bytes=F("used_bytes") + size)
    if not taken:
        quota = MediaQuota.objects.get(artist_id=artist_id)
        raise ApplicationError(
            "quota_exceeded",
            "This file does not fit in your storage.",
            details={
                "used_bytes": quota.used_bytes,
                "limit_bytes": quota.limit_bytes,
                "needed_bytes": size,
            },
            status=413,
        )


def quota_check_limit(*, quota: MediaQuota, limit_bytes: int) -> None:
    """A limit may not be set below what the artist already stores."""
    if limit_bytes < quota.used_bytes:
        raise ApplicationError(
            "validation_error",
            "The limit cannot be below what the artist already stores.",
            details={"limit_bytes": [f"{quota.used_bytes} bytes are in use: delete files first."]},
        )


@transaction.atomic
def quota_set_limit(*, artist_id: int, by: User, limit_bytes: int) -> MediaQuota:
    """Staff change an artist's storage limit (admin); never below what is used."""
    require_staff(by)
    quota = MediaQuota.objects.select_for_update().get(artist_id=artist_id)
    quota_check_limit(quota=quota, limit_bytes=limit_bytes)
    quota.limit_bytes = limit_bytes
    quota.save(update_fields=["limit_bytes", "updated_at"])
    return quota


def quota_release(*, artist_id: int, size: int) -> None:
    MediaQuota.objects.filter(artist_id=artist_id).update(
        used_bytes=Greatest(F("used_bytes") - size, Value(0))
    )


def _stored_size(name: str) -> int:
    try:
        return default_storage.size(name)
    except (FileNotFoundError, OSError):
        return 0


def quota_expire_pending(*, artist_id: int) -> int:
    """Drop the artist's pending uploads older than :data:`PENDING_UPLOAD_TTL`: the rows and
    their reservations in one short transaction, then (no lock held) whatever was stored of
    them. Returns how many were dropped."""
    stale_before = timezone.now() - PENDING_UPLOAD_TTL
    with transaction.atomic():
        stale = list(
            MediaFile.objects.select_for_update()
            .filter(artist_id=artist_id, status=MediaStatus.PENDING, created_at__lt=stale_before)
            .order_by("pk")
        )
        names = [str(media.file.name) for media in stale if media.file]
        for media in stale:
            quota_release(artist_id=artist_id, size=media.size_bytes)
            media.delete()
    for name in names:
        default_storage.delete(name)
    return len(stale)


def quota_reconcile(*, artist_id: int) -> MediaQuota:
    """Recompute ``used_bytes`` from what storage really holds. Safe to run at any time and as
    often as wanted.

    Stale pending uploads are dropped first; the remaining pending ones keep their reservation.
    Stored sizes are read from storage (network) *before* the quota row is locked; a file that
    appears in between counts with the size its row recorded. A track upload caught between its
    reservation and its row is not counted until the next run.
    """
    quota_expire_pending(artist_id=artist_id)
    measured_media = {
        pk: _stored_size(name)
        for pk, name in MediaFile.objects.filter(
            artist_id=artist_id, status=MediaStatus.READY
        ).values_list("pk", "file")
    }
    measured_tracks = {
        pk: _stored_size(name) if name else 0
        for pk, name in Track.objects.filter(artist_id=artist_id).values_list("pk", "audio")
    }
    with transaction.atomic():
        quota = MediaQuota.objects.select_for_update().get(artist_id=artist_id)
        total = 0
        for pk, status, size in MediaFile.objects.filter(artist_id=artist_id).values_list(
            "pk", "status", "size_bytes"
        ):
            total += size if status == MediaStatus.PENDING else measured_media.get(pk, size)
        for pk, name, size in Track.objects.filter(artist_id=artist_id).values_list(
            "pk", "audio", "audio_size_bytes"
        ):
            total += measured_tracks.get(pk, size if name else 0)
        quota.used_bytes = min(total, quota.limit_bytes)
        quota.save(update_fields=["used_bytes", "updated_at"])
    return quota
