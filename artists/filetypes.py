"""What a file is, from its bytes: the accepted types and largest size per media category, the
sniffing, the name a stored file gets, and the length of an audio file.

Pure functions with no database or storage access: the media and track services, the page forms
(help texts) and the admin all read the limits from here.
"""

import mimetypes
import os
import uuid
from dataclasses import dataclass
from typing import IO

import filetype
import mutagen
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from artists.models import MediaCategory
from umbrella.errors import ApplicationError

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

HEAD_BYTES = 8192  # how much of a file the sniffing reads


def max_bytes(category: str) -> int:
    """The largest file accepted in ``category`` (the one place each limit is written)."""
    return CATEGORY_RULES[category][1]


def human_size(size: int) -> str:
    """``500 MB``, ``5 GB``: how the limits are written on pages and in errors."""
    return f"{size // (1024 * MB)} GB" if size >= 1024 * MB else f"{size // MB} MB"


CATEGORY_NAMES: dict[str, str] = {  # how the limits are listed on the upload page
    MediaCategory.PRESS_PHOTO: "press photos",
    MediaCategory.MUSIC: "music",
    MediaCategory.VIDEO: "video",
    MediaCategory.DOCUMENT: "documents",
    MediaCategory.OTHER: "other files",
}


def limits_text() -> str:
    """``Press photos up to 25 MB, music up to 500 MB, …``: the limits, from CATEGORY_RULES."""
    parts = [f"{CATEGORY_NAMES[c]} up to {human_size(max_bytes(c))}" for c in CATEGORY_RULES]
    text = ", ".join(parts)
    return f"{text[0].upper()}{text[1:]}."


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


def same_type(claimed: str, actual: str) -> bool:
    return claimed == actual or claimed in EQUIVALENT.get(actual, set())


def _rules(category: str) -> tuple[set[str], int]:
    if category not in CATEGORY_RULES:
        raise ApplicationError(
            "invalid_category", "Unknown category.", details={"category": ["Invalid choice."]}
        )
    return CATEGORY_RULES[category]


def _too_large(category: str, limit: int) -> ApplicationError:
    return ApplicationError(
        "file_too_large",
        f"Files in “{category}” may be at most {limit // MB} MB.",
        details={"max_bytes": limit},
        status=413,
    )


def check_type(*, head: bytes, filename: str, category: str, size: int) -> Checked:
    """Refuse a file whose bytes are not an allowed type, whose name lies, or that is too big."""
    allowed, limit = _rules(category)
    if size <= 0:
        raise ApplicationError("empty_file", "The file is empty.")
    if size > limit:
        raise _too_large(category, limit)
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
    if claimed and not same_type(claimed, mime):
        raise ApplicationError(
            "type_mismatch",
            f"The file's name says {claimed} but its content is {mime}.",
            details={"claimed": claimed, "detected": mime},
            status=415,
        )
    return Checked(mime_type=mime, extension=extension, size=size)


def check_announced(*, category: str, filename: str, size: int, mime_type: str) -> str:
    """Check what a client *says* it will upload straight to the bucket (the bytes are checked
    again on confirmation). Returns the app's own name for the announced type."""
    allowed, limit = _rules(category)
    if size <= 0 or size > limit:
        # (an empty announcement is refused like this since direct uploads began)
        raise ApplicationError(
            "file_too_large", f"Files in “{category}” may be at most {limit // MB} MB.", status=413
        )
    claimed, _ = mimetypes.guess_type(filename)
    # browsers name some types differently (audio/wav, audio/flac): use the app's own name
    announced = mime_type.split(";")[0].strip().lower()
    mime = (
        announced
        if announced in allowed
        else next((a for a in sorted(allowed) if announced in EQUIVALENT.get(a, set())), None)
    )
    if mime is None or (claimed and not same_type(claimed, mime)):
        raise ApplicationError(
            "unsupported_type", "This kind of file is not accepted here.", status=415
        )
    return mime


def head_of(file: IO[bytes]) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def check_upload(upload: UploadedFile, *, category: str) -> Checked:
    return check_type(
        head=head_of(upload), filename=upload.name or "", category=category, size=upload.size or 0
    )


def safe_name(filename: str | None, extension: str) -> str:
    """A storage name for an upload: its own stem, cleaned, and the extension its bytes have.

    A name with nothing usable left ("???", "...", emoji only) gets a generated stem; the
    original name is kept separately for listing and download.
    """
    try:
        stem = get_valid_filename(os.path.splitext(filename or "file")[0])[:80]
    except SuspiciousFileOperation:
        stem = ""
    return f"{stem or 'upload-' + uuid.uuid4().hex[:12]}.{extension}"


def display_name(filename: str) -> str:
    """The name a file is listed under: the last path part of what the client sent."""
    return os.path.basename(filename.replace("\\", "/"))


def key_name(filename: str) -> str:
    """A bucket-safe last part of a key for a direct upload (the bytes are not known yet)."""
    try:
        return get_valid_filename(display_name(filename))[:100]
    except SuspiciousFileOperation:  # nothing usable left of the name ("..", "???")
        return "file"


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
