"""The media locker: type checks from the bytes, per-category limits, the 50 GB quota, uploads
through the app (local storage) or straight to the bucket (S3/R2 presigned POST), and the
reconcile job.

The quota rule: bytes are *reserved* with one conditional UPDATE before a file is stored, so
concurrent uploads can never push ``used_bytes`` past ``limit_bytes``; a failed upload gives its
reservation back; deleting a file frees its bytes.
"""

import mimetypes
import os
import uuid
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

import filetype
import mutagen
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.text import get_valid_filename

from accounts.models import Role, User
from artists.models import ArtistProfile, MediaCategory, MediaFile, MediaQuota, MediaStatus, Track
from umbrella.errors import ApplicationError, NotFoundError

MB = 1024 * 1024

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
AUDIO_TYPES = {
    "audio/mpeg",
    "audio/x-wav",
    "audio/x-flac",
    "audio/ogg",
    "audio/mp4",
    "audio/aac",
    "audio/x-aiff",
}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm", "video/x-m4v"}
DOCUMENT_TYPES = {
    "application/pdf",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
    "application/rtf",
    "application/vnd.oasis.opendocument.text",
}

# category: (allowed types, largest file)
CATEGORY_RULES: dict[str, tuple[set[str], int]] = {
    MediaCategory.PRESS_PHOTO: (IMAGE_TYPES, 25 * MB),
    MediaCategory.MUSIC: (AUDIO_TYPES, 500 * MB),
    MediaCategory.VIDEO: (VIDEO_TYPES, 5 * 1024 * MB),
    MediaCategory.DOCUMENT: (DOCUMENT_TYPES, 50 * MB),
    MediaCategory.OTHER: (IMAGE_TYPES | AUDIO_TYPES | VIDEO_TYPES | DOCUMENT_TYPES, 100 * MB),
}

# Names that mean the same type (what the extension says vs. what the bytes say).
EQUIVALENT = {
    "audio/x-wav": {"audio/wav", "audio/wave", "audio/vnd.wave"},
    "audio/mpeg": {"audio/mp3"},
    "audio/x-flac": {"audio/flac"},
    "audio/mp4": {"audio/x-m4a", "audio/m4a", "video/mp4"},
    "video/mp4": {"audio/mp4"},
    "video/x-m4v": {"video/mp4"},
    "audio/x-aiff": {"audio/aiff"},
    "audio/ogg": {"application/ogg", "video/ogg", "audio/x-ogg"},
    "application/rtf": {"text/rtf"},
    "text/plain": {"text/markdown", "text/csv"},
}
mimetypes.add_type("audio/mp4", ".m4a")
mimetypes.add_type("audio/x-flac", ".flac")
mimetypes.add_type("image/webp", ".webp")


@dataclass(frozen=True)
class Checked:
    mime_type: str
    extension: str
    size: int


def sniff(head: bytes) -> tuple[str, str] | None:
    """The type of a file from its first bytes: ``(mime type, extension)``, or ``None``."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime, kind.extension
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # the head may end in the middle of a character
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                return None
        return "text/plain", "txt"
    return None


def _same_type(claimed: str, actual: str) -> bool:
    return claimed == actual or claimed in EQUIVALENT.get(actual, set())


def check_type(*, head: bytes, filename: str, category: str, size: int) -> Checked:
    """Refuse a file whose bytes are not an allowed type, whose name lies, or that is too big."""
    if category not in CATEGORY_RULES:
        raise ApplicationError(
            "invalid_category", "Unknown category.", details={"category": ["Invalid choice."]}
        )
    allowed, max_bytes = CATEGORY_RULES[category]
    if size <= 0:
        raise ApplicationError("empty_file", "The file is empty.")
    if size > max_bytes:
        raise ApplicationError(
            "file_too_large",
            f"Files in “{category}” may be at most {max_bytes // MB} MB.",
            details={"max_bytes": max_bytes},
            status=413,
        )
    sniffed = sniff(head)
    if sniffed is None or sniffed[0] not in allowed:
        raise ApplicationError(
            "unsupported_type",
            "This kind of file is not accepted here.",
            details={"detected": sniffed[0] if sniffed else None, "allowed": sorted(allowed)},
            status=415,
        )
    mime, extension = sniffed
    claimed, _ = mimetypes.guess_type(filename)
    if claimed and not _same_type(claimed, mime):
        raise ApplicationError(
            "type_mismatch",
            f"The file's name says {claimed} but its content is {mime}.",
            details={"claimed": claimed, "detected": mime},
            status=415,
        )
    return Checked(mime_type=mime, extension=extension, size=size)


def _head(file: IO[bytes]) -> bytes:
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    return head


def check_upload(upload: UploadedFile, *, category: str) -> Checked:
    return check_type(
        head=_head(upload), filename=upload.name or "", category=category, size=upload.size or 0
    )


def safe_name(filename: str | None, extension: str) -> str:
    stem = get_valid_filename(os.path.splitext(filename or "file")[0])[:80] or "file"
    return f"{stem}.{extension}"


def audio_duration(file: IO[bytes]) -> int | None:
    """Seconds of audio, read from the file's own header when the format allows."""
    try:
        file.seek(0)
        info = mutagen.File(file)
    except Exception:  # a damaged header is not the user's error: the duration stays unknown
        return None
    finally:
        file.seek(0)
    length = getattr(getattr(info, "info", None), "length", None)
    return round(length) if length else None


# --- quota ----------------------------------------------------------------------------------


def quota_for(*, artist_id: int) -> MediaQuota:
    quota, _ = MediaQuota.objects.get_or_create(artist_id=artist_id)
    return quota


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


def quota_release(*, artist_id: int, size: int) -> None:
    MediaQuota.objects.filter(artist_id=artist_id).update(
        used_bytes=Greatest(F("used_bytes") - size, Value(0))
    )


# --- locker files ---------------------------------------------------------------------------


def _artist_of(user: User) -> ArtistProfile:
    profile = ArtistProfile.objects.filter(user=user).first()
    if profile is None or user.role != Role.ARTIST:
        raise NotFoundError("not_found", "You have no artist profile yet.")
    return profile


def media_upload(*, user: User, category: str, upload: UploadedFile) -> MediaFile:
    """Store a file that came through the app (local storage, or small files on S3)."""
    artist = _artist_of(user)
    checked = check_upload(upload, category=category)
    quota_reserve(artist_id=artist.pk, size=checked.size)
    try:
        media = MediaFile(
            artist=artist,
            category=category,
            filename=os.path.basename(upload.name or "file")[:255],
            size_bytes=checked.size,
            mime_type=checked.mime_type,
            status=MediaStatus.READY,
        )
        media.file.save(
            f"{artist.pk}/{uuid.uuid4().hex}/{safe_name(upload.name, checked.extension)}",
            upload,
            save=False,
        )
        media.save()
    except BaseException:
        quota_release(artist_id=artist.pk, size=checked.size)
        raise
    return media


def _own_media(user: User, media_id: int, *, lock: bool = False) -> MediaFile:
    files = MediaFile.objects.select_for_update() if lock else MediaFile.objects.all()
    media = files.filter(pk=media_id, artist__user=user).first()
    if media is None:
        raise NotFoundError("not_found", "No such file.")
    return media


@transaction.atomic
def media_delete(*, user: User, media_id: int) -> None:
    media = _own_media(user, media_id, lock=True)
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


def _key(name: str) -> str:
    """The bucket key of a storage name (S3Storage prefixes its ``location``)."""
    normalise = getattr(default_storage, "_normalize_name", None)
    return normalise(name) if normalise else name


def _s3() -> Any:
    """The S3/R2 storage (django-storages), whose boto3 client signs direct uploads."""
    return default_storage


def direct_uploads_enabled() -> bool:
    return hasattr(default_storage, "bucket_name")


PRESIGN_SECONDS = 3600


def media_upload_start(
    *, user: User, category: str, filename: str, size_bytes: int, mime_type: str
) -> tuple[MediaFile, dict[str, Any]]:
    """Reserve the quota for a file the client will send straight to the bucket.

    Returns the pending file and how to upload it: ``{"method", "url", "fields", "headers"}``.
    With ``DIRECT_UPLOAD_METHOD = "post"`` (AWS S3, MinIO) a presigned POST form accepting at
    most ``size_bytes``; with ``"put"`` (Cloudflare R2, which has no POST uploads) a presigned PUT
    URL whose signature covers the content type and exact length.
    :func:`media_upload_confirm` finishes either.
    """
    if not direct_uploads_enabled():
        raise ApplicationError(
            "direct_upload_unavailable",
            "This server stores files itself: upload them with POST …/media/.",
            status=409,
        )
    artist = _artist_of(user)
    allowed, max_bytes = CATEGORY_RULES.get(category, (set(), 0))
    if not allowed:
        raise ApplicationError(
            "invalid_category", "Unknown category.", details={"category": ["Invalid choice."]}
        )
    if size_bytes <= 0 or size_bytes > max_bytes:
        raise ApplicationError(
            "file_too_large",
            f"Files in “{category}” may be at most {max_bytes // MB} MB.",
            status=413,
        )
    claimed, _ = mimetypes.guess_type(filename)
    # browsers name some types differently (audio/wav, audio/flac): use the app's own name
    announced = mime_type.split(";")[0].strip().lower()
    mime = (
        announced
        if announced in allowed
        else next((a for a in sorted(allowed) if announced in EQUIVALENT.get(a, set())), None)
    )
    if mime is None or (claimed and not _same_type(claimed, mime)):
        raise ApplicationError(
            "unsupported_type", "This kind of file is not accepted here.", status=415
        )
    name = os.path.basename(filename.replace("\\", "/"))
    try:
        key_name = get_valid_filename(name)[:100]
    except SuspiciousFileOperation:  # nothing usable left of the name ("..", "???")
        key_name = "file"
    quota_reserve(artist_id=artist.pk, size=size_bytes)
    try:
        media = MediaFile.objects.create(
            artist=artist,
            category=category,
            filename=(name or "file")[:255],
            size_bytes=size_bytes,
            mime_type=mime,
            status=MediaStatus.PENDING,
            file=f"artists/media/{artist.pk}/{uuid.uuid4().hex}/{key_name}",
        )
        upload = _presign_upload(key=_key(str(media.file.name)), mime=mime, size=size_bytes)
    except BaseException:
        quota_release(artist_id=artist.pk, size=size_bytes)
        raise
    return media, upload


def _presign_upload(*, key: str, mime: str, size: int) -> dict[str, Any]:
    client = _s3().connection.meta.client
    bucket = _s3().bucket_name
    if settings.DIRECT_UPLOAD_METHOD == "put":
        url = client.generate_presigned_url(
            "put_object",
            Params={"Bucket": bucket, "Key": key, "ContentType": mime, "ContentLength": size},
            ExpiresIn=PRESIGN_SECONDS,
        )
        headers = {"Content-Type": mime, "Content-Length": str(size)}
        return {"method": "PUT", "url": url, "fields": {}, "headers": headers}
    post = client.generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields={"Content-Type": mime},
        Conditions=[["content-length-range", 1, size], {"Content-Type": mime}],
        ExpiresIn=PRESIGN_SECONDS,
    )
    return {"method": "POST", "url": post["url"], "fields": post["fields"], "headers": {}}


def download_url(media: MediaFile) -> str:
    """A short-lived bucket URL that downloads the file under its original name."""
    disposition = f"attachment; filename*=UTF-8''{quote(media.filename)}"
    return _s3().url(
        str(media.file.name),
        parameters={
            "ResponseContentDisposition": disposition,
            "ResponseContentType": media.mime_type,
        },
    )


def media_upload_confirm(*, user: User, media_id: int) -> MediaFile:
    """Check what really arrived in the bucket: its size and, from its first bytes, its type.

    A refused file is removed (object, reservation, row) and that is committed *before* the
    error is raised: raising inside the transaction would roll the clean-up back.
    """
    with transaction.atomic():
        media = _own_media(user, media_id, lock=True)
        if media.status == MediaStatus.READY:
            return media  # confirming twice is harmless
        client = _s3().connection.meta.client
        bucket = _s3().bucket_name
        key = _key(str(media.file.name))
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey", "NotFound"}:
                raise  # the bucket is unreachable or refuses us: not the client's fault
            raise ApplicationError(
                "upload_missing", "The file has not arrived in storage yet.", status=409
            ) from error
        real_size = int(head["ContentLength"])
        first = (  # a range on an empty object is "not satisfiable"
            client.get_object(Bucket=bucket, Key=key, Range="bytes=0-8191")["Body"].read()
            if real_size
            else b""
        )
        try:
            if real_size > media.size_bytes:
                raise ApplicationError("size_mismatch", "The file is larger than announced.")
            checked = check_type(
                head=first, filename=media.filename, category=media.category, size=real_size
            )
        except ApplicationError as error:
            refused = error
            client.delete_object(Bucket=bucket, Key=key)
            quota_release(artist_id=media.artist_id, size=media.size_bytes)
            media.delete()
        else:
            if real_size < media.size_bytes:
                quota_release(artist_id=media.artist_id, size=media.size_bytes - real_size)
            media.size_bytes = real_size
            media.mime_type = checked.mime_type
            media.status = MediaStatus.READY
            media.save(update_fields=["size_bytes", "mime_type", "status", "updated_at"])
            return media
    raise refused


# --- reconcile ------------------------------------------------------------------------------


def _stored_size(name: str) -> int:
    try:
        return default_storage.size(name)
    except (FileNotFoundError, OSError):
        return 0


@transaction.atomic
def quota_reconcile(*, artist_id: int) -> MediaQuota:
    """Recompute ``used_bytes`` from what storage really holds (pending uploads keep their
    reservation). Safe to run at any time and as often as wanted."""
    quota = MediaQuota.objects.select_for_update().get(artist_id=artist_id)
    total = 0
    for media in MediaFile.objects.filter(artist_id=artist_id).only("file", "size_bytes", "status"):
        total += (
            media.size_bytes
            if media.status == MediaStatus.PENDING
            else _stored_size(str(media.file.name))
        )
    for name in Track.objects.filter(artist_id=artist_id).values_list("audio", flat=True):
        total += _stored_size(name) if name else 0
    quota.used_bytes = min(total, quota.limit_bytes)
    quota.save(update_fields=["used_bytes", "updated_at"])
    return quota
